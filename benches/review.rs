//! Review latency benchmark, on the AZ-400 deck built into a fresh database:
//!
//! - time to the first card: the real binary started with `review --plain`, from spawn to the
//!   first `card` line on its output (process start, deck up-to-date check, study set, queue);
//! - the same inside the process for the full screen: study set, queue, model and the first
//!   frame drawn (ratatui's test backend, 120×40);
//! - input to screen: one key handled by the model and the frame drawn again, for a reveal
//!   (Space) and for an answer (committed to SQLite, next card loaded), median and worst.
//!
//! Run with `cargo bench --bench review`. Targets: first card under 150 ms, input to screen
//! under 16 ms.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser as _;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use skilldeck::review::markdown::Palette;
use skilldeck::review::session::{Clock, Session};
use skilldeck::review::ui::Ui;
use skilldeck::review::view;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const NOW: &str = "2026-11-25T09:00:00Z";
const DECK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/decks/az-400");

fn main() -> Result<()> {
    // Syntax highlighting loads its definitions once per process, on the first code block.
    let t = Instant::now();
    skilldeck::review::markdown::render("```yaml\nkey: value\n```\n", 80, Palette { color: true });
    let highlighting = t.elapsed();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("review.db");
    let db_arg = db.to_string_lossy().into_owned();
    skilldeck::app::run(skilldeck::cli::Cli::parse_from([
        "skilldeck",
        "--db",
        &db_arg,
        "build",
        DECK,
    ]))?;

    // Time to the first card, whole process, line mode.
    let mut first = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_skilldeck"))
            .args(["--db", &db_arg, "review", "--plain"])
            .env("SKILLDECK_NOW", NOW)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        first.push(started.elapsed());
        if !line.starts_with("card ") {
            return Err(format!("unexpected first line: {line}").into());
        }
        drop(child.stdin.take());
        child.wait()?;
    }

    // The full screen on a real terminal, before any answer changes today's queue.
    let on_terminal = tmux_first_card(&db_arg)?;

    // The full screen, in process.
    let store = skilldeck::store::Store::open(&db)?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?;
    let mut terminal = Terminal::new(TestBackend::new(120, 40))?;
    // A session on today's queue, its UI with the first card loaded, and the queue's length.
    let start = || -> Result<(Session<'_>, Ui, usize)> {
        let mut study = skilldeck::app::load_study(&store, &[], now)?;
        let queue = study.queue(&store, None, None)?;
        let cards = queue.len();
        let session = Session::new(
            &store,
            study.set,
            study.schedulers,
            queue.order(),
            Clock::fixed(now, 4),
            None,
        );
        let mut ui = Ui::new(Palette { color: true });
        ui.refresh(&session)?;
        Ok((session, ui, cards))
    };
    let mut first_frame = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let (session, ui, _) = start()?;
        let screen = ui.screen(&session)?;
        terminal.draw(|f| view::draw(f, &screen))?;
        first_frame.push(started.elapsed());
    }

    // Input to screen.
    let (mut session, mut ui, queued) = start()?;
    let (mut reveals, mut answers) = (Vec::new(), Vec::new());
    for i in 0..40 {
        let reveal = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
        let t = Instant::now();
        ui.update(&mut session, reveal)?;
        let screen = ui.screen(&session)?;
        terminal.draw(|f| view::draw(f, &screen))?;
        reveals.push(t.elapsed());
        let rating = if i % 5 == 0 { '1' } else { '3' };
        let t = Instant::now();
        ui.update(
            &mut session,
            KeyEvent::new(KeyCode::Char(rating), KeyModifiers::NONE),
        )?;
        let screen = ui.screen(&session)?;
        terminal.draw(|f| view::draw(f, &screen))?;
        answers.push(t.elapsed());
    }

    println!("AZ-400 deck, {queued} cards in today's queue\n");
    println!("| measurement | median | worst |");
    println!("|---|---|---|");
    row("first card, `review --plain` process (7 runs)", first);
    row("first full-screen frame in process (7 runs)", first_frame);
    row("input to screen: reveal (40 keys)", reveals);
    row(
        "input to screen: answer, committed, next card (40 keys)",
        answers,
    );
    row(
        "syntax highlighting set-up, once per process",
        vec![highlighting],
    );
    if let Some(samples) = on_terminal {
        row(
            "first card on a real terminal: spawn in tmux to card visible (5 runs)",
            samples,
        );
    }
    Ok(())
}

/// Starts the full-screen review in tmux and polls the pane until the first card shows.
/// The polling (a `capture-pane` every 2 ms) makes this an upper bound.
fn tmux_first_card(db: &str) -> Result<Option<Vec<Duration>>> {
    if Command::new("tmux").arg("-V").output().is_err() {
        return Ok(None);
    }
    let mut samples = Vec::new();
    for run in 0..5 {
        let socket = format!("skilldeck-bench-{}-{run}", std::process::id());
        let command = format!(
            "SKILLDECK_NOW={NOW} '{}' --db '{db}' review",
            env!("CARGO_BIN_EXE_skilldeck")
        );
        let started = Instant::now();
        Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "b",
                "-x",
                "120",
                "-y",
                "40",
                &command,
            ])
            .status()?;
        loop {
            let out = Command::new("tmux")
                .args(["-L", &socket, "capture-pane", "-p", "-t", "b"])
                .output()?;
            if String::from_utf8_lossy(&out.stdout).contains("az-400/") {
                samples.push(started.elapsed());
                break;
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err("the review never showed a card in tmux".into());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Command::new("tmux")
            .args(["-L", &socket, "kill-server"])
            .status()?;
    }
    Ok(Some(samples))
}

fn row(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {name} | {:.1} ms | {:.1} ms |",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() - 1])
    );
}
