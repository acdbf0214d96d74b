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
/// due day, for the last one).
pub(crate) fn revlog(
    reviews: &[ExportReview],
    card_ids: &HashMap<i64, i64>,
    cards: &[ExportCard],
    ctx: &ExportContext,
) -> Vec<RevlogRow> {
    let due_of: HashMap<i64, Option<Day>> = cards.iter().map(|c| (c.pk, c.state.due)).collect();
    let mut by_card: HashMap<i64, Vec<&ExportReview>> = HashMap::new();
    for r in reviews {
        by_card.entry(r.card).or_default().push(r);
    }
    let mut rows = Vec::with_capacity(reviews.len());
    let mut used = std::collections::HashSet::new();
    for (card, list) in by_card {
        let Some(&cid) = card_ids.get(&card) else {
            continue;
        };
        let mut last_ivl = 0;
        for (i, r) in list.iter().enumerate() {
            let today = ctx.day(r.at.millis());
            let next = match list.get(i + 1) {
                Some(next) => Some(ctx.day(next.at.millis())),
                None => due_of.get(&card).copied().flatten(),
            };
            let ivl = next.map_or(0, |n| n.since(today).max(0));
            let kind = match r.before {
                Some(Phase::New | Phase::Learning) => 0,
                Some(Phase::Relearning) => 2,
                _ => 1,
            };
            let mut id = r.at.millis();
            while !used.insert(id) {
                id += 1;
            }
            rows.push(RevlogRow {
                id,
                cid,
                ease: i64::from(r.rating),
                ivl,
                last_ivl,
                factor: if kind == 0 { 0 } else { 2500 },
                time: r.duration_ms.clamp(0, 60_000),
                kind,
            });
            last_ivl = ivl;
        }
    }
    rows.sort_by_key(|r| r.id);
    rows
}
