//! The `fsrs_params` table: FSRS parameters fitted by `optimize` or automatically, per deck or
//! for all decks; the record of automatic fits, and setting a card's memory after a fit.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::types::Timestamp;

/// The parameters in force for a deck: its own latest fit, else the latest fit for all decks.
pub fn current(conn: &Connection, deck: Option<i64>) -> Result<Option<Vec<f32>>> {
    let text: Option<String> = conn
        .prepare_cached(
            "SELECT params FROM fsrs_params WHERE deck IS ?1 OR deck IS NULL
             ORDER BY deck IS NULL, created_at DESC, id DESC LIMIT 1",
        )?
        .query_row([deck], |r| r.get(0))
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Records fitted parameters.
pub fn save(
    conn: &Connection,
    deck: Option<i64>,
    values: &[f32],
    log_loss: f32,
    at: Timestamp,
) -> Result<()> {
    conn.execute(
        "INSERT INTO fsrs_params (deck, params, log_loss, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            deck,
            serde_json::to_string(values)?,
            f64::from(log_loss),
            at
        ],
    )?;
    Ok(())
}

/// Answers to one deck's cards given a day or more after the card's previous answer: the
/// optimizer's training items, counted cheaply.
pub fn training_items(conn: &Connection, deck: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM reviews r JOIN cards c ON c.id = r.card
             JOIN notes n ON n.id = c.note WHERE n.deck = ?1 AND r.elapsed_days >= 1",
        )?
        .query_row([deck], |r| r.get::<_, i64>(0))? as usize)
}

/// The settings-table key that holds a deck's training items at its last automatic fit.
fn attempt_key(deck: i64) -> String {
    format!("auto_fit_items.{deck}")
}

/// Training items of a deck at its last automatic fit (0 if none).
pub fn last_attempt(conn: &Connection, deck: i64) -> Result<usize> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([attempt_key(deck)], |r| r.get(0))
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Records an automatic fit of a deck made with `items` training items.
pub fn record_attempt(conn: &Connection, deck: i64, items: usize) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![attempt_key(deck), items.to_string()],
    )?;
    Ok(())
}

/// Sets a card's memory (stability, difficulty), leaving the rest of its state.
pub fn set_memory(conn: &Connection, card: i64, stability: f32, difficulty: f32) -> Result<()> {
    conn.prepare_cached("UPDATE cards SET stability = ?2, difficulty = ?3 WHERE id = ?1")?
        .execute(params![card, f64::from(stability), f64::from(difficulty)])?;
    Ok(())
}
