//! What `import` reads and writes in skilldeck's database: the index from Anki GUIDs and card
//! ordinals to our cards, the reviews already known, a card's whole history for the replay,
//! and the rows an import adds or corrects. The package itself is read in `anki/`.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::types::Timestamp;

/// Our notes by GUID, and our cards by (note, ordinal) with their deck.
#[derive(Debug, Default)]
pub struct CardIndex {
    pub note_of_guid: HashMap<String, i64>,
    /// (note, ord) → (card, deck).
    pub card_of: HashMap<(i64, u32), (i64, i64)>,
}

/// Every note's GUID and every card's place, for matching a package's cards to ours.
pub fn card_index(conn: &Connection) -> Result<CardIndex> {
    let mut index = CardIndex::default();
    let mut notes = conn.prepare_cached("SELECT id, guid FROM notes")?;
    for row in notes.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (pk, guid) = row?;
        index.note_of_guid.insert(guid, pk);
    }
    let mut cards = conn.prepare_cached(
        "SELECT c.id, c.note, c.ord, n.deck FROM cards c JOIN notes n ON n.id = c.note",
    )?;
    for row in cards.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })? {
        let (card, note, ord, deck) = row?;
        index.card_of.insert((note, ord), (card, deck));
    }
    Ok(index)
}

/// A stored review as the import's dedup sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewKey {
    pub card: i64,
    pub at: Timestamp,
    pub rating: u8,
    /// The Anki id it was imported under, if it came from Anki.
    pub anki_id: Option<i64>,
}

/// Every stored review's key.
pub fn review_keys(conn: &Connection) -> Result<Vec<ReviewKey>> {
    let mut stmt = conn.prepare_cached("SELECT card, reviewed_at, rating, anki_id FROM reviews")?;
    let rows = stmt.query_map([], |r| {
        Ok(ReviewKey {
            card: r.get(0)?,
            at: r.get(1)?,
            rating: r.get(2)?,
            anki_id: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One stored review of a card, for replaying its history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredReview {
    pub id: i64,
    pub at: Timestamp,
    pub rating: u8,
    pub duration_ms: i64,
    pub elapsed_days: f64,
}

/// A card's reviews in time order.
pub fn card_history(conn: &Connection, card: i64) -> Result<Vec<StoredReview>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, reviewed_at, rating, duration_ms, elapsed_days FROM reviews
         WHERE card = ?1 ORDER BY reviewed_at, id",
    )?;
    let rows = stmt.query_map([card], |r| {
        Ok(StoredReview {
            id: r.get(0)?,
            at: r.get(1)?,
            rating: r.get(2)?,
            duration_ms: r.get(3)?,
            elapsed_days: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Corrects a stored review's elapsed days after a replay moved reviews before it.
pub fn set_elapsed_days(conn: &Connection, review: i64, days: u32) -> Result<()> {
    conn.prepare_cached("UPDATE reviews SET elapsed_days = ?2 WHERE id = ?1")?
        .execute(params![review, days])?;
    Ok(())
}

/// A review made in Anki, as an import adds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnkiAnswer {
    pub card: i64,
    /// Anki's review-log id: the answer's time in milliseconds.
    pub anki_id: i64,
    pub rating: u8,
    pub elapsed_days: u32,
    pub duration_ms: i64,
}

/// Adds a review made in Anki (source `anki`, its Anki id kept for the next import).
pub fn add_anki_review(conn: &Connection, answer: &AnkiAnswer) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source, anki_id)
         VALUES (?1, ?2, ?3, ?4, ?5, 'anki', ?6)",
    )?
    .execute(params![
        answer.card,
        answer.anki_id,
        answer.rating,
        answer.elapsed_days,
        answer.duration_ms,
        answer.anki_id
    ])?;
    Ok(())
}

/// A deck's own desired retention, if it has one.
pub fn deck_retention(conn: &Connection, deck: i64) -> Result<Option<f32>> {
    Ok(conn
        .prepare_cached("SELECT desired_retention FROM decks WHERE id = ?1")?
        .query_row([deck], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn an_empty_database_has_an_empty_index_and_no_reviews() {
        let store = Store::open_in_memory().unwrap();
        let index = card_index(store.conn()).unwrap();
        assert!(index.note_of_guid.is_empty() && index.card_of.is_empty());
        assert!(review_keys(store.conn()).unwrap().is_empty());
        assert!(card_history(store.conn(), 1).unwrap().is_empty());
    }
}
