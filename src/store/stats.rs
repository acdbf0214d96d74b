//! What `skilldeck stats` reads: reviews counted per study day, and live cards counted per due
//! day. Both are grouped by SQLite, so a million reviews stay a few hundred rows.

use rusqlite::Connection;

use crate::error::Result;
use crate::stats::DayReviews;
use crate::types::Day;

const DAY_MS: i64 = 86_400_000;

/// Reviews per study day (days start at `rollover_hour`, local time at `offset_seconds`).
pub fn reviews_per_day(
    conn: &Connection,
    offset_seconds: i32,
    rollover_hour: u32,
) -> Result<Vec<DayReviews>> {
    let shift = i64::from(offset_seconds) * 1000 - i64::from(rollover_hour) * 3_600_000;
    // Floor division, as `Day::of_millis` does, for any sign.
    let mut stmt = conn.prepare(
        "SELECT CASE WHEN reviewed_at + ?1 >= 0 THEN (reviewed_at + ?1) / ?2
                     ELSE -((-(reviewed_at + ?1) - 1) / ?2) - 1 END AS day,
                count(*), sum(elapsed_days >= 1), sum(elapsed_days >= 1 AND rating > 1),
                sum(duration_ms)
         FROM reviews GROUP BY day",
    )?;
    let rows = stmt.query_map([shift, DAY_MS], |r| {
        Ok(DayReviews {
            day: Day(r.get(0)?),
            reviews: r.get(1)?,
            spaced: r.get(2)?,
            recalled: r.get(3)?,
            ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Live, unsuspended cards already studied, counted per due day.
pub fn due_per_day(conn: &Connection) -> Result<Vec<(Day, u32)>> {
    let mut stmt = conn.prepare(
        "SELECT c.due, count(*) FROM cards c JOIN notes n ON n.id = c.note
         WHERE c.retired_at IS NULL AND n.retired_at IS NULL AND c.suspended = 0
           AND c.state != 'new' AND c.due IS NOT NULL
         GROUP BY c.due",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_floored_like_day_of_millis() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let conn = store.conn();
        // Reviews need cards; without foreign keys for this table-level check.
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let times = [
            -1,
            0,
            DAY_MS - 1,
            DAY_MS,
            20_782 * DAY_MS + 3 * 3_600_000,
            20_782 * DAY_MS + 5 * 3_600_000,
        ];
        for (i, at) in times.iter().enumerate() {
            conn.execute(
                "INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source)
                 VALUES (1, ?1, ?2, ?3, 1000, 'terminal')",
                rusqlite::params![at, if i % 2 == 0 { 1 } else { 3 }, i as f64],
            )
            .unwrap();
        }
        let mut days = reviews_per_day(conn, 3600, 4).unwrap();
        days.sort_by_key(|d| d.day);
        let expected: Vec<Day> = {
            let mut v: Vec<Day> = times.iter().map(|&t| Day::of_millis(t, 3600, 4)).collect();
            v.dedup();
            v
        };
        assert_eq!(days.iter().map(|d| d.day).collect::<Vec<_>>(), expected);
        assert_eq!(days.iter().map(|d| d.reviews).sum::<u32>(), 6);
        // Elapsed ≥ 1 day: reviews 1..5; recalled (rating > 1) among them: 1, 3, 5.
        assert_eq!(days.iter().map(|d| d.spaced).sum::<u32>(), 5);
        assert_eq!(days.iter().map(|d| d.recalled).sum::<u32>(), 3);
    }
}
