//! Notes whose answer nests lists or block quotes 10,000 levels deep (`- - - … x`): `build`
//! and `check` finish at once and warn, the plain review prints them at once, the full screen
//! draws them at once and still quits on `q` and Ctrl-C, the Anki HTML stays linear. The time
//! bounds are generous hang guards (the review used to take minutes and gigabytes); the real
//! timings are measured by `benches/review.rs`.

use std::collections::HashMap;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use skilldeck::review::markdown::{Palette, plain_text, render};
use skilldeck::review::ui::{Effect, Ui};
use skilldeck::store::Store;

use crate::support::Env;
use crate::tui::{draw, key, send, session_at, space, start_in_tmux, wait_for, wait_for_exit};

const LEVELS: usize = 10_000;
const GUARD: Duration = Duration::from_secs(2);

/// The answers: each kind of block nested `LEVELS` levels deep (the mixed one a little more).
fn answers() -> [(&'static str, String); 4] {
    [
        ("list", format!("{}x", "- ".repeat(LEVELS))),
        ("ordered", format!("{}x", "1. ".repeat(LEVELS))),
        ("quote", format!("{}x", "> ".repeat(LEVELS))),
        ("mixed", format!("{}x", "> - 1. ".repeat(LEVELS / 3 + 1))),
    ]
}

/// A deck of four notes, one per kind of nesting, written into the workspace.
fn deep_deck(env: &Env) {
    let deck = env.path_of("decks/deep");
    std::fs::create_dir_all(&deck).unwrap();
    std::fs::write(
        deck.join("deck.toml"),
        "id = \"deep\"\nname = \"Deep\"\nversion = \"1\"\n",
    )
    .unwrap();
    let mut text = String::new();
    for (id, answer) in answers() {
        text.push_str(&format!("## How deep is {id}? {{#{id}}}\n\n{answer}\n\n"));
    }
    std::fs::write(deck.join("notes.md"), text).unwrap();
}

#[track_caller]
fn within_guard(what: &str, took: Duration) {
    assert!(took < GUARD, "{what} took {took:?}");
}

#[test]
fn build_and_check_finish_at_once_and_warn() {
    let env = Env::new();
    deep_deck(&env);
    let started = Instant::now();
    let out = env.run(&["check", "decks/deep"]).ok();
    within_guard("check", started.elapsed());
    let warnings: Vec<&str> = out.lines().filter(|l| l.contains("warning:")).collect();
    assert_eq!(warnings.len(), 4, "{out}");
    for (line, depth) in [
        (3, LEVELS),
        (7, LEVELS),
        (11, LEVELS),
        (15, 3 * (LEVELS / 3 + 1)),
    ] {
        let expected = format!("decks/deep/notes.md:{line}:");
        let message = format!(
            ": warning: lists and block quotes nested {depth} levels deep; the review shows the levels past 16 flat"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&expected) && w.ends_with(&message)),
            "{expected}…{message} in {warnings:#?}"
        );
    }
    let started = Instant::now();
    let out = env.run(&["build", "decks/deep"]).ok();
    within_guard("build", started.elapsed());
    assert_eq!(
        out,
        "deep: 4 notes, 4 cards (4 added, 0 changed, 0 retired, 0 returned, 0 carried over); 4 warning(s), see `skilldeck check`\n"
    );
}

#[test]
fn the_terminal_renderer_and_the_anki_html_stay_small_and_quick() {
    for (kind, answer) in answers() {
        let started = Instant::now();
        let lines = render(&answer, 76, Palette { color: true });
        within_guard(kind, started.elapsed());
        assert!(lines.len() <= 32, "{kind}: {} lines", lines.len());
        assert!(plain_text(&lines).ends_with('x'), "{kind}");

        let started = Instant::now();
        let html = skilldeck::anki::html::render(&answer, &HashMap::new());
        within_guard(kind, started.elapsed());
        assert!(
            html.len() < 40 * answer.len(),
            "{kind}: {} bytes",
            html.len()
        );
        assert!(html.contains("x"), "{kind}");
    }
}

#[test]
fn the_plain_review_prints_deep_notes_at_once() {
    let env = Env::new();
    deep_deck(&env);
    env.run(&["build", "decks/deep"]).ok();
    let started = Instant::now();
    let out = env
        .run_input(&["review", "--plain"], &"\n3\n".repeat(4))
        .ok();
    within_guard("review --plain", started.elapsed());
    for (kind, answer) in answers() {
        assert!(out.contains(&format!("card deep/{kind}#0")), "{kind}");
        assert!(out.contains(&answer), "{kind}");
    }
}

/// Runs `work` on a thread of its own and fails when it has not finished within `limit`: a hang
/// guard that fails instead of hanging (a stuck thread ends with the test process).
fn finishes_within<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => value,
        Err(RecvTimeoutError::Timeout) => panic!("still running after {limit:?}"),
        Err(RecvTimeoutError::Disconnected) => panic!("failed: see the thread's panic above"),
    }
}

#[test]
fn the_full_screen_draws_deep_notes_at_once() {
    let env = Env::new();
    deep_deck(&env);
    env.run(&["build", "decks/deep"]).ok();
    finishes_within(Duration::from_secs(30), move || draw_every_deep_card(&env));
}

/// Reveals, scrolls and answers every card of the deep deck on the model, drawing each frame.
fn draw_every_deep_card(env: &Env) {
    let store = Store::open(&env.db()).unwrap();
    let mut session = session_at(&store, &env.now, None);
    let mut ui = Ui::new(Palette { color: true });
    ui.refresh(&session).unwrap();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let label = ui.screen(&session).unwrap().label;
        let started = Instant::now();
        ui.update(&mut session, space()).unwrap();
        let screen = draw(&ui.screen(&session).unwrap(), 80, 24);
        // Scrolling through the answer redraws it each time.
        for _ in 0..5 {
            ui.update(
                &mut session,
                KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE),
            )
            .unwrap();
            draw(&ui.screen(&session).unwrap(), 80, 24);
        }
        within_guard(&label, started.elapsed());
        assert!(screen.contains("3 good"), "{screen}");
        seen.push(label);
        ui.update(&mut session, key('3')).unwrap();
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "deep/list#0",
            "deep/mixed#0",
            "deep/ordered#0",
            "deep/quote#0"
        ]
    );
    // Ctrl-C quits from a revealed deep card.
    let mut session = session_at(&store, &env.now, None);
    let mut ui = Ui::new(Palette { color: false });
    ui.refresh(&session).unwrap();
    ui.update(&mut session, space()).unwrap();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(ui.update(&mut session, ctrl_c).unwrap(), Effect::Quit);
}

/// The real binary in a real terminal: a deep card revealed, then `q` (and, in a second run,
/// Ctrl-C) ends the session at once.
#[test]
fn q_and_ctrl_c_end_a_deep_review_in_tmux() {
    let env = Env::new();
    deep_deck(&env);
    env.run(&["build", "decks/deep"]).ok();
    let (socket, done, _cleanup) = start_in_tmux(&env, "deep-q", "");
    wait_for(&socket, |t| t.contains("Space show answer"));
    send(&socket, "Space");
    wait_for(&socket, |t| t.contains("3 good"));
    send(&socket, "q");
    wait_for(&socket, |t| t.contains("session done"));
    send(&socket, "x");
    assert_eq!(wait_for_exit(&done), "0");

    let (socket, done, _cleanup) = start_in_tmux(&env, "deep-ctrl-c", "");
    wait_for(&socket, |t| t.contains("Space show answer"));
    send(&socket, "Space");
    wait_for(&socket, |t| t.contains("3 good"));
    send(&socket, "C-c");
    assert_eq!(wait_for_exit(&done), "0");
}
