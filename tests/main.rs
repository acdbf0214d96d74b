//! The integration tests: one binary. `golden` checks the parser over fixture decks against
//! snapshot files; `cli` drives the real `skilldeck` executable on temporary databases.

mod cli;
mod deck;
mod golden;
mod support;
