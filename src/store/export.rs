//! Reading a built deck in bulk for export: its live notes with their outline places, its
//! cards with their state, and its review log. One query each, so 100,000 notes export fast.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};

use super::Store;
use super::cards::{STATE_COLUMNS, state_from_row};
use super::notes::ChoiceRecord;
use crate::error::Result;
use crate::sched::card::{CardState, Phase};
use crate::types::{DeckId, NoteId, NoteKind, Timestamp};

/// A deck's description for export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportDeck {
    pub pk: i64,
    pub id: DeckId,
    pub name: String,
    pub version: String,
    pub description: String,
    pub anki_deck: String,
    pub root_path: String,
    /// For a deck converted from Anki: its original note types and which notes use them.
    pub anki_json: Option<String>,
}

/// Where a skill sits in the outline: (id, title) of its domain, objective and itself. Shared
/// by every note of the skill.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillPlace {
    pub domain: (String, String),
    pub objective: (String, String),
    pub skill: (String, String),
}

/// A live note for export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportNote {
    pub pk: i64,
    pub id: NoteId,
    pub guid: String,
    pub kind: NoteKind,
    pub title: String,
    pub prompt: String,
    pub answer: String,
    pub choices: Vec<ChoiceRecord>,
    pub tags: Vec<String>,
    /// The note's place in the outline, when the deck has one.
    pub place: Option<Arc<SkillPlace>>,
    pub source_path: String,
    pub source_line: i64,
    pub content_changed_at: Timestamp,
}

/// A live card for export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportCard {
    pub pk: i64,
    pub note: i64,
    pub ord: u32,
    pub state: CardState,
    pub suspended: bool,
    pub buried: bool,
}

/// One answer for export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReview {
    pub card: i64,
    pub at: Timestamp,
    pub rating: u8,
    pub duration_ms: i64,
    /// The card's phase before the answer (unknown for imported answers).
    pub before: Option<Phase>,
}

pub fn deck(conn: &Connection, id: &DeckId) -> Result<Option<ExportDeck>> {
    Ok(conn
        .query_row(
            "SELECT id, slug, name, version, description, anki_deck, root_path, anki_json FROM decks WHERE slug = ?1",
            [id],
            |r| {
                Ok(ExportDeck {
                    pk: r.get(0)?,
                    id: r.get(1)?,
                    name: r.get(2)?,
                    version: r.get(3)?,
                    description: r.get(4)?,
                    anki_deck: r.get(5)?,
                    root_path: r.get(6)?,
                    anki_json: r.get(7)?,
                })
            },
        )
        .optional()?)
}

/// The places of a deck's skills, by skill id.
fn places(conn: &Connection, deck: i64) -> Result<HashMap<String, Arc<SkillPlace>>> {
    let mut stmt = conn.prepare(
        "SELECT s.id, s.title, o.id, o.title, d.id, d.title
         FROM skills s
         JOIN objectives o ON o.deck = s.deck AND o.id = s.objective
         JOIN domains d ON d.deck = s.deck AND d.id = o.domain
         WHERE s.deck = ?1",
    )?;
    let rows = stmt.query_map([deck], |r| {
        let skill: (String, String) = (r.get(0)?, r.get(1)?);
        Ok((
            skill.0.clone(),
            Arc::new(SkillPlace {
                domain: (r.get(4)?, r.get(5)?),
                objective: (r.get(2)?, r.get(3)?),
                skill,
            }),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The deck's live notes in deck order. The outline is read once and shared, and the rows are
/// sorted here rather than by SQLite: both keep a 100,000-note read fast.
fn notes(conn: &Connection, deck: i64) -> Result<Vec<ExportNote>> {
    let places = places(conn, deck)?;
    let mut stmt = conn.prepare(
        "SELECT id, note_id, guid, kind, title, prompt, answer, choices, tags, skill,
                source_path, source_line, content_changed_at, position
         FROM notes WHERE deck = ?1 AND retired_at IS NULL",
    )?;
    let rows = stmt.query_map([deck], |r| {
        let choices: String = r.get(7)?;
        let tags: String = r.get(8)?;
        let skill: Option<String> = r.get(9)?;
        let note = ExportNote {
            pk: r.get(0)?,
            id: r.get(1)?,
            guid: r.get(2)?,
            kind: r.get(3)?,
            title: r.get(4)?,
            prompt: r.get(5)?,
            answer: r.get(6)?,
            choices: serde_json::from_str(&choices).unwrap_or_default(),
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            place: skill.and_then(|s| places.get(&s).cloned()),
            source_path: r.get(10)?,
            source_line: r.get(11)?,
            content_changed_at: r.get(12)?,
        };
        Ok((r.get::<_, i64>(13)?, note))
    })?;
    let mut notes = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    notes.sort_unstable_by_key(|(position, _)| *position);
    Ok(notes.into_iter().map(|(_, n)| n).collect())
}

/// The deck's live cards, in no particular order (see `in_note_order`).
fn cards(conn: &Connection, deck: i64, today: i64) -> Result<Vec<ExportCard>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT c.id, c.note, c.ord, c.suspended, c.buried_until, {STATE_COLUMNS}
         FROM cards c
         WHERE c.retired_at IS NULL
           AND c.note IN (SELECT id FROM notes WHERE deck = ?1 AND retired_at IS NULL)"
    ))?;
    let rows = stmt.query_map([deck], |r| {
        let buried: Option<i64> = r.get(4)?;
        Ok(ExportCard {
            pk: r.get(0)?,
            note: r.get(1)?,
            ord: r.get(2)?,
            suspended: r.get(3)?,
            buried: buried.is_some_and(|b| b > today),
            state: state_from_row(r, 5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A deck's live notes and cards, from one snapshot. With a database file they are read side
/// by side on two connections; if anything was committed meanwhile (so the two reads may have
/// seen different states), both are read again in one transaction.
pub fn notes_and_cards(
    store: &Store,
    deck: i64,
    today: i64,
) -> Result<(Vec<ExportNote>, Vec<ExportCard>)> {
    let version = |conn: &Connection| -> Result<i64> {
        Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    };
    // A second connection is a speed-up only: without one, read on this one.
    if let Some(reader) = store.reader().ok().flatten() {
        let before = version(store.conn())?;
        let (found, read) = std::thread::scope(|scope| {
            let read = scope.spawn(move || cards(&reader, deck, today));
            let found = notes(store.conn(), deck);
            (found, read.join())
        });
        let read = read.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        if version(store.conn())? == before {
            let (found, mut read) = (found?, read?);
            in_note_order(&mut read, &found);
            return Ok((found, read));
        }
    }
    // A read: deferred, so it neither waits for nor blocks a writer.
    let tx = rusqlite::Transaction::new_unchecked(
        store.conn(),
        rusqlite::TransactionBehavior::Deferred,
    )?;
    let found = notes(&tx, deck)?;
    let mut read = cards(&tx, deck, today)?;
    tx.commit()?;
    in_note_order(&mut read, &found);
    Ok((found, read))
}

/// A deck's live notes and cards read on `conn`, inside the caller's transaction (a sync reads
/// what it has just merged, before committing).
pub fn notes_and_cards_in(
    conn: &Connection,
    deck: i64,
    today: i64,
) -> Result<(Vec<ExportNote>, Vec<ExportCard>)> {
    let found = notes(conn, deck)?;
    let mut read = cards(conn, deck, today)?;
    in_note_order(&mut read, &found);
    Ok((found, read))
}

/// Sorts cards in the order of `notes` (by note, then ordinal).
fn in_note_order(cards: &mut [ExportCard], notes: &[ExportNote]) {
    let order: HashMap<i64, usize> = notes.iter().enumerate().map(|(i, n)| (n.pk, i)).collect();
    cards.sort_unstable_by_key(|c| (order.get(&c.note).copied().unwrap_or(usize::MAX), c.ord));
}

/// The review log of the deck's live cards, in time order.
pub fn reviews(conn: &Connection, deck: i64) -> Result<Vec<ExportReview>> {
    let mut stmt = conn.prepare(
        "SELECT r.card, r.reviewed_at, r.rating, r.duration_ms, json_extract(r.card_before, '$.state.phase')
         FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note
         WHERE n.deck = ?1 AND n.retired_at IS NULL AND c.retired_at IS NULL
         ORDER BY r.reviewed_at, r.id",
    )?;
    let rows = stmt.query_map([deck], |r| {
        let before: Option<String> = r.get(4)?;
        Ok(ExportReview {
            card: r.get(0)?,
            at: r.get(1)?,
            rating: r.get(2)?,
            duration_ms: r.get(3)?,
            before: before.as_deref().and_then(Phase::parse),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
