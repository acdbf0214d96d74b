//! What the database keeps for syncing with an Anki server (tables of migration 0004): the
//! state a finished sync left, the ids of everything the server's collection holds, and what
//! skilldeck last sent of its own objects. All of it is written inside the sync's one
//! transaction, so a failed sync leaves it as it was.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension as _, params};

use crate::anki::sync::protocol::Counts;
use crate::error::Result;

/// The state a finished sync left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub endpoint: String,
    pub user: String,
    pub scm: i64,
    pub server_mod: i64,
    pub next_usn: i64,
    /// The server collection's creation time (s).
    pub crt: i64,
    pub local_mark: String,
    /// When it finished (epoch ms).
    pub synced_at: i64,
    pub media_usn: i64,
}

pub fn state(conn: &Connection) -> Result<Option<State>> {
    Ok(conn
        .query_row(
            "SELECT endpoint, user, scm, server_mod, next_usn, crt, local_mark, synced_at, media_usn FROM sync_state WHERE id = 1",
            [],
            |r| {
                Ok(State {
                    endpoint: r.get(0)?,
                    user: r.get(1)?,
                    scm: r.get(2)?,
                    server_mod: r.get(3)?,
                    next_usn: r.get(4)?,
                    crt: r.get(5)?,
                    local_mark: r.get(6)?,
                    synced_at: r.get(7)?,
                    media_usn: r.get(8)?,
                })
            },
        )
        .optional()?)
}

pub fn save_state(conn: &Connection, s: &State) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO sync_state (id, endpoint, user, scm, server_mod, next_usn, crt, local_mark, synced_at, media_usn)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.endpoint,
            s.user,
            s.scm,
            s.server_mod,
            s.next_usn,
            s.crt,
            s.local_mark,
            s.synced_at,
            s.media_usn
        ],
    )?;
    Ok(())
}

/// When the last sync finished (epoch ms), if one has.
pub fn last_synced(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT synced_at FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Forgets everything known of the server (another account, or a full sync).
pub fn forget(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM sync_state; DELETE FROM sync_notes; DELETE FROM sync_cards;
         DELETE FROM sync_revlog; DELETE FROM sync_graves; DELETE FROM sync_objects;
         DELETE FROM sync_pushed;",
    )?;
    Ok(())
}

pub fn add_note(conn: &Connection, id: i64, guid: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO sync_notes (id, guid) VALUES (?1, ?2)")?
        .execute(params![id, guid])?;
    Ok(())
}

pub fn add_card(conn: &Connection, id: i64, nid: i64, ord: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO sync_cards (id, nid, ord) VALUES (?1, ?2, ?3)")?
        .execute(params![id, nid, ord])?;
    Ok(())
}

/// Adds a review-log id; false when the server had it already.
pub fn add_revlog(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("INSERT OR IGNORE INTO sync_revlog (id) VALUES (?1)")?
        .execute([id])?
        > 0)
}

pub fn has_revlog(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sync_revlog WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records an object (`model`, `deck`, `dconf`) the server holds.
pub fn add_object(conn: &Connection, kind: &str, id: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO sync_objects (kind, id) VALUES (?1, ?2)")?
        .execute(params![kind, id])?;
    Ok(())
}

/// Whether the server holds an object (`model`, `deck`, `dconf`).
pub fn has_object(conn: &Connection, kind: &str, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sync_objects WHERE kind = ?1 AND id = ?2")?
        .query_row(params![kind, id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Applies deletions: the objects go, their graves stay (the server counts them).
pub fn bury(conn: &Connection, kind: i64, ids: &[i64]) -> Result<()> {
    let (table, object) = match kind {
        0 => ("sync_cards", None),
        1 => ("sync_notes", None),
        _ => ("sync_objects", Some("deck")),
    };
    for &id in ids {
        match object {
            Some(k) => conn
                .prepare_cached("DELETE FROM sync_objects WHERE kind = ?1 AND id = ?2")?
                .execute(params![k, id])?,
            None => conn
                .prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
                .execute([id])?,
        };
        conn.prepare_cached("INSERT OR IGNORE INTO sync_graves (oid, kind) VALUES (?1, ?2)")?
            .execute(params![id, kind])?;
        if kind != 2 {
            // A deleted note or card of ours is sent again at the next change.
            let pushed = if kind == 0 { "card" } else { "note" };
            conn.prepare_cached("DELETE FROM sync_pushed WHERE kind = ?1 AND id = ?2")?
                .execute(params![pushed, id])?;
        }
    }
    Ok(())
}

/// The whole collection's counts, as the sanity check compares them.
pub fn counts(conn: &Connection) -> Result<Counts> {
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let object = |kind: &str| -> Result<i64> {
        Ok(conn.query_row(
            "SELECT count(*) FROM sync_objects WHERE kind = ?1",
            [kind],
            |r| r.get(0),
        )?)
    };
    Ok(Counts {
        cards: count("SELECT count(*) FROM sync_cards")?,
        notes: count("SELECT count(*) FROM sync_notes")?,
        revlog: count("SELECT count(*) FROM sync_revlog")?,
        graves: count("SELECT count(*) FROM sync_graves")?,
        models: object("model")?,
        decks: object("deck")?,
        dconf: object("dconf")?,
    })
}

/// Every note the server holds: id → GUID.
pub fn notes(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare("SELECT id, guid FROM sync_notes")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every card the server holds: (id, note id, ordinal).
pub fn cards(conn: &Connection) -> Result<Vec<(i64, i64, i64)>> {
    let mut stmt = conn.prepare("SELECT id, nid, ord FROM sync_cards")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What was last sent of each object of `kind`: id → row (JSON, without mod and usn).
pub fn pushed(conn: &Connection, kind: &str) -> Result<HashMap<i64, String>> {
    let mut stmt = conn.prepare("SELECT id, row FROM sync_pushed WHERE kind = ?1")?;
    let rows = stmt.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_pushed(conn: &Connection, kind: &str, id: i64, row: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO sync_pushed (kind, id, row) VALUES (?1, ?2, ?3)")?
        .execute(params![kind, id, row])?;
    Ok(())
}

/// A mark of everything a sync sends: equal marks mean nothing local changed since.
pub fn local_mark(conn: &Connection) -> Result<String> {
    let mut hasher = blake3::Hasher::new();
    let (reviews, last, sum): (i64, Option<i64>, Option<i64>) = conn.query_row(
        "SELECT count(*), max(id), total(id) FROM reviews",
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, f64>(2).map(|v| v as i64).ok(),
            ))
        },
    )?;
    hasher.update(format!("reviews {reviews} {last:?} {sum:?}\n").as_bytes());
    for sql in [
        "SELECT id || ' ' || content_hash || ' ' || coalesce(retired_at, '') FROM notes ORDER BY id",
        "SELECT id || ' ' || slug || ' ' || version || ' ' || coalesce(desired_retention, '') FROM decks ORDER BY id",
        "SELECT key || ' ' || value FROM settings ORDER BY key",
        "SELECT id || ' ' || coalesce(deck, '') || ' ' || params FROM fsrs_params ORDER BY id",
        "SELECT id || ' ' || suspended || ' ' || coalesce(buried_until, '') || ' ' || coalesce(retired_at, '') FROM cards ORDER BY id",
    ] {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let text: Option<String> = row.get(0)?;
            hasher.update(text.unwrap_or_default().as_bytes());
            hasher.update(b"\n");
        }
    }
    Ok(hasher.finalize().to_hex()[..32].to_owned())
}
