//! The short version of the crash trials (`tests/crash_trials.rs`): a few kills of each of
//! review, build, export and import at random moments, on the AZ-400 deck. The long version
//! is `cargo bench --bench crash`.

use std::path::Path;

use crate::crash_trials::{Bench, Kind, Rng, Tally};

#[test]
fn killed_commands_lose_no_acknowledged_answer_and_leave_no_partial_state() {
    let dir = tempfile::tempdir().unwrap();
    let deck = Path::new(env!("CARGO_MANIFEST_DIR")).join("decks/az-400");
    let bench = Bench::new(
        Path::new(env!("CARGO_BIN_EXE_skilldeck")),
        &deck,
        dir.path(),
    )
    .unwrap();
    let mut rng = Rng::new(2026);
    for kind in Kind::ALL {
        let mut tally = Tally::default();
        for trial in 0..3 {
            let at = dir.path().join(format!("{}-{trial}", kind.name()));
            bench.trial(kind, &at, &mut rng, &mut tally).unwrap();
        }
        assert!(tally.failures.is_empty(), "{}: {:#?}", kind.name(), tally);
        assert_eq!(tally.trials, 3);
    }
}
