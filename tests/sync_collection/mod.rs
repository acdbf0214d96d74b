//! `skilldeck sync` against the real Anki sync server, with the Anki library playing the phone
//! in a second collection (tests/anki/phone.py). Every clock is the test's: skilldeck's
//! `SKILLDECK_NOW`, and the server and the phone under libfaketime, moved a day at a time.
//! `study`: one study history on both sides; `failures`: aborts and servers that fail;
//! `full`: the full syncs; this file: the phone and the helpers they share.

mod failures;
mod full;
mod study;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Env, Run, SyncServer};

pub fn az400() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("decks/az-400")
}

/// The phone: an Anki collection file driven through phone.py on the workspace's clock.
pub struct Phone {
    pub path: PathBuf,
}

impl Phone {
    pub fn new(env: &Env) -> Phone {
        Phone {
            path: env.path_of("phone/collection.anki2"),
        }
    }

    pub fn run(&self, env: &Env, server: &SyncServer, commands: &[&str]) -> Value {
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
pub fn ready(env: &Env, server: &SyncServer, deck: &Path) {
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
pub fn go_to_day(env: &mut Env, server: &mut SyncServer, start: &str, days: i64) {
    let at = chrono::DateTime::parse_from_rfc3339(start).unwrap() + chrono::Duration::days(days);
    env.now = at.to_rfc3339();
    server.set_clock(&env.now);
}

pub fn sync(env: &Env) -> Run {
    env.run(&["sync"])
}

/// Our cards that have been reviewed: (guid, ord) → (stability, difficulty).
pub fn our_memory(env: &Env) -> HashMap<(String, i64), (f64, f64)> {
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT n.guid, c.ord, c.stability, c.difficulty FROM cards c JOIN notes n ON n.id = c.note WHERE c.reps > 0")
        .unwrap();
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

pub fn count(env: &Env, sql: &str) -> i64 {
    env.sql().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A workspace whose deck has had its first sync, and the phone holding it.
pub fn synced(env: &Env, server: &SyncServer) -> Phone {
    let deck = env.path_of("decks/az-400");
    crate::support::copy_tree(&az400(), &deck);
    ready(env, server, &deck);
    sync(env).ok();
    let phone = Phone::new(env);
    phone.run(env, server, &["sync", "setup", "study", "10", "sync"]);
    phone
}

/// Each card's answers by source: (guid, ord) → (terminal, anki).
pub fn answers_by_source(env: &Env) -> HashMap<(String, i64), (i64, i64)> {
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT n.guid, c.ord, sum(r.source = 'terminal'), sum(r.source = 'anki') FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note GROUP BY c.id")
        .unwrap();
    stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}
