//! skilldeck: spaced-repetition flashcards from Markdown decks mapped to an exam's skills
//! outline, compiled into one SQLite database.

pub mod anki;
pub mod app;
pub mod cli;
pub mod dashboard;
pub mod deck;
pub mod error;
mod highlight;
mod outline;
mod partial;
pub mod review;
pub mod sanitize;
pub mod sched;
mod site;
mod stats;
pub mod store;
mod sync;
pub mod types;

pub use error::{Error, Result};
