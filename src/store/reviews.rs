//! The `reviews` table: every answer, committed at once in its own transaction together with
//! the card's new state (computed from the state read inside that transaction), and undone by
//! restoring the state saved beside it.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::cards;
use crate::error::{Error, Result};
use crate::sched::card::{Answer, CardState};
use crate::sched::optimize::HistoryRow;
use crate::types::Timestamp;

/// Where an answer was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Terminal,
    Anki,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Terminal => "terminal",
            Source::Anki => "anki",
        }
    }
}

/// What undo needs to put a card back exactly as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Before {
    state: CardState,
    review_ms: i64,
}

/// Records an answer in one IMMEDIATE transaction: the card's state is read inside it (so an
/// answer given meanwhile in another session is the state answered), `answer` computes what
/// the answer does to that state, and the review and the new state are written. Returns the
/// review's id and the answer.
pub fn record(
    conn: &Connection,
    card: i64,
    at: Timestamp,
    duration_ms: i64,
    source: Source,
    answer: impl FnOnce(&CardState) -> Result<Answer>,
) -> Result<(i64, Answer)> {
    let tx = super::write(conn)?;
    let (current, review_ms) = cards::state(&tx, card)?;
    let answer = answer(&current)?;
    let before = serde_json::to_string(&Before {
        state: current,
        review_ms,
    })?;
    let duration_ms = duration_ms.clamp(0, 3_600_000);
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source, card_before)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )?
        .query_row(
            params![card, at, answer.rating, answer.elapsed_days, duration_ms, source.as_str(), before],
            |r| r.get(0),
        )?;
    cards::save_state(&tx, card, &answer.after, review_ms + duration_ms)?;
    tx.commit()?;
    Ok((id, answer))
}

/// Undoes a recorded answer, in one IMMEDIATE transaction: the card gets back its exact
/// previous state and the review is deleted. Only the card's latest review can be undone: once
/// the card was answered again (in another session, or by an import), its state builds on this
/// answer. Returns the card's id and its state now.
pub fn undo(conn: &Connection, review: i64) -> Result<(i64, CardState)> {
    let tx = super::write(conn)?;
    let (card, before, later): (i64, Option<String>, bool) = tx.query_row(
        "SELECT card, card_before,
                EXISTS (SELECT 1 FROM reviews l WHERE l.card = r.card AND l.id > r.id)
         FROM reviews r WHERE id = ?1",
        [review],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if later {
        return Err(Error::user(
            "this answer cannot be undone: the card was answered again since (in another session)",
        ));
    }
    let before: Before = before
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .ok_or_else(|| Error::user("this answer cannot be undone (it was imported)"))?;
    cards::save_state(&tx, card, &before.state, before.review_ms)?;
    tx.execute("DELETE FROM reviews WHERE id = ?1", [review])?;
    tx.commit()?;
    Ok((card, before.state))
}

/// Answers given since `since` in the decks' cards: (all answers, answers to new cards).
pub fn counts_since(conn: &Connection, since: Timestamp) -> Result<(usize, usize)> {
    Ok(conn.query_row(
        "SELECT count(*), coalesce(sum(json_extract(card_before, '$.state.phase') = 'new'), 0)
         FROM reviews WHERE reviewed_at >= ?1",
        [since],
        |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
    )?)
}

/// Every review of the decks' cards (all decks when `deck` is `None`), by card then time.
pub fn history(conn: &Connection, deck: Option<i64>) -> Result<Vec<HistoryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.card, r.reviewed_at, r.rating FROM reviews r
         JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note
         WHERE ?1 IS NULL OR n.deck = ?1
         ORDER BY r.card, r.reviewed_at, r.id",
    )?;
    let rows = stmt.query_map([deck], |r| {
        Ok(HistoryRow {
            card: r.get(0)?,
            at: r.get(1)?,
            rating: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
