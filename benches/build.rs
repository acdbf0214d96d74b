//! Build benchmark: generates a deck of 100,000 notes and measures a cold build, a no-change
//! rebuild, a rebuild after editing one file (the first change of the day, which also
//! makes the daily backup, and a second one), and `check`, each in a fresh child process so
//! its peak memory (VmHWM) is its own. Run with `cargo bench --bench build`.
//!
//! Targets on a 2-core machine: cold build under 2 s, no-change rebuild under 100 ms, peak
//! memory under 300 MiB.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser as _;

mod common;
use common::generate;

const NOTES: usize = common::NOTES;
const NOTES_PER_FILE: usize = common::NOTES_PER_FILE;
const CHILD_VAR: &str = "SKILLDECK_BENCH_CHILD";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    if let Ok(args) = std::env::var(CHILD_VAR) {
        return child(&args);
    }
    // `cargo bench` passes `--bench`; ignore every argument.
    let dir = tempfile::tempdir()?;
    let deck = dir.path().join("big");
    let started = Instant::now();
    generate(&deck)?;
    println!(
        "generated {NOTES} notes in {} files in {:.2?}",
        NOTES / NOTES_PER_FILE,
        started.elapsed()
    );

    let mut colds = Vec::new();
    let mut db = PathBuf::new();
    for run in 0..3 {
        db = dir.path().join(format!("cold-{run}.db"));
        colds.push(measure("build", &deck, &db)?);
    }
    let rebuilds = (0..5)
        .map(|_| measure("build", &deck, &db))
        .collect::<Result<Vec<_>>>()?;
    let edited = deck.join("d0/s0-0.md");
    let text = std::fs::read_to_string(&edited)?;
    std::fs::write(&edited, text.replacen("Answer 0 ", "Changed answer 0 ", 1))?;
    let one_edit = measure("build", &deck, &db)?;
    // The first change of the day also made the day's backup; a second edit does not.
    std::fs::write(&edited, text.replacen("Answer 0 ", "Edited answer 0 ", 1))?;
    let second_edit = measure("build", &deck, &db)?;
    let check = measure("check", &deck, &db)?;

    println!();
    println!("| measurement (100,000 notes) | wall time | peak memory |");
    println!("|---|---|---|");
    report("cold build (median of 3)", &median(colds));
    report("no-change rebuild (median of 5)", &median(rebuilds));
    report(
        "rebuild after editing 1 file, first change of the day (with the daily backup)",
        &one_edit,
    );
    report("rebuild after editing 1 file again", &second_edit);
    report("check", &check);
    Ok(())
}

struct Sample {
    time: Duration,
    peak_kib: u64,
}

fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by_key(|s| s.time);
    let mid = samples.len() / 2;
    samples.swap_remove(mid)
}

fn report(name: &str, s: &Sample) {
    println!(
        "| {name} | {:.1} ms | {:.1} MiB |",
        s.time.as_secs_f64() * 1000.0,
        s.peak_kib as f64 / 1024.0
    );
}

/// Runs one command in a child process (this same binary) and reads back its figures.
fn measure(command: &str, deck: &Path, db: &Path) -> Result<Sample> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .env(
            CHILD_VAR,
            format!("{command}\n{}\n{}", deck.display(), db.display()),
        )
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut lines = stdout.lines().rev();
    let peak_kib = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or("no peak memory line")?;
    let micros: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or("no time line")?;
    Ok(Sample {
        time: Duration::from_micros(micros),
        peak_kib,
    })
}

/// In the child: run the command through the library, as the binary does, then print the
/// wall time in microseconds and the peak resident memory in KiB.
fn child(args: &str) -> Result<()> {
    let mut parts = args.lines();
    let (command, deck, db) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let started = Instant::now();
    let cli = skilldeck::cli::Cli::parse_from(["skilldeck", "--db", db, command, deck]);
    skilldeck::app::run(cli)?;
    let micros = started.elapsed().as_micros();
    let peak = common::peak_kib();
    println!("{micros}\n{peak}");
    Ok(())
}
