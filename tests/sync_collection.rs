//! `skilldeck sync` against the real Anki sync server, with the Anki library playing the phone
//! in a second collection (tests/anki/phone.py). Every clock is the test's: skilldeck's
//! `SKILLDECK_NOW`, and the server and the phone under faketime, moved a day at a time.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Env, Run, SyncServer};

fn az400() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("decks/az-400")
}

/// The phone: an Anki collection file driven through phone.py on the workspace's clock.
struct Phone {
    path: PathBuf,
}

impl Phone {
    fn new(env: &Env) -> Phone {
        Phone {
            path: env.path_of("phone/collection.anki2"),
        }
    }

    fn run(&self, env: &Env, server: &SyncServer, commands: &[&str]) -> Value {
        std::fs::create_dir_all(self.path.parent().unwrap()).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/anki/phone.py");
        let out = env
            .anki_python()
            .arg(script)
            .arg(&self.path)
            .arg(&server.endpoint)
            .args(["user", "pass"])
            .args(commands)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "phone {commands:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// Logs in and builds the deck: a workspace ready for its first sync.
fn ready(env: &Env, server: &SyncServer, deck: &Path) {
    env.run(&["build", deck.to_str().unwrap()]).ok();
    env.run_input(
        &[
            "sync",
            "login",
            "--endpoint",
            &server.endpoint,
            "--user",
            "user",
        ],
        "pass\n",
    )
    .ok();
}

/// Moves the workspace and the server `days` days on from `start`.
fn go_to_day(env: &mut Env, server: &mut SyncServer, start: &str, days: i64) {
    let at = chrono::DateTime::parse_from_rfc3339(start).unwrap() + chrono::Duration::days(days);
    env.now = at.to_rfc3339();
    server.restart_at(&env.now);
}

fn sync(env: &Env) -> Run {
    env.run(&["sync"])
}

/// Our cards that have been reviewed: (guid, ord) → (stability, difficulty).
fn our_memory(env: &Env) -> HashMap<(String, i64), (f64, f64)> {
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT n.guid, c.ord, c.stability, c.difficulty FROM cards c JOIN notes n ON n.id = c.note WHERE c.reps > 0")
        .unwrap();
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn count(env: &Env, sql: &str) -> i64 {
    env.sql().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn terminal_and_phone_share_one_study_history() {
    let mut env = Env::new();
    let start = env.now.clone();
    let mut server = SyncServer::start_at(&start);
    let deck = env.path_of("decks/az-400");
    crate::support::copy_tree(&az400(), &deck);
    ready(&env, &server, &deck);

    // 1. The first sync sends the whole deck; the phone then has what an export has.
    let stdout = sync(&env).ok();
    let notes = count(&env, "SELECT count(*) FROM notes WHERE retired_at IS NULL");
    let cards = count(&env, "SELECT count(*) FROM cards WHERE retired_at IS NULL");
    assert!(
        stdout.contains(&format!("sent {notes} note(s), {cards} card state(s)")),
        "{stdout}"
    );
    // 7. Nothing changed: the second sync makes only the `meta` call.
    let calls_before = server.calls().len();
    let stdout = sync(&env).ok();
    assert!(stdout.contains("Already in sync"), "{stdout}");
    assert_eq!(server.calls()[calls_before..], ["meta".to_owned()]);

    let phone = Phone::new(&env);
    let got = phone.run(&env, &server, &["sync", "dump"]);
    let dump = &got["dump"];
    assert_eq!(dump["check"]["ok"], true, "{}", dump["check"]);
    let package = env.path_of("az-400.apkg");
    env.run(&["export", "az-400", "-o", package.to_str().unwrap()])
        .ok();
    let judged = env.judge(&[&package], false);
    assert_eq!(dump["notes"].as_array().unwrap().len() as i64, notes);
    assert_eq!(dump["cards"].as_array().unwrap().len() as i64, cards);
    assert_eq!(
        dump["notes"], judged["notes_detail"],
        "fields and tags as an export has them"
    );
    let exported_decks: Vec<&Value> = judged["decks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d != &"Default")
        .collect();
    for deck in exported_decks {
        assert!(
            dump["decks"].as_array().unwrap().contains(deck),
            "{deck} missing on the phone: {}",
            dump["decks"]
        );
    }

    // 2. The phone studies over three days, syncing each day; skilldeck then adds exactly
    // those reviews and its FSRS states match Anki's.
    let mut studied = vec![phone.run(&env, &server, &["setup", "study", "25", "sync"])];
    for day in 1..=2 {
        go_to_day(&mut env, &mut server, &start, day);
        studied.push(phone.run(&env, &server, &["study", "25", "sync"]));
    }
    let phone_dump = phone.run(&env, &server, &["dump"])["dump"].clone();
    let phone_answers = phone_dump["revlog"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ease"].as_i64().unwrap() > 0)
        .count() as i64;
    assert!(phone_answers >= 60, "{phone_answers}: {studied:?}");
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains(&format!(
            "pulled {phone_answers} review(s) ({phone_answers} new"
        )),
        "{stdout}"
    );
    assert_eq!(
        count(&env, "SELECT count(*) FROM reviews WHERE source = 'anki'"),
        phone_answers
    );
    let ours = our_memory(&env);
    let mut compared = 0;
    for card in phone_dump["cards"].as_array().unwrap() {
        let Some(s) = card["s"].as_f64() else {
            continue;
        };
        let key = (
            card["guid"].as_str().unwrap().to_owned(),
            card["ord"].as_i64().unwrap(),
        );
        let (our_s, our_d) = ours[&key];
        let d = card["d"].as_f64().unwrap();
        assert!(
            (our_s - s).abs() <= 0.01 * s,
            "{key:?}: stability ours {our_s}, Anki {s}"
        );
        assert!(
            (our_d - d).abs() <= 0.01 * d,
            "{key:?}: difficulty ours {our_d}, Anki {d}"
        );
        compared += 1;
    }
    assert!(compared >= 20, "{compared}");
    // A sync with nothing new after that is quiet again.
    assert!(sync(&env).ok().contains("Already in sync"));

    // 3. The terminal answers cards and syncs; the phone, with answers of its own not yet
    // synced, gets a normal sync that brings our reviews and due dates and keeps its own.
    go_to_day(&mut env, &mut server, &start, 3);
    let phone_own = phone.run(&env, &server, &["study", "5"])["study"]["answered"]
        .as_i64()
        .unwrap();
    assert_eq!(phone_own, 5);
    // "a" picks an option of a choice card and reveals any other; 3 rates Good.
    let review = env.run_input(&["review", "--plain"], &"a\n3\n".repeat(8));
    assert_eq!(review.code, 0, "{review:?}");
    let terminal = count(
        &env,
        "SELECT count(*) FROM reviews WHERE source = 'terminal'",
    );
    assert_eq!(terminal, 8, "{review:?}");
    let stdout = sync(&env).ok();
    assert!(stdout.contains(", 8 review(s)"), "{stdout}");
    let before = phone.run(&env, &server, &["dump"])["dump"]["revlog"]
        .as_array()
        .unwrap()
        .len();
    let after = phone.run(&env, &server, &["sync", "dump"]);
    assert_eq!(after["sync"]["required"], "normal");
    let revlog = after["dump"]["revlog"].as_array().unwrap();
    assert_eq!(
        revlog.len(),
        before + 8,
        "our 8 reviews arrive, the phone's stay"
    );
    let due_now: BTreeMap<(String, i64), i64> = after["dump"]["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["queue"] == 2)
        .map(|c| {
            (
                (
                    c["guid"].as_str().unwrap().to_owned(),
                    c["ord"].as_i64().unwrap(),
                ),
                c["ivl"].as_i64().unwrap(),
            )
        })
        .collect();
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT n.guid, c.ord, c.due, c.last_review FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note WHERE r.source = 'terminal'")
        .unwrap();
    let ours: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for key in &ours {
        assert!(
            due_now.contains_key(key),
            "{key:?} is not scheduled on the phone"
        );
    }

    // 4. A note edited in Markdown reaches the phone as an update, not a duplicate.
    let file = deck.join("processes/github-flow.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("- [x] GitHub Flow", "- [x] GitHub Flow (edited)", 1);
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    env.run(&["build", deck.to_str().unwrap()]).ok();
    let stdout = sync(&env).ok();
    assert!(stdout.contains("sent 1 note(s)"), "{stdout}");
    let after = phone.run(&env, &server, &["sync", "dump"]);
    let notes_after = after["dump"]["notes"].as_array().unwrap();
    assert_eq!(notes_after.len() as i64, notes);
    assert!(
        notes_after
            .iter()
            .any(|n| n["fields"].to_string().contains("GitHub Flow (edited)")),
        "the edit did not arrive"
    );
}
