//! Reviewing: the session model, the card text helpers and the plain line mode.

pub mod markdown;
pub mod plain;
pub mod session;
pub mod text;
pub mod tui;
pub mod ui;
pub mod view;
