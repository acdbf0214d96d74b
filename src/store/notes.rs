//! The `notes` and `cards` tables: writing a build's plan, and reading notes back with their
//! cards and review history.

use std::collections::HashMap;

use rusqlite::{Connection, Row, params};
use serde::Serialize;

use crate::deck::Choice;
use crate::deck::guid::guid;
use crate::deck::load::DeckNote;
use crate::error::Result;
use crate::sync::{Plan, StoredNote};
use crate::types::{DeckId, NoteId, NoteKind, Timestamp};

/// Every note of a deck, live or retired, as the build planner needs them.
pub fn stored(conn: &Connection, deck: i64) -> Result<Vec<StoredNote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, note_id, source_path, prompt, content_hash, source_line, position, retired_at IS NOT NULL
         FROM notes WHERE deck = ?1",
    )?;
    let rows = stmt.query_map([deck], |r| {
        Ok(StoredNote {
            pk: r.get(0)?,
            id: r.get(1)?,
            path: r.get(2)?,
            prompt: r.get(3)?,
            content_hash: r.get(4)?,
            line: r.get::<_, i64>(5)? as usize,
            position: r.get::<_, i64>(6)? as usize,
            retired: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writes a build's plan for one deck.
pub fn apply(
    conn: &Connection,
    deck: i64,
    deck_id: &DeckId,
    notes: &[DeckNote],
    plan: &Plan,
    now: Timestamp,
) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO notes (deck, note_id, guid, kind, skill, tags, title, prompt, answer, choices, content_hash,
                            source_path, source_line, position, created_at, content_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)
         RETURNING id",
    )?;
    let mut insert_card = conn.prepare_cached("INSERT INTO cards (note, ord) VALUES (?1, ?2)")?;
    for &index in &plan.inserts {
        let DeckNote { path, note } = &notes[index];
        let pk: i64 = insert.query_row(
            params![
                deck,
                note.id,
                guid(deck_id, &note.id),
                note.kind,
                note.skill,
                serde_json::to_string(&note.tags)?,
                note.title,
                note.prompt,
                note.answer,
                serde_json::to_string(&note.choices)?,
                note.content_hash(),
                path,
                note.line as i64,
                index as i64,
                now
            ],
            |r| r.get(0),
        )?;
        for &ord in &note.ords {
            insert_card.execute(params![pk, ord])?;
        }
    }

    let mut update = conn.prepare_cached(
        "UPDATE notes SET note_id = ?2, kind = ?3, skill = ?4, tags = ?5, title = ?6, prompt = ?7, answer = ?8,
                choices = ?9, content_hash = ?10, source_path = ?11, source_line = ?12, position = ?13,
                content_changed_at = CASE WHEN content_hash = ?10 THEN content_changed_at ELSE ?14 END,
                retired_at = NULL
         WHERE id = ?1",
    )?;
    let rewrites = plan
        .updates
        .iter()
        .map(|u| (u.pk, u.index))
        .chain(plan.carried.iter().map(|c| (c.pk, c.index)));
    for (pk, index) in rewrites {
        let DeckNote { path, note } = &notes[index];
        update.execute(params![
            pk,
            note.id,
            note.kind,
            note.skill,
            serde_json::to_string(&note.tags)?,
            note.title,
            note.prompt,
            note.answer,
            serde_json::to_string(&note.choices)?,
            note.content_hash(),
            path,
            note.line as i64,
            index as i64,
            now
        ])?;
        sync_cards(conn, pk, &note.ords, now)?;
    }

    let mut retire = conn
        .prepare_cached("UPDATE notes SET retired_at = ?2 WHERE id = ?1 AND retired_at IS NULL")?;
    for &pk in &plan.retire {
        retire.execute(params![pk, now])?;
    }
    Ok(())
}

/// Makes a note's live cards exactly `ords`: missing ones are added (or brought back), extra
/// ones retired. A card's scheduling state is never touched here.
fn sync_cards(conn: &Connection, note: i64, ords: &[u32], now: Timestamp) -> Result<()> {
    let mut existing =
        conn.prepare_cached("SELECT ord, retired_at IS NOT NULL FROM cards WHERE note = ?1")?;
    let have: HashMap<u32, bool> = existing
        .query_map([note], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut insert = conn.prepare_cached("INSERT INTO cards (note, ord) VALUES (?1, ?2)")?;
    let mut revive =
        conn.prepare_cached("UPDATE cards SET retired_at = NULL WHERE note = ?1 AND ord = ?2")?;
    let mut retire =
        conn.prepare_cached("UPDATE cards SET retired_at = ?3 WHERE note = ?1 AND ord = ?2")?;
    for &ord in ords {
        match have.get(&ord) {
            None => {
                insert.execute(params![note, ord])?;
            }
            Some(true) => {
                revive.execute(params![note, ord])?;
            }
            Some(false) => {}
        }
    }
    for (&ord, &retired) in &have {
        if !retired && !ords.contains(&ord) {
            retire.execute(params![note, ord, now])?;
        }
    }
    Ok(())
}

/// A note as `show` presents it.
#[derive(Debug, Clone, Serialize)]
pub struct NoteRecord {
    #[serde(skip)]
    pub pk: i64,
    pub deck: DeckId,
    pub id: NoteId,
    pub guid: String,
    pub kind: NoteKind,
    pub skill: Option<String>,
    pub tags: Vec<String>,
    pub title: String,
    pub prompt: String,
    pub answer: String,
    pub choices: Vec<ChoiceRecord>,
    pub source_path: String,
    pub source_line: i64,
    pub created_at: Timestamp,
    pub content_changed_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

/// A stored choice (the same shape as [`Choice`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChoiceRecord {
    pub text: String,
    pub correct: bool,
}

impl From<&Choice> for ChoiceRecord {
    fn from(c: &Choice) -> Self {
        ChoiceRecord {
            text: c.text.clone(),
            correct: c.correct,
        }
    }
}

const NOTE_COLUMNS: &str =
    "n.id, d.slug, n.note_id, n.guid, n.kind, n.skill, n.tags, n.title, n.prompt, n.answer,
     n.choices, n.source_path, n.source_line, n.created_at, n.content_changed_at, n.retired_at";

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<NoteRecord> {
    let json_err = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let tags: String = row.get(6)?;
    let choices: String = row.get(10)?;
    Ok(NoteRecord {
        pk: row.get(0)?,
        deck: row.get(1)?,
        id: row.get(2)?,
        guid: row.get(3)?,
        kind: row.get(4)?,
        skill: row.get(5)?,
        tags: serde_json::from_str(&tags).map_err(|e| json_err(6, e))?,
        title: row.get(7)?,
        prompt: row.get(8)?,
        answer: row.get(9)?,
        choices: serde_json::from_str(&choices).map_err(|e| json_err(10, e))?,
        source_path: row.get(11)?,
        source_line: row.get(12)?,
        created_at: row.get(13)?,
        content_changed_at: row.get(14)?,
        retired_at: row.get(15)?,
    })
}

/// Notes with this id, in any deck (or in the one named).
pub fn find(conn: &Connection, deck: Option<&DeckId>, id: &str) -> Result<Vec<NoteRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NOTE_COLUMNS} FROM notes n JOIN decks d ON d.id = n.deck
         WHERE n.note_id = ?1 AND (?2 IS NULL OR d.slug = ?2) ORDER BY d.slug"
    ))?;
    let rows = stmt.query_map(params![id, deck], note_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A card with its scheduling state.
#[derive(Debug, Clone, Serialize)]
pub struct CardRecord {
    #[serde(skip)]
    pub pk: i64,
    pub ord: u32,
    pub state: String,
    pub stability: Option<f64>,
    pub difficulty: Option<f64>,
    /// The study day the card is next due.
    pub due: Option<crate::types::Day>,
    /// When a card answered Again today comes back.
    pub step_due: Option<Timestamp>,
    pub last_review: Option<Timestamp>,
    pub reps: i64,
    pub lapses: i64,
    pub suspended: bool,
    pub retired_at: Option<Timestamp>,
    pub reviews: Vec<ReviewRecord>,
}

/// One answer given to a card.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewRecord {
    pub reviewed_at: Timestamp,
    pub rating: u8,
    pub elapsed_days: f64,
    pub duration_ms: i64,
    pub source: String,
}

/// A note's cards with their histories, by ord.
pub fn cards(conn: &Connection, note: i64) -> Result<Vec<CardRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, ord, state, stability, difficulty, due, last_review, reps, lapses, suspended, retired_at, step_due
         FROM cards WHERE note = ?1 ORDER BY ord",
    )?;
    let mut cards: Vec<CardRecord> = stmt
        .query_map([note], |r| {
            Ok(CardRecord {
                pk: r.get(0)?,
                ord: r.get(1)?,
                state: r.get(2)?,
                stability: r.get(3)?,
                difficulty: r.get(4)?,
                due: r.get(5)?,
                last_review: r.get(6)?,
                reps: r.get(7)?,
                lapses: r.get(8)?,
                suspended: r.get(9)?,
                retired_at: r.get(10)?,
                step_due: r.get(11)?,
                reviews: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut reviews = conn.prepare_cached(
        "SELECT reviewed_at, rating, elapsed_days, duration_ms, source FROM reviews WHERE card = ?1 ORDER BY reviewed_at, id",
    )?;
    for card in &mut cards {
        card.reviews = reviews
            .query_map([card.pk], |r| {
                Ok(ReviewRecord {
                    reviewed_at: r.get(0)?,
                    rating: r.get(1)?,
                    elapsed_days: r.get(2)?,
                    duration_ms: r.get(3)?,
                    source: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(cards)
}

/// Counts of live notes and cards in a deck.
pub fn counts(conn: &Connection, deck: i64) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM notes WHERE deck = ?1 AND retired_at IS NULL),
                (SELECT count(*) FROM cards c JOIN notes n ON n.id = c.note
                  WHERE n.deck = ?1 AND n.retired_at IS NULL AND c.retired_at IS NULL)",
        [deck],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
