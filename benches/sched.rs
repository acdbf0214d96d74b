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
const DAY_MS: i64 = 86_400_000;

fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = common::generate_and_build(dir.path(), "bench.db")?;
    let started = Instant::now();
    let cards = add_history(&db)?;
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
    let settings = skilldeck::store::settings::Settings::load(store.conn())?;
    let history = skilldeck::store::reviews::history(store.conn(), None)?;
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

/// Gives every card a review history and a matching state: about `REVIEWS` reviews in all,
/// spread over the last 120 days, with due days around today. Written with plain SQL in one
/// transaction; the learner is a simple seeded model, not a replay.
fn add_history(db: &std::path::Path) -> Result<usize> {
    let mut conn = rusqlite::Connection::open(db)?;
    let tx = conn.transaction()?;
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM cards ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let today = chrono::DateTime::parse_from_rfc3339(NOW)?.timestamp_millis() / DAY_MS;
    let per_card = REVIEWS / ids.len();
    let extra = REVIEWS % ids.len();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    {
        let mut review = tx.prepare("INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source) VALUES (?1, ?2, ?3, ?4, ?5, 'terminal')")?;
        let mut state = tx.prepare(
            "UPDATE cards SET state = 'review', stability = ?2, difficulty = ?3, due = ?4, last_review = ?5, reps = ?6, review_ms = ?7 WHERE id = ?1",
        )?;
        for (i, &card) in ids.iter().enumerate() {
            let n = per_card + usize::from(i < extra);
            let mut day = today - 200 + (next() % 10) as i64;
            let mut gap = 1i64;
            let mut last = day;
            for _ in 0..n {
                if day >= today {
                    break;
                }
                let rating = if next() % 10 == 0 { 1 } else { 3 };
                review.execute(rusqlite::params![
                    card,
                    day * DAY_MS + 36_000_000,
                    rating,
                    gap,
                    8000
                ])?;
                last = day;
                gap = if rating == 1 { 1 } else { (gap * 2).min(30) };
                day += gap;
            }
            let stability = (gap as f64) * (0.8 + (next() % 40) as f64 / 100.0);
            // Due days spread from ten days ago to seven weeks ahead: about one card in six is due.
            let due = today - 10 + (next() % 60) as i64;
            state.execute(rusqlite::params![
                card,
                stability,
                5.0,
                due,
                last * DAY_MS + 36_000_000,
                n as i64,
                8000 * n as i64
            ])?;
        }
    }
    tx.commit()?;
    Ok(ids.len())
}
