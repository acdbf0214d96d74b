//! The dashboard's terminal loop: sets up the terminal (raw mode, alternate screen), draws
//! after every event (so a resize redraws) and restores the terminal on every way out — a
//! key that leaves, an error, or a panic (ratatui's panic hook restores it first).

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};

use super::View;
use super::data::Dashboard;
use super::draw::draw;
use crate::error::{Error, Result};

fn term_error(e: std::io::Error) -> Error {
    Error::io("<terminal>", e)
}

/// Shows the dashboard full-screen until the reader leaves.
pub fn run(dashboard: &Dashboard, view: View) -> Result<()> {
    let mut terminal = ratatui::try_init().map_err(term_error)?;
    let result = event_loop(&mut terminal, dashboard, view);
    ratatui::restore();
    result
}

fn event_loop(terminal: &mut DefaultTerminal, dashboard: &Dashboard, mut view: View) -> Result<()> {
    loop {
        terminal
            .draw(|frame| draw(frame, dashboard, &view))
            .map_err(term_error)?;
        // Any other key, a resize, focus or paste event: the loop redraws.
        if let Event::Key(key) = event::read().map_err(term_error)?
            && key.kind != KeyEventKind::Release
            && view.update(key, dashboard.decks.len())
        {
            return Ok(());
        }
    }
}
