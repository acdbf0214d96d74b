//! A sync that cannot finish leaves the database as it was: another device syncing in the
//! middle, a refused key, a stopped server, and a small fake server that answers garbage,
//! nonsense rows, a failed sanity check, or hangs up.

use serde_json::Value;

use super::{az400, count, sync, synced};
use crate::support::{Env, Run, SyncServer};

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
