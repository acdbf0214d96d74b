//! Crash trials, the long run: the release binary is killed (SIGKILL) at random moments of
//! `review`, `build`, `export` and `import` on the AZ-400 deck, and every trial checks that no
//! acknowledged answer was lost and no command left a partial state (see
//! `tests/crash_trials.rs` for what each trial checks). `cargo bench --bench crash` runs 60
//! trials of each kind; `SKILLDECK_CRASH_TRIALS=N` sets another count, `SKILLDECK_CRASH_SEED`
//! another seed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/crash_trials.rs"]
mod crash_trials;

use std::path::Path;
use std::time::Instant;

use crash_trials::{Bench, Kind, Rng, Tally};

fn var(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let trials = var("SKILLDECK_CRASH_TRIALS", 60);
    let seed = var("SKILLDECK_CRASH_SEED", 1);
    let dir = tempfile::tempdir()?;
    let deck = Path::new(env!("CARGO_MANIFEST_DIR")).join("decks/az-400");
    let bench = Bench::new(
        Path::new(env!("CARGO_BIN_EXE_skilldeck")),
        &deck,
        dir.path(),
    )?;
    let mut rng = Rng::new(seed);
    println!("crash trials on the AZ-400 deck, seed {seed}: kill -9 at a random moment");
    println!(
        "| command | complete run | trials | killed | acknowledged answers | left old / new | temp files left | failures |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut failed = 0;
    for kind in Kind::ALL {
        let started = Instant::now();
        let mut tally = Tally::default();
        for trial in 0..trials {
            let at = dir.path().join(format!("{}-{trial}", kind.name()));
            bench.trial(kind, &at, &mut rng, &mut tally)?;
            std::fs::remove_dir_all(&at)?;
        }
        println!(
            "| {} | {:.0} ms | {} | {} | {} | {} / {} | {} | {} |",
            kind.name(),
            bench.duration(kind).as_secs_f64() * 1000.0,
            tally.trials,
            tally.killed,
            tally.acknowledged,
            tally.old,
            tally.new,
            tally.leftovers,
            tally.failures.len()
        );
        for failure in &tally.failures {
            eprintln!("  {}: {failure}", kind.name());
        }
        failed += tally.failures.len();
        eprintln!(
            "  ({} trials in {:.1} s)",
            tally.trials,
            started.elapsed().as_secs_f64()
        );
    }
    if failed > 0 {
        return Err(format!("{failed} broken promise(s)").into());
    }
    Ok(())
}
