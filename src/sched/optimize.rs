//! The optimizer's data (pure): review history → FSRS training items, and the decision to keep
//! fitted parameters only when they predict the history better than the current ones.

use chrono::FixedOffset;

use super::fsrs::{self, TrainingItem};
use crate::error::Result;
use crate::types::{Rating, Timestamp, day_of};

/// One review as the optimizer needs it: card, time, rating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryRow {
    pub card: i64,
    pub at: Timestamp,
    pub rating: u8,
}

/// Fewer training items than this is too little history to fit anything.
pub const MIN_ITEMS: usize = 8;

/// Training items before the first automatic fit of one factor on the first stabilities
/// ([`fit_scale`]), and new items before any later one while the history is short.
pub const AUTO_SCALE_ITEMS: usize = 30;
/// Training items before the first automatic fit of all parameters (FSRS's optimizer, which
/// sets aside at least 20 first reviews per first rating as outliers and so learns little from
/// less), and new items before any later one.
pub const AUTO_FIRST_ITEMS: usize = 200;
/// The most new items an automatic refit waits for.
pub const AUTO_MAX_WAIT: usize = 5_000;

/// Whether enough new history has accumulated for an automatic refit. Below
/// [`AUTO_FIRST_ITEMS`] training items: [`AUTO_SCALE_ITEMS`] for the first, then a quarter more
/// than at the last attempt, at least [`AUTO_SCALE_ITEMS`] new ones. The first time there are
/// [`AUTO_FIRST_ITEMS`], at once; after that a quarter more, at least [`AUTO_FIRST_ITEMS`] and at
/// most [`AUTO_MAX_WAIT`] new ones.
pub fn due_for_refit(items: usize, at_last_attempt: usize) -> bool {
    let new = items.saturating_sub(at_last_attempt);
    if items < AUTO_FIRST_ITEMS {
        items >= AUTO_SCALE_ITEMS && new >= (at_last_attempt / 4).max(AUTO_SCALE_ITEMS)
    } else if at_last_attempt < AUTO_FIRST_ITEMS {
        true
    } else {
        new >= (at_last_attempt / 4).clamp(AUTO_FIRST_ITEMS, AUTO_MAX_WAIT)
    }
}

/// The fitting step of an automatic refit: one factor on the first stabilities of `current`
/// while there are fewer than [`AUTO_FIRST_ITEMS`] items, FSRS's optimizer from then on.
pub fn auto_fitter(items: &[TrainingItem], ids: &[i64], current: &[f32]) -> Result<Vec<f32>> {
    if items.len() < AUTO_FIRST_ITEMS {
        fit_scale(items, current)
    } else {
        fsrs::compute_parameters(items, ids)
    }
}

/// What fitting found.
#[derive(Debug, Clone, PartialEq)]
pub enum Fit {
    TooLittle {
        reviews: usize,
        items: usize,
        needed: usize,
    },
    Done {
        params: Vec<f32>,
        old_loss: f32,
        new_loss: f32,
        items: usize,
    },
}

/// Training items as Anki builds them: for every review on a later day than the card's
/// previous one, the card's history up to and including it. Rows must be sorted by card, then
/// time. Returns the items and the card id of each.
pub fn items(
    history: &[HistoryRow],
    offset: FixedOffset,
    rollover_hour: u32,
) -> (Vec<TrainingItem>, Vec<i64>) {
    let mut items = Vec::new();
    let mut ids = Vec::new();
    let mut start = 0;
    while start < history.len() {
        let card = history[start].card;
        let end = history[start..]
            .iter()
            .position(|r| r.card != card)
            .map_or(history.len(), |p| start + p);
        let mut reviews: TrainingItem = Vec::with_capacity(end - start);
        let mut previous_day = None;
        for row in &history[start..end] {
            let Some(rating) = Rating::from_number(i64::from(row.rating)) else {
                continue;
            };
            let day = day_of(row.at, offset, rollover_hour);
            let delta = previous_day.map_or(0, |p: crate::types::Day| {
                u32::try_from(day.since(p).max(0)).unwrap_or(0)
            });
            previous_day = Some(day);
            reviews.push((rating, delta));
            if delta > 0 {
                items.push(reviews.clone());
                ids.push(card);
            }
        }
        start = end;
    }
    (items, ids)
}

/// The current parameters (defaults when empty) with the four first stabilities scaled by the
/// one factor that best predicts the items (lowest log loss; a golden-section search over the
/// factor's logarithm between 1/10 and 10, 32 evaluations). One number is what a short history
/// can pin down: a learner who forgets faster or slower than the model, most of whose cards
/// have been seen once or twice.
pub fn fit_scale(items: &[TrainingItem], current: &[f32]) -> Result<Vec<f32>> {
    let base: Vec<f32> = if current.is_empty() {
        ::fsrs::DEFAULT_PARAMETERS.to_vec()
    } else {
        current.to_vec()
    };
    if base.len() < 4 {
        return Ok(base);
    }
    let scaled = |log_k: f64| -> Vec<f32> {
        let mut p = base.clone();
        for w in &mut p[..4] {
            *w = (*w * log_k.exp() as f32).clamp(0.001, 100.0);
        }
        p
    };
    let loss = |log_k: f64| fsrs::log_loss(&scaled(log_k), items);
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (-(10f64.ln()), 10f64.ln());
    let (mut c, mut d) = (b - phi * (b - a), a + phi * (b - a));
    let (mut fc, mut fd) = (loss(c)?, loss(d)?);
    for _ in 0..30 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - phi * (b - a);
            fc = loss(c)?;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + phi * (b - a);
            fd = loss(d)?;
        }
    }
    Ok(scaled((a + b) / 2.0))
}

/// Fits parameters to the history and compares them with `current` (defaults when `None`).
pub fn fit(
    history: &[HistoryRow],
    offset: FixedOffset,
    rollover_hour: u32,
    current: Option<&[f32]>,
) -> Result<Fit> {
    fit_with(
        history,
        offset,
        rollover_hour,
        current,
        fsrs::compute_parameters,
    )
}

/// [`fit`] with the fitting step given (FSRS's optimizer in use; tests give others).
pub fn fit_with(
    history: &[HistoryRow],
    offset: FixedOffset,
    rollover_hour: u32,
    current: Option<&[f32]>,
    fitter: impl Fn(&[TrainingItem], &[i64]) -> Result<Vec<f32>>,
) -> Result<Fit> {
    let (items, ids) = items(history, offset, rollover_hour);
    if items.len() < MIN_ITEMS {
        return Ok(Fit::TooLittle {
            reviews: history.len(),
            items: items.len(),
            needed: MIN_ITEMS,
        });
    }
    let params = fitter(&items, &ids)?;
    let old_loss = fsrs::log_loss(current.unwrap_or(&[]), &items)?;
    let new_loss = fsrs::log_loss(&params, &items)?;
    Ok(Fit::Done {
        params,
        old_loss,
        new_loss,
        items: items.len(),
    })
}

impl Fit {
    /// The fitted parameters, when they predict the history better than the current ones.
    pub fn better(&self) -> Option<&[f32]> {
        match self {
            Fit::Done {
                params,
                old_loss,
                new_loss,
                ..
            } if new_loss < old_loss => Some(params),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Timestamp;

    const DAY: i64 = 86_400_000;

    fn row(card: i64, day: i64, rating: u8) -> HistoryRow {
        HistoryRow {
            card,
            at: Timestamp::from_millis(day * DAY + 10 * 3_600_000),
            rating,
        }
    }

    #[test]
    fn items_are_prefixes_ending_on_a_later_day() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let history = [
            row(1, 100, 3),
            row(1, 100, 1),
            row(1, 102, 3),
            row(1, 110, 4),
            row(2, 100, 3),
        ];
        let (items, ids) = items(&history, utc, 4);
        assert_eq!(ids, [1, 1]);
        assert_eq!(
            items[0],
            [(Rating::Good, 0), (Rating::Again, 0), (Rating::Good, 2)]
        );
        assert_eq!(items[1].last(), Some(&(Rating::Easy, 8)));
    }

    #[test]
    fn a_refit_waits_for_a_quarter_more_history_30_items_then_200() {
        // A short history: the first at 30 items, then a quarter more, at least 30 new.
        assert!(!due_for_refit(29, 0));
        assert!(due_for_refit(30, 0));
        assert!(!due_for_refit(59, 30));
        assert!(due_for_refit(60, 30));
        assert!(!due_for_refit(159, 130));
        assert!(due_for_refit(163, 130));
        // The first full fit as soon as there are 200 items.
        assert!(due_for_refit(200, 190));
        assert!(due_for_refit(200, 0));
        // Then at least 200 new items, a quarter more, at most 5,000.
        assert!(!due_for_refit(399, 200));
        assert!(due_for_refit(400, 200));
        assert!(!due_for_refit(1_249, 1_000));
        assert!(due_for_refit(1_250, 1_000));
        assert!(!due_for_refit(104_999, 100_000));
        assert!(due_for_refit(105_000, 100_000));
    }

    #[test]
    fn one_factor_on_the_first_stabilities_is_found_from_a_short_history() {
        // 120 cards first answered Good, reviewed 1, 3, 7 or 14 days later, recalled as often as
        // a learner whose first stabilities are half FSRS's defaults would recall them.
        let defaults = ::fsrs::DEFAULT_PARAMETERS;
        let (half, decay) = (defaults[2] * 0.5, defaults[20]);
        let mut items = Vec::new();
        for delta in [1u32, 3, 7, 14] {
            let recall = fsrs::retrievability(half, delta as f32, decay);
            let recalled = (recall * 30.0).round() as usize;
            // Spread evenly (FSRS weighs later items more).
            for k in 0..30 {
                let rating = if (k + 1) * recalled / 30 > k * recalled / 30 {
                    Rating::Good
                } else {
                    Rating::Again
                };
                items.push(vec![(Rating::Good, 0), (rating, delta)]);
            }
        }
        let ids: Vec<i64> = (0..items.len() as i64).collect();
        let fitted = auto_fitter(&items, &ids, &[]).unwrap();
        let factor = fitted[2] / defaults[2];
        assert!((0.4..0.6).contains(&factor), "{factor}");
        for w in 0..4 {
            assert!(
                (fitted[w] / defaults[w] - factor).abs() < 1e-4,
                "{fitted:?}"
            );
        }
        assert_eq!(fitted[4..], defaults[4..]);
        assert!(fsrs::log_loss(&fitted, &items).unwrap() < fsrs::log_loss(&[], &items).unwrap());
    }

    #[test]
    fn too_little_history_is_said_plainly() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let history = [row(1, 100, 3), row(1, 102, 3)];
        assert_eq!(
            fit(&history, utc, 4, None).unwrap(),
            Fit::TooLittle {
                reviews: 2,
                items: 1,
                needed: MIN_ITEMS
            }
        );
    }

    #[test]
    fn fitting_a_history_compares_log_loss() {
        let utc = FixedOffset::east_opt(0).unwrap();
        // 60 cards, each reviewed on a growing schedule; every fifth answer is a lapse.
        let mut history = Vec::new();
        for card in 0..60 {
            let mut day = 100;
            for (k, gap) in [0, 1, 3, 7, 15, 30].into_iter().enumerate() {
                day += gap;
                let rating = if (card + k as i64) % 5 == 0 && k > 0 {
                    1
                } else {
                    3
                };
                history.push(row(card, day, rating));
            }
        }
        match fit(&history, utc, 4, None).unwrap() {
            Fit::Done {
                params,
                old_loss,
                new_loss,
                items,
            } => {
                assert_eq!(items, 300);
                assert_eq!(params.len(), 21);
                assert!(old_loss.is_finite() && new_loss.is_finite() && new_loss > 0.0);
            }
            other => panic!("expected a fit, got {other:?}"),
        }
    }
}
