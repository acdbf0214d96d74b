//! The full-screen review's model and update: what the reader has done with the card in front
//! (revealed it, picked options, scrolled), how each key changes that and the session, and the
//! [`Screen`] the view draws. No terminal here: tests drive `update` with key events.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::markdown::Palette;
use super::session::{Session, Summary};
use super::text::{choice_order, cloze_back, cloze_front, interval_label, letter};
use crate::error::Result;
use crate::store::cards::CardView;
use crate::types::{NoteKind, Rating};

/// What the loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    /// Leave the full-screen view.
    Quit,
    /// Open the editor at a file and line, then rebuild.
    Edit {
        file: String,
        line: u32,
    },
}

/// The reader's state for the card in front.
pub struct Ui {
    pub revealed: bool,
    /// Option positions picked (choice cards).
    pub picked: Vec<usize>,
    pub scroll: u16,
    pub help: bool,
    pub message: Option<String>,
    pub shown_at: Instant,
    /// Set when the session is over: the summary is on screen.
    pub finished: Option<Summary>,
    pub palette: Palette,
    card: Option<CardView>,
}

impl Ui {
    pub fn new(palette: Palette) -> Ui {
        Ui {
            revealed: false,
            picked: Vec::new(),
            scroll: 0,
            help: false,
            message: None,
            shown_at: Instant::now(),
            finished: None,
            palette,
            card: None,
        }
    }

    /// Loads the card in front (after an answer, undo, edit or at start).
    pub fn refresh(&mut self, session: &Session<'_>) -> Result<()> {
        self.card = session.view()?;
        self.revealed = false;
        self.picked.clear();
        self.scroll = 0;
        self.shown_at = Instant::now();
        if self.card.is_none() && self.finished.is_none() {
            self.finished = Some(session.summary()?);
        }
        Ok(())
    }

    fn order(&self, session: &Session<'_>) -> Vec<usize> {
        match &self.card {
            Some(card) => choice_order(
                card.choices.len(),
                card.card,
                session.state().map_or(0, |s| s.reps),
            ),
            None => Vec::new(),
        }
    }

    /// The positions of the correct options, in display order.
    fn correct(&self, session: &Session<'_>) -> Vec<usize> {
        let Some(card) = &self.card else {
            return Vec::new();
        };
        let order = self.order(session);
        (0..order.len())
            .filter(|&p| card.choices[order[p]].correct)
            .collect()
    }

    /// The rating a choice card suggests once revealed.
    pub fn suggested(&self, session: &Session<'_>) -> Option<Rating> {
        let card = self.card.as_ref()?;
        if card.kind != NoteKind::Choice || !self.revealed {
            return None;
        }
        let mut picked = self.picked.clone();
        picked.sort_unstable();
        Some(if picked == self.correct(session) {
            Rating::Good
        } else {
            Rating::Again
        })
    }

    fn answer(&mut self, session: &mut Session<'_>, rating: Rating) -> Result<()> {
        let ms = i64::try_from(self.shown_at.elapsed().as_millis()).unwrap_or(i64::MAX);
        session.answer(rating, ms)?;
        self.message = None;
        self.refresh(session)
    }

    /// Applies one key press.
    pub fn update(&mut self, session: &mut Session<'_>, key: KeyEvent) -> Result<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('d')) {
            return Ok(Effect::Quit);
        }
        if self.finished.is_some() {
            return Ok(Effect::Quit);
        }
        if self.help {
            self.help = false;
            return Ok(Effect::None);
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => {
                self.finished = Some(session.summary()?);
                return Ok(Effect::None);
            }
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char('u') => {
                let undone = session.undo()?;
                self.refresh(session)?;
                self.message = Some(if undone.is_some() {
                    "undid the last answer".into()
                } else {
                    "nothing to undo".into()
                });
            }
            KeyCode::Char('s') => {
                session.suspend()?;
                self.refresh(session)?;
                self.message = Some("card suspended".into());
            }
            KeyCode::Char('b') if !self.is_choosing() => {
                session.bury()?;
                self.refresh(session)?;
                self.message = Some("card buried until tomorrow".into());
            }
            KeyCode::Char('e') if !self.is_choosing() => {
                if let Some(card) = &self.card {
                    return Ok(Effect::Edit {
                        file: card.file.clone(),
                        line: card.line,
                    });
                }
            }
            KeyCode::Down | KeyCode::Char('j') => self.scroll = self.scroll.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char(' ') | KeyCode::Enter => {
                if !self.revealed {
                    self.revealed = true;
                    self.scroll = 0;
                } else if let Some(rating) = self.suggested(session) {
                    self.answer(session, rating)?;
                }
            }
            KeyCode::Char(c @ '1'..='4') if self.revealed => {
                if let Some(rating) = Rating::from_number(i64::from(c as u8 - b'0')) {
                    self.answer(session, rating)?;
                }
            }
            KeyCode::Char(c @ 'a'..='z') if self.is_choosing() => {
                let position = usize::from(c as u8 - b'a');
                let options = self.card.as_ref().map_or(0, |card| card.choices.len());
                if position < options {
                    if let Some(i) = self.picked.iter().position(|&p| p == position) {
                        self.picked.remove(i);
                    } else {
                        self.picked.push(position);
                    }
                    // With one right option, a letter is the whole answer.
                    if self.correct(session).len() == 1 {
                        self.revealed = true;
                    }
                }
            }
            _ => {}
        }
        Ok(Effect::None)
    }

    fn is_choosing(&self) -> bool {
        !self.revealed
            && self
                .card
                .as_ref()
                .is_some_and(|c| c.kind == NoteKind::Choice)
    }

    /// What the view draws.
    pub fn screen(&self, session: &Session<'_>) -> Result<Screen> {
        let (new, learning, review) = session.counts();
        let mut screen = Screen {
            deck: String::new(),
            path: Vec::new(),
            label: String::new(),
            answered: session.answered(),
            remaining: session.remaining(),
            counts: (new, learning, review),
            card: None,
            summary: self.finished.clone(),
            help: self.help,
            message: self.message.clone(),
            palette: self.palette,
        };
        let Some(card) = &self.card else {
            return Ok(screen);
        };
        screen.deck = card.deck_name.clone();
        screen.path = card.path.clone();
        screen.label = card.label();
        let order = self.order(session);
        let (front, back) = match card.kind {
            NoteKind::Cloze => (
                cloze_front(&card.prompt, card.ord),
                join(&cloze_back(&card.prompt, card.ord), &card.answer),
            ),
            NoteKind::Reversed if card.ord == 1 => (card.answer.clone(), card.prompt.clone()),
            _ => (card.prompt.clone(), card.answer.clone()),
        };
        let options = order
            .iter()
            .enumerate()
            .map(|(position, &i)| OptionScreen {
                letter: letter(position),
                text: card.choices[i].text.clone(),
                picked: self.picked.contains(&position),
                correct: self.revealed.then_some(card.choices[i].correct),
            })
            .collect();
        let ratings = match session.preview()? {
            Some(outcomes) if self.revealed => Rating::ALL
                .iter()
                .map(|&r| {
                    let days = if r == Rating::Again {
                        0
                    } else {
                        outcomes[usize::from(r.number()) - 1].interval
                    };
                    (r, interval_label(days))
                })
                .collect(),
            _ => Vec::new(),
        };
        screen.card = Some(CardScreen {
            kind: card.kind,
            front,
            back: self.revealed.then_some(back),
            options,
            ratings,
            suggested: self.suggested(session),
            scroll: self.scroll,
        });
        Ok(screen)
    }
}

fn join(a: &str, b: &str) -> String {
    if b.is_empty() {
        a.to_owned()
    } else {
        format!("{a}\n\n{b}")
    }
}

/// Everything the view shows, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    pub deck: String,
    /// Domain › objective › skill titles.
    pub path: Vec<String>,
    /// `deck/note#ord`.
    pub label: String,
    pub answered: usize,
    pub remaining: usize,
    /// New, learning and review cards left.
    pub counts: (usize, usize, usize),
    pub card: Option<CardScreen>,
    pub summary: Option<Summary>,
    pub help: bool,
    pub message: Option<String>,
    pub palette: Palette,
}

/// The card part of the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CardScreen {
    pub kind: NoteKind,
    /// Markdown of the front.
    pub front: String,
    /// Markdown of the back, once revealed.
    pub back: Option<String>,
    pub options: Vec<OptionScreen>,
    /// Each rating with the interval it gives, once revealed.
    pub ratings: Vec<(Rating, String)>,
    pub suggested: Option<Rating>,
    pub scroll: u16,
}

/// One option of a choice card.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionScreen {
    pub letter: char,
    pub text: String,
    pub picked: bool,
    /// Whether it is correct, once revealed.
    pub correct: Option<bool>,
}
