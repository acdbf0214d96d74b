//! What the review history says about how a learner studies one deck, for the planner: time
//! spent in a span, the first review, what was done today, and answer times and rating shares
//! (first looks apart from later reviews).

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::types::Timestamp;

/// Answers given to one deck's cards in `[from, to)`: (answers, first looks, seconds).
pub fn done_between(
    conn: &Connection,
    deck: i64,
    from: Timestamp,
    to: Timestamp,
) -> Result<(usize, usize, f64)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*),
                    coalesce(sum(NOT EXISTS (SELECT 1 FROM reviews e WHERE e.card = r.card
                        AND (e.reviewed_at < r.reviewed_at
                             OR (e.reviewed_at = r.reviewed_at AND e.id < r.id)))), 0),
                    coalesce(sum(r.duration_ms), 0)
             FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note
             WHERE n.deck = ?1 AND r.reviewed_at >= ?2 AND r.reviewed_at < ?3",
        )?
        .query_row(rusqlite::params![deck, from, to], |r| {
            Ok((
                r.get::<_, i64>(0)? as usize,
                r.get::<_, i64>(1)? as usize,
                r.get::<_, i64>(2)? as f64 / 1000.0,
            ))
        })?)
}

/// The time of the first review of one deck's cards, if any.
pub fn first_review(conn: &Connection, deck: i64) -> Result<Option<Timestamp>> {
    Ok(conn
        .prepare_cached(
            "SELECT min(r.reviewed_at) FROM reviews r JOIN cards c ON c.id = r.card
             JOIN notes n ON n.id = c.note WHERE n.deck = ?1",
        )?
        .query_row([deck], |r| r.get::<_, Option<Timestamp>>(0))
        .optional()?
        .flatten())
}

/// Counts of one deck's answers by kind and rating.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerCounts {
    /// First looks by rating (Again, Hard, Good, Easy).
    pub first: [u64; 4],
    /// Answers a day or more after the card's previous one, by rating.
    pub later: [u64; 4],
    /// First looks and later answers (same-day ones included) with a recorded time, and their
    /// total milliseconds.
    pub first_timed: (u64, i64),
    pub later_timed: (u64, i64),
}

/// Counts every answer to one deck's cards by kind (a card's first answer, or a later one)
/// and rating, with answer times (a time of 0, as imports may have, counts as unrecorded).
pub fn answer_counts(conn: &Connection, deck: i64) -> Result<AnswerCounts> {
    let mut stmt = conn.prepare_cached(
        "WITH ranked AS (
             SELECT r.rating, r.duration_ms, r.elapsed_days >= 1 AS later_day,
                    row_number() OVER (PARTITION BY r.card ORDER BY r.reviewed_at, r.id) = 1 AS first
             FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note
             WHERE n.deck = ?1)
         SELECT first, later_day, rating, count(*), sum(duration_ms > 0),
                sum(CASE WHEN duration_ms > 0 THEN duration_ms ELSE 0 END)
         FROM ranked GROUP BY first, later_day, rating",
    )?;
    let rows = stmt.query_map([deck], |r| {
        Ok((
            r.get::<_, bool>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    let mut counts = AnswerCounts::default();
    for row in rows {
        let (first, later_day, rating, n, timed, ms) = row?;
        let Some(slot) = usize::try_from(rating - 1).ok().filter(|&i| i < 4) else {
            continue;
        };
        let time = if first {
            counts.first[slot] += n as u64;
            &mut counts.first_timed
        } else {
            if later_day {
                counts.later[slot] += n as u64;
            }
            &mut counts.later_timed
        };
        time.0 += timed as u64;
        time.1 += ms;
    }
    Ok(counts)
}
