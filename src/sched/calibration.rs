//! Is readiness honest? A calibration check (pure, seeded): a simulated learner whose memory is
//! *not* the scheduler's model — FSRS with parameters of its own, and one domain weaker than
//! the rest — studies a deck day by day through the real queue ([`plan::study_day`]) while the
//! scheduler starts from FSRS's default parameters. On exam day, the readiness skilldeck
//! predicts (from the scheduler's memory states) is compared with the learner's true expected
//! recall. With `refit`, parameters are refitted along the way exactly as after a review
//! (when [`optimize::due_for_refit`] says so, kept only when log loss improves, card memories
//! replayed with them).

use chrono::Offset as _;

use super::card::{self, CardState};
use super::fsrs::{IntervalRules, Memory, Scheduler};
use super::optimize::{self, HistoryRow};
use super::plan::{self, DaySetup, DoneToday, Habits, Limits, Mind};
use super::queue::{DomainInput, QueueCard};
use crate::error::Result;
use crate::types::{Day, Rating, Timestamp};

/// The simulated learner's memory: FSRS with its own parameters, others for its weak domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Learner {
    pub params: Vec<f32>,
    pub weak_domain: usize,
    pub weak_params: Vec<f32>,
}

impl Learner {
    /// A learner who forgets faster than FSRS's defaults assume (first stabilities × 0.6,
    /// slower growth, a steeper forgetting curve: decay 0.2 for 0.1542), and faster still in
    /// `weak_domain` (first stabilities halved again, slower growth).
    pub fn forgetful(weak_domain: usize) -> Learner {
        let mut params = fsrs::DEFAULT_PARAMETERS.to_vec();
        for w in &mut params[..4] {
            *w *= 0.6;
        }
        params[8] = 1.6;
        params[20] = 0.2;
        let mut weak_params = params.clone();
        for w in &mut weak_params[..4] {
            *w *= 0.5;
        }
        weak_params[8] = 1.4;
        Learner {
            params,
            weak_domain,
            weak_params,
        }
    }
}

/// The course studied.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// The deck's cards, all new, sorted by id.
    pub cards: Vec<QueueCard>,
    pub domains: Vec<DomainInput>,
    pub days: i64,
    pub budget_seconds: f64,
    pub limits: Limits,
    /// Whether parameters are refitted along the way.
    pub refit: bool,
    pub seed: u64,
}

/// Predicted and true weighted recall on exam day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub predicted: f64,
    pub truth: f64,
    /// Fits kept along the way.
    pub fits: usize,
}

/// The learner's true memory of each card, and the history of answers.
struct TrueMind {
    main: Scheduler,
    weak: Scheduler,
    weak_domain: usize,
    domains: Vec<usize>,
    memory: Vec<Option<(Memory, Day)>>,
    /// (card index, day, rating), in time order.
    history: Vec<(usize, Day, Rating)>,
}

impl TrueMind {
    fn model(&self, index: usize) -> &Scheduler {
        if self.domains[index] == self.weak_domain {
            &self.weak
        } else {
            &self.main
        }
    }
}

impl Mind for TrueMind {
    fn recall(&self, index: usize, _: &QueueCard, today: Day) -> f64 {
        match self.memory[index] {
            Some((m, last)) => f64::from(
                self.model(index)
                    .retrievability(m, today.since(last).max(0) as f32),
            ),
            None => 0.0,
        }
    }

    fn answered(&mut self, index: usize, rating: Rating, today: Day) -> Result<()> {
        let (before, elapsed) = match self.memory[index] {
            Some((m, last)) => (
                Some(m),
                u32::try_from(today.since(last).max(0)).unwrap_or(0),
            ),
            None => (None, 0),
        };
        let next = self.model(index).next_memories(before, elapsed)?;
        self.memory[index] = Some((next[usize::from(rating.number()) - 1], today));
        self.history.push((index, today, rating));
        Ok(())
    }
}

fn scheduler(params: &[f32]) -> Result<Scheduler> {
    Scheduler::new(params, 0.9, IntervalRules::default())
}

fn stamp(day: Day) -> Timestamp {
    Timestamp::from_millis(day.0 * 86_400_000 + 9 * 3_600_000)
}

/// The history as the optimizer reads it (by card, then time).
fn history_rows(mind: &TrueMind, cards: &[QueueCard]) -> Vec<HistoryRow> {
    let mut rows: Vec<(usize, usize, HistoryRow)> = mind
        .history
        .iter()
        .enumerate()
        .map(|(k, &(i, day, rating))| {
            (
                i,
                k,
                HistoryRow {
                    card: cards[i].id,
                    at: Timestamp::from_millis(stamp(day).millis() + k as i64),
                    rating: rating.number(),
                },
            )
        })
        .collect();
    rows.sort_by_key(|r| (r.0, r.1));
    rows.into_iter().map(|r| r.2).collect()
}

/// Runs the course; returns the predicted and true weighted recall on exam day.
pub fn run(setup: &Setup, learner: &Learner) -> Result<Outcome> {
    let start = Day(20_000);
    let exam = start.plus(setup.days);
    let utc = chrono::Utc.fix();
    let mut cards = setup.cards.clone();
    let mut mind = TrueMind {
        main: scheduler(&learner.params)?,
        weak: scheduler(&learner.weak_params)?,
        weak_domain: learner.weak_domain,
        domains: cards.iter().map(|c| c.domain).collect(),
        memory: vec![None; cards.len()],
        history: Vec::new(),
    };
    let mut model = scheduler(&[])?;
    let mut fitted: Option<Vec<f32>> = None;
    let (mut last_attempt, mut fits) = (0, 0);
    let habits = Habits::default();
    for offset in 0..setup.days {
        let day = start.plus(offset);
        let s = DaySetup {
            scheduler: &model,
            domains: &setup.domains,
            limits: setup.limits,
            habits: &habits,
            exam,
            day,
            budget: Some(setup.budget_seconds),
            done: DoneToday::default(),
            seed: setup.seed,
        };
        plan::study_day(&s, &mut cards, &mut mind)?;
        if !setup.refit {
            continue;
        }
        let history = history_rows(&mind, &cards);
        let (items, _) = optimize::items(&history, utc, 4);
        if !optimize::due_for_refit(items.len(), last_attempt) {
            continue;
        }
        last_attempt = items.len();
        let current = fitted.clone().unwrap_or_default();
        let fit = optimize::fit_with(&history, utc, 4, fitted.as_deref(), |items, ids| {
            optimize::auto_fitter(items, ids, &current)
        })?;
        if let Some(better) = fit.better() {
            fits += 1;
            fitted = Some(better.to_vec());
            model = scheduler(better)?;
            replay_memories(&model, &mut cards, &history)?;
        }
    }
    let infos = plan::infos(&setup.domains);
    let predicted = plan::weighted_recall(&cards, &infos, exam, model.decay());
    // The truth: the learner's own recall probabilities, aggregated as readiness does.
    let mut truth_cards = cards.clone();
    for (c, m) in truth_cards.iter_mut().zip(&mind.memory) {
        c.state = CardState::new_card();
        c.last_review_day = None;
        if let Some((memory, last)) = m {
            c.state.memory = Some(*memory);
            c.last_review_day = Some(*last);
        }
    }
    let truth = true_recall(&mind, &truth_cards, &infos, exam);
    Ok(Outcome {
        predicted,
        truth,
        fits,
    })
}

/// The learner's expected weighted recall on `day`, aggregated by notes and domains as
/// readiness does, each card's recall from its own domain's true model.
fn true_recall(
    mind: &TrueMind,
    cards: &[QueueCard],
    infos: &[super::readiness::DomainInfo],
    day: Day,
) -> f64 {
    // Each model's recall through readiness: cards of the other model count as unstudied
    // there, so the two partial sums add up.
    let split = |weak: bool| -> Vec<QueueCard> {
        cards
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if (c.domain == mind.weak_domain) != weak {
                    c.state = CardState::new_card();
                    c.last_review_day = None;
                }
                c
            })
            .collect()
    };
    plan::weighted_recall(&split(false), infos, day, mind.main.decay())
        + plan::weighted_recall(&split(true), infos, day, mind.weak.decay())
}

/// Recomputes every card's memory from its history with the scheduler's parameters.
fn replay_memories(
    model: &Scheduler,
    cards: &mut [QueueCard],
    history: &[HistoryRow],
) -> Result<()> {
    for rows in history.chunk_by(|a, b| a.card == b.card) {
        let Some(first) = rows.first() else { continue };
        let answers: Vec<(Timestamp, Rating)> = rows
            .iter()
            .filter_map(|r| Some((r.at, Rating::from_number(i64::from(r.rating))?)))
            .collect();
        let (state, _) = card::replay(model, first.card, &answers, 0, 4)?;
        if let Ok(i) = cards.binary_search_by_key(&first.card, |c| c.id) {
            cards[i].state.memory = state.memory;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "calibration_tests.rs"]
mod tests;
