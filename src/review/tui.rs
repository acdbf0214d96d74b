//! The full-screen review's terminal loop: sets up the terminal (raw mode, alternate screen),
//! draws the screen after every event (so a resize redraws), hands keys to the model, runs the
//! editor for `e`, and restores the terminal on every way out — quit, Ctrl-C, an error, or a
//! panic (ratatui's panic hook restores it before the message is printed). When another
//! process holds the database's lock past the busy timeout, the screen says so and tries the
//! key again until it is saved (or another key is pressed); the session stays open.

use std::process::Command;
use std::time::Duration;

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEvent, KeyEventKind};

use super::markdown::Palette;
use super::session::{Session, Summary};
use super::ui::{Effect, Ui};
use super::view;
use crate::error::{Error, Result};

/// Whether colour is wanted: not when `NO_COLOR` is set to anything non-empty.
pub fn palette_from_env() -> Palette {
    Palette {
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn term_error(e: std::io::Error) -> Error {
    Error::io("<terminal>", e)
}

/// Runs the session full-screen. `rebuild` recompiles the decks after the editor closes and
/// returns a message to show (a summary line, or the deck's first error).
pub fn run(
    session: &mut Session<'_>,
    palette: Palette,
    rebuild: &mut dyn FnMut() -> String,
) -> Result<Summary> {
    let mut terminal = ratatui::try_init().map_err(term_error)?;
    let result = event_loop(&mut terminal, session, palette, rebuild);
    ratatui::restore();
    result
}

/// The line shown while a write waits for another process's lock (fits 80 columns).
const BUSY: &str = "database busy: another skilldeck is writing; retrying (any key stops)";

/// How long the screen waits for a key that cancels a retry before trying a write again.
const RETRY_PAUSE: Duration = Duration::from_millis(300);

fn event_loop(
    terminal: &mut DefaultTerminal,
    session: &mut Session<'_>,
    palette: Palette,
    rebuild: &mut dyn FnMut() -> String,
) -> Result<Summary> {
    let mut ui = Ui::new(palette);
    ui.refresh(session)?;
    // A key whose write found the database busy, to try again.
    let mut retry: Option<KeyEvent> = None;
    loop {
        let screen = ui.screen(session)?;
        terminal
            .draw(|frame| view::draw(frame, &screen))
            .map_err(term_error)?;
        let event = match retry.take() {
            // Any key pressed meanwhile cancels the retry and is handled instead.
            Some(key) if !event::poll(RETRY_PAUSE).map_err(term_error)? => Event::Key(key),
            _ => event::read().map_err(term_error)?,
        };
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                let writes = session.writes();
                match ui.update(session, key) {
                    Ok(Effect::Quit) => break,
                    Ok(Effect::Edit { file, line }) => {
                        ratatui::restore();
                        let edited = edit(&file, line);
                        *terminal = ratatui::try_init().map_err(term_error)?;
                        terminal.clear().map_err(term_error)?;
                        let message = match edited {
                            Ok(()) => rebuild(),
                            Err(e) => e.to_string(),
                        };
                        ui.refresh(session)?;
                        ui.message = Some(message);
                    }
                    Ok(Effect::None) => {}
                    // The write was not made: say so, and try the key again.
                    Err(e) if e.is_busy() && session.writes() == writes => {
                        ui.message = Some(BUSY.to_owned());
                        retry = Some(key);
                    }
                    // The write was made, then reading the next card failed: read it again.
                    Err(e) if e.is_busy() => {
                        ui.refresh(session)?;
                        ui.message = None;
                    }
                    // Refused (an answer that was answered again elsewhere cannot be undone).
                    Err(Error::User(message)) => ui.message = Some(message),
                    Err(e) => return Err(e),
                }
            }
            // A resize, focus or paste event: the loop redraws.
            _ => {}
        }
    }
    session.summary()
}

/// Opens `$VISUAL` or `$EDITOR` (else `vi`) at a file and line, and waits for it.
fn edit(file: &str, line: u32) -> Result<()> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_owned());
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = Command::new(program)
        .args(parts)
        .arg(format!("+{line}"))
        .arg(file)
        .status()
        .map_err(|e| {
            Error::user(format!(
                "cannot start the editor `{program}`: {e}; set $EDITOR"
            ))
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::user(format!(
            "the editor `{program}` exited with {status}; nothing rebuilt"
        )))
    }
}
