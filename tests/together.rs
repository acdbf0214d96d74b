//! Several processes on one database at once, as people use it: a review open in one terminal
//! while another review or a build runs in another. Writers wait their turn, no session dies,
//! every answer a session acknowledged is stored once, and every card's state is what its
//! reviews, replayed through FSRS, give.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use skilldeck::sched::card::{CardState, replay};
use skilldeck::sched::fsrs::{IntervalRules, Scheduler};
use skilldeck::types::{Rating, Timestamp};

use crate::support::Env;

/// A small seeded generator, so every run answers the same way.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// How a driven `review --plain` session ended.
#[derive(Debug)]
pub struct Session {
    pub code: i32,
    /// The answers the session acknowledged, from its closing summary.
    pub answers: usize,
    /// Lines saying the database was busy.
    pub busy: usize,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `skilldeck review --plain ARGS`, answering each prompt as it comes: Enter reveals,
/// `a` picks an option, a seeded rating answers (Again often, so cards come back), and about
/// one answer in `undo_one_in` is undone.
pub fn drive(env: &Env, args: &[&str], seed: u64, undo_one_in: u64) -> Session {
    drive_from(env, args, seed, undo_one_in, None)
}

/// [`drive`], first waiting at `start` (with the other sessions) once this session has shown
/// its first card: every session has planned its queue before any answers, so on a slow
/// machine a session that starts late still finds cards to study.
fn drive_from(
    env: &Env,
    args: &[&str],
    seed: u64,
    undo_one_in: u64,
    start: Option<&std::sync::Barrier>,
) -> Session {
    let mut child = env
        .command(&["review", "--plain"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut rng = Rng(seed);
    let (mut answers, mut busy) = (None, 0);
    let mut seen = String::new();
    let mut start = start;
    for line in stdout.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("card ") || line.starts_with("nothing to review") {
            if let Some(barrier) = start.take() {
                barrier.wait();
            }
        }
        let reply = if line.starts_with("reveal: press Enter") {
            if rng.below(undo_one_in) == 0 { "u" } else { "" }
        } else if line.starts_with("choose:") {
            "a"
        } else if line.starts_with("rate:") {
            ["1", "1", "2", "3", "3", "4"][rng.below(6) as usize]
        } else {
            if line.contains("the database is busy") {
                busy += 1;
            }
            assert!(
                !line.starts_with("type "),
                "the session misread an answer: {line}"
            );
            if let Some(rest) = line.strip_prefix("session: ") {
                answers = rest.split(' ').next().and_then(|n| n.parse().ok());
            }
            continue;
        };
        // The session may have ended meanwhile; a closed pipe is not an error here.
        let _ = writeln!(stdin, "{reply}");
    }
    // A session that ended before its first card still lets the others go.
    if let Some(barrier) = start {
        barrier.wait();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    Session {
        code: output.status.code().unwrap_or(-1),
        answers: answers.unwrap_or(0),
        busy,
        stdout: seen,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Asserts that every card's state is what replaying its reviews through FSRS gives, that its
/// `reps` is its number of reviews, and returns the number of reviews.
fn assert_states_are_replays(env: &Env) -> usize {
    let conn = env.sql();
    let scheduler = Scheduler::new(
        &[],
        0.9,
        IntervalRules {
            max_interval: 36_500,
            fuzz: true,
        },
    )
    .unwrap();
    let cards: Vec<i64> = conn
        .prepare("SELECT id FROM cards ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut total = 0;
    for card in cards {
        let history: Vec<(Timestamp, Rating)> = conn
            .prepare(
                "SELECT reviewed_at, rating FROM reviews WHERE card = ?1 ORDER BY reviewed_at, id",
            )
            .unwrap()
            .query_map([card], |r| {
                Ok((
                    Timestamp::from_millis(r.get(0)?),
                    Rating::from_number(r.get(1)?).unwrap(),
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        total += history.len();
        let (stored, _): (CardState, i64) = skilldeck::store::cards::state(&conn, card).unwrap();
        assert_eq!(
            stored.reps as usize,
            history.len(),
            "card {card}: reps against its reviews"
        );
        let (replayed, _) = replay(&scheduler, card, &history, 0, 4).unwrap();
        if history.is_empty() {
            assert_eq!(stored, CardState::new_card(), "card {card}");
        } else {
            assert_eq!(
                stored, replayed,
                "card {card}: stored state against the replay"
            );
        }
    }
    total
}

/// Two review sessions and a build loop on one database at once: nobody dies, every
/// acknowledged answer is stored once, and every card's state is the replay of its reviews.
#[test]
fn two_reviews_and_a_build_at_once() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let started = Instant::now();
    let start = std::sync::Barrier::new(2);
    let (first, second, builds) = std::thread::scope(|scope| {
        let first =
            scope.spawn(|| drive_from(&env, &["--limit", "40"], 0x5eed_0001, 8, Some(&start)));
        let second =
            scope.spawn(|| drive_from(&env, &["--limit", "40"], 0x5eed_0002, 8, Some(&start)));
        let builds = scope.spawn(|| {
            let file = deck.join("topics/basics.md");
            let mut runs = Vec::new();
            for i in 0..6 {
                let mut text = std::fs::read_to_string(&file).unwrap();
                text.push_str(&format!(
                    "\n## Added while reviewing {i} {{#added-{i}}}\n\nAnswer {i}.\n"
                ));
                std::fs::write(&file, text).unwrap();
                runs.push(env.run(&["build", "decks/kinds"]));
            }
            runs
        });
        (
            first.join().unwrap(),
            second.join().unwrap(),
            builds.join().unwrap(),
        )
    });
    for session in [&first, &second] {
        assert_eq!(
            session.code, 0,
            "a session died:\n{}\n{}",
            session.stdout, session.stderr
        );
        assert!(session.answers > 0, "{}", session.stdout);
    }
    for run in builds {
        assert_eq!(run.code, 0, "a build failed: {}", run.stderr);
    }
    let stored = assert_states_are_replays(&env);
    assert_eq!(
        stored,
        first.answers + second.answers,
        "every acknowledged answer is stored once"
    );
    assert!(started.elapsed() < Duration::from_secs(120));
}

/// Holds the database's write lock on another connection for `hold`, and returns when it
/// was let go.
fn hold_lock(env: &Env, hold: Duration, locked: std::sync::mpsc::Sender<()>) -> Instant {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE; UPDATE settings SET key = key;")
        .unwrap();
    locked.send(()).unwrap();
    std::thread::sleep(hold);
    conn.execute_batch("COMMIT").unwrap();
    Instant::now()
}

/// While another connection holds the write lock for 1.5 s, an answer waits for it (within
/// the busy timeout) and is stored, instead of failing at once.
#[test]
fn an_answer_waits_for_another_writer() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let (tx, rx) = std::sync::mpsc::channel();
    let (released, session) = std::thread::scope(|scope| {
        let holder = scope.spawn(|| hold_lock(&env, Duration::from_millis(1500), tx));
        rx.recv().unwrap();
        let session = drive(&env, &["--limit", "1"], 7, u64::MAX);
        (holder.join().unwrap(), session)
    });
    assert_eq!(session.code, 0, "{}\n{}", session.stdout, session.stderr);
    assert_eq!(session.answers, 1);
    assert_eq!(session.busy, 0, "{}", session.stdout);
    assert!(released.elapsed() < Duration::from_secs(60));
    assert_eq!(assert_states_are_replays(&env), 1);
}

/// A lock held past the busy timeout (5 s) does not end the session: it says the database is
/// busy, keeps the answer, and stores it once the lock is let go.
#[test]
fn a_lock_held_past_the_timeout_keeps_the_session_and_retries() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let (tx, rx) = std::sync::mpsc::channel();
    let session = std::thread::scope(|scope| {
        let holder = scope.spawn(|| hold_lock(&env, Duration::from_millis(6500), tx));
        rx.recv().unwrap();
        let session = drive(&env, &["--limit", "2"], 11, u64::MAX);
        holder.join().unwrap();
        session
    });
    assert_eq!(session.code, 0, "{}\n{}", session.stdout, session.stderr);
    assert!(
        session.stdout.contains(
            "the database is busy: another skilldeck (a build, an import or a review) has been writing to it for over 5 seconds; not saved yet, waiting for it"
        ),
        "{}",
        session.stdout
    );
    assert_eq!(session.answers, 2);
    assert_eq!(assert_states_are_replays(&env), 2);
}

/// Undo restores the card only while this session's answer is its latest: once another
/// session answered the card, undo says so and changes nothing.
#[test]
fn undo_refuses_when_another_session_answered_the_card_since() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let store = skilldeck::store::Store::open(&env.db()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(&env.now).unwrap();
    let session = |store| {
        let mut study = skilldeck::app::load_study(store, &[], now).unwrap();
        let queue = study.queue(store, None, None).unwrap();
        skilldeck::review::session::Session::new(
            store,
            study.set,
            study.schedulers,
            queue.order(),
            skilldeck::review::session::Clock::fixed(now, 4),
            None,
        )
    };
    let other = skilldeck::store::Store::open(&env.db()).unwrap();
    let mut mine = session(&store);
    let mut theirs = session(&other);
    assert_eq!(mine.current(), theirs.current());
    mine.answer(Rating::Good, 1000).unwrap();
    // Theirs answers the same card from its stale copy: the answer applies to the stored state.
    theirs.answer(Rating::Again, 1000).unwrap();
    let err = mine.undo().unwrap_err();
    assert_eq!(
        err.to_string(),
        "this answer cannot be undone: the card was answered again since (in another session)"
    );
    assert_eq!(mine.answered(), 1);
    assert_eq!(assert_states_are_replays(&env), 2);
    // Theirs is the latest answer: it can be undone, and the state is again the replay.
    assert!(theirs.undo().unwrap().is_some());
    assert_eq!(assert_states_are_replays(&env), 1);
}
