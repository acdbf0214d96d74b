//! A damaged database: cut short, pages zeroed, bits flipped at seeded offsets. Every command
//! that uses it says so plainly (exit 1, where the backups are, the command that restores one)
//! and leaves the file byte for byte as it was; then the daily backup is restored and every
//! review up to it is there.

use std::fs;
use std::path::Path;

use crate::support::Env;
use crate::together::drive;

const DAY_ZERO: &str = "2026-11-24T09:00:00Z";
const DAY_ONE: &str = "2026-11-25T09:00:00Z";
const DAY_TWO: &str = "2026-11-26T09:00:00Z";

/// Every review row, as text, in id order.
fn reviews(db: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT id, card, reviewed_at, rating, elapsed_days, duration_ms FROM reviews ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| {
        Ok(format!(
            "{}|{}|{}|{}|{}|{}",
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, f64>(4)?,
            r.get::<_, i64>(5)?
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// A database built on day zero (which makes no backup: the build created it), with two days
/// of reviews; a backup is made after each day's session. Returns the workspace and the
/// reviews after day one and after day two.
fn studied() -> (Env, Vec<String>, Vec<String>) {
    let mut env = Env::new();
    env.deck("kinds");
    env.now = DAY_ZERO.into();
    env.run(&["build", "decks/kinds"]).ok();
    env.now = DAY_ONE.into();
    let first = drive(&env, &["--limit", "6"], 0xdade_0001, u64::MAX);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let day_one = reviews(&env.db());
    assert_eq!(day_one.len(), 6);
    env.now = DAY_TWO.into();
    let second = drive(&env, &["--limit", "5"], 0xdade_0002, u64::MAX);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let day_two = reviews(&env.db());
    assert_eq!(day_two.len(), 11);
    // Every process has closed the database: it is one file, its WAL folded in. (Reading it
    // here, read-only, left an empty WAL and its index beside it.)
    let wal = env.path_of("skilldeck.db-wal");
    assert!(fs::metadata(&wal).map_or(0, |m| m.len()) == 0);
    let _ = fs::remove_file(wal);
    let _ = fs::remove_file(env.path_of("skilldeck.db-shm"));
    (env, day_one, day_two)
}

/// One way of damaging the file.
struct Variant {
    name: String,
    bytes: Vec<u8>,
}

/// Truncations, zeroed pages and seeded bit flips of `good` (pages of `page` bytes).
fn variants(good: &[u8], page: usize) -> Vec<Variant> {
    let pages = good.len() / page;
    // Where the content ends: a table with no rows yet can own the last page, nearly all zeros,
    // and a cut through zeros alone takes nothing away.
    let content_end = good
        .iter()
        .rposition(|&b| b != 0)
        .map_or(good.len(), |i| i + 1);
    let mut out = Vec::new();
    for keep in [
        0,
        50,
        page,
        good.len() / 2,
        good.len() - page,
        content_end - 100,
    ] {
        out.push(Variant {
            name: format!("cut to {keep} bytes"),
            bytes: good[..keep].to_vec(),
        });
    }
    for (first, count) in [(0, 1), (1, 1), (2, 2), (pages / 2, 1), (pages - 1, 1)] {
        let mut bytes = good.to_vec();
        bytes[first * page..(first + count) * page].fill(0);
        out.push(Variant {
            name: format!("pages {}..{} zeroed", first + 1, first + count),
            bytes,
        });
    }
    // Seeded offsets: half anywhere in the file (mostly row data, which no check can tell
    // from other data), half in the 8-byte headers of b-tree pages (page kind, free blocks,
    // cell count, content start), where SQLite's structure lives.
    let mut seed = 0x0bad_5eed_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..60 {
        let offset = if i % 2 == 0 {
            (next() % good.len() as u64) as usize
        } else {
            let p = (next() % pages as u64) as usize;
            p * page + if p == 0 { 100 } else { 0 } + (next() % 8) as usize
        };
        let bit = 1u8 << (next() % 8);
        let mut bytes = good.to_vec();
        bytes[offset] ^= bit;
        out.push(Variant {
            name: format!("bit {bit:#04x} flipped at byte {offset}"),
            bytes,
        });
    }
    out
}

/// Whether SQLite itself finds the file damaged (its `quick_check`, on a copy).
fn sqlite_says_damaged(bytes: &[u8]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    fs::write(&copy, bytes).unwrap();
    let Ok(conn) = rusqlite::Connection::open(&copy) else {
        return true;
    };
    let verdict: rusqlite::Result<Vec<String>> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    !matches!(verdict.as_deref(), Ok([ok]) if ok == "ok")
}

const RAW_WORDS: [&str; 5] = [
    "malformed",
    "Conversion error",
    "database error",
    "not a database",
    "caused by",
];

/// How many backup files there are.
fn backups(env: &Env) -> usize {
    fs::read_dir(env.path_of("backups"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".db")
        })
        .count()
}

/// The commands run on every variant: arguments and standard input.
const COMMANDS: [(&str, &[&str], &str); 4] = [
    ("status", &["status"], ""),
    ("stats", &["stats"], ""),
    ("review --plain", &["review", "--plain"], "\n3\n\n3\nq\n"),
    ("build", &["build"], ""),
];

#[test]
fn a_damaged_database_is_refused_plainly_and_left_untouched_then_restored() {
    let (mut env, day_one, day_two) = studied();
    let db = env.db();
    let good = fs::read(&db).unwrap();
    let page = usize::from(u16::from_be_bytes([good[16], good[17]]));
    assert_eq!(backups(&env), 2, "one backup a day");
    env.now = "2026-11-27T09:00:00Z".into();

    let mut damaged = 0;
    for variant in variants(&good, page) {
        let seen = sqlite_says_damaged(&variant.bytes) || variant.bytes.len() < 100;
        // Cut short or zeroed, the file is damaged by construction.
        assert!(seen || variant.name.starts_with("bit "), "{}", variant.name);
        fs::write(&db, &variant.bytes).unwrap();
        for (command, args, input) in COMMANDS {
            let run = env.run_input(args, input);
            let what = format!("{command} on {}: {run:?}", variant.name);
            assert!(run.code == 0 || run.code == 1, "{what}");
            for raw in RAW_WORDS {
                assert!(!run.stderr.contains(raw), "SQLite's words: {what}");
            }
            if seen {
                assert_eq!(run.code, 1, "{what}");
                assert!(
                    run.stderr.starts_with(&format!(
                        "error: {}: the database is damaged: ",
                        db.display()
                    )),
                    "{what}"
                );
                assert!(
                    run.stderr.contains(&format!(
                        "skilldeck has not changed the file.\nBackups are kept in {} (the newest from 2026-11-26). Restore the newest with `skilldeck --db {} backup restore` (the damaged file is kept aside)",
                        env.path_of("backups").display(),
                        db.display()
                    )),
                    "{what}"
                );
                assert!(run.stdout.is_empty(), "{what}");
                // The next command checks the file again, whatever it looks like.
                assert!(
                    !env.path_of("backups/.skilldeck.db.checked").exists(),
                    "{what}"
                );
                assert!(
                    fs::read(&db).unwrap() == variant.bytes,
                    "the file changed: {what}"
                );
            }
            // A read-only command never writes, whether or not it noticed anything.
            if command == "status" || command == "stats" {
                assert!(
                    fs::read(&db).unwrap() == variant.bytes,
                    "the file changed: {what}"
                );
            }
            // A command that found nothing wrong may have written and made today's backup:
            // never one that refused the file. Start the next command from the variant again.
            let today = env.path_of("backups/skilldeck-2026-11-27.db");
            assert!(
                !(seen && today.exists()),
                "a backup of a damaged file: {what}"
            );
            let _ = fs::remove_file(today);
            fs::write(&db, &variant.bytes).unwrap();
            let _ = fs::remove_file(env.path_of("skilldeck.db-wal"));
            let _ = fs::remove_file(env.path_of("skilldeck.db-shm"));
        }
        damaged += usize::from(seen);
    }
    assert!(
        damaged >= 30,
        "only {damaged} variants were damage SQLite can see"
    );
    assert_eq!(backups(&env), 2);

    // Damage it once more and restore the newest backup: every review is back.
    let mut broken = good.clone();
    broken[page..2 * page].fill(0);
    fs::write(&db, &broken).unwrap();
    let out = env.run(&["backup", "restore"]).ok();
    let aside = env.path_of("skilldeck.db.damaged-20261127-090000");
    assert_eq!(
        out,
        format!(
            "restored skilldeck-2026-11-26.db (11 reviews, the last on 2026-11-26) to {}\nthe damaged file it replaced is kept as {}\n",
            db.display(),
            aside.display()
        )
    );
    assert!(fs::read(&aside).unwrap() == broken);
    assert_eq!(reviews(&db), day_two);
    env.run(&["status"]).ok();

    // The older backup by its date: day one's reviews; the whole file is kept aside too,
    // under a name of its own.
    let out = env.run(&["backup", "restore", "2026-11-25"]).ok();
    assert!(
        out.ends_with(&format!(
            "the previous file it replaced is kept as {}\n",
            env.path_of("skilldeck.db.replaced-20261127-090000")
                .display()
        )),
        "{out}"
    );
    assert_eq!(reviews(&db), day_one);
    let out = env
        .run(&["backup", "restore", "skilldeck-2026-11-26.db"])
        .ok();
    assert!(
        out.ends_with(&format!(
            "kept as {}\n",
            env.path_of("skilldeck.db.replaced-20261127-090000-2")
                .display()
        )),
        "{out}"
    );
    assert_eq!(reviews(&db), day_two);
    assert!(
        fs::read(&aside).unwrap() == broken,
        "nothing was overwritten"
    );
}

/// Backups: one after each day that changed something, none for a day that only read, listed
/// newest first with what they hold; a damaged backup is not restored.
#[test]
fn backups_are_daily_listed_and_checked_before_restoring() {
    let (mut env, _, _) = studied();
    // The build that created the database had nothing to back up.
    assert!(!env.path_of("backups/skilldeck-2026-11-24.db").exists());
    env.now = "2026-11-27T09:00:00Z".into();
    env.run(&["status"]).ok();
    env.run(&["stats"]).ok();
    let listed = env.run(&["backup", "list"]).ok();
    assert_eq!(
        listed,
        format!(
            "backups of {} in {} (newest first; one a day at most, the newest 7 kept):\n  skilldeck-2026-11-26.db  {:>9}  11 reviews, the last on 2026-11-26\n  skilldeck-2026-11-25.db  {:>9}  6 reviews, the last on 2026-11-25\n",
            env.db().display(),
            env.path_of("backups").display(),
            size(&env.path_of("backups/skilldeck-2026-11-26.db")),
            size(&env.path_of("backups/skilldeck-2026-11-25.db")),
        )
    );
    // A second change the same day makes no second backup; the next day's change makes one.
    env.run(&["config", "set", "fuzz", "off"]).ok();
    env.run(&["config", "set", "fuzz", "on"]).ok();
    assert!(env.path_of("backups/skilldeck-2026-11-27.db").exists());
    let before = fs::read(env.path_of("backups/skilldeck-2026-11-27.db")).unwrap();
    env.run(&["config", "set", "new_per_day", "30"]).ok();
    assert!(fs::read(env.path_of("backups/skilldeck-2026-11-27.db")).unwrap() == before);

    // A damaged backup is refused, and the database stays as it is.
    let backup = env.path_of("backups/skilldeck-2026-11-25.db");
    let mut bytes = fs::read(&backup).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    bytes[page..2 * page].fill(0);
    fs::write(&backup, &bytes).unwrap();
    let db = fs::read(env.db()).unwrap();
    let run = env.run(&["backup", "restore", "2026-11-25"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: {}: the backup is damaged; choose another one (`skilldeck backup list`)\n",
            backup.display()
        )
    );
    assert!(fs::read(env.db()).unwrap() == db);
    let run = env.run(&["backup", "restore", "2026-01-01"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no backup `2026-01-01` in"), "{run:?}");
}

fn size(path: &Path) -> String {
    let kib = fs::metadata(path).unwrap().len() as f64 / 1024.0;
    format!("{kib:.0} KiB")
}

/// A value of the wrong type in one of our tables (what a flipped bit in a record header
/// gives, which SQLite's page check does not see) is reported as damage, not as SQLite's
/// conversion error.
#[test]
fn a_value_of_the_wrong_type_is_damage() {
    let (env, _, _) = studied();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE cards SET reps = 'x' WHERE id = 1", [])
        .unwrap();
    drop(conn);
    for args in [&["status"][..], &["review", "--plain"][..]] {
        let run = env.run_input(args, "q\n");
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stderr.starts_with(&format!(
                "error: {}: the database is damaged: a value in one of its tables has the wrong type. skilldeck has not changed the file.\n",
                env.db().display()
            )),
            "{run:?}"
        );
    }
}

/// A database with no backup yet: the message says so and how to save what can be saved.
#[test]
fn without_a_backup_the_message_points_to_recover() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    fs::remove_dir_all(env.path_of("backups")).unwrap();
    let mut bytes = fs::read(env.db()).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    bytes[2 * page..3 * page].fill(0);
    fs::write(env.db(), &bytes).unwrap();
    let run = env.run(&["status"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: {db}: the database is damaged: SQLite's check of its pages failed. skilldeck has not changed the file.\nThere is no backup of it in {} yet. The sqlite3 tool may save part of it: `sqlite3 {db} .recover | sqlite3 recovered.db`.\n",
            env.path_of("backups").display(),
            db = env.db().display()
        )
    );
}
