//! The one module that talks to the `fsrs` crate. It owns the parameters, turns FSRS's raw
//! intervals into whole days (rounded, at least 1, capped, fuzzed per card and review count)
//! and computes retrievability with the parameters' own decay.

use fsrs::{FSRS, MemoryState};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::types::Rating;

/// A card's memory: FSRS stability (days) and difficulty (1–10).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub stability: f32,
    pub difficulty: f32,
}

impl From<MemoryState> for Memory {
    fn from(m: MemoryState) -> Memory {
        Memory {
            stability: m.stability,
            difficulty: m.difficulty,
        }
    }
}

impl From<Memory> for MemoryState {
    fn from(m: Memory) -> MemoryState {
        MemoryState {
            stability: m.stability,
            difficulty: m.difficulty,
        }
    }
}

/// How intervals are turned into days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalRules {
    /// The longest interval, in days.
    pub max_interval: u32,
    /// Whether intervals are spread a little so cards learned together do not stay together.
    pub fuzz: bool,
}

impl Default for IntervalRules {
    fn default() -> Self {
        IntervalRules {
            max_interval: 36500,
            fuzz: true,
        }
    }
}

/// What one answer would do to a card.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub memory: Memory,
    /// Whole days until the card is next due (at least 1).
    pub interval: u32,
}

/// FSRS with its parameters and the user's desired retention.
pub struct Scheduler {
    fsrs: FSRS,
    params: Vec<f32>,
    desired_retention: f32,
    rules: IntervalRules,
}

impl Scheduler {
    /// A scheduler with the given parameters (empty = FSRS-6 defaults).
    pub fn new(params: &[f32], desired_retention: f32, rules: IntervalRules) -> Result<Scheduler> {
        let params = if params.is_empty() {
            fsrs::DEFAULT_PARAMETERS.to_vec()
        } else {
            params.to_vec()
        };
        let filled = fsrs::check_and_fill_parameters(&params).map_err(fsrs_error)?;
        let fsrs = FSRS::new(&filled).map_err(fsrs_error)?;
        Ok(Scheduler {
            fsrs,
            params: filled,
            desired_retention,
            rules,
        })
    }

    /// Default parameters, retention 0.9, no fuzz: the setting of the reference test vectors.
    #[cfg(test)]
    pub fn reference() -> Scheduler {
        Scheduler::new(
            &[],
            0.9,
            IntervalRules {
                max_interval: 36500,
                fuzz: false,
            },
        )
        .unwrap()
    }

    /// The parameters in use (21 values, FSRS-6).
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// The forgetting curve's decay (w20).
    pub fn decay(&self) -> f32 {
        self.params.get(20).copied().unwrap_or(0.1542)
    }

    pub fn desired_retention(&self) -> f32 {
        self.desired_retention
    }

    /// FSRS's four next states, in rating order (Again, Hard, Good, Easy).
    fn next_states(
        &self,
        memory: Option<Memory>,
        elapsed_days: u32,
    ) -> Result<[fsrs::ItemState; 4]> {
        let next = self
            .fsrs
            .next_states(
                memory.map(MemoryState::from),
                self.desired_retention,
                elapsed_days,
            )
            .map_err(fsrs_error)?;
        Ok([next.again, next.hard, next.good, next.easy])
    }

    /// The outcome of each rating for a card with `memory` (none for a new card), answered
    /// `elapsed_days` after its last review (0 for a same-day review). `seed` fuzzes the
    /// interval deterministically (use the card id and its review count).
    pub fn outcomes(
        &self,
        memory: Option<Memory>,
        elapsed_days: u32,
        seed: u64,
    ) -> Result<[Outcome; 4]> {
        Ok(self
            .next_states(memory, elapsed_days)?
            .map(|state| Outcome {
                memory: state.memory.into(),
                interval: self.days(state.interval, seed),
            }))
    }

    /// The memory after each rating (Again, Hard, Good, Easy), without computing intervals.
    pub fn next_memories(&self, memory: Option<Memory>, elapsed_days: u32) -> Result<[Memory; 4]> {
        Ok(self
            .next_states(memory, elapsed_days)?
            .map(|state| state.memory.into()))
    }

    /// The outcome of one rating.
    pub fn outcome(
        &self,
        memory: Option<Memory>,
        elapsed_days: u32,
        rating: Rating,
        seed: u64,
    ) -> Result<Outcome> {
        Ok(self.outcomes(memory, elapsed_days, seed)?[usize::from(rating.number()) - 1])
    }

    /// Probability of recall `days` after the last review.
    pub fn retrievability(&self, memory: Memory, days: f32) -> f32 {
        retrievability(memory.stability, days.max(0.0), self.decay())
    }

    /// Replays a whole history of (rating, days since the previous review) from scratch.
    pub fn replay(&self, history: &[(Rating, u32)]) -> Result<Option<Memory>> {
        if history.is_empty() {
            return Ok(None);
        }
        let item = fsrs::FSRSItem {
            reviews: history
                .iter()
                .map(|(r, d)| fsrs::FSRSReview {
                    rating: u32::from(r.number()),
                    delta_t: *d,
                })
                .collect(),
        };
        Ok(Some(
            self.fsrs
                .memory_state(item, None)
                .map_err(fsrs_error)?
                .into(),
        ))
    }

    /// Rounds, bounds and fuzzes a raw FSRS interval.
    fn days(&self, raw: f32, seed: u64) -> u32 {
        let max = self.rules.max_interval.max(1);
        let rounded = (raw.round().max(1.0) as u32).min(max);
        if self.rules.fuzz {
            fuzz(raw, seed, max)
        } else {
            rounded
        }
    }
}

/// FSRS's forgetting curve: recall probability after `days` for a memory of `stability`.
pub fn retrievability(stability: f32, days: f32, decay: f32) -> f32 {
    fsrs::current_retrievability(
        MemoryState {
            stability: stability.max(0.001),
            difficulty: 5.0,
        },
        days,
        decay,
    )
}

/// Spreads an interval within a small range, by a uniform draw from `seed`. Intervals under
/// 2.5 days are not fuzzed; the range grows with the interval (±15% up to a week, ±10% up to
/// 20 days, ±5% beyond), so cards learned together drift apart.
fn fuzz(raw: f32, seed: u64, max: u32) -> u32 {
    let raw = f64::from(raw);
    if raw < 2.5 {
        return (raw.round().max(1.0) as u32).min(max);
    }
    let mut delta = 1.0;
    for (start, end, factor) in [
        (2.5, 7.0, 0.15),
        (7.0, 20.0, 0.1),
        (20.0, f64::INFINITY, 0.05),
    ] {
        delta += factor * (raw.min(end) - start).max(0.0);
    }
    let low = ((raw - delta).round().max(2.0)).min(f64::from(max));
    let high = (raw + delta).round().min(f64::from(max)).max(low);
    let unit = unit_interval(seed);
    ((low + unit * (high - low + 1.0)).floor().min(high)) as u32
}

/// A number in [0, 1) derived from `seed`.
fn unit_interval(seed: u64) -> f64 {
    let hash = blake3::hash(&seed.to_le_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[..8]);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// The seed that fuzzes a card's interval after its `reps`-th review.
pub fn fuzz_seed(card: i64, reps: u32) -> u64 {
    (card as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(reps)
}

fn fsrs_error(e: fsrs::FSRSError) -> Error {
    Error::user(format!("the FSRS scheduler refused its input: {e:?}"))
}

/// A training item: one card's reviews up to and including a long-term review, as
/// (rating, days since the previous review).
pub type TrainingItem = Vec<(Rating, u32)>;

fn to_fsrs_item(item: &TrainingItem) -> fsrs::FSRSItem {
    fsrs::FSRSItem {
        reviews: item
            .iter()
            .map(|(r, d)| fsrs::FSRSReview {
                rating: u32::from(r.number()),
                delta_t: *d,
            })
            .collect(),
    }
}

/// Fits FSRS parameters to training items (each must end with a review on a later day than
/// the one before it; `fsrs` panics otherwise, so such items are dropped here).
pub fn compute_parameters(items: &[TrainingItem], card_ids: &[i64]) -> Result<Vec<f32>> {
    let (train_set, card_ids): (Vec<fsrs::FSRSItem>, Vec<i64>) = items
        .iter()
        .zip(card_ids)
        .filter(|(item, _)| item.iter().any(|(_, d)| *d > 0))
        .map(|(item, id)| (to_fsrs_item(item), *id))
        .unzip();
    fsrs::compute_parameters(fsrs::ComputeParametersInput {
        train_set,
        card_ids: Some(card_ids),
        ..Default::default()
    })
    .map_err(fsrs_error)
}

/// How well parameters predict the items' outcomes (log loss; lower is better).
pub fn log_loss(params: &[f32], items: &[TrainingItem]) -> Result<f32> {
    let params = if params.is_empty() {
        fsrs::DEFAULT_PARAMETERS.to_vec()
    } else {
        params.to_vec()
    };
    let model = FSRS::new(&params).map_err(fsrs_error)?;
    let items: Vec<fsrs::FSRSItem> = items
        .iter()
        .filter(|i| i.iter().any(|(_, d)| *d > 0))
        .map(to_fsrs_item)
        .collect();
    Ok(model
        .evaluate(items, |_| true)
        .map_err(fsrs_error)?
        .log_loss)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Scheduler {
        Scheduler::reference()
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 0.001
    }

    /// The test vectors of the reference notes: each review on its due day.
    #[test]
    fn reference_vectors() {
        let s = plain();
        let steps = [
            (0, Rating::Good, 2.3065, 2.1181, 2),
            (2, Rating::Good, 10.9643, 2.1112, 11),
            (11, Rating::Good, 46.2803, 2.1043, 46),
            (46, Rating::Again, 2.9326, 7.3900, 3),
            (3, Rating::Good, 7.7782, 7.3778, 8),
        ];
        let mut memory = None;
        for (elapsed, rating, stability, difficulty, interval) in steps {
            let o = s.outcome(memory, elapsed, rating, 0).unwrap();
            assert!(close(o.memory.stability, stability), "{o:?}");
            assert!(close(o.memory.difficulty, difficulty), "{o:?}");
            assert_eq!(o.interval, interval);
            memory = Some(o.memory);
        }
    }

    #[test]
    fn first_review_of_a_new_card() {
        let o = plain().outcomes(None, 0, 0).unwrap();
        let expected = [
            (0.212, 6.413),
            (1.293, 5.112),
            (2.3065, 2.118),
            (8.2956, 1.0),
        ];
        for (o, (s, d)) in o.iter().zip(expected) {
            assert!(
                (o.memory.stability - s).abs() < 0.001 && (o.memory.difficulty - d).abs() < 0.001,
                "{o:?}"
            );
        }
    }

    #[test]
    fn retrievability_and_retention() {
        let s = plain();
        let m = Memory {
            stability: 10.0,
            difficulty: 5.0,
        };
        for (days, r) in [(1.0, 0.986), (10.0, 0.900), (30.0, 0.809), (100.0, 0.693)] {
            assert!((s.retrievability(m, days) - r).abs() < 0.001);
        }
        for (dr, ivl) in [
            (0.70, 93),
            (0.80, 33),
            (0.85, 19),
            (0.90, 10),
            (0.95, 4),
            (0.97, 2),
        ] {
            let s = Scheduler::new(
                &[],
                dr,
                IntervalRules {
                    max_interval: 36500,
                    fuzz: false,
                },
            )
            .unwrap();
            let raw = s.fsrs.next_interval(Some(10.0), dr, 3);
            assert_eq!(raw.round() as u32, ivl, "retention {dr}");
        }
    }

    #[test]
    fn intervals_are_capped_and_at_least_a_day() {
        let s = Scheduler::new(
            &[],
            0.9,
            IntervalRules {
                max_interval: 30,
                fuzz: false,
            },
        )
        .unwrap();
        let m = Memory {
            stability: 400.0,
            difficulty: 3.0,
        };
        assert_eq!(
            s.outcome(Some(m), 400, Rating::Easy, 0).unwrap().interval,
            30
        );
        assert_eq!(s.outcome(None, 0, Rating::Again, 0).unwrap().interval, 1);
    }

    #[test]
    fn fuzz_is_deterministic_and_bounded() {
        for seed in 0..200 {
            let a = fuzz(46.28, seed, 36500);
            assert_eq!(a, fuzz(46.28, seed, 36500));
            assert!((42..=51).contains(&a), "{a}");
            assert_eq!(fuzz(2.3, seed, 36500), 2);
        }
        let spread: std::collections::HashSet<u32> =
            (0..200).map(|seed| fuzz(46.28, seed, 36500)).collect();
        assert!(spread.len() > 3, "fuzz should spread intervals: {spread:?}");
    }

    #[test]
    fn replay_matches_step_by_step() {
        let s = plain();
        let history = [(Rating::Good, 0), (Rating::Good, 2), (Rating::Again, 11)];
        let replayed = s.replay(&history).unwrap().unwrap();
        let mut memory = None;
        for (rating, elapsed) in history {
            memory = Some(s.outcome(memory, elapsed, rating, 0).unwrap().memory);
        }
        let stepped = memory.unwrap();
        assert!(
            close(replayed.stability, stepped.stability)
                && close(replayed.difficulty, stepped.difficulty)
        );
    }
}
