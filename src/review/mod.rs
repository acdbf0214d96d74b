//! Reviewing: the session model, the card text helpers and the plain line mode.

pub mod plain;
pub mod session;
pub mod text;
