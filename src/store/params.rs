//! The `fsrs_params` table: FSRS parameters fitted by `optimize`, per deck or for all decks.

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
