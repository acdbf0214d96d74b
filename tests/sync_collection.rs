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
    server.set_clock(&env.now);
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
    // `status` says when the last sync happened.
    let status = env.run(&["status"]).ok();
    assert!(
        status.contains(&format!("last sync with Anki: {}", &start[..10])),
        "{status}"
    );
    let json: Value = serde_json::from_str(&env.run(&["status", "--json"]).ok()).unwrap();
    assert!(
        json["last_sync"]
            .as_str()
            .unwrap()
            .starts_with(&start[..16]),
        "{json}"
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

/// A workspace whose deck has had its first sync, and the phone holding it.
fn synced(env: &Env, server: &SyncServer) -> Phone {
    let deck = env.path_of("decks/az-400");
    crate::support::copy_tree(&az400(), &deck);
    ready(env, server, &deck);
    sync(env).ok();
    let phone = Phone::new(env);
    phone.run(env, server, &["sync", "setup", "study", "10", "sync"]);
    phone
}

#[test]
fn a_phone_syncing_in_the_middle_aborts_ours_cleanly_and_the_next_sync_succeeds() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let phone = synced(&env, &server);
    let before = env.dump();
    let phone_before = phone.run(&env, &server, &["dump"])["dump"]["revlog"].clone();

    // skilldeck stops between `start` and `finish`; the phone syncs meanwhile.
    let hold = env.path_of("hold");
    std::fs::write(&hold, b"").unwrap();
    let ours = env
        .command(&["sync"])
        .env("SKILLDECK_TEST_SYNC_HOLD", &hold)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = env.path_of("hold.started");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !started.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sync never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    phone.run(&env, &server, &["study", "3", "sync"]);
    std::fs::remove_file(&hold).unwrap();
    let run = Run::from(ours.wait_with_output().unwrap());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("another device is syncing") && run.stderr.contains("try again"),
        "{}",
        run.stderr
    );
    assert_eq!(env.dump(), before, "the aborted sync changed the database");

    // Nothing is lost on either side: the phone kept its answers, and the next sync brings
    // them all.
    let phone_after = phone.run(&env, &server, &["dump"])["dump"]["revlog"].clone();
    let phone_answers = phone_after.as_array().unwrap().len();
    assert_eq!(phone_answers, phone_before.as_array().unwrap().len() + 3);
    let stdout = sync(&env).ok();
    assert!(stdout.contains("Synced with"), "{stdout}");
    assert_eq!(
        count(&env, "SELECT count(*) FROM reviews WHERE source = 'anki'") as usize,
        phone_answers
    );
}

#[test]
fn a_refused_key_or_a_stopped_server_is_a_clear_error_and_changes_nothing() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    synced(&env, &server);
    let before = env.dump();

    // A key the server does not know any more.
    let saved = std::fs::read(env.credentials()).unwrap();
    let mut login: Value = serde_json::from_slice(&saved).unwrap();
    login["key"] = "0123456789abcdef".into();
    std::fs::write(env.credentials(), login.to_string()).unwrap();
    let run = sync(&env);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("run `skilldeck sync login` again"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("0123456789abcdef"), "{}", run.stderr);
    assert_eq!(env.dump(), before);
    std::fs::write(env.credentials(), &saved).unwrap();

    // The server is down.
    let endpoint = server.endpoint.clone();
    drop(server);
    let run = sync(&env);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("cannot reach the sync server at {endpoint}")),
        "{}",
        run.stderr
    );
    assert_eq!(env.dump(), before);
}

/// What the small fake server does after a good `meta` and `start`.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Answers every later call with bytes that are not zstd.
    Garbage,
    /// Answers with rows that make no sense (a review-log row of the wrong shape).
    NonsenseRows,
    /// Closes the connection in the middle of the sync.
    Hangs,
    /// Takes the rows, then says the collections do not match at the sanity check.
    Insane,
}

/// A fake sync server on a free port: a real `meta` (its clock is the workspace's) and
/// `start`, then `how` misbehaves. Returns its endpoint.
fn fake_server(now: &str, how: Misbehaviour) -> String {
    use skilldeck::anki::sync::wire;
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/", listener.local_addr().unwrap());
    let ts = chrono::DateTime::parse_from_rfc3339(now)
        .unwrap()
        .timestamp();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            loop {
                let mut request = String::new();
                if reader.read_line(&mut request).unwrap_or(0) == 0 {
                    break;
                }
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        break;
                    }
                    let lower = header.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if header == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let method = request
                    .split_whitespace()
                    .nth(1)
                    .and_then(|p| p.rsplit('/').next())
                    .unwrap_or("")
                    .to_owned();
                if method == "health" {
                    // Never mistaken for a real server coming up.
                    let _ =
                        writer.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
                    continue;
                }
                let answer: Vec<u8> = match (method.as_str(), how) {
                    ("meta", _) => wire::encode(&serde_json::json!({
                        "mod": 1, "scm": 1, "usn": 1, "ts": ts, "msg": "", "cont": true,
                        "hostNum": 0, "empty": false, "media_usn": 0
                    }))
                    .unwrap(),
                    ("start", _) => {
                        wire::encode(&serde_json::json!({"cards": [], "notes": [], "decks": []}))
                            .unwrap()
                    }
                    ("abort", _) => wire::encode(&serde_json::Value::Null).unwrap(),
                    (_, Misbehaviour::Garbage) => b"\x00\x01garbage, not zstd".to_vec(),
                    ("applyChanges", Misbehaviour::NonsenseRows) => {
                        wire::encode(&serde_json::json!({
                            "models": [], "decks": [[], []], "tags": [], "crt": 1_700_000_000
                        }))
                        .unwrap()
                    }
                    (_, Misbehaviour::NonsenseRows) => wire::encode(&serde_json::json!({
                        "done": true, "notes": [], "cards": [], "revlog": [["x", 1]]
                    }))
                    .unwrap(),
                    ("applyChanges", Misbehaviour::Insane) => wire::encode(&serde_json::json!({
                        "models": [], "decks": [[], []], "tags": [], "crt": 1_700_000_000
                    }))
                    .unwrap(),
                    ("chunk", Misbehaviour::Insane) => {
                        wire::encode(&serde_json::json!({"done": true})).unwrap()
                    }
                    ("sanityCheck2", Misbehaviour::Insane) => wire::encode(&serde_json::json!({
                        "status": "bad", "c": [], "s": [[0, 0, 0], 1, 1, 1, 0, 1, 1, 1]
                    }))
                    .unwrap(),
                    (_, Misbehaviour::Insane) => wire::encode(&serde_json::Value::Null).unwrap(),
                    (_, Misbehaviour::Hangs) => {
                        // Dropped mid-answer: a status line and nothing more.
                        let _ =
                            writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nab");
                        return;
                    }
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
                    answer.len()
                );
                if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&answer).is_err()
                {
                    break;
                }
            }
        }
    });
    endpoint
}

#[test]
fn a_server_that_answers_garbage_or_hangs_up_changes_nothing() {
    let env = Env::new();
    let deck = env.path_of("decks/az-400");
    crate::support::copy_tree(&az400(), &deck);
    env.run(&["build", deck.to_str().unwrap()]).ok();
    let before = env.dump();
    for (how, says) in [
        (
            Misbehaviour::Garbage,
            "gave an answer skilldeck cannot read",
        ),
        (
            Misbehaviour::NonsenseRows,
            "sent something skilldeck cannot use",
        ),
        (Misbehaviour::Hangs, "the sync server at"),
        (
            Misbehaviour::Insane,
            "did not match skilldeck's after the merge",
        ),
    ] {
        let endpoint = fake_server(&env.now, how);
        let login = serde_json::json!({"endpoint": endpoint, "user": "user", "key": "k"});
        std::fs::create_dir_all(env.credentials().parent().unwrap()).unwrap();
        std::fs::write(env.credentials(), login.to_string()).unwrap();
        let run = sync(&env);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert_eq!(env.dump(), before);
    }
}

#[test]
fn after_another_device_replaced_the_collection_only_an_explicit_full_download_goes_on() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let phone = synced(&env, &server);
    // The phone forces a one-way sync: the server's collection is replaced (its schema
    // stamp changes), with answers skilldeck has not seen.
    phone.run(&env, &server, &["study", "4", "full-upload"]);
    let phone_answers = phone.run(&env, &server, &["dump"])["dump"]["revlog"]
        .as_array()
        .unwrap()
        .len();
    let before = env.dump();
    let run = sync(&env);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("only a full sync is possible")
            && run.stderr.contains("--full-download"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.dump(),
        before,
        "nothing changes before the user chooses"
    );
    let stdout = env.run(&["sync", "--full-download"]).ok();
    assert!(
        stdout.contains("Downloaded the server's collection"),
        "{stdout}"
    );
    assert_eq!(
        count(&env, "SELECT count(*) FROM reviews WHERE source = 'anki'") as usize,
        phone_answers
    );
    // Both sides go on with normal syncs.
    let after = phone.run(&env, &server, &["sync", "dump"]);
    assert_eq!(after["sync"]["required"], "normal");
    assert_eq!(after["dump"]["check"]["ok"], true);
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("Already in sync") || stdout.contains("pulled 0 review(s)"),
        "{stdout}"
    );
}

#[test]
fn the_images_notes_show_go_through_the_media_sync_once() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let deck = env.deck("kinds");
    ready(&env, &server, &deck);
    // The deck's desired retention goes with it, in deck options of its own.
    env.run(&["config", "set", "desired_retention", "0.85"])
        .ok();
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("Media: sent 1 file(s); 0 already on the server."),
        "{stdout}"
    );
    let phone = Phone::new(&env);
    let got = phone.run(&env, &server, &["sync", "media", "dump"]);
    let options = &got["dump"]["options"];
    assert_eq!(
        options["skilldeck: Every card kind"]["desiredRetention"], 0.85,
        "{options}"
    );
    let image = std::fs::read(deck.join("media/diagram.png")).unwrap();
    let names: Vec<String> = serde_json::from_value(got["media"].clone()).unwrap();
    assert_eq!(names.len(), 1, "{names:?}");
    let on_phone = std::fs::read(
        phone
            .path
            .with_file_name("collection.media")
            .join(&names[0]),
    )
    .unwrap();
    assert_eq!(on_phone, image);
    // A note changed: its file is on the server already and is not sent again.
    let file = deck.join("topics/basics.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("Stages, jobs and steps", "Stages, jobs, steps", 1),
    )
    .unwrap();
    env.run(&["build", deck.to_str().unwrap()]).ok();
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("Media: sent 0 file(s); 1 already on the server."),
        "{stdout}"
    );
}

#[test]
fn a_full_upload_replaces_the_servers_collection_when_asked_and_phones_download_it() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let phone = synced(&env, &server);
    phone.run(&env, &server, &["study", "2", "full-upload"]);
    let run = env.run(&["sync", "--full-upload"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("every other device must then download it"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("Uploaded skilldeck's decks"),
        "{}",
        run.stdout
    );
    // The phone is told so, downloads skilldeck's collection, and Anki finds it sound.
    let status = phone.run(&env, &server, &["status"]);
    assert!(
        status["status"] == "full" || status["status"] == "full_download",
        "{status}"
    );
    let got = phone.run(&env, &server, &["download", "dump"]);
    let notes = count(&env, "SELECT count(*) FROM notes WHERE retired_at IS NULL");
    assert_eq!(got["dump"]["notes"].as_array().unwrap().len() as i64, notes);
    assert_eq!(got["dump"]["check"]["ok"], true, "{}", got["dump"]["check"]);
    // Then both go on with normal syncs.
    let after = phone.run(&env, &server, &["study", "2", "sync"]);
    assert_eq!(after["sync"]["required"], "normal");
    let stdout = sync(&env).ok();
    assert!(stdout.contains("pulled 2 review(s) (2 new"), "{stdout}");
}

/// Each card's answers by source: (guid, ord) → (terminal, anki).
fn answers_by_source(env: &Env) -> HashMap<(String, i64), (i64, i64)> {
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT n.guid, c.ord, sum(r.source = 'terminal'), sum(r.source = 'anki') FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note GROUP BY c.id")
        .unwrap();
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_card_answered_on_both_sides_keeps_both_answers_and_a_retired_notes_cards_are_suspended() {
    let mut env = Env::new();
    let start = env.now.clone();
    let mut server = SyncServer::start_at(&start);
    let deck = env.deck("kinds");
    ready(&env, &server, &deck);
    sync(&env).ok();
    let phone = Phone::new(&env);
    let first = phone.run(&env, &server, &["sync", "setup", "study", "99", "sync"]);
    sync(&env).ok();

    // Two days on, both sides answer every due card before either syncs.
    go_to_day(&mut env, &mut server, &start, 2);
    let phone_answered = phone.run(&env, &server, &["study", "99"])["study"]["answered"]
        .as_i64()
        .unwrap();
    let dump = phone.run(&env, &server, &["dump"]);
    assert!(phone_answered >= 3, "{phone_answered} {first} {dump}");
    let review = env.run_input(&["review", "--plain"], &"a\n3\n".repeat(30));
    assert_eq!(review.code, 0, "{review:?}");
    sync(&env).ok();
    phone.run(&env, &server, &["sync"]);
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains(&format!("pulled {phone_answered} review(s)")),
        "{stdout} {first}"
    );
    // Cards answered on both sides hold both answers, and the state the merged history
    // gives is the one the phone shows after its next sync.
    let both: Vec<(String, i64)> = answers_by_source(&env)
        .into_iter()
        .filter(|(_, (terminal, _))| *terminal > 0)
        .map(|(key, _)| key)
        .collect();
    assert!(!both.is_empty());
    let after = phone.run(&env, &server, &["sync", "dump"]);
    assert_eq!(after["sync"]["required"], "normal");
    let ours = our_memory(&env);
    for card in after["dump"]["cards"].as_array().unwrap() {
        let key = (
            card["guid"].as_str().unwrap().to_owned(),
            card["ord"].as_i64().unwrap(),
        );
        if !both.contains(&key) {
            continue;
        }
        let (s, d) = ours[&key];
        let (their_s, their_d) = (card["s"].as_f64().unwrap(), card["d"].as_f64().unwrap());
        assert!(
            (their_s - s).abs() <= 0.01 * s,
            "{key:?}: ours {s}, phone {their_s}"
        );
        assert!(
            (their_d - d).abs() <= 0.01 * d,
            "{key:?}: ours {d}, phone {their_d}"
        );
    }
    let terminal = count(
        &env,
        "SELECT count(*) FROM reviews WHERE source = 'terminal'",
    );
    let anki = count(&env, "SELECT count(*) FROM reviews WHERE source = 'anki'");
    let revlog = after["dump"]["revlog"].as_array().unwrap().len() as i64;
    assert_eq!(
        revlog,
        terminal + anki,
        "every answer of both sides, once, on both sides"
    );

    // A note removed from the Markdown is retired: its card is suspended on the phone, never
    // deleted.
    let file = deck.join("topics/basics.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let start_of = text.find("## What does `trigger: none` do?").unwrap();
    let end_of = text.find("## What does this trigger do?").unwrap();
    std::fs::write(&file, format!("{}{}", &text[..start_of], &text[end_of..])).unwrap();
    env.run(&["build", deck.to_str().unwrap()]).ok();
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("suspended 1 card(s) of retired notes"),
        "{stdout}"
    );
    let after = phone.run(&env, &server, &["sync", "dump"]);
    let guid: String = env
        .sql()
        .query_row(
            "SELECT guid FROM notes WHERE note_id = 'trigger-none'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let cards: Vec<&Value> = after["dump"]["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["guid"] == guid.as_str())
        .collect();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["queue"], -1, "suspended");
}
