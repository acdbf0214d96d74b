//! Reading a built deck in bulk for export: its live notes with their outline places, its
//! cards with their state, and its review log. One query each, so 100,000 notes export fast.

use rusqlite::{Connection, OptionalExtension};

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

/// A place in the outline: (id, title).
pub type Place = Option<(String, String)>;

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
    /// Domain, objective and skill, when the deck has an outline.
    pub domain: Place,
    pub objective: Place,
    pub skill: Place,
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

/// The deck's live notes in deck order.
pub fn notes(conn: &Connection, deck: i64) -> Result<Vec<ExportNote>> {
    let mut stmt = conn.prepare(
        "SELECT n.id, n.note_id, n.guid, n.kind, n.title, n.prompt, n.answer, n.choices, n.tags,
                d.id, d.title, o.id, o.title, s.id, s.title, n.source_path, n.source_line, n.content_changed_at
         FROM notes n
         LEFT JOIN skills s ON s.deck = n.deck AND s.id = n.skill
         LEFT JOIN objectives o ON o.deck = n.deck AND o.id = s.objective
         LEFT JOIN domains d ON d.deck = n.deck AND d.id = o.domain
         WHERE n.deck = ?1 AND n.retired_at IS NULL
         ORDER BY n.position",
    )?;
    let place = |r: &rusqlite::Row<'_>, at: usize| -> rusqlite::Result<Place> {
        Ok(r.get::<_, Option<String>>(at)?
            .zip(r.get::<_, Option<String>>(at + 1)?))
    };
    let rows = stmt.query_map([deck], |r| {
        let choices: String = r.get(7)?;
        let tags: String = r.get(8)?;
        Ok(ExportNote {
            pk: r.get(0)?,
            id: r.get(1)?,
            guid: r.get(2)?,
            kind: r.get(3)?,
            title: r.get(4)?,
            prompt: r.get(5)?,
            answer: r.get(6)?,
            choices: serde_json::from_str(&choices).unwrap_or_default(),
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            domain: place(r, 9)?,
            objective: place(r, 11)?,
            skill: place(r, 13)?,
            source_path: r.get(15)?,
            source_line: r.get(16)?,
            content_changed_at: r.get(17)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The deck's live cards.
pub fn cards(conn: &Connection, deck: i64, today: i64) -> Result<Vec<ExportCard>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT c.id, c.note, c.ord, c.suspended, c.buried_until, {STATE_COLUMNS}
         FROM cards c JOIN notes n ON n.id = c.note
         WHERE n.deck = ?1 AND n.retired_at IS NULL AND c.retired_at IS NULL
         ORDER BY n.position, c.ord"
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
