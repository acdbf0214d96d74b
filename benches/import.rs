//! Import benchmark: reviews done on a phone coming back. The generated 100,000-note deck is
//! given 1,000,000 reviews and exported with its scheduling (the "phone" package); the same
//! deck, freshly built into another database (the "desk"), then imports it: every review is
//! added and every card's state is recomputed by replaying FSRS over its history. Then the
//! same package is imported again, which must add nothing. Each import runs in a fresh process;
//! wall time and peak memory are measured. Run with `cargo bench --bench import`.

use std::time::{Duration, Instant};

mod common;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const REVIEWS: usize = 1_000_000;
const NOW: &str = "2026-11-25T09:00:00Z";

fn main() -> Result<()> {
    if common::run_child_if_asked()? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let phone = common::generate_and_build(dir.path(), "phone.db")?;
    let t = Instant::now();
    let cards = common::add_history(&phone, REVIEWS, NOW)?;
    println!("set-up: history written in {:.1?}", t.elapsed());
    let t = Instant::now();
    let package = dir.path().join("phone.apkg");
    let deck = dir.path().join("big");
    run(&[
        "--db",
        &phone.to_string_lossy(),
        "export",
        "big",
        "--with-scheduling",
        "-o",
        &package.to_string_lossy(),
    ])?;
    println!("set-up: exported with scheduling in {:.1?}", t.elapsed());
    let desk = dir.path().join("desk.db");
    run(&[
        "--db",
        &desk.to_string_lossy(),
        "build",
        &deck.to_string_lossy(),
    ])?;

    // Each first import starts from its own copy of the freshly built desk.
    let mut first = Vec::new();
    let mut summary = String::new();
    for i in 0..3 {
        let copy = dir.path().join(format!("desk-{i}.db"));
        std::fs::copy(&desk, &copy)?;
        let (took, peak, out) = measure(&[
            "--db",
            &copy.to_string_lossy(),
            "import",
            &package.to_string_lossy(),
        ])?;
        first.push((took, peak));
        summary = out;
    }
    let again_db = dir.path().join("desk-0.db");
    let mut again = Vec::new();
    let mut again_summary = String::new();
    for _ in 0..3 {
        let (took, peak, out) = measure(&[
            "--db",
            &again_db.to_string_lossy(),
            "import",
            &package.to_string_lossy(),
        ])?;
        again.push((took, peak));
        again_summary = out;
    }
    first.sort_by_key(|m| m.0);
    again.sort_by_key(|m| m.0);
    let mib = std::fs::metadata(&package)?.len() as f64 / 1_048_576.0;
    println!("\nphone package: {cards} cards, {REVIEWS} reviews, {mib:.1} MiB");
    println!("first import: {}", summary.trim());
    println!("again: {}", again_summary.trim());
    println!(
        "\n| importing the phone package (median of 3, fresh process) | wall time | peak memory |"
    );
    println!("|---|---|---|");
    println!(
        "| first import: every review added, every card replayed | {:.2} s | {:.0} MiB |",
        first[1].0.as_secs_f64(),
        first[1].1
    );
    println!(
        "| the same package again: nothing added | {:.2} s | {:.0} MiB |",
        again[1].0.as_secs_f64(),
        again[1].1
    );
    Ok(())
}

/// Runs a set-up command (in a fresh process, like the measured ones).
fn run(args: &[&str]) -> Result<()> {
    measure(args).map(|_| ())
}

fn measure(args: &[&str]) -> Result<(Duration, f64, String)> {
    common::measure(args, NOW)
}
