//! Packages built to make skilldeck work forever or accept what it should not: tables replaced
//! by views (a recursive one never ends), queries that would take hours, more rows than any
//! collection has, broken JSON. Each is refused at once, with exit code 1 and a clear message,
//! and leaves the database and the folder as they were.

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use skilldeck::anki::read::{LIMITS, Limits, Package};

use crate::import::doctored;
use crate::support::{Env, Run};

/// Runs `skilldeck ARGS` like `Env::run`, but kills it if it is still running after `limit`.
fn run_within(env: &Env, args: &[&str], limit: Duration) -> Run {
    let start = Instant::now();
    let mut child = env
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`skilldeck {}` still ran after {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The names in the workspace folder.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The kinds deck built and exported (without scheduling: `kinds.apkg`, which `doctored` edits)
/// and reviewed once, so a wrongly accepted package would have history to change.
fn workspace() -> Env {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run_input(&["review", "--plain"], &"\n3\n".repeat(3))
        .ok();
    env.run(&["export", "kinds", "-o", "kinds.apkg"]).ok();
    env
}

/// Asserts that `import FILE` and `import --to-markdown FILE out` are both refused within a
/// second with `message`, and change neither the database nor the folder.
#[track_caller]
fn refused_by_both(env: &Env, file: &Path, message: &str) {
    let file = file.to_string_lossy().into_owned();
    let commands: [&[&str]; 2] = [
        &["import", &file],
        &["import", "--to-markdown", &file, "out"],
    ];
    for args in commands {
        let (before, folder) = (env.dump(), listing(env.dir.path()));
        let run = run_within(env, args, Duration::from_secs(1));
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr,
            format!("error: {file}: {message}\n"),
            "{args:?}"
        );
        assert_eq!(env.dump(), before, "{args:?}");
        assert_eq!(listing(env.dir.path()), folder, "{args:?}");
    }
}

/// A view that counts forever and never yields a row.
fn endless(columns: &str) -> String {
    format!(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT {columns} FROM r WHERE n = 0"
    )
}

#[test]
fn tables_replaced_by_views_are_refused_at_once() {
    let env = workspace();
    let cases = [
        (
            "notes",
            format!(
                "DROP TABLE notes; CREATE VIEW notes AS {};",
                endless("n AS id, 'g' || n AS guid, 1 AS mid, '' AS tags, '' AS flds")
            ),
        ),
        (
            "cards",
            format!(
                "DROP TABLE cards; CREATE VIEW cards AS {};",
                endless("n AS id, n AS nid, 1 AS did, 0 AS ord")
            ),
        ),
        (
            "revlog",
            format!(
                "DROP TABLE revlog; CREATE VIEW revlog AS {};",
                endless("n AS id, n AS cid, 3 AS ease, 0 AS time, 1 AS type")
            ),
        ),
        (
            "col",
            format!(
                "ALTER TABLE col RENAME TO col_real; CREATE VIEW col AS {};",
                endless(
                    "(SELECT ver FROM col_real) AS ver, (SELECT models FROM col_real) AS models, (SELECT decks FROM col_real) AS decks"
                )
            ),
        ),
        // A view that ends is no table either.
        (
            "notes",
            "ALTER TABLE notes RENAME TO notes_real; CREATE VIEW notes AS SELECT * FROM notes_real;"
                .to_owned(),
        ),
    ];
    for (i, (table, sql)) in cases.iter().enumerate() {
        let file = doctored(&env, sql, &format!("view-{i}.apkg"));
        refused_by_both(
            &env,
            &file,
            &format!(
                "the collection's `{table}` is a view, not a table; refusing it (a package may hold plain tables only)"
            ),
        );
    }
}

#[test]
fn a_collection_that_demands_too_much_work_is_interrupted() {
    let env = workspace();
    // A later schema's note types and fields, 20,000 of each, the fields without an index:
    // finding each type's fields reads every field, 400,000,000 rows in all (minutes of work).
    let file = doctored(
        &env,
        "UPDATE col SET ver = 18, models = '', decks = '';
         CREATE TABLE notetypes (id integer PRIMARY KEY, name text, mtime_secs integer, config blob);
         CREATE TABLE fields (ntid integer, ord integer, name text);
         CREATE TABLE templates (ntid integer, ord integer, name text, config blob);
         CREATE TABLE decks (id integer PRIMARY KEY, name text);
         WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 20000)
         INSERT INTO notetypes SELECT n, 'type', 0, x'' FROM r;
         WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 20000)
         INSERT INTO fields SELECT n, 0, 'field' FROM r;",
        "slow.apkg",
    );
    let steps = LIMITS.base_steps + LIMITS.steps_per_byte * collection_size(&file);
    let path = file.to_string_lossy().into_owned();
    let (before, folder) = (env.dump(), listing(env.dir.path()));
    // The budget runs out in about a second even in a debug build; unbounded, this would run
    // for minutes.
    let run = run_within(
        &env,
        &["import", "--to-markdown", &path, "out"],
        Duration::from_secs(10),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "error: {path}: the package demanded too much work (more than {steps} SQLite steps); refusing it\n"
        )
    );
    assert_eq!(env.dump(), before);
    assert_eq!(listing(env.dir.path()), folder);
}

/// The size of the collection inside a package.
fn collection_size(package: &Path) -> u64 {
    let mut archive = zip::ZipArchive::new(fs::File::open(package).unwrap()).unwrap();
    archive.by_name("collection.anki2").unwrap().size()
}

#[test]
fn the_work_and_row_budgets_bound_an_ordinary_import_too() {
    let env = workspace();
    let file = env.path_of("kinds.apkg");
    let name = file.display().to_string();
    let now = chrono::Utc::now().timestamp_millis();
    // With the usual limits the package reads fine.
    let package = Package::open(&file).unwrap();
    let history = skilldeck::anki::import::history(&package, now).unwrap();
    assert_eq!((history.notes.len(), history.cards.len()), (10, 13));
    // Fewer rows allowed than notes and cards.
    let few_rows = Limits { rows: 20, ..LIMITS };
    let package = Package::open_with(&file, few_rows).unwrap();
    let err = skilldeck::anki::import::history(&package, now).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{name}: the package demanded too much work (more than 20 rows of notes, cards and review log); refusing it"
        )
    );
    // Fewer SQLite steps than reading the collection takes.
    let few_steps = Limits {
        base_steps: 100,
        steps_per_byte: 0,
        ..LIMITS
    };
    let err = Package::open_with(&file, few_steps)
        .and_then(|p| skilldeck::anki::import::history(&p, now).map(|_| ()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{name}: the package demanded too much work (more than 100 SQLite steps); refusing it"
        )
    );
}

#[test]
fn import_refuses_broken_note_types_and_decks() {
    let env = workspace();
    let before = env.dump();
    for (sql, message) in [
        (
            "UPDATE col SET models = '{\"1\": [';",
            "broken note types (JSON): EOF while parsing a list at line 1 column 7",
        ),
        (
            "UPDATE col SET decks = 'not json';",
            "broken decks (JSON): expected ident at line 1 column 2",
        ),
    ] {
        let file = doctored(&env, sql, "json.apkg");
        let path = file.to_string_lossy().into_owned();
        let run = env.run(&["import", &path]);
        assert_eq!(run.code, 1, "{sql}: {}", run.stderr);
        assert_eq!(run.stderr, format!("error: {path}: {message}\n"));
        assert_eq!(env.dump(), before, "{sql}");
    }
    // Untouched, the same package imports.
    let fine = doctored(&env, "", "fine.apkg");
    env.run(&["import", &fine.to_string_lossy()]).ok();
}
