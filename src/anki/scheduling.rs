//! Scheduling in an export (`--with-scheduling`): each card's FSRS state the way Anki keeps it
//! (type, queue, due day counted from `crt`, interval, `data` with s, d, dr, decay, lrt) and
//! the review log.

use std::collections::HashMap;

use serde_json::json;

use super::package::{CardRow, RevlogRow};
use crate::sched::card::Phase;
use crate::store::export::{ExportCard, ExportReview};
use crate::types::Day;

use super::export::ExportContext;

/// A card's row: new cards in deck order; with scheduling, the FSRS state as Anki keeps it.
pub(crate) fn card_row(
    c: &ExportCard,
    id: i64,
    nid: i64,
    did: i64,
    position: i64,
    crt_day: Day,
    ctx: &ExportContext,
) -> CardRow {
    let new = CardRow {
        id,
        nid,
        did,
        ord: c.ord,
        modified: ctx.now_secs,
        kind: 0,
        queue: 0,
        due: position,
        ivl: 0,
        factor: 0,
        reps: 0,
        lapses: 0,
        left: 0,
        data: String::new(),
    };
    let s = &c.state;
    if !ctx.with_scheduling || s.phase == Phase::New {
        return CardRow {
            queue: if ctx.with_scheduling && c.suspended {
                -1
            } else {
                0
            },
            ..new
        };
    }
    let (Some(memory), Some(due), Some(last)) = (s.memory, s.due, s.last_review) else {
        return new;
    };
    let last_day = ctx.day(last.millis());
    let data = json!({
        "s": (memory.stability as f64 * 10_000.0).round() / 10_000.0,
        "d": (memory.difficulty as f64 * 1000.0).round() / 1000.0,
        "dr": (ctx.desired_retention as f64 * 100.0).round() / 100.0,
        "decay": (ctx.decay as f64 * 1000.0).round() / 1000.0,
        "lrt": last.millis() / 1000,
    })
    .to_string();
    let learning_now = s.step_due.is_some() && last_day == ctx.today;
    let (kind, queue, due_value, left) = match s.phase {
        Phase::Learning if learning_now => {
            (1, 1, s.step_due.map_or(0, |t| t.millis() / 1000), 1001)
        }
        Phase::Relearning if learning_now => {
            (3, 1, s.step_due.map_or(0, |t| t.millis() / 1000), 1001)
        }
        _ => (2, 2, due.since(crt_day), 0),
    };
    let queue = if c.suspended {
        -1
    } else if c.buried {
        -3
    } else {
        queue
    };
    CardRow {
        kind,
        queue,
        due: due_value,
        ivl: due.since(last_day).max(1),
        factor: 2500,
        reps: i64::from(s.reps),
        lapses: i64::from(s.lapses),
        left,
        data,
        ..new
    }
}

/// The review log, each row's interval taken from the gap to the card's next review (or to its
/// due day, for the last one). Anki keys the log by time in milliseconds, so rows are numbered
/// in time order and a review at the same millisecond as the one before moves up by one.
pub(crate) fn revlog(
    reviews: &[ExportReview],
    card_ids: &HashMap<i64, i64>,
    cards: &[ExportCard],
    ctx: &ExportContext,
) -> Vec<RevlogRow> {
    let due_of: HashMap<i64, Option<Day>> = cards.iter().map(|c| (c.pk, c.state.due)).collect();
    let mut order: Vec<usize> = (0..reviews.len()).collect();
    order.sort_by_key(|&i| reviews[i].at.millis());
    // Each review's next review of the same card.
    let mut next_of: Vec<Option<usize>> = vec![None; reviews.len()];
    let mut latest: HashMap<i64, usize> = HashMap::new();
    for &i in &order {
        if let Some(before) = latest.insert(reviews[i].card, i) {
            next_of[before] = Some(i);
        }
    }
    let mut rows = Vec::with_capacity(reviews.len());
    let mut last_ivl: HashMap<i64, i64> = HashMap::new();
    let mut previous_id = i64::MIN;
    for &i in &order {
        let r = &reviews[i];
        let Some(&cid) = card_ids.get(&r.card) else {
            continue;
        };
        let today = ctx.day(r.at.millis());
        let next = match next_of[i] {
            Some(j) => Some(ctx.day(reviews[j].at.millis())),
            None => due_of.get(&r.card).copied().flatten(),
        };
        let ivl = next.map_or(0, |n| n.since(today).max(0));
        let kind = match r.before {
            Some(Phase::New | Phase::Learning) => 0,
            Some(Phase::Relearning) => 2,
            _ => 1,
        };
        let id = r.at.millis().max(previous_id.saturating_add(1));
        previous_id = id;
        rows.push(RevlogRow {
            id,
            cid,
            ease: i64::from(r.rating),
            ivl,
            last_ivl: last_ivl.insert(r.card, ivl).unwrap_or(0),
            factor: if kind == 0 { 0 } else { 2500 },
            time: r.duration_ms.clamp(0, 60_000),
            kind,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::card::CardState;
    use crate::types::Timestamp;

    const DAY: i64 = 86_400_000;

    #[test]
    fn reviews_at_the_same_moment_get_consecutive_ids_in_time_order() {
        let ctx = ExportContext {
            now_secs: 100 * 86_400,
            today: Day(100),
            offset_seconds: 0,
            rollover_hour: 0,
            with_scheduling: true,
            desired_retention: 0.9,
            decay: 0.2,
            creation: None,
        };
        let cards: Vec<ExportCard> = (1..=3)
            .map(|pk| ExportCard {
                pk,
                note: pk,
                ord: 0,
                state: CardState {
                    due: Some(Day(120)),
                    ..CardState::new_card()
                },
                suspended: false,
                buried: false,
            })
            .collect();
        let card_ids = HashMap::from([(1, 11), (2, 12), (3, 13)]);
        // Day 90: three cards at the same millisecond; day 95: card 1 again; card 9 is unknown.
        let review = |card, day| ExportReview {
            card,
            at: Timestamp::from_millis(day * DAY + 1000),
            rating: 3,
            duration_ms: 5000,
            before: Some(Phase::Review),
        };
        let reviews = [
            review(1, 90),
            review(2, 90),
            review(9, 90),
            review(3, 90),
            review(1, 95),
        ];
        let rows = revlog(&reviews, &card_ids, &cards, &ctx);
        let at = 90 * DAY + 1000;
        let summary: Vec<(i64, i64, i64, i64)> = rows
            .iter()
            .map(|r| (r.id, r.cid, r.ivl, r.last_ivl))
            .collect();
        assert_eq!(
            summary,
            vec![
                (at, 11, 5, 0),
                (at + 1, 12, 30, 0),
                (at + 2, 13, 30, 0),
                (95 * DAY + 1000, 11, 25, 5),
            ]
        );
    }
}
