//! The `subscriptions` table and removed decks: where a deck that `skilldeck add` brought in
//! comes from and where its files are, and the deck list `skilldeck decks` prints.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::Result;
use crate::types::{DeckId, Timestamp};

/// Where a subscribed deck comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A git repository, cloned beside the database.
    Git,
    /// A deck folder the user keeps; built where it is.
    Folder,
    /// An Anki package, converted once into a folder beside the database.
    Apkg,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Git => "git",
            Kind::Folder => "folder",
            Kind::Apkg => "apkg",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "git" => Some(Kind::Git),
            "folder" => Some(Kind::Folder),
            "apkg" => Some(Kind::Apkg),
            _ => None,
        }
    }
}

/// A deck's subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The deck's key.
    pub deck: i64,
    pub id: DeckId,
    pub kind: Kind,
    /// The git URL, folder or package as given (folders and packages made absolute).
    pub source: String,
    /// The folder the deck is built from.
    pub path: String,
    pub added_at: Timestamp,
    pub updated_at: Timestamp,
    /// When `skilldeck remove` stopped scheduling the deck.
    pub removed_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "s.deck, d.slug, s.kind, s.source, s.path, s.added_at, s.updated_at, d.removed_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    let kind: String = row.get(2)?;
    Ok(Subscription {
        deck: row.get(0)?,
        id: row.get(1)?,
        kind: Kind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Text,
                format!("unknown subscription kind `{kind}`").into(),
            )
        })?,
        source: row.get(3)?,
        path: row.get(4)?,
        added_at: row.get(5)?,
        updated_at: row.get(6)?,
        removed_at: row.get(7)?,
    })
}

/// The subscription of the deck with this id, if it has one.
pub fn find(conn: &Connection, id: &DeckId) -> Result<Option<Subscription>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscriptions s JOIN decks d ON d.id = s.deck WHERE d.slug = ?1"
    ))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

/// Every subscription, by deck id.
pub fn all(conn: &Connection) -> Result<Vec<Subscription>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscriptions s JOIN decks d ON d.id = s.deck ORDER BY d.slug"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records (or replaces) a deck's subscription, and brings a removed deck back.
pub fn subscribe(
    conn: &Connection,
    deck: i64,
    kind: Kind,
    source: &str,
    path: &str,
    now: Timestamp,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO subscriptions (deck, kind, source, path, added_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (deck) DO UPDATE SET
           kind = excluded.kind, source = excluded.source, path = excluded.path,
           updated_at = excluded.updated_at",
    )?
    .execute(params![deck, kind.as_str(), source, path, now])?;
    set_removed(conn, deck, None)
}

/// Notes that an update just ran.
pub fn touch(conn: &Connection, deck: i64, now: Timestamp) -> Result<()> {
    conn.prepare_cached("UPDATE subscriptions SET updated_at = ?2 WHERE deck = ?1")?
        .execute(params![deck, now])?;
    Ok(())
}

/// Marks a deck removed (no longer built or studied) or, with `None`, brings it back.
pub fn set_removed(conn: &Connection, deck: i64, at: Option<Timestamp>) -> Result<()> {
    conn.prepare_cached("UPDATE decks SET removed_at = ?2 WHERE id = ?1")?
        .execute(params![deck, at])?;
    Ok(())
}

/// How much history a deck holds: its reviews.
pub fn review_count(conn: &Connection, deck: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note
         WHERE n.deck = ?1",
        [deck],
        |r| r.get(0),
    )?)
}

/// Deletes a deck and everything recorded about it: its subscription, outline, files, notes,
/// cards, reviews and fitted parameters.
pub fn purge(conn: &Connection, deck: i64) -> Result<()> {
    for sql in [
        "DELETE FROM reviews WHERE card IN (SELECT c.id FROM cards c JOIN notes n ON n.id = c.note WHERE n.deck = ?1)",
        "DELETE FROM cards WHERE note IN (SELECT id FROM notes WHERE deck = ?1)",
        "DELETE FROM notes WHERE deck = ?1",
        "DELETE FROM source_files WHERE deck = ?1",
        "DELETE FROM skills WHERE deck = ?1",
        "DELETE FROM objectives WHERE deck = ?1",
        "DELETE FROM domains WHERE deck = ?1",
        "DELETE FROM fsrs_params WHERE deck = ?1",
        "DELETE FROM subscriptions WHERE deck = ?1",
        "DELETE FROM decks WHERE id = ?1",
    ] {
        conn.execute(sql, [deck])?;
    }
    Ok(())
}

/// A line of `skilldeck decks`.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: DeckId,
    pub name: String,
    pub version: String,
    /// The subscription's kind and source, or `None` for a deck only ever built from a folder.
    pub source: Option<(Kind, String)>,
    /// The folder it was last built from.
    pub root_path: String,
    pub notes: i64,
    pub cards: i64,
    /// The subscription's last update, else the last build.
    pub updated: Timestamp,
    pub removed: bool,
}

fn listed_from_row(row: &Row<'_>) -> rusqlite::Result<Listed> {
    let kind: Option<String> = row.get(3)?;
    let source: Option<String> = row.get(4)?;
    Ok(Listed {
        id: row.get(0)?,
        name: row.get(1)?,
        version: row.get(2)?,
        source: kind.as_deref().and_then(Kind::parse).zip(source),
        root_path: row.get(5)?,
        notes: row.get(6)?,
        cards: row.get(7)?,
        updated: row.get(8)?,
        removed: row.get(9)?,
    })
}

/// Every deck in the database with its source and counts of live notes and cards, by id.
pub fn list(conn: &Connection) -> Result<Vec<Listed>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.slug, d.name, d.version, s.kind, s.source, d.root_path,
           (SELECT count(*) FROM notes n WHERE n.deck = d.id AND n.retired_at IS NULL),
           (SELECT count(*) FROM cards c JOIN notes n ON n.id = c.note
             WHERE n.deck = d.id AND n.retired_at IS NULL AND c.retired_at IS NULL),
           coalesce(s.updated_at, d.built_at), d.removed_at IS NOT NULL
         FROM decks d LEFT JOIN subscriptions s ON s.deck = d.id ORDER BY d.slug",
    )?;
    let rows = stmt.query_map([], listed_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn deck(conn: &Connection, slug: &str) -> i64 {
        conn.query_row(
            "INSERT INTO decks (slug, name, version, description, license, authors, anki_deck, root_path, fingerprint, built_at)
             VALUES (?1, 'N', '1.0.0', '', '', '[]', 'N', '/d', 'f', 5) RETURNING id",
            [slug],
            |r| r.get(0),
        )
        .unwrap()
    }

    fn decks_left(conn: &Connection) -> Vec<i64> {
        let mut stmt = conn.prepare("SELECT id FROM decks").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn a_subscription_is_found_listed_removed_and_purged() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let pk = deck(conn, "alpha");
        let plain = deck(conn, "beta");
        let id = DeckId::parse("alpha").unwrap();
        assert_eq!(find(conn, &id).unwrap(), None);
        subscribe(
            conn,
            pk,
            Kind::Git,
            "file:///r.git",
            "/data/alpha",
            Timestamp::from_millis(10),
        )
        .unwrap();
        let sub = find(conn, &id).unwrap().unwrap();
        assert_eq!(
            (sub.kind, sub.source.as_str()),
            (Kind::Git, "file:///r.git")
        );
        assert_eq!(sub.removed_at, None);
        touch(conn, pk, Timestamp::from_millis(20)).unwrap();
        set_removed(conn, pk, Some(Timestamp::from_millis(30))).unwrap();
        let listed = list(conn).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].updated, Timestamp::from_millis(20));
        assert!(listed[0].removed);
        assert_eq!(listed[1].source, None);
        assert_eq!(listed[1].updated, Timestamp::from_millis(5));
        subscribe(
            conn,
            pk,
            Kind::Git,
            "file:///r.git",
            "/data/alpha",
            Timestamp::from_millis(40),
        )
        .unwrap();
        let sub = find(conn, &id).unwrap().unwrap();
        assert_eq!(sub.removed_at, None);
        assert_eq!(sub.added_at, Timestamp::from_millis(10));
        purge(conn, pk).unwrap();
        assert_eq!(find(conn, &id).unwrap(), None);
        assert_eq!(all(conn).unwrap(), []);
        let left: Vec<String> = list(conn)
            .unwrap()
            .iter()
            .map(|d| d.id.to_string())
            .collect();
        assert_eq!(left, ["beta"]);
        assert_eq!(decks_left(conn), [plain]);
    }
}
