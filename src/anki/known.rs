//! Which answers in a package skilldeck already has, so importing a file twice, or Anki's copy
//! of our own export, adds nothing.
//!
//! An answer in Anki's review log is known by its id, a time in milliseconds. Two kinds of rows
//! come back to us:
//!
//! - rows Anki made: their id never changes (Anki keeps ids when it imports and exports a
//!   package; a row whose id it already has is dropped, not renumbered), so the id we stored
//!   when we first imported it (`anki_id`) recognises it;
//! - copies of our own reviews, from an export `--with-scheduling` (directly, or after a trip
//!   through Anki). An export gives each review its time in milliseconds as id, and a review at
//!   the same millisecond as the row before it the next free id, so a copy's id may lie after
//!   its review's time — by as many milliseconds as the export had reviews crowded before it,
//!   across a second boundary if need be. The latest id any export can give a review is the id
//!   it gets when every review in the database is exported (more rows only push ids later), so
//!   a copy of review `r` has an id in `[time(r), latest(r)]`, on the same card, with the same
//!   rating. Outside a crowd the window is one millisecond wide.
//!
//! A row is known when its id is, or when it falls in such a window of one of our reviews.

use std::collections::{HashMap, HashSet};

use crate::types::Timestamp;

/// One of our reviews, as the dedup sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OurReview {
    pub card: i64,
    pub at: Timestamp,
    pub rating: u8,
    /// The Anki id it was imported under.
    pub anki_id: Option<i64>,
}

/// The answers we have.
#[derive(Debug, Clone, Default)]
pub struct Known {
    ids: HashSet<i64>,
    /// (card, rating) → each review's window (time, latest export id), by time.
    windows: HashMap<(i64, u8), Vec<(i64, i64)>>,
}

impl Known {
    /// Every review of the database.
    pub fn new(mut reviews: Vec<OurReview>) -> Known {
        reviews.sort_by_key(|r| r.at);
        let latest = latest_export_ids(&reviews);
        let mut known = Known::default();
        for (r, &latest) in reviews.iter().zip(&latest) {
            if let Some(id) = r.anki_id {
                known.ids.insert(id);
            }
            known
                .windows
                .entry((r.card, r.rating))
                .or_default()
                .push((r.at.millis(), latest));
        }
        known
    }

    /// Whether the answer with this Anki id, on our card `card`, is known.
    pub fn contains(&self, card: i64, id: i64, rating: u8) -> bool {
        if self.ids.contains(&id) {
            return true;
        }
        let Some(windows) = self.windows.get(&(card, rating)) else {
            return false;
        };
        // Windows start and end in time order, so the last one starting at or before `id`
        // reaches furthest.
        let after = windows.partition_point(|&(start, _)| start <= id);
        after > 0 && windows[after - 1].1 >= id
    }

    /// Records an answer added now under its Anki id.
    pub fn add_id(&mut self, id: i64) {
        self.ids.insert(id);
    }
}

/// For reviews sorted by time, the id each would get in an export of all of them: rows take
/// their time in milliseconds, or one more than the row before. The `i`th row's id is the
/// greatest `time(j) + (i − j)` over earlier rows `j`; taking `i` as the last row at its
/// millisecond makes the result hold whatever order an export gave rows of the same moment.
fn latest_export_ids(sorted: &[OurReview]) -> Vec<i64> {
    let mut out = vec![0; sorted.len()];
    let mut best = i64::MIN;
    let mut start = 0;
    while start < sorted.len() {
        let at = sorted[start].at.millis();
        let end = sorted[start..]
            .iter()
            .position(|r| r.at.millis() != at)
            .map_or(sorted.len(), |n| start + n);
        // The first row of a millisecond has the greatest time − index of its group.
        best = best.max(at.saturating_sub(start as i64));
        let latest = best.saturating_add((end - 1) as i64);
        out[start..end].fill(latest);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(card: i64, at: i64, rating: u8) -> OurReview {
        OurReview {
            card,
            at: Timestamp::from_millis(at),
            rating,
            anki_id: None,
        }
    }

    /// Our exporter's numbering (`anki::scheduling::revlog`), for comparison.
    fn exported_ids(sorted: &[OurReview]) -> Vec<i64> {
        let mut previous = i64::MIN;
        sorted
            .iter()
            .map(|r| {
                previous = r.at.millis().max(previous.saturating_add(1));
                previous
            })
            .collect()
    }

    #[test]
    fn crowds_push_the_latest_id_on() {
        let reviews = [
            review(1, 0, 3),
            review(2, 0, 3),
            review(3, 0, 3),
            review(1, 5, 3),
            review(1, 10, 3),
            review(2, 10, 3),
            review(3, 1000, 1),
        ];
        assert_eq!(latest_export_ids(&reviews), vec![2, 2, 2, 5, 11, 11, 1000]);
    }

    #[test]
    fn every_export_id_of_every_subset_lies_in_its_window() {
        // 40 reviews: crowds at the same millisecond, some just before a second boundary.
        let mut all: Vec<OurReview> = (0..40)
            .map(|i| review(i % 4, 990 + (i / 12) * 7, (i % 3) as u8 + 1))
            .collect();
        all.sort_by_key(|r| r.at);
        let known = Known::new(all.clone());
        for mask in [
            u64::MAX,
            0x5555_5555_5555,
            0xf0f0_f0f0_f0f0,
            0x1234_5678_9abc,
        ] {
            let subset: Vec<OurReview> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| (mask >> i) & 1 == 1)
                .map(|(_, r)| *r)
                .collect();
            for (r, id) in subset.iter().zip(exported_ids(&subset)) {
                assert!(known.contains(r.card, id, r.rating), "{r:?} as {id}");
            }
        }
        // Some copies cross into the next second.
        assert!(
            all.iter()
                .zip(exported_ids(&all))
                .any(|(r, id)| r.at.millis() < 1000 && id >= 1000)
        );
    }

    #[test]
    fn other_cards_ratings_and_times_are_new() {
        let known = Known::new(vec![
            review(1, 1000, 3),
            review(2, 1000, 3),
            review(1, 50_000, 4),
        ]);
        assert!(known.contains(1, 1000, 3) && known.contains(2, 1001, 3));
        // Card 1's window is [1000, 1001]: two reviews share the millisecond.
        assert!(known.contains(1, 1001, 3));
        assert!(!known.contains(1, 999, 3));
        assert!(!known.contains(1, 1002, 3));
        assert!(!known.contains(1, 1000, 2));
        assert!(!known.contains(3, 1000, 3));
        assert!(known.contains(1, 50_000, 4) && !known.contains(1, 50_001, 4));
    }

    #[test]
    fn anki_ids_are_known_whatever_the_card() {
        let mut known = Known::new(vec![OurReview {
            anki_id: Some(7_000),
            ..review(1, 7_000, 3)
        }]);
        assert!(known.contains(9, 7_000, 1));
        assert!(!known.contains(9, 8_000, 1));
        known.add_id(8_000);
        assert!(known.contains(9, 8_000, 1));
    }
}
