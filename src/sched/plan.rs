//! The study plan (pure): how ready the learner will be on exam day at a given daily time
//! budget, found by simulating every remaining day with the real daily queue
//! ([`queue::build`]) and FSRS, on the learner's own cards, parameters, answer times and
//! answer habits; and the smallest budget that reaches a target, found by bisection over whole
//! minutes.
//!
//! The simulation is deterministic: each answer's draw comes from a hash of the seed, the card
//! and its review count (the same draws at every budget, so budgets compare fairly), and the
//! result is the mean over a few seeds ([`seeds`]). Readiness is the expected weighted recall of the
//! cards' memory states on the day, as `status` computes it.

use rayon::prelude::*;

use super::card::{self, Phase};
use super::fsrs::{Scheduler, retrievability};
use super::queue::{self, DomainInput, QueueCard, QueueParams};
use super::readiness::{self, DomainInfo};
use crate::error::Result;
use crate::types::{Day, Rating, Timestamp};

/// Seeds averaged over: enough that every simulation answers about [`SAMPLE_CARDS`] cards in
/// all (2 for the AZ-400 deck), at least 2 and at most 32.
pub fn seeds(cards: usize) -> u64 {
    (SAMPLE_CARDS.div_ceil(cards.max(1)) as u64).clamp(2, 32)
}

/// Cards simulated over all seeds, at least.
pub const SAMPLE_CARDS: usize = 1_400;

/// How the learner answers, from their history (defaults where it is short).
#[derive(Debug, Clone, PartialEq)]
pub struct Habits {
    /// Mean seconds of a first look at a card that has no time of its own.
    pub new_seconds: f64,
    /// Mean seconds of a review of a card that has no time of its own.
    pub review_seconds: f64,
    /// Shares of Again, Hard, Good, Easy on a first look.
    pub first: [f64; 4],
    /// Shares of Hard, Good, Easy among recalled reviews.
    pub recalled: [f64; 3],
}

impl Default for Habits {
    fn default() -> Self {
        Habits {
            new_seconds: f64::from(queue::DEFAULT_NEW_SECONDS),
            review_seconds: f64::from(queue::DEFAULT_REVIEW_SECONDS),
            first: [0.25, 0.10, 0.55, 0.10],
            recalled: [0.15, 0.77, 0.08],
        }
    }
}

/// The daily limits, as the queue applies them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub new_per_day: usize,
    pub max_new_per_day: usize,
    pub reviews_per_day: usize,
}

/// What was already done today (answers, of which first looks, and seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DoneToday {
    pub answers: usize,
    pub new: usize,
    pub seconds: f64,
}

/// Everything the simulation starts from.
#[derive(Clone)]
pub struct Course<'a> {
    pub scheduler: &'a Scheduler,
    pub cards: Vec<QueueCard>,
    pub domains: Vec<DomainInput>,
    pub today: Day,
    pub exam: Day,
    pub limits: Limits,
    pub habits: Habits,
    pub done_today: DoneToday,
}

/// The learner's memory, as the simulation asks it.
pub trait Mind {
    /// Probability that the learner recalls card `index` (seen by the scheduler as `card`) today.
    fn recall(&self, index: usize, card: &QueueCard, today: Day) -> f64;
    /// The learner answered card `index` with `rating` today.
    fn answered(&mut self, index: usize, rating: Rating, today: Day) -> Result<()>;
}

/// A learner whose memory is exactly the scheduler's model (the planner's assumption: the
/// parameters were fitted to this learner).
pub struct ModelMind {
    pub decay: f32,
}

impl Mind for ModelMind {
    fn recall(&self, _: usize, card: &QueueCard, today: Day) -> f64 {
        recall_of(card, today, self.decay)
    }

    fn answered(&mut self, _: usize, _: Rating, _: Day) -> Result<()> {
        Ok(())
    }
}

/// The recall probability of a card's scheduler state on `day` (0 if never studied).
pub fn recall_of(card: &QueueCard, day: Day, decay: f32) -> f64 {
    match (card.state.memory, card.last_review_day) {
        (Some(m), Some(last)) => f64::from(retrievability(
            m.stability,
            day.since(last).max(0) as f32,
            decay,
        )),
        _ => 0.0,
    }
}

/// A uniform draw in [0, 1) from the seed, the card, its review count and a salt (splitmix64).
fn draw(seed: u64, card: i64, reps: u32, salt: u64) -> f64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((card as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(u64::from(reps).wrapping_mul(0x94D0_49BB_1331_11EB))
        .wrapping_add(salt);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Picks an index by cumulative shares.
fn pick(x: f64, shares: &[f64]) -> usize {
    let total: f64 = shares.iter().sum();
    let mut acc = 0.0;
    for (i, s) in shares.iter().enumerate() {
        acc += s / total.max(f64::MIN_POSITIVE);
        if x < acc {
            return i;
        }
    }
    shares.len().saturating_sub(1)
}

/// The learner's rating of a card.
fn rating(habits: &Habits, seed: u64, card: &QueueCard, recall: f64) -> Rating {
    let (a, b) = (
        draw(seed, card.id, card.state.reps, 1),
        draw(seed, card.id, card.state.reps, 2),
    );
    if card.state.phase == Phase::New {
        return [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy][pick(a, &habits.first)];
    }
    if a >= recall {
        return Rating::Again;
    }
    [Rating::Hard, Rating::Good, Rating::Easy][pick(b, &habits.recalled)]
}

/// One day's conditions.
pub struct DaySetup<'a> {
    pub scheduler: &'a Scheduler,
    pub domains: &'a [DomainInput],
    pub limits: Limits,
    pub habits: &'a Habits,
    pub exam: Day,
    pub day: Day,
    /// Seconds of study allowed this day (`None`: no limit but the daily counts).
    pub budget: Option<f64>,
    pub done: DoneToday,
    pub seed: u64,
}

/// Studies one day through the real queue: the learner answers the queue's cards in order while
/// the budget lasts; a card forgotten is relearned the same day when time allows. Returns the
/// seconds spent.
pub fn study_day(s: &DaySetup<'_>, cards: &mut [QueueCard], mind: &mut impl Mind) -> Result<f64> {
    let day = s.day;
    let now = Timestamp::from_millis(day.0 * 86_400_000 + 9 * 3_600_000);
    let remaining_new = cards
        .iter()
        .filter(|c| c.state.phase == Phase::New && !c.hidden)
        .count();
    let (pace, _) = queue::exam_pace(
        s.limits.new_per_day,
        remaining_new,
        day,
        s.exam,
        s.limits.max_new_per_day,
    );
    let mut budget = s
        .budget
        .map_or(f64::INFINITY, |b| (b - s.done.seconds).max(0.0));
    let params = QueueParams {
        today: day,
        now,
        exam: Some(s.exam),
        reviews_left: s
            .limits
            .reviews_per_day
            .saturating_sub(s.done.answers - s.done.new.min(s.done.answers)),
        new_left: pace.saturating_sub(s.done.new),
        budget_seconds: budget.is_finite().then_some(budget),
    };
    let order = queue::build(s.scheduler, cards, s.domains, &params).order();
    let mut spent = 0.0;
    for id in order {
        // Cards sorted by id are found by bisection, others by a search.
        let found = match cards.binary_search_by_key(&id, |c| c.id) {
            Ok(i) => Some(i),
            Err(_) => cards.iter().position(|c| c.id == id),
        };
        let Some(i) = found else {
            continue;
        };
        let is_new = cards[i].state.phase == Phase::New;
        let cost = match cards[i].seconds {
            Some(own) => f64::from(own),
            None if is_new => s.habits.new_seconds,
            None => s.habits.review_seconds,
        };
        if cost > budget {
            break;
        }
        budget -= cost;
        spent += cost;
        let recall = mind.recall(i, &cards[i], day);
        let r = rating(s.habits, s.seed, &cards[i], recall);
        answer(s.scheduler, &mut cards[i], r, now, day)?;
        mind.answered(i, r, day)?;
        if cards[i].seconds.is_none() && is_new {
            cards[i].seconds = Some(s.habits.review_seconds as f32);
        }
        // A forgotten card comes back after its step, the same day, when time allows.
        let again = s.habits.review_seconds.min(cost.max(1.0));
        if r == Rating::Again && again <= budget {
            budget -= again;
            spent += again;
            answer(s.scheduler, &mut cards[i], Rating::Good, now, day)?;
            mind.answered(i, Rating::Good, day)?;
        }
        cards[i].state.step_due = None;
    }
    Ok(spent)
}

fn answer(
    scheduler: &Scheduler,
    c: &mut QueueCard,
    rating: Rating,
    now: Timestamp,
    day: Day,
) -> Result<()> {
    let a = card::answer(
        scheduler,
        c.id,
        &c.state,
        rating,
        now,
        day,
        c.last_review_day,
    )?;
    c.state = a.after;
    c.last_review_day = Some(day);
    Ok(())
}

/// Weighted readiness (expected recall by notes, weighted by domain) of cards on `day`.
pub fn weighted_recall(cards: &[QueueCard], infos: &[DomainInfo], day: Day, decay: f32) -> f64 {
    readiness::readiness(cards.iter().map(|c| (c, c.domain)), infos, day, decay).weighted_recall
}

/// Domain infos for readiness, from the queue's domain inputs.
pub fn infos(domains: &[DomainInput]) -> Vec<DomainInfo> {
    domains
        .iter()
        .enumerate()
        .map(|(i, d)| DomainInfo {
            id: i.to_string(),
            title: String::new(),
            weight: d.weight,
        })
        .collect()
}

/// One simulated run to the exam.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Weighted readiness on each day from today to exam day (inclusive), before that day's
    /// study: the last is the exam-day prediction.
    pub daily: Vec<f64>,
    /// The most seconds studied on one day.
    pub busiest_seconds: f64,
}

impl Run {
    pub fn exam(&self) -> f64 {
        self.daily.last().copied().unwrap_or(0.0)
    }
}

/// Simulates every day from today to the exam at a daily budget (seconds; `None` = no limit
/// but the daily counts), with the learner's memory following the scheduler's model; the
/// mean over [`seeds`] seeds.
pub fn simulate(course: &Course<'_>, budget: Option<f64>) -> Result<Run> {
    simulate_seeds(course, budget, true)
}

/// The exam-day readiness at a daily budget (as [`simulate`], without the days between).
pub fn exam_readiness(course: &Course<'_>, budget: Option<f64>) -> Result<f64> {
    Ok(simulate_seeds(course, budget, false)?.exam())
}

fn simulate_seeds(course: &Course<'_>, budget: Option<f64>, every_day: bool) -> Result<Run> {
    let runs: Vec<Run> = (1..=seeds(course.cards.len()))
        .into_par_iter()
        .map(|seed| simulate_seed(course, budget, seed, every_day))
        .collect::<Result<_>>()?;
    let n = runs.len().max(1) as f64;
    let days = runs.first().map_or(0, |r| r.daily.len());
    Ok(Run {
        daily: (0..days)
            .map(|d| runs.iter().map(|r| r.daily[d]).sum::<f64>() / n)
            .collect(),
        busiest_seconds: runs.iter().map(|r| r.busiest_seconds).fold(0.0, f64::max),
    })
}

fn simulate_seed(
    course: &Course<'_>,
    budget: Option<f64>,
    seed: u64,
    every_day: bool,
) -> Result<Run> {
    let decay = course.scheduler.decay();
    let infos = infos(&course.domains);
    let mut cards = course.cards.clone();
    cards.sort_by_key(|c| c.id);
    let mut mind = ModelMind { decay };
    let days = course.exam.since(course.today).max(0);
    let mut daily = Vec::with_capacity(days as usize + 1);
    let mut busiest: f64 = 0.0;
    for offset in 0..days {
        let day = course.today.plus(offset);
        if every_day {
            daily.push(weighted_recall(&cards, &infos, day, decay));
        }
        let setup = DaySetup {
            scheduler: course.scheduler,
            domains: &course.domains,
            limits: course.limits,
            habits: &course.habits,
            exam: course.exam,
            day,
            budget,
            done: if offset == 0 {
                course.done_today
            } else {
                DoneToday::default()
            },
            seed,
        };
        busiest = busiest.max(study_day(&setup, &mut cards, &mut mind)?);
    }
    daily.push(weighted_recall(&cards, &infos, course.exam, decay));
    Ok(Run {
        daily,
        busiest_seconds: busiest,
    })
}

/// What reaching the target takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Needed {
    /// This many minutes a day reach the target.
    Reachable { minutes: u32 },
    /// The target is out of reach by the exam even with no limit on time: `best` is the most
    /// that can be reached, with `minutes` a day (within half a point of it).
    Unreachable { best: f64, minutes: u32 },
}

/// The plan: the exam-day readiness at the learner's pace, and what the target needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub pace_minutes: f64,
    pub at_pace: f64,
    pub target: f64,
    pub needed: Needed,
}

/// The smallest whole number of minutes in `(lo, hi]` whose exam-day readiness is at least
/// `goal`, given that `lo` falls short of it and `hi` reaches it (bisection).
fn least_minutes(course: &Course<'_>, goal: f64, mut lo: u32, mut hi: u32) -> Result<u32> {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if exam_readiness(course, Some(f64::from(mid) * 60.0))? >= goal {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// Plans to the exam: readiness at `pace_minutes` a day and the minutes a day that reach
/// `target` (or, when nothing does, the best reachable and what it takes).
pub fn forecast(course: &Course<'_>, pace_minutes: f64, target: f64) -> Result<Forecast> {
    let at_pace = exam_readiness(course, Some(pace_minutes * 60.0))?;
    let unlimited = simulate_seeds(course, None, false)?;
    // With a budget of the busiest day of the unlimited run, no day is cut short: the same run.
    let most = (unlimited.busiest_seconds / 60.0).ceil().max(1.0) as u32;
    // The best seen (the simulation is a sample: the pace may edge out unlimited time).
    let best = unlimited.exam().max(at_pace);
    let goal = if best >= target { target } else { best - 0.005 };
    let pace = pace_minutes.max(0.0).ceil() as u32;
    let hi = if unlimited.exam() >= goal {
        most
    } else {
        pace.max(1)
    };
    // Without study, readiness is today's prediction for exam day.
    let decay = course.scheduler.decay();
    let idle = weighted_recall(&course.cards, &infos(&course.domains), course.exam, decay);
    let minutes = if idle >= goal {
        0
    } else if pace == 0 || pace >= hi {
        least_minutes(course, goal, 0, hi)?
    } else if exam_readiness(course, Some(f64::from(pace) * 60.0))? >= goal {
        // The pace brackets the answer from one side.
        least_minutes(course, goal, 0, pace)?
    } else {
        least_minutes(course, goal, pace, hi)?
    };
    let needed = if best >= target {
        Needed::Reachable { minutes }
    } else {
        Needed::Unreachable { best, minutes }
    };
    Ok(Forecast {
        pace_minutes,
        at_pace,
        target,
        needed,
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
