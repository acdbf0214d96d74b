//! The integration tests: one binary. `golden` checks the parser over fixture decks against
//! snapshot files; `cli` drives the real `skilldeck` executable on temporary databases.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authoring;
mod cli;
mod community;
mod crash;
mod crash_trials;
mod damage;
mod dashboard;
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
mod site;
mod support;
mod sync;
mod sync_collection;
mod together;
mod tui;
