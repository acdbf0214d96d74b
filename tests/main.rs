//! The integration tests: one binary. `golden` checks the parser over fixture decks against
//! snapshot files; `cli` drives the real `skilldeck` executable on temporary databases.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod crash;
mod crash_trials;
mod damage;
mod deck;
mod deck_props;
mod escapes;
mod export;
mod golden;
mod hostile;
mod import;
mod nesting;
mod plan;
mod props;
mod reimport;
mod sched;
mod support;
mod sync;
mod together;
mod tui;
