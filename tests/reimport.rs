//! Our own reviews coming back: an export `--with-scheduling`, and the same reviews after a
//! trip through the real Anki library, imported into skilldeck add no review twice — even when
//! many reviews share one millisecond, so the export numbers them on past a second boundary.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::Env;

/// Anki imports `package` with its scheduling and exports it again into `out` (legacy.apkg and
/// current.apkg); returns Anki's review log as (id, ease) pairs.
fn through_anki(env: &Env, package: &Path, out: &Path) -> Vec<(i64, i64)> {
    fs::create_dir_all(out).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/anki/reexport.py");
    let run = env
        .anki_python()
        .arg(script)
        .arg(package)
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "reexport.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    report["revlog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row[0].as_i64().unwrap(), row[1].as_i64().unwrap()))
        .collect()
}

fn review_count(env: &Env) -> i64 {
    env.sql()
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn reviews_crowded_into_one_millisecond_come_back_once() {
    let mut env = Env::new();
    // The clock stands still 10 ms before a second ends: every answer of the session has the
    // same time, and the export numbers them on, 30 of them into the next second.
    env.now = "2026-11-25T09:00:00.990Z".into();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run_input(&["review", "--plain"], &"\n1\n".repeat(40))
        .ok();
    assert_eq!(review_count(&env), 40);
    env.run(&["export", "kinds", "--with-scheduling", "-o", "ours.apkg"])
        .ok();
    let ours = env.path_of("ours.apkg");
    let anki = through_anki(&env, &ours, &env.path_of("anki"));
    let at = 1_795_597_200_990;
    assert_eq!(anki.len(), 40);
    assert_eq!(anki.first().unwrap().0, at);
    assert_eq!(anki.last().unwrap().0, at + 39);
    let packages: Vec<PathBuf> = vec![
        env.path_of("anki/legacy.apkg"),
        env.path_of("anki/current.apkg"),
        ours.clone(),
    ];

    // Into the database the reviews were made in: all of them are known.
    let before = env.dump();
    for package in &packages {
        let out = env.run(&["import", &package.to_string_lossy()]).ok();
        assert!(
            out.contains(": added 0 review(s) to 0 card(s); skipped 40 already known;"),
            "{}: {out}",
            package.display()
        );
        assert_eq!(env.dump(), before, "{}", package.display());
    }

    // Into another database with the same deck: Anki's copy brings the 40 reviews, our export
    // adds nothing more.
    let desk = Env {
        dir: tempfile::tempdir().unwrap(),
        now: env.now.clone(),
    };
    desk.deck("kinds");
    desk.run(&["build", "decks/kinds"]).ok();
    let out = desk.run(&["import", &packages[0].to_string_lossy()]).ok();
    assert!(
        out.contains(": added 40 review(s) to 4 card(s); skipped 0 already known;"),
        "{out}"
    );
    for package in &packages[1..] {
        let out = desk.run(&["import", &package.to_string_lossy()]).ok();
        assert!(
            out.contains(": added 0 review(s)"),
            "{}: {out}",
            package.display()
        );
    }
    assert_eq!(review_count(&desk), 40);
}
