//! The full-screen review: the model driven by key events on a real database (no terminal),
//! the view snapshot-tested on ratatui's test backend at 80×24 and 120×40 for every card kind,
//! hostile deck text, and one end-to-end run of the real binary inside tmux.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use skilldeck::review::markdown::Palette;
use skilldeck::review::session::{Clock, DomainSummary, Session, Summary};
use skilldeck::review::ui::{Effect, Screen, Ui};
use skilldeck::review::view;
use skilldeck::store::Store;

use crate::support::Env;

const MONO: Palette = Palette { color: false };

pub(crate) fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub(crate) fn space() -> KeyEvent {
    key(' ')
}

pub(crate) fn draw(screen: &Screen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, screen)).unwrap();
    terminal.backend().to_string()
}

/// A session over today's queue of every deck in `store`, with the clock stopped at `now`.
pub(crate) fn session_at<'a>(store: &'a Store, now: &str, domain: Option<&str>) -> Session<'a> {
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap();
    let mut study = skilldeck::app::load_study(store, &[], now).unwrap();
    let queue = study.queue(store, None, domain).unwrap();
    Session::new(
        store,
        study.set,
        study.schedulers,
        queue.order(),
        Clock::fixed(now, 4),
        None,
    )
}

/// A built fixture deck, its database opened, and a session over today's queue.
struct Fixture {
    env: Env,
    store: Store,
}

impl Fixture {
    fn new(deck: &str) -> Fixture {
        let env = Env::new();
        env.deck(deck);
        env.run(&["build", &format!("decks/{deck}")]).ok();
        env.run(&["config", "set", "fuzz", "off"]).ok();
        env.run(&["config", "set", "new_per_day", "100"]).ok();
        let store = Store::open(&env.db()).unwrap();
        Fixture { env, store }
    }

    fn session(&self, domain: Option<&str>) -> Session<'_> {
        session_at(&self.store, &self.env.now, domain)
    }

    fn reviews(&self) -> i64 {
        self.env
            .sql()
            .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
            .unwrap()
    }
}

/// Steps through the session (suspending the cards passed) until this card is in front.
fn go_to(ui: &mut Ui, session: &mut Session<'_>, label: &str) {
    for _ in 0..30 {
        if ui.screen(session).unwrap().label == label {
            return;
        }
        ui.update(session, key('s')).unwrap();
    }
    panic!("card {label} never came");
}

#[test]
fn reveal_answer_undo_and_quit_through_the_model() {
    let f = Fixture::new("kinds");
    let mut session = f.session(None);
    let mut ui = Ui::new(MONO);
    ui.refresh(&session).unwrap();
    let first = ui.screen(&session).unwrap().label;
    assert_eq!(first, "kinds/trigger-none#0");
    // Ratings do nothing before the answer is shown.
    ui.update(&mut session, key('3')).unwrap();
    assert_eq!(f.reviews(), 0);
    ui.update(&mut session, space()).unwrap();
    assert!(ui.revealed);
    let screen = ui.screen(&session).unwrap();
    let card = screen.card.as_ref().unwrap();
    assert_eq!(
        card.ratings
            .iter()
            .map(|(r, i)| format!("{} {i}", r.number()))
            .collect::<Vec<_>>(),
        ["1 10m", "2 1d", "3 2d", "4 8d"]
    );
    ui.update(&mut session, key('3')).unwrap();
    assert_eq!(f.reviews(), 1, "the answer is committed at once");
    assert_ne!(ui.screen(&session).unwrap().label, first);
    ui.update(&mut session, key('u')).unwrap();
    assert_eq!(f.reviews(), 0);
    assert_eq!(ui.screen(&session).unwrap().label, first);
    assert_eq!(ui.message.as_deref(), Some("undid the last answer"));
    assert_eq!(ui.update(&mut session, key('q')).unwrap(), Effect::None);
    assert!(ui.finished.is_some(), "q shows the summary");
    assert_eq!(ui.update(&mut session, key('x')).unwrap(), Effect::Quit);
}

#[test]
fn choice_cards_pick_by_letter_and_suggest_a_rating() {
    let f = Fixture::new("kinds");
    let mut session = f.session(Some("watch"));
    let mut ui = Ui::new(MONO);
    ui.refresh(&session).unwrap();
    go_to(&mut ui, &mut session, "kinds/failure-alert#0");
    // One right option: a letter answers at once.
    let screen = ui.screen(&session).unwrap();
    let right = screen
        .card
        .as_ref()
        .unwrap()
        .options
        .iter()
        .find(|o| o.text.contains("notification"))
        .unwrap()
        .letter;
    ui.update(&mut session, key(right)).unwrap();
    assert!(ui.revealed);
    let card = ui.screen(&session).unwrap().card.unwrap();
    assert_eq!(card.suggested, Some(skilldeck::types::Rating::Good));
    assert!(card.options.iter().all(|o| o.correct.is_some()));
    // Enter takes the suggestion.
    ui.update(
        &mut session,
        KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
    )
    .unwrap();
    let rating: i64 = f
        .env
        .sql()
        .query_row("SELECT rating FROM reviews", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rating, 3);
}

#[test]
fn suspend_bury_help_and_edit_keys() {
    let f = Fixture::new("kinds");
    let mut session = f.session(None);
    let mut ui = Ui::new(MONO);
    ui.refresh(&session).unwrap();
    ui.update(&mut session, key('?')).unwrap();
    assert!(ui.screen(&session).unwrap().help);
    ui.update(&mut session, key('x')).unwrap();
    assert!(!ui.help, "any key closes the help");
    match ui.update(&mut session, key('e')).unwrap() {
        Effect::Edit { file, line } => {
            assert!(file.ends_with("/decks/kinds/topics/basics.md"), "{file}");
            assert_eq!(line, 9);
        }
        other => panic!("{other:?}"),
    }
    ui.update(&mut session, key('s')).unwrap();
    ui.update(&mut session, key('b')).unwrap();
    let (suspended, buried): (i64, i64) = f
        .env
        .sql()
        .query_row(
            "SELECT sum(suspended), count(buried_until) FROM cards",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((suspended, buried), (1, 1));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(ui.update(&mut session, ctrl_c).unwrap(), Effect::Quit);
}

/// Snapshots of every card kind, before and after the answer is shown, at two sizes.
#[test]
fn every_card_kind_renders_at_80x24_and_120x40() {
    let f = Fixture::new("kinds");
    let mut session = f.session(None);
    let mut ui = Ui::new(MONO);
    ui.refresh(&session).unwrap();
    let cards = [
        ("basic", "kinds/ci-trigger-paths#0"),
        ("reversed", "kinds/schedules-keyword#1"),
        ("math", "kinds/retrievability#0"),
        ("image-table", "kinds/diagram#0"),
        ("cloze", "kinds/pipeline-hierarchy#1"),
        ("choice", "kinds/kql-operators#0"),
    ];
    for (name, label) in cards {
        // go_to suspends the cards it passes: bring them back for the next kind.
        f.env
            .sql_rw()
            .execute("UPDATE cards SET suspended = 0", [])
            .unwrap();
        let mut session = f.session(None);
        let mut ui = Ui::new(MONO);
        ui.refresh(&session).unwrap();
        go_to(&mut ui, &mut session, label);
        for (w, h) in [(80, 24), (120, 40)] {
            let front = draw(&ui.screen(&session).unwrap(), w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}_front"), front);
        }
        if name == "choice" {
            // Pick both right answers by their text.
            let screen = ui.screen(&session).unwrap();
            for o in &screen.card.as_ref().unwrap().options {
                if o.text.contains("summarize") || o.text.contains("where") {
                    ui.update(&mut session, key(o.letter)).unwrap();
                }
            }
        }
        ui.update(&mut session, space()).unwrap();
        for (w, h) in [(80, 24), (120, 40)] {
            let back = draw(&ui.screen(&session).unwrap(), w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}_back"), back);
        }
    }
    ui.update(&mut session, key('q')).unwrap();
    // A summary with fixed figures (real ones hold the time taken).
    let mut screen = ui.screen(&session).unwrap();
    screen.summary = Some(Summary {
        answers: 12,
        correct: 10,
        new: 5,
        ms: 185_000,
        domains: vec![
            DomainSummary {
                title: "Build things".into(),
                answers: 8,
                correct: 7,
                ms: 120_000,
            },
            DomainSummary {
                title: "Watch things".into(),
                answers: 4,
                correct: 3,
                ms: 65_000,
            },
        ],
        due_tomorrow: 7,
    });
    insta::assert_snapshot!("summary_80x24", draw(&screen, 80, 24));
    ui.help = true;
    ui.finished = None;
    insta::assert_snapshot!("help_80x24", draw(&ui.screen(&session).unwrap(), 80, 24));
}

#[test]
fn a_long_code_block_scrolls() {
    let env = Env::new();
    let deck = env.path_of("decks/long");
    std::fs::create_dir_all(&deck).unwrap();
    std::fs::write(
        deck.join("deck.toml"),
        "id = \"long\"\nname = \"Long\"\nversion = \"1\"\n",
    )
    .unwrap();
    let steps: String = (1..=40)
        .map(|i| format!("  - script: echo step {i}\n"))
        .collect();
    std::fs::write(
        deck.join("long.md"),
        format!(
            "## What runs here? {{#long}}\n\n```yaml\nsteps:\n{steps}```\n\n---\n\nForty steps.\n"
        ),
    )
    .unwrap();
    env.run(&["build", "decks/long"]).ok();
    let store = Store::open(&env.db()).unwrap();
    let mut session = session_at(&store, &env.now, None);
    let mut ui = Ui::new(MONO);
    ui.refresh(&session).unwrap();
    let top = draw(&ui.screen(&session).unwrap(), 80, 24);
    assert!(
        top.contains("↓ more ↓") && top.contains("echo step 1\"") || top.contains("echo step 1 "),
        "{top}"
    );
    insta::assert_snapshot!("long_code_80x24_top", top);
    for _ in 0..3 {
        ui.update(
            &mut session,
            KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE),
        )
        .unwrap();
    }
    let bottom = draw(&ui.screen(&session).unwrap(), 80, 24);
    assert!(
        bottom.contains("echo step 40") && !bottom.contains("↓ more ↓"),
        "{bottom}"
    );
    insta::assert_snapshot!("long_code_80x24_bottom", bottom);
}

/// Writes a deck whose text holds escape sequences and control characters.
fn hostile_deck(env: &Env) {
    let deck = env.path_of("decks/hostile");
    std::fs::create_dir_all(&deck).unwrap();
    std::fs::write(
        deck.join("deck.toml"),
        "id = \"hostile\"\nname = \"Bad \\u001b[2Jdeck\"\nversion = \"1\"\n",
    )
    .unwrap();
    let text = "## Clear \u{1b}[2J the screen \u{1b}]0;owned\u{7} {#hostile}\n\nBell \u{7}, backspace \u{8}, CSI \u{9b}31m, OSC \u{1b}]52;c;aGk=\u{7} and \u{202e}reversed.\n\n```bash\necho \u{1b}[31mred\u{1b}[0m\n```\n";
    std::fs::write(deck.join("bad.md"), text).unwrap();
    env.run(&["build", "decks/hostile"]).ok();
}

fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[test]
fn escape_sequences_from_a_deck_never_reach_the_terminal() {
    let env = Env::new();
    hostile_deck(&env);
    // Plain mode: the bytes written hold no control character but newlines.
    let out = env.run_input(&["review", "--plain"], "\n3\n").ok();
    assert!(out.contains("card hostile/hostile#0"), "{out}");
    assert!(!out.chars().any(is_dangerous), "{out:?}");
    // Full screen: no cell of the drawn buffer holds one either.
    let store = Store::open(&env.db()).unwrap();
    // Make the card new again, so the full screen shows it too.
    let sql = env.sql_rw();
    sql.execute("UPDATE cards SET state = 'new', stability = NULL, difficulty = NULL, due = NULL, last_review = NULL, reps = 0", []).unwrap();
    sql.execute("DELETE FROM reviews", []).unwrap();
    let mut session = session_at(&store, &env.now, None);
    let mut ui = Ui::new(Palette { color: true });
    ui.refresh(&session).unwrap();
    for revealed in [false, true] {
        if revealed {
            ui.update(&mut session, space()).unwrap();
        }
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let screen = ui.screen(&session).unwrap();
        terminal.draw(|f| view::draw(f, &screen)).unwrap();
        let cells: String = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(!cells.chars().any(is_dangerous), "{cells:?}");
        assert!(cells.contains("the screen"), "{cells}");
    }
}

/// Polls a tmux pane until `pred` holds on its text.
pub(crate) fn wait_for(socket: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = std::process::Command::new("tmux")
            .args(["-L", socket, "capture-pane", "-p", "-t", "review"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if pred(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "timed out; the pane shows:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn send(socket: &str, keys: &str) {
    let ok = std::process::Command::new("tmux")
        .args(["-L", socket, "send-keys", "-t", "review", keys])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Starts `skilldeck review` (with `extra_env` set) in a detached tmux session of its own;
/// returns the socket name, the file the exit code is written to, and the cleanup guard.
pub(crate) fn start_in_tmux(
    env: &Env,
    name: &str,
    extra_env: &str,
) -> (String, std::path::PathBuf, Cleanup) {
    start_command_in_tmux(env, name, extra_env, "review")
}

/// Starts `skilldeck ARGS` as [`start_in_tmux`] does (the tmux session is still named `review`).
pub(crate) fn start_command_in_tmux(
    env: &Env,
    name: &str,
    extra_env: &str,
    args: &str,
) -> (String, std::path::PathBuf, Cleanup) {
    let found = std::process::Command::new("tmux").arg("-V").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "tmux is needed for this test; ./scripts/test installs it"
    );
    let socket = format!("skilldeck-test-{}-{name}", std::process::id());
    let done = env.path_of(&format!("exit-code-{name}"));
    let command = format!(
        "cd '{}' && SKILLDECK_DB='{}' SKILLDECK_NOW='{}' NO_COLOR=1 {extra_env} '{}' {args}; echo $? > '{}'; sleep 60",
        env.dir.path().display(),
        env.db().display(),
        env.now,
        env!("CARGO_BIN_EXE_skilldeck"),
        done.display()
    );
    let started = std::process::Command::new("tmux")
        .args([
            "-L",
            &socket,
            "new-session",
            "-d",
            "-s",
            "review",
            "-x",
            "100",
            "-y",
            "30",
            &command,
        ])
        .status()
        .unwrap();
    assert!(started.success());
    let cleanup = Cleanup(socket.clone());
    (socket, done, cleanup)
}

/// Waits for the review to exit and returns its exit code.
pub(crate) fn wait_for_exit(done: &std::path::Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done.exists() {
        assert!(Instant::now() < deadline, "the review did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(done).unwrap().trim().to_owned()
}

/// The real binary in a real terminal: reveal, answer, undo, answer again, resize, quit; then
/// the database holds exactly the one answer that was not undone.
#[test]
fn end_to_end_in_tmux() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let (socket, done, _cleanup) = start_in_tmux(&env, "main", "");

    wait_for(&socket, |t| {
        t.contains("kinds/trigger-none#0") && t.contains("Space show answer")
    });
    send(&socket, "Space");
    wait_for(&socket, |t| {
        t.contains("It turns off CI triggers") && t.contains("3 good")
    });
    send(&socket, "3");
    let second = wait_for(&socket, |t| {
        !t.contains("kinds/trigger-none#0") && t.contains("Space show answer")
    });
    assert!(second.contains("1/13"), "{second}");
    send(&socket, "u");
    wait_for(&socket, |t| {
        t.contains("kinds/trigger-none#0") && t.contains("undid the last answer")
    });
    send(&socket, "Space");
    wait_for(&socket, |t| t.contains("4 easy"));
    send(&socket, "4");
    wait_for(&socket, |t| !t.contains("kinds/trigger-none#0"));
    // A resize redraws at the new size.
    let resized = std::process::Command::new("tmux")
        .args([
            "-L",
            &socket,
            "resize-window",
            "-t",
            "review",
            "-x",
            "130",
            "-y",
            "40",
        ])
        .status()
        .unwrap();
    assert!(resized.success());
    wait_for(&socket, |t| {
        t.lines()
            .any(|l| l.trim_end().chars().count() > 110 && l.contains("due 0"))
    });
    send(&socket, "q");
    wait_for(&socket, |t| {
        t.contains("session done") && t.contains("session: 1 answers (1 new)")
    });
    send(&socket, "x");
    assert_eq!(wait_for_exit(&done), "0");
    // The terminal is back to normal: the summary was printed on the restored screen.
    wait_for(&socket, |t| {
        t.contains("tomorrow: 0 review(s) due") && !t.contains("session done")
    });
    let rows: Vec<(String, i64)> = env
        .sql()
        .prepare("SELECT n.note_id, r.rating FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, [("trigger-none".to_owned(), 4)]);
}

/// Ends the tmux server of a test, whatever happens.
pub(crate) struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .status();
    }
}

/// Ctrl-C leaves at once, with the terminal restored and the answers given kept.
#[test]
fn ctrl_c_restores_the_terminal_in_tmux() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let (socket, done, _cleanup) = start_in_tmux(&env, "ctrl-c", "");
    wait_for(&socket, |t| t.contains("Space show answer"));
    send(&socket, "Space");
    wait_for(&socket, |t| t.contains("3 good"));
    send(&socket, "3");
    wait_for(&socket, |t| t.contains("1/13"));
    send(&socket, "C-c");
    assert_eq!(wait_for_exit(&done), "0");
    let screen = wait_for(&socket, |t| t.contains("session: 1 answers"));
    assert!(
        !screen.contains("Space show answer"),
        "the alternate screen is gone: {screen}"
    );
    let reviews: i64 = env
        .sql()
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap();
    assert_eq!(reviews, 1);
}

/// `e` opens $EDITOR at the note's line; when it closes the deck is rebuilt and the card
/// shows the edited text, its history intact.
#[test]
fn editing_a_note_rebuilds_the_deck_in_tmux() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let editor = env.path_of("fake-editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\n# Called as: fake-editor.sh +LINE FILE\necho \"$1\" > \"$(dirname \"$0\")/editor-line\"\nsed -i 's/It turns off CI triggers/It switches off CI triggers/' \"$2\"\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", &editor.to_string_lossy()])
        .status()
        .unwrap();
    let (socket, done, _cleanup) = start_in_tmux(
        &env,
        "edit",
        &format!("VISUAL= EDITOR='{}'", editor.display()),
    );
    wait_for(&socket, |t| t.contains("kinds/trigger-none#0"));
    send(&socket, "e");
    wait_for(&socket, |t| {
        t.contains("kinds: 10 notes, 13 cards (0 added, 1 changed")
    });
    assert_eq!(
        std::fs::read_to_string(env.path_of("editor-line"))
            .unwrap()
            .trim(),
        "+9"
    );
    send(&socket, "Space");
    wait_for(&socket, |t| t.contains("It switches off CI triggers"));
    send(&socket, "q");
    wait_for(&socket, |t| t.contains("session done"));
    send(&socket, "x");
    assert_eq!(wait_for_exit(&done), "0");
}

/// Another process holds the write lock past the busy timeout while an answer is given: the
/// screen says the database is busy and keeps trying; once the lock is let go the answer is
/// saved and the session goes on.
#[test]
fn a_busy_database_keeps_the_full_screen_session_in_tmux() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let (socket, done, _cleanup) = start_in_tmux(&env, "busy", "");
    wait_for(&socket, |t| t.contains("kinds/trigger-none#0"));
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    send(&socket, "Space");
    wait_for(&socket, |t| t.contains("3 good"));
    send(&socket, "3");
    wait_for(&socket, |t| {
        t.contains("database busy: another skilldeck is writing; retrying (any key stops)")
            && t.contains("kinds/trigger-none#0")
    });
    conn.execute_batch("COMMIT").unwrap();
    wait_for(&socket, |t| {
        !t.contains("kinds/trigger-none#0") && t.contains("1/13") && !t.contains("busy")
    });
    send(&socket, "q");
    wait_for(&socket, |t| t.contains("session: 1 answers"));
    send(&socket, "x");
    assert_eq!(wait_for_exit(&done), "0");
    let reviews: i64 = env
        .sql()
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap();
    assert_eq!(reviews, 1);
}
