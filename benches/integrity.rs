//! What checking a database costs: on the generated 100,000-note deck (about 120,000 cards)
//! with 1,000,000 reviews, measures SQLite's `PRAGMA quick_check`, the schema comparison, the
//! daily backup (`VACUUM INTO`), and the `status` and `stats` commands in a fresh process, with
//! the page check (the file changed since skilldeck last saw it) and without (it did not).
//! The figures behind the README's "A damaged database" decision.
//! Run with `cargo bench --bench integrity`.

use std::process::Command;
use std::time::{Duration, Instant};

mod common;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const REVIEWS: usize = 1_000_000;
const NOW: &str = "2026-11-25T09:00:00Z";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = common::generate_and_build(dir.path(), "bench.db")?;
    let cards = common::add_history(&db, REVIEWS, NOW)?;
    let size = std::fs::metadata(&db)?.len() as f64 / (1024.0 * 1024.0);
    println!("database: {cards} cards, {REVIEWS} reviews, {size:.0} MiB");

    let conn = rusqlite::Connection::open(&db)?;
    let list = skilldeck::store::migrations::MIGRATIONS;
    let (mut checks, mut tables) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        let verdict = skilldeck::store::check::pages(&conn)?;
        checks.push(t.elapsed());
        let t = Instant::now();
        let schema = skilldeck::store::check::tables(&conn, list)?;
        tables.push(t.elapsed());
        if verdict != skilldeck::store::check::FileKind::Sqlite || verdict != schema {
            return Err(format!("check: {verdict:?} {schema:?}").into());
        }
    }
    // What `status` reads, in this process, without any check.
    let store = skilldeck::store::Store::open(&db)?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?;
    let mut reading = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut study = skilldeck::app::load_study(&store, &[], now)?;
        study.queue(&store, None, None)?;
        reading.push(t.elapsed());
    }
    drop(store);
    let backup = dir.path().join("copy.db");
    let t = Instant::now();
    conn.execute("VACUUM INTO ?1", [backup.to_string_lossy()])?;
    let vacuum = t.elapsed();
    drop(conn);

    let run = |args: &[&str]| -> Result<Duration> {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_skilldeck"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("SKILLDECK_NOW", NOW)
            .output()?;
        let elapsed = t.elapsed();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
        Ok(elapsed)
    };
    // With the stamp of the file as skilldeck left it removed, the command runs the page
    // check (alongside its reading); with it, it does not.
    let stamp = dir.path().join("backups/.bench.db.checked");
    let (mut status, mut status_stamped, mut stats, mut stats_stamped) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let _ = std::fs::remove_file(&stamp);
        status.push(run(&["status", "--json"])?);
        status_stamped.push(run(&["status", "--json"])?);
        let _ = std::fs::remove_file(&stamp);
        stats.push(run(&["stats", "--json"])?);
        stats_stamped.push(run(&["stats", "--json"])?);
    }
    if !stamp.exists() {
        return Err("no stamp after a command".into());
    }

    println!();
    println!("| measurement ({cards} cards, {REVIEWS} reviews, {size:.0} MiB) | time |");
    println!("|---|---|");
    println!(
        "| `PRAGMA quick_check` (median of 5) | {:.0} ms |",
        ms(median(checks))
    );
    println!(
        "| tables against the schema version (median of 5) | {:.1} ms |",
        ms(median(tables))
    );
    println!(
        "| what `status` reads: study set and queue, no check (median of 5) | {:.0} ms |",
        ms(median(reading))
    );
    println!(
        "| backup with `VACUUM INTO` (1 run) | {:.0} ms |",
        ms(vacuum)
    );
    println!(
        "| `skilldeck status --json`, file changed since last seen: check alongside (median of 5) | {:.0} ms |",
        ms(median(status))
    );
    println!(
        "| `skilldeck status --json`, file as skilldeck left it: no page check (median of 5) | {:.0} ms |",
        ms(median(status_stamped))
    );
    println!(
        "| `skilldeck stats --json`, file changed since last seen: check alongside (median of 5) | {:.0} ms |",
        ms(median(stats))
    );
    println!(
        "| `skilldeck stats --json`, file as skilldeck left it: no page check (median of 5) | {:.0} ms |",
        ms(median(stats_stamped))
    );
    Ok(())
}
