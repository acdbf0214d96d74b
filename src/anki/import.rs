//! Reading review history out of an Anki collection (any schema from 11 to 18 keeps `notes`,
//! `cards` and `revlog` alike), with every value checked: a package from a stranger may hold
//! anything, so its JSON must parse and the rows read are counted against a budget.

use super::read::Package;
use crate::error::{Error, Result};

/// A note of the collection: its id and GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnkiNote {
    pub id: i64,
    pub guid: String,
}

/// A card of the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnkiCard {
    pub id: i64,
    pub nid: i64,
    pub ord: u32,
}

/// One answer from the review log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnkiReview {
    /// Review time, epoch ms (also the row's unique id).
    pub id: i64,
    pub cid: i64,
    /// 1–4.
    pub ease: u8,
    /// Answer time in ms.
    pub time: i64,
}

/// Everything import needs from a collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub notes: Vec<AnkiNote>,
    pub cards: Vec<AnkiCard>,
    pub reviews: Vec<AnkiReview>,
    /// Rows that are not answers (manual reschedules, cramming without rating).
    pub skipped_rows: usize,
}

/// The earliest plausible review time (2006, before Anki 1.0).
const EARLIEST_MS: i64 = 1_136_073_600_000;

/// Reads and checks notes, cards and the review log. `now_ms` bounds review times: a review
/// more than a day in the future is impossible.
pub fn history(package: &Package, now_ms: i64) -> Result<History> {
    let conn = &package.collection;
    let name = package.name();
    let bad = |what: String| Error::user(format!("{name}: {what}"));
    let sql = |e: rusqlite::Error| package.sql_error(e);
    check_json(package)?;
    let max_rows = package.limits().rows;
    let mut rows_read = 0u64;
    let mut count_row = || {
        rows_read += 1;
        if rows_read > max_rows {
            return Err(bad(format!(
                "the package demanded too much work (more than {max_rows} rows of notes, cards and review log); refusing it"
            )));
        }
        Ok(())
    };
    let mut out = History::default();
    let mut stmt = conn.prepare("SELECT id, guid FROM notes").map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(AnkiNote {
                id: r.get(0)?,
                guid: r.get(1)?,
            })
        })
        .map_err(sql)?;
    for row in rows {
        count_row()?;
        let note = row.map_err(sql)?;
        if note.guid.is_empty() || note.guid.len() > 200 || note.guid.chars().any(char::is_control)
        {
            return Err(bad(format!("note {} has an impossible GUID", note.id)));
        }
        out.notes.push(note);
    }
    let mut stmt = conn
        .prepare("SELECT id, nid, ord FROM cards")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(sql)?;
    for row in rows {
        count_row()?;
        let (id, nid, ord) = row.map_err(sql)?;
        let ord = u32::try_from(ord)
            .ok()
            .filter(|&o| o < 1000)
            .ok_or_else(|| bad(format!("card {id} has an impossible ordinal {ord}")))?;
        out.cards.push(AnkiCard { id, nid, ord });
    }
    let known: std::collections::HashSet<i64> = out.cards.iter().map(|c| c.id).collect();
    let mut stmt = conn
        .prepare("SELECT id, cid, ease, time, type FROM revlog ORDER BY id")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .map_err(sql)?;
    for row in rows {
        count_row()?;
        let (id, cid, ease, time, kind) = row.map_err(sql)?;
        if !(EARLIEST_MS..=now_ms + 86_400_000).contains(&id) {
            return Err(bad(format!("review log row {id}: its time is impossible")));
        }
        if !(0..=5).contains(&kind) {
            return Err(bad(format!(
                "review log row {id}: review type {kind} is not 0–5"
            )));
        }
        if !(0..=4).contains(&ease) {
            return Err(bad(format!(
                "review log row {id}: rating {ease} is not 1–4"
            )));
        }
        if time < 0 {
            return Err(bad(format!(
                "review log row {id}: negative answer time {time}"
            )));
        }
        // Manual reschedules and buttonless rows are not answers.
        if ease == 0 || kind >= 4 {
            out.skipped_rows += 1;
            continue;
        }
        if !known.contains(&cid) {
            return Err(bad(format!(
                "review log row {id}: card {cid} is not in the collection"
            )));
        }
        out.reviews.push(AnkiReview {
            id,
            cid,
            ease: ease as u8,
            time: time.min(3_600_000),
        });
    }
    Ok(out)
}

/// The note types and decks of a legacy collection are JSON in `col`: it must parse (later
/// schemas keep them in tables and leave these columns empty).
fn check_json(package: &Package) -> Result<()> {
    let name = package.name();
    let (models, decks): (String, String) = package
        .collection
        .query_row("SELECT models, decks FROM col", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| package.sql_error(e))?;
    for (text, what) in [(models, "note types"), (decks, "decks")] {
        if package.schema == 11 || !text.is_empty() {
            serde_json::from_str::<serde::de::IgnoredAny>(&text)
                .map_err(|e| Error::user(format!("{name}: broken {what} (JSON): {e}")))?;
        }
    }
    Ok(())
}
