//! `skilldeck stats` full-screen: a dashboard of readiness per domain, the projection to exam
//! day, due cards, reviews, true retention and the heatmap. [`data`] gathers the model from
//! the database, [`draw`] draws it (pure, tested on ratatui's test backend), [`term`] runs the
//! terminal. The keys live here: q, Esc or Ctrl-C leave; Tab and the arrows change deck.

pub mod data;
pub mod draw;
mod history;
pub mod term;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::review::markdown::Palette;

/// What the reader has chosen: the deck shown, and whether colour is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Index of the deck shown.
    pub deck: usize,
    pub palette: Palette,
}

impl View {
    pub fn new(palette: Palette) -> View {
        View { deck: 0, palette }
    }

    /// Applies one key; returns whether the dashboard should close. `decks` is how many decks
    /// there are to cycle through.
    pub fn update(&mut self, key: KeyEvent, decks: usize) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c' | 'd') if ctrl => return true,
            KeyCode::Char('q') | KeyCode::Esc => return true,
            KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') if decks > 0 => {
                self.deck = (self.deck + 1) % decks;
            }
            KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') if decks > 0 => {
                self.deck = (self.deck + decks - 1) % decks;
            }
            _ => {}
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_leave_and_cycle_decks() {
        let mut view = View::new(Palette { color: false });
        assert!(!view.update(key(KeyCode::Tab), 3));
        assert!(!view.update(key(KeyCode::Tab), 3));
        assert_eq!(view.deck, 2);
        view.update(key(KeyCode::Tab), 3);
        assert_eq!(view.deck, 0, "Tab wraps round");
        view.update(key(KeyCode::BackTab), 3);
        assert_eq!(view.deck, 2);
        assert!(
            !view.update(key(KeyCode::Tab), 0),
            "no deck: nothing to cycle"
        );
        assert!(!view.update(key(KeyCode::Char('x')), 3));
        assert!(view.update(key(KeyCode::Char('q')), 3));
        assert!(view.update(key(KeyCode::Esc), 3));
        assert!(view.update(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), 3));
    }
}
