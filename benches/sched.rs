//! Scheduler benchmark: a database with the generated 100,000-note deck (about 120,000 cards)
//! and 1,000,000 reviews; measures loading the study set, building the daily queue (pure),
//! the whole `status` command in a fresh process, and `optimize`'s fit over every review.
//! Run with `cargo bench --bench sched`.
//!
//! Targets on a 2-core machine: queue building under 50 ms, `status` under 200 ms, optimize
//! on 1,000,000 reviews under 10 s.

use std::process::Command;
use std::time::Instant;

mod common;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const REVIEWS: usize = 1_000_000;
const NOW: &str = "2026-11-25T09:00:00Z";

fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = common::generate_and_build(dir.path(), "bench.db")?;
    let started = Instant::now();
    let cards = common::add_history(&db, REVIEWS, NOW)?;
    println!(
        "database: {cards} cards, {REVIEWS} reviews (history written in {:.1?})",
        started.elapsed()
    );

    let store = skilldeck::store::Store::open(&db)?;
    let now = chrono::DateTime::parse_from_rfc3339(NOW)?;

    let mut loads = Vec::new();
    let mut queues = Vec::new();
    let mut sizes = (0, 0, 0);
    for _ in 0..5 {
        let t = Instant::now();
        let mut study = skilldeck::app::load_study(&store, &[], now)?;
        loads.push(t.elapsed());
        let t = Instant::now();
        let queue = study.queue(&store, None, None)?;
        queues.push(t.elapsed());
        sizes = (queue.reviews.len(), queue.new.len(), queue.deferred);
    }
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_skilldeck"))
            .args(["--db", &db.to_string_lossy(), "status", "--json"])
            .env("SKILLDECK_NOW", NOW)
            .output()?;
        statuses.push(t.elapsed());
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
    }
    let settings = store.settings()?;
    let history = store.history(None)?;
    let t = Instant::now();
    let fit = skilldeck::sched::optimize::fit(
        &history,
        now.timezone(),
        settings.day_rollover_hour,
        None,
    )?;
    let optimize = t.elapsed();

    let median = |mut v: Vec<std::time::Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "queue: {} reviews chosen, {} new, {} left for later days",
        sizes.0, sizes.1, sizes.2
    );
    println!();
    println!("| measurement ({cards} cards, {REVIEWS} reviews) | time |");
    println!("|---|---|");
    println!(
        "| load the study set from SQLite (median of 5) | {:.1} ms |",
        median(loads).as_secs_f64() * 1000.0
    );
    println!(
        "| build the daily queue, pure (median of 5) | {:.1} ms |",
        median(queues).as_secs_f64() * 1000.0
    );
    println!(
        "| `skilldeck status --json`, whole process (median of 5) | {:.1} ms |",
        median(statuses).as_secs_f64() * 1000.0
    );
    println!(
        "| optimize: fit over every review (1 run) | {:.2} s |",
        optimize.as_secs_f64()
    );
    if let skilldeck::sched::optimize::Fit::Done {
        old_loss,
        new_loss,
        items,
        ..
    } = fit
    {
        println!(
            "\noptimize: {items} training items, log loss {old_loss:.4} (defaults) → {new_loss:.4} (fitted)"
        );
    }
    Ok(())
}
