//! skilldeck: spaced-repetition flashcards from Markdown decks mapped to an exam's skills
//! outline, compiled into one SQLite database.

pub mod anki;
pub mod app;
pub mod cli;
pub mod clock;
pub mod coverage;
pub mod deck;
pub mod error;
pub mod highlight;
pub mod outline;
pub mod partial;
pub mod review;
pub mod sanitize;
pub mod sched;
pub mod stats;
pub mod store;
pub mod sync;
pub mod types;

pub use error::{Error, Result};
