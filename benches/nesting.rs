//! Deep nesting benchmark: a note whose answer nests lists or block quotes thousands of levels
//! deep on one line (`- - - … x`). The review used to draw every level, indented, and spent time
//! and memory growing with the square of the depth (3,000 levels: 1.1 s and 297 MiB; 10,000
//! never finished); levels past 16 are now drawn flat. For 10,000 and 1,000,000 levels of each
//! kind (list, ordered list, block quote, the three mixed), in process:
//!
//! - `check`-style parsing of the deck file (the note and its depth warning);
//! - the terminal renderer alone, and the full screen: reveal plus one frame drawn (120×40);
//! - the Anki HTML of the answer.
//!
//! Run with `cargo bench --bench nesting`. Target: 10,000 levels of every kind well under a
//! second in every row.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use skilldeck::review::markdown::{Palette, render};
use skilldeck::review::session::{Clock, Session};
use skilldeck::review::ui::Ui;
use skilldeck::review::view;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const NOW: &str = "2026-11-25T09:00:00Z";
const KINDS: [(&str, &str); 4] = [
    ("list", "- "),
    ("ordered", "1. "),
    ("quote", "> "),
    ("mixed", "> - 1. "),
];

fn main() -> Result<()> {
    println!("| levels | kind | parse the file | terminal renderer | reveal + frame | Anki HTML |");
    println!("|---|---|---|---|---|---|");
    for levels in [10_000, 1_000_000] {
        for (kind, unit) in KINDS {
            // The mixed unit opens three levels.
            let answer = format!("{}x", unit.repeat(levels / unit.split_whitespace().count()));
            let file = format!("## How deep? {{#deep}}\n\n{answer}\n");
            let parsed = skilldeck::deck::parse::parse_file("deep.md", &file);
            if parsed.diagnostics.len() != 1 {
                return Err(format!("{kind}: expected the depth warning alone").into());
            }
            let parse = median(3, || {
                skilldeck::deck::parse::parse_file("deep.md", &file);
            });
            let renderer = median(3, || {
                render(&answer, 116, Palette { color: true });
            });
            let frame = reveal_and_draw(&file)?;
            let html = median(3, || {
                skilldeck::anki::html::render(&answer, &HashMap::new());
            });
            println!(
                "| {levels} | {kind} | {} | {} | {} | {} |",
                ms(parse),
                ms(renderer),
                ms(frame),
                ms(html)
            );
        }
    }
    Ok(())
}

/// Builds a deck of the one note into a fresh database (the real binary), then times a reveal and the frame
/// drawn after it (median of 3).
fn reveal_and_draw(file: &str) -> Result<Duration> {
    let dir = tempfile::tempdir()?;
    let deck = dir.path().join("deep");
    std::fs::create_dir_all(&deck)?;
    std::fs::write(
        deck.join("deck.toml"),
        "id = \"deep\"\nname = \"Deep\"\nversion = \"1\"\n",
    )?;
    std::fs::write(deck.join("deep.md"), file)?;
    let db = dir.path().join("deep.db");
    let built = Command::new(env!("CARGO_BIN_EXE_skilldeck"))
        .arg("--db")
        .arg(&db)
        .arg("build")
        .arg(&deck)
        .stdout(Stdio::null())
        .status()?;
    if !built.success() {
        return Err("the deep deck did not build".into());
    }
    let store = skilldeck::store::Store::open(&db)?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?;
    let mut terminal = Terminal::new(TestBackend::new(120, 40))?;
    let mut samples = Vec::new();
    for _ in 0..3 {
        let mut study = skilldeck::app::load_study(&store, &[], now)?;
        let queue = study.queue(&store, None, None)?;
        let mut session = Session::new(
            &store,
            study.set,
            study.schedulers,
            queue.order(),
            Clock::fixed(now, 4),
            None,
        );
        let mut ui = Ui::new(Palette { color: true });
        ui.refresh(&session)?;
        let started = Instant::now();
        ui.update(
            &mut session,
            KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE),
        )?;
        let screen = ui.screen(&session)?;
        terminal.draw(|f| view::draw(f, &screen))?;
        samples.push(started.elapsed());
    }
    samples.sort();
    Ok(samples[samples.len() / 2])
}

/// The median time of `runs` runs of `work`.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
