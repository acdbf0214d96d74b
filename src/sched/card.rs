//! A card's scheduling state and what an answer does to it (pure).
//!
//! Every answer updates the FSRS memory (a same-day answer uses FSRS-6's short-term formula) and
//! sets the day the card is next due. An answer of Again also sets a step a few minutes ahead,
//! so the card comes back later in the same session; if it is not answered again that day, its
//! due day (from the Again answer) stands. The last answer of the day sets the long-term interval.

use serde::{Deserialize, Serialize};

use super::fsrs::{Memory, Outcome, Scheduler, fuzz_seed};
use crate::error::Result;
use crate::types::{Day, Rating, Timestamp};

/// Minutes before a card answered Again is shown again in the same session.
pub const RELEARN_STEP_MINUTES: i64 = 10;

/// Where a card is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Never answered.
    New,
    /// Answered Again on its first day(s): waiting for its step.
    Learning,
    /// Remembered: waiting for its due day.
    Review,
    /// Forgotten after having been remembered: waiting for its step.
    Relearning,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::New => "new",
            Phase::Learning => "learning",
            Phase::Review => "review",
            Phase::Relearning => "relearning",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        match s {
            "new" => Some(Phase::New),
            "learning" => Some(Phase::Learning),
            "review" => Some(Phase::Review),
            "relearning" => Some(Phase::Relearning),
            _ => None,
        }
    }
}

/// Everything the scheduler keeps about a card. Undo restores exactly this.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CardState {
    pub phase: Phase,
    pub memory: Option<Memory>,
    /// The study day the card is next due.
    pub due: Option<Day>,
    /// When a card answered Again today is shown again.
    pub step_due: Option<Timestamp>,
    pub last_review: Option<Timestamp>,
    pub reps: u32,
    pub lapses: u32,
}

impl CardState {
    /// A card never answered.
    pub fn new_card() -> CardState {
        CardState {
            phase: Phase::New,
            memory: None,
            due: None,
            step_due: None,
            last_review: None,
            reps: 0,
            lapses: 0,
        }
    }
}

/// The facts of one answer, with the state before and after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    pub before: CardState,
    pub after: CardState,
    pub rating: Rating,
    /// Whole days since the previous review (0 for a new card or a same-day review).
    pub elapsed_days: u32,
}

/// Whole study days between the card's last review and `today`.
pub fn elapsed_days(state: &CardState, today: Day, last_review_day: Option<Day>) -> u32 {
    match (state.last_review, last_review_day) {
        (Some(_), Some(day)) => u32::try_from(today.since(day).max(0)).unwrap_or(u32::MAX),
        _ => 0,
    }
}

/// The four outcomes an answer could have, for showing the interval each key gives.
pub fn preview(
    scheduler: &Scheduler,
    card: i64,
    state: &CardState,
    today: Day,
    last_review_day: Option<Day>,
) -> Result<[Outcome; 4]> {
    let elapsed = elapsed_days(state, today, last_review_day);
    scheduler.outcomes(state.memory, elapsed, fuzz_seed(card, state.reps + 1))
}

/// What answering `rating` at `now` (on study day `today`) does to a card.
pub fn answer(
    scheduler: &Scheduler,
    card: i64,
    state: &CardState,
    rating: Rating,
    now: Timestamp,
    today: Day,
    last_review_day: Option<Day>,
) -> Result<Answer> {
    let elapsed = elapsed_days(state, today, last_review_day);
    let outcome = scheduler.outcome(
        state.memory,
        elapsed,
        rating,
        fuzz_seed(card, state.reps + 1),
    )?;
    let forgot = rating == Rating::Again;
    let phase = match (state.phase, forgot) {
        (_, false) => Phase::Review,
        (Phase::New | Phase::Learning, true) => Phase::Learning,
        (Phase::Review | Phase::Relearning, true) => Phase::Relearning,
    };
    let lapses = state.lapses + u32::from(forgot && state.phase == Phase::Review);
    let step_due =
        forgot.then(|| Timestamp::from_millis(now.millis() + RELEARN_STEP_MINUTES * 60_000));
    let after = CardState {
        phase,
        memory: Some(outcome.memory),
        due: Some(today.plus(i64::from(outcome.interval))),
        step_due,
        last_review: Some(now),
        reps: state.reps + 1,
        lapses,
    };
    Ok(Answer {
        before: *state,
        after,
        rating,
        elapsed_days: elapsed,
    })
}

/// Replays a card's whole history, in time order, from a new card: the state it ends in and the
/// days elapsed before each review. Days are counted for a user at `offset_seconds` from UTC
/// whose days start at `rollover_hour`.
pub fn replay(
    scheduler: &Scheduler,
    card: i64,
    reviews: &[(Timestamp, Rating)],
    offset_seconds: i32,
    rollover_hour: u32,
) -> Result<(CardState, Vec<u32>)> {
    let mut state = CardState::new_card();
    let mut last_day = None;
    let mut elapsed = Vec::with_capacity(reviews.len());
    for &(at, rating) in reviews {
        let today = Day::of_millis(at.millis(), offset_seconds, rollover_hour);
        let a = answer(scheduler, card, &state, rating, at, today, last_day)?;
        elapsed.push(a.elapsed_days);
        state = a.after;
        last_day = Some(today);
    }
    Ok((state, elapsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduler() -> Scheduler {
        Scheduler::reference()
    }

    const DAY_MS: i64 = 86_400_000;

    #[test]
    fn good_answers_follow_the_reference_intervals() {
        let s = scheduler();
        let mut state = CardState::new_card();
        let mut today = Day(20_000);
        let mut last_day = None;
        for (rating, interval) in [
            (Rating::Good, 2),
            (Rating::Good, 11),
            (Rating::Good, 46),
            (Rating::Again, 3),
            (Rating::Good, 8),
        ] {
            let now = Timestamp::from_millis(today.0 * DAY_MS + 36_000_000);
            let a = answer(&s, 1, &state, rating, now, today, last_day).unwrap();
            assert_eq!(a.after.due, Some(today.plus(interval)));
            state = a.after;
            last_day = Some(today);
            today = today.plus(interval);
        }
        assert_eq!(state.reps, 5);
        assert_eq!(state.lapses, 1);
        assert_eq!(state.phase, Phase::Review);
    }

    #[test]
    fn again_comes_back_the_same_day_and_same_day_answers_use_zero_days() {
        let s = scheduler();
        let today = Day(20_000);
        let now = Timestamp::from_millis(today.0 * DAY_MS + 36_000_000);
        let first = answer(
            &s,
            1,
            &CardState::new_card(),
            Rating::Again,
            now,
            today,
            None,
        )
        .unwrap();
        assert_eq!(first.after.phase, Phase::Learning);
        assert_eq!(
            first.after.step_due,
            Some(Timestamp::from_millis(now.millis() + 600_000))
        );
        let later = Timestamp::from_millis(now.millis() + 700_000);
        let second = answer(&s, 1, &first.after, Rating::Good, later, today, Some(today)).unwrap();
        assert_eq!(second.elapsed_days, 0);
        assert_eq!(second.after.phase, Phase::Review);
        assert_eq!(second.after.step_due, None);
        assert!(second.after.memory.unwrap().stability > first.after.memory.unwrap().stability);
        assert_eq!(second.after.lapses, 0, "a new card's Again is not a lapse");
    }

    #[test]
    fn replaying_a_history_gives_the_reference_states() {
        let s = scheduler();
        let day = |d: i64| Timestamp::from_millis((20_000 + d) * DAY_MS + 36_000_000);
        let history = [
            (day(0), Rating::Good),
            (day(2), Rating::Good),
            (day(13), Rating::Good),
            (day(59), Rating::Again),
            (day(62), Rating::Good),
        ];
        let (state, elapsed) = replay(&s, 1, &history, 0, 4).unwrap();
        assert_eq!(elapsed, [0, 2, 11, 46, 3]);
        let m = state.memory.unwrap();
        assert!(
            (m.stability - 7.7782).abs() < 0.001 && (m.difficulty - 7.3778).abs() < 0.001,
            "{m:?}"
        );
        assert_eq!((state.reps, state.lapses), (5, 1));
        assert_eq!(state.due, Some(Day(20_062 + 8)));
    }
}
