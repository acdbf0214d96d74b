//! A Monte Carlo simulation of studying for an exam (pure, seeded): a learner whose memory
//! follows FSRS answers the cards a policy picks each day, within the same daily time budget,
//! and the weighted recall on exam day is compared across policies.
//!
//! Policies: [`Policy::Weighted`] is skilldeck's daily queue; [`Policy::DueDate`] is plain
//! due-date order with new cards in deck order, as Anki does by default.

use super::card::{CardState, Phase};
use super::fsrs::{Memory, Scheduler, retrievability};
use super::queue::{self, DomainInput, QueueCard, QueueParams};
use crate::error::Result;
use crate::types::{Day, Rating, Timestamp};

/// How a day's cards are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Weighted,
    DueDate,
}

/// The study plan to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// Domain of each card, in deck order.
    pub card_domains: Vec<usize>,
    /// Domain weights (percent) and note counts.
    pub domains: Vec<DomainInput>,
    /// Days from the first study day to the exam.
    pub days: i64,
    /// Seconds of study a day.
    pub budget_seconds: f64,
    pub new_per_day: usize,
    pub seed: u64,
}

/// Seconds a review and a first look take (the queue plans with the same figures).
const REVIEW_SECONDS: f64 = queue::DEFAULT_REVIEW_SECONDS as f64;
const NEW_SECONDS: f64 = queue::DEFAULT_NEW_SECONDS as f64;

/// A small seeded generator (xorshift64*), so runs repeat exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The learner's answer: Again when recall fails, else Hard, Good or Easy.
fn learner_rating(rng: &mut Rng, recall: f64) -> Rating {
    if rng.next() >= recall {
        return Rating::Again;
    }
    match rng.next() {
        x if x < 0.15 => Rating::Hard,
        x if x < 0.92 => Rating::Good,
        _ => Rating::Easy,
    }
}

/// Runs the plan under a policy; returns the weighted recall on exam day (0–1): each domain's
/// mean predicted recall of its cards (0 for cards never studied), weighted by domain weight.
pub fn run(setup: &Setup, policy: Policy, scheduler: &Scheduler) -> Result<f64> {
    let mut rng = Rng(setup.seed.max(1));
    let start = Day(20_000);
    let exam = start.plus(setup.days);
    let mut cards: Vec<QueueCard> = setup
        .card_domains
        .iter()
        .enumerate()
        .map(|(i, &domain)| QueueCard {
            id: i as i64,
            note: i as i64,
            domain,
            state: CardState::new_card(),
            last_review_day: None,
            hidden: false,
            order: (0, 0, i as u32, 0),
            seconds: None,
        })
        .collect();
    let decay = scheduler.decay();
    for offset in 0..setup.days {
        let today = start.plus(offset);
        let now = Timestamp::from_millis(today.0 * 86_400_000 + 9 * 3_600_000);
        let order = match policy {
            Policy::Weighted => {
                let params = QueueParams {
                    today,
                    now,
                    exam: Some(exam),
                    reviews_left: usize::MAX,
                    new_left: setup.new_per_day,
                    budget_seconds: Some(setup.budget_seconds),
                };
                queue::build(scheduler, &cards, &setup.domains, &params).order()
            }
            Policy::DueDate => due_date_order(&cards, today, setup),
        };
        let mut budget = setup.budget_seconds;
        for id in order {
            let i = id as usize;
            let cost = if cards[i].state.phase == Phase::New {
                NEW_SECONDS
            } else {
                REVIEW_SECONDS
            };
            if cost > budget {
                break;
            }
            budget -= cost;
            let card = &cards[i];
            let recall = match (card.state.memory, card.last_review_day) {
                (Some(m), Some(day)) => {
                    f64::from(retrievability(m.stability, today.since(day) as f32, decay))
                }
                _ => 0.0,
            };
            let rating = if card.state.phase == Phase::New {
                first_rating(&mut rng)
            } else {
                learner_rating(&mut rng, recall)
            };
            answer(scheduler, &mut cards[i], rating, now, today)?;
            // A forgotten card is relearned at once, the same day, when time allows.
            if rating == Rating::Again && budget >= REVIEW_SECONDS {
                budget -= REVIEW_SECONDS;
                answer(scheduler, &mut cards[i], Rating::Good, now, today)?;
            }
        }
    }
    Ok(weighted_recall(&cards, &setup.domains, exam, decay))
}

fn first_rating(rng: &mut Rng) -> Rating {
    match rng.next() {
        x if x < 0.25 => Rating::Again,
        x if x < 0.35 => Rating::Hard,
        x if x < 0.9 => Rating::Good,
        _ => Rating::Easy,
    }
}

fn answer(
    scheduler: &Scheduler,
    card: &mut QueueCard,
    rating: Rating,
    now: Timestamp,
    today: Day,
) -> Result<()> {
    let a = super::card::answer(
        scheduler,
        card.id,
        &card.state,
        rating,
        now,
        today,
        card.last_review_day,
    )?;
    card.state = a.after;
    card.state.step_due = None;
    card.last_review_day = Some(today);
    Ok(())
}

/// Due cards by due day (oldest first), then new cards in deck order.
fn due_date_order(cards: &[QueueCard], today: Day, setup: &Setup) -> Vec<i64> {
    let mut due: Vec<&QueueCard> = cards
        .iter()
        .filter(|c| c.state.phase != Phase::New && c.state.due.is_some_and(|d| d <= today))
        .collect();
    due.sort_by_key(|c| (c.state.due, c.id));
    let new = cards
        .iter()
        .filter(|c| c.state.phase == Phase::New)
        .take(setup.new_per_day);
    due.into_iter().chain(new).map(|c| c.id).collect()
}

/// Weighted recall at `day`.
pub fn weighted_recall(cards: &[QueueCard], domains: &[DomainInput], day: Day, decay: f32) -> f64 {
    let mut sum = vec![0.0; domains.len()];
    let mut count = vec![0usize; domains.len()];
    for c in cards {
        let r = match (c.state.memory, c.last_review_day) {
            (Some(Memory { stability, .. }), Some(last)) => f64::from(retrievability(
                stability,
                day.since(last).max(0) as f32,
                decay,
            )),
            _ => 0.0,
        };
        sum[c.domain] += r;
        count[c.domain] += 1;
    }
    let mut total = 0.0;
    let mut weights = 0.0;
    for (d, domain) in domains.iter().enumerate() {
        if count[d] > 0 {
            total += domain.weight * sum[d] / count[d] as f64;
            weights += domain.weight;
        }
    }
    if weights > 0.0 { total / weights } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::fsrs::IntervalRules;

    fn setup(budget_minutes: f64, seed: u64) -> Setup {
        // Five domains shaped like AZ-400: 12.5 / 12.5 / 52.5 / 12.5 / 7.5 percent.
        let weights = [12.5, 12.5, 52.5, 12.5, 7.5];
        let notes = [60, 60, 250, 60, 40];
        let mut card_domains = Vec::new();
        for (d, &n) in notes.iter().enumerate() {
            card_domains.extend(std::iter::repeat_n(d, n));
        }
        Setup {
            card_domains,
            domains: weights
                .iter()
                .zip(notes)
                .map(|(&weight, notes)| DomainInput { weight, notes })
                .collect(),
            days: 60,
            budget_seconds: budget_minutes * 60.0,
            new_per_day: 20,
            seed,
        }
    }

    #[test]
    fn the_weighted_queue_wins_when_the_budget_binds_and_loses_nothing_when_it_does_not() {
        let s = Scheduler::new(
            &[],
            0.9,
            IntervalRules {
                max_interval: 36500,
                fuzz: true,
            },
        )
        .unwrap();
        let mut gain_tight = 0.0;
        let mut gain_loose = 0.0;
        for seed in 1..=3 {
            let tight = setup(5.0, seed);
            gain_tight += run(&tight, Policy::Weighted, &s).unwrap()
                - run(&tight, Policy::DueDate, &s).unwrap();
            let loose = setup(60.0, seed);
            gain_loose += run(&loose, Policy::Weighted, &s).unwrap()
                - run(&loose, Policy::DueDate, &s).unwrap();
        }
        assert!(
            gain_tight / 3.0 > 0.02,
            "gain with a binding budget: {gain_tight}"
        );
        assert!(
            gain_loose / 3.0 > -0.005,
            "loss with a loose budget: {gain_loose}"
        );
    }
}
