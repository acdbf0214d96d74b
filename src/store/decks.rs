//! The `decks`, `domains`, `objectives`, `skills` and `source_files` tables: what a build
//! records about a deck besides its notes.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::deck::load::LoadedFile;
use crate::deck::manifest::Manifest;
use crate::error::Result;
use crate::outline::Outline;
use crate::types::{DeckId, Timestamp};

/// A deck as the database holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDeck {
    pub pk: i64,
    pub id: DeckId,
    pub name: String,
    pub version: String,
    pub anki_deck: String,
    /// The folder it was last built from.
    pub root_path: String,
    pub fingerprint: String,
    pub built_at: Timestamp,
    /// When `skilldeck remove` stopped scheduling it: a removed deck is neither built nor
    /// studied, and keeps its history.
    pub removed_at: Option<Timestamp>,
}

const DECK_COLUMNS: &str =
    "id, slug, name, version, anki_deck, root_path, fingerprint, built_at, removed_at";

fn deck_from_row(row: &Row<'_>) -> rusqlite::Result<StoredDeck> {
    Ok(StoredDeck {
        pk: row.get(0)?,
        id: row.get(1)?,
        name: row.get(2)?,
        version: row.get(3)?,
        anki_deck: row.get(4)?,
        root_path: row.get(5)?,
        fingerprint: row.get(6)?,
        built_at: row.get(7)?,
        removed_at: row.get(8)?,
    })
}

/// The deck with this id, if it was ever built.
pub fn find(conn: &Connection, id: &DeckId) -> Result<Option<StoredDeck>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {DECK_COLUMNS} FROM decks WHERE slug = ?1"))?;
    Ok(stmt.query_row([id], deck_from_row).optional()?)
}

/// Every deck in the database, by id.
pub fn all(conn: &Connection) -> Result<Vec<StoredDeck>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {DECK_COLUMNS} FROM decks ORDER BY slug"))?;
    let rows = stmt.query_map([], deck_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writes the deck's row (inserting it on its first build) and returns its key.
pub fn upsert(
    conn: &Connection,
    manifest: &Manifest,
    exam: &str,
    root_path: &str,
    fingerprint: &str,
    now: Timestamp,
) -> Result<i64> {
    let authors = serde_json::to_string(&manifest.authors)?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO decks (slug, name, version, description, license, authors, anki_deck, root_path, fingerprint, exam, built_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (slug) DO UPDATE SET
           name = excluded.name, version = excluded.version, description = excluded.description,
           license = excluded.license, authors = excluded.authors, anki_deck = excluded.anki_deck,
           root_path = excluded.root_path, fingerprint = excluded.fingerprint, exam = excluded.exam,
           built_at = excluded.built_at
         RETURNING id",
    )?;
    Ok(stmt.query_row(
        params![
            manifest.id,
            manifest.name,
            manifest.version,
            manifest.description,
            manifest.license,
            authors,
            manifest.anki_deck,
            root_path,
            fingerprint,
            exam,
            now
        ],
        |r| r.get(0),
    )?)
}

/// Replaces the deck's outline rows.
pub fn replace_outline(conn: &Connection, deck: i64, outline: Option<&Outline>) -> Result<()> {
    for table in ["domains", "objectives", "skills"] {
        conn.execute(&format!("DELETE FROM {table} WHERE deck = ?1"), [deck])?;
    }
    let Some(outline) = outline else {
        return Ok(());
    };
    let mut domain_stmt = conn.prepare_cached(
        "INSERT INTO domains (deck, id, title, weight_min, weight_max, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut objective_stmt = conn.prepare_cached(
        "INSERT INTO objectives (deck, id, domain, title, position) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut skill_stmt = conn.prepare_cached(
        "INSERT INTO skills (deck, id, objective, title, position) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut skill_position = 0;
    for (d, domain) in outline.domains.iter().enumerate() {
        domain_stmt.execute(params![
            deck,
            domain.id,
            domain.title,
            domain.weight_min,
            domain.weight_max,
            d
        ])?;
        for (o, objective) in domain.objectives.iter().enumerate() {
            objective_stmt.execute(params![deck, objective.id, domain.id, objective.title, o])?;
            for skill in &objective.skills {
                skill_stmt.execute(params![
                    deck,
                    skill.id,
                    objective.id,
                    skill.title,
                    skill_position
                ])?;
                skill_position += 1;
            }
        }
    }
    Ok(())
}

/// Replaces the deck's list of source files with their sizes, times and hashes.
pub fn replace_files(conn: &Connection, deck: i64, files: &[LoadedFile]) -> Result<()> {
    conn.execute("DELETE FROM source_files WHERE deck = ?1", [deck])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO source_files (deck, path, size, mtime_ns, hash, title) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for f in files {
        stmt.execute(params![
            deck,
            f.stat.path,
            f.stat.size as i64,
            f.stat.mtime_ns,
            f.hash,
            f.title
        ])?;
    }
    Ok(())
}

/// Records the Anki note types a converted deck keeps (its `anki.json`), or clears them.
pub fn set_anki_json(conn: &Connection, deck: i64, json: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE decks SET anki_json = ?2 WHERE id = ?1",
        params![deck, json],
    )?;
    Ok(())
}

/// Sets or clears a deck's exam date.
pub fn set_exam(conn: &Connection, deck: i64, date: Option<chrono::NaiveDate>) -> Result<()> {
    conn.execute(
        "UPDATE decks SET exam_date = ?2 WHERE id = ?1",
        params![deck, date.map(|d| d.format("%Y-%m-%d").to_string())],
    )?;
    Ok(())
}

/// Sets or clears a deck's own desired retention.
pub fn set_desired_retention(conn: &Connection, deck: i64, retention: Option<f64>) -> Result<()> {
    conn.execute(
        "UPDATE decks SET desired_retention = ?2 WHERE id = ?1",
        params![deck, retention],
    )?;
    Ok(())
}
