//! The server's side of a sync: its deletions, objects and rows are recorded in the mirror of
//! its collection (`store::sync_state`), and its review-log rows become the reviews the merge
//! adds. A server is a stranger too: every row is checked before it is used.

use serde_json::Value;

use crate::anki::import::{AnkiCard, AnkiNote, AnkiReview, History};
use crate::anki::sync::protocol::{Changes, Chunk, Graves};
use crate::error::{Error, Result};
use crate::store::sync_state;

/// The earliest plausible review time (2006, before Anki 1.0).
const EARLIEST_MS: i64 = 1_136_073_600_000;

/// What the server sent that is not a row of ours.
#[derive(Debug, Default)]
pub struct Pulled {
    pub notes: usize,
    pub cards: usize,
    /// Answers (review-log rows with a rating), in the order they came.
    pub reviews: Vec<AnkiReview>,
}

fn garbage(what: impl std::fmt::Display) -> Error {
    Error::user(format!(
        "the sync server sent something skilldeck cannot use ({what}); nothing was changed, try again later"
    ))
}

/// Applies the server's deletions to the mirror.
pub fn bury(conn: &rusqlite::Connection, graves: &Graves) -> Result<()> {
    sync_state::bury(conn, 0, &graves.cards)?;
    sync_state::bury(conn, 1, &graves.notes)?;
    sync_state::bury(conn, 2, &graves.decks)?;
    Ok(())
}

/// Records the note types, decks and deck options the server holds.
pub fn objects(conn: &rusqlite::Connection, changes: &Changes) -> Result<()> {
    let kinds = [
        ("model", &changes.models),
        ("deck", &changes.decks.0),
        ("dconf", &changes.decks.1),
    ];
    for (kind, list) in kinds {
        for object in list {
            let id = object
                .get("id")
                .and_then(Value::as_i64)
                .ok_or_else(|| garbage(format!("a {kind} without an id")))?;
            sync_state::add_object(conn, kind, id)?;
        }
    }
    Ok(())
}

fn int(row: &[Value], i: usize, what: &str) -> Result<i64> {
    row.get(i)
        .and_then(Value::as_i64)
        .ok_or_else(|| garbage(format!("a {what} row without column {i}")))
}

/// Records a chunk of the server's rows; its answers go to `pulled`.
pub fn rows(
    conn: &rusqlite::Connection,
    chunk: &Chunk,
    now_ms: i64,
    pulled: &mut Pulled,
) -> Result<()> {
    for row in &chunk.notes {
        if row.len() < 11 {
            return Err(garbage("a note row with too few columns"));
        }
        let id = int(row, 0, "note")?;
        let guid = row[1]
            .as_str()
            .filter(|g| !g.is_empty() && g.len() <= 200 && !g.chars().any(char::is_control))
            .ok_or_else(|| garbage(format!("note {id} has an impossible GUID")))?;
        sync_state::add_note(conn, id, guid)?;
        pulled.notes += 1;
    }
    for row in &chunk.cards {
        if row.len() < 18 {
            return Err(garbage("a card row with too few columns"));
        }
        let (id, nid, ord) = (
            int(row, 0, "card")?,
            int(row, 1, "card")?,
            int(row, 3, "card")?,
        );
        if !(0..1000).contains(&ord) {
            return Err(garbage(format!(
                "card {id} has an impossible ordinal {ord}"
            )));
        }
        sync_state::add_card(conn, id, nid, ord)?;
        pulled.cards += 1;
    }
    for row in &chunk.revlog {
        if row.len() < 9 {
            return Err(garbage("a review-log row with too few columns"));
        }
        let id = int(row, 0, "review-log")?;
        let (cid, ease, time, kind) = (
            int(row, 1, "review-log")?,
            int(row, 3, "review-log")?,
            int(row, 7, "review-log")?,
            int(row, 8, "review-log")?,
        );
        if !(EARLIEST_MS..=now_ms + 86_400_000).contains(&id) {
            return Err(garbage(format!(
                "review-log row {id} has an impossible time"
            )));
        }
        if !(0..=4).contains(&ease) || !(0..=5).contains(&kind) || time < 0 {
            return Err(garbage(format!(
                "review-log row {id} has impossible values"
            )));
        }
        if !sync_state::add_revlog(conn, id)? {
            continue;
        }
        // Manual reschedules and buttonless rows are not answers.
        if ease == 0 || kind >= 4 {
            continue;
        }
        pulled.reviews.push(AnkiReview {
            id,
            cid,
            ease: ease as u8,
            time: time.min(3_600_000),
        });
    }
    Ok(())
}

/// The history the merge reads: every note and card the server holds (so a review of a card
/// that came in an earlier sync is matched) and the answers just pulled, in time order.
pub fn history(conn: &rusqlite::Connection, mut reviews: Vec<AnkiReview>) -> Result<History> {
    reviews.sort_by_key(|r| r.id);
    Ok(History {
        notes: sync_state::notes(conn)?
            .into_iter()
            .map(|(id, guid)| AnkiNote { id, guid })
            .collect(),
        cards: sync_state::cards(conn)?
            .into_iter()
            .filter_map(|(id, nid, ord)| {
                Some(AnkiCard {
                    id,
                    nid,
                    ord: u32::try_from(ord).ok()?,
                })
            })
            .collect(),
        reviews,
        skipped_rows: 0,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::Store;

    const NOW: i64 = 1_790_000_000_000;

    fn pull(rows: Chunk) -> Result<Pulled> {
        let store = Store::open_in_memory()?;
        let mut pulled = Pulled::default();
        rows_into(store.conn(), &rows, &mut pulled)?;
        Ok(pulled)
    }

    fn rows_into(conn: &rusqlite::Connection, chunk: &Chunk, pulled: &mut Pulled) -> Result<()> {
        rows(conn, chunk, NOW, pulled)
    }

    #[test]
    fn answers_are_pulled_once_and_other_rows_are_only_counted() {
        let store = Store::open_in_memory().unwrap();
        let chunk = Chunk {
            done: true,
            notes: vec![vec![
                json!(1),
                json!("guid1"),
                json!(9),
                json!(0),
                json!(0),
                json!(""),
                json!("a\u{1f}b"),
                json!(""),
                json!(""),
                json!(0),
                json!(""),
            ]],
            cards: vec![(0..18).map(|i| json!(if i == 1 { 1 } else { 0 })).collect()],
            revlog: vec![
                vec![
                    json!(NOW - 1000),
                    json!(0),
                    json!(5),
                    json!(3),
                    json!(1),
                    json!(0),
                    json!(0),
                    json!(4000),
                    json!(1),
                ],
                // A manual reschedule: not an answer.
                vec![
                    json!(NOW - 500),
                    json!(0),
                    json!(5),
                    json!(0),
                    json!(1),
                    json!(0),
                    json!(0),
                    json!(0),
                    json!(4),
                ],
            ],
        };
        let mut pulled = Pulled::default();
        rows(store.conn(), &chunk, NOW, &mut pulled).unwrap();
        assert_eq!(
            (pulled.notes, pulled.cards, pulled.reviews.len()),
            (1, 1, 1)
        );
        assert_eq!(pulled.reviews[0].ease, 3);
        // The same rows again (a retried sync): no answer is pulled twice.
        let mut again = Pulled::default();
        rows(store.conn(), &chunk, NOW, &mut again).unwrap();
        assert!(again.reviews.is_empty());
        let counts = sync_state::counts(store.conn()).unwrap();
        assert_eq!((counts.notes, counts.cards, counts.revlog), (1, 1, 2));
    }

    #[test]
    fn rows_that_make_no_sense_are_refused() {
        let review = |id: serde_json::Value, ease: i64| Chunk {
            revlog: vec![vec![
                id,
                json!(1),
                json!(0),
                json!(ease),
                json!(0),
                json!(0),
                json!(0),
                json!(0),
                json!(1),
            ]],
            ..Chunk::default()
        };
        for (chunk, says) in [
            (review(json!("x"), 3), "without column 0"),
            (review(json!(NOW + 2 * 86_400_000), 3), "impossible time"),
            (review(json!(NOW - 1000), 7), "impossible values"),
            (
                Chunk {
                    notes: vec![vec![json!(1); 3]],
                    ..Chunk::default()
                },
                "too few columns",
            ),
            (
                Chunk {
                    notes: vec![vec![
                        json!(1),
                        json!("bad\u{7}guid"),
                        json!(0),
                        json!(0),
                        json!(0),
                        json!(""),
                        json!(""),
                        json!(""),
                        json!(""),
                        json!(0),
                        json!(""),
                    ]],
                    ..Chunk::default()
                },
                "impossible GUID",
            ),
        ] {
            let err = pull(chunk).unwrap_err();
            assert_eq!(err.exit_code(), 1);
            assert!(err.to_string().contains(says), "{err}");
        }
    }
}
