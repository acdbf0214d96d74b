//! The daily queue (pure): cards, domains and the day in, an ordered list of cards out.
//!
//! A pipeline of small steps: **gather** (learning steps due today, due reviews, new cards, the
//! exam's final-week pass) → **weigh** (domain weights and weakness) → **rank** due cards by the
//! value of reviewing them today per expected second → **limit** (daily review count and time
//! budget) → **spread** new cards over domains by weight and weakness, in outline order inside a
//! domain → **intersperse** new cards among reviews.
//!
//! The value of reviewing card c today is the expected gain in weighted recall at the target
//! day T (the exam, or today + 30 days):
//! `v(c) = w(c) · [R·R_T(S_good) + (1−R)·R_T(S_again) − R_T(S_now)]`, with R the recall
//! probability now and `w(c)` the domain's weight ÷ its notes, times the domain's weakness boost.

use std::collections::HashMap;

use super::card::{CardState, Phase, elapsed_days};
use super::fsrs::{Scheduler, retrievability};
use crate::types::{Day, Rating, Timestamp};

/// Days ahead the queue aims at when there is no exam date.
pub const DEFAULT_HORIZON_DAYS: i64 = 30;
/// The final pass runs in the last this-many days before the exam.
pub const FINAL_WEEK_DAYS: i64 = 7;
/// Expected seconds for a card with no timing history.
pub const DEFAULT_NEW_SECONDS: f32 = 20.0;
pub const DEFAULT_REVIEW_SECONDS: f32 = 10.0;
/// Bounds of a domain's weakness boost.
const BOOST_MIN: f64 = 0.5;
const BOOST_MAX: f64 = 2.0;

/// A card as the queue sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueCard {
    pub id: i64,
    /// The card's note (readiness counts notes).
    pub note: i64,
    /// Index into the domains.
    pub domain: usize,
    pub state: CardState,
    pub last_review_day: Option<Day>,
    /// Suspended, buried until after today, or otherwise not to be shown.
    pub hidden: bool,
    /// Outline order: objective, skill, note position in the deck, card ordinal.
    pub order: (u32, u32, u32, u32),
    /// Mean seconds its answers took, if it has any.
    pub seconds: Option<f32>,
}

/// A domain: its weight (midpoint of its range, any unit) and how many notes it has.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainInput {
    pub weight: f64,
    pub notes: usize,
}

/// Today's limits and targets.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueParams {
    pub today: Day,
    pub now: Timestamp,
    /// The exam day, if one is set.
    pub exam: Option<Day>,
    /// Reviews still allowed today.
    pub reviews_left: usize,
    /// New cards still allowed today.
    pub new_left: usize,
    /// Seconds of study left today, if a budget is set.
    pub budget_seconds: Option<f64>,
}

impl QueueParams {
    /// The day recall is aimed at.
    pub fn target(&self) -> Day {
        self.exam.unwrap_or(self.today.plus(DEFAULT_HORIZON_DAYS))
    }
}

/// Today's queue, by kind; [`Queue::order`] gives the order of presentation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    /// Cards answered Again today whose step comes up, by step time.
    pub learning: Vec<i64>,
    /// Due cards chosen for today, best value per second first.
    pub reviews: Vec<i64>,
    /// New cards chosen for today.
    pub new: Vec<i64>,
    /// Exam final week: cards not due whose predicted recall on exam day is below target.
    pub final_pass: Vec<i64>,
    /// Due cards left for later days by the limits.
    pub deferred: usize,
}

impl Queue {
    /// The order of presentation: learning steps first, then reviews and the final pass with new
    /// cards spread evenly among them.
    pub fn order(&self) -> Vec<i64> {
        let mut out = self.learning.clone();
        let reviews: Vec<i64> = self
            .reviews
            .iter()
            .chain(&self.final_pass)
            .copied()
            .collect();
        out.extend(intersperse(&reviews, &self.new));
        out
    }

    pub fn len(&self) -> usize {
        self.learning.len() + self.reviews.len() + self.new.len() + self.final_pass.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Spreads `extra` evenly through `base`.
pub fn intersperse(base: &[i64], extra: &[i64]) -> Vec<i64> {
    if extra.is_empty() {
        return base.to_vec();
    }
    let mut out = Vec::with_capacity(base.len() + extra.len());
    let step = (base.len() + extra.len()) as f64 / extra.len() as f64;
    let mut next_extra = step / 2.0;
    let (mut b, mut e) = (0, 0);
    while b < base.len() || e < extra.len() {
        let position = out.len() as f64;
        if e < extra.len() && (position + 0.5 >= next_extra || b >= base.len()) {
            out.push(extra[e]);
            e += 1;
            next_extra += step;
        } else {
            out.push(base[b]);
            b += 1;
        }
    }
    out
}

/// Per-domain weight of one note, including the weakness boost.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// `w(c)` for a card of each domain.
    pub per_note: Vec<f64>,
    /// The weakness boost of each domain (1 = average).
    pub boost: Vec<f64>,
    /// Each domain's share of new cards, summing to 1.
    pub new_share: Vec<f64>,
}

/// Domain weights and weakness: a domain's weakness is 1 − the mean recall probability of its
/// studied cards today, relative to the mean weakness over domains.
pub fn weigh(cards: &[QueueCard], domains: &[DomainInput], today: Day, decay: f32) -> Weights {
    let mut sum = vec![0.0f64; domains.len()];
    let mut count = vec![0usize; domains.len()];
    for c in cards {
        if let (Some(memory), Some(day)) = (c.state.memory, c.last_review_day)
            && let Some(s) = sum.get_mut(c.domain)
        {
            *s += f64::from(retrievability(
                memory.stability,
                today.since(day).max(0) as f32,
                decay,
            ));
            count[c.domain] += 1;
        }
    }
    let weakness: Vec<Option<f64>> = sum
        .iter()
        .zip(&count)
        .map(|(s, &n)| (n > 0).then(|| 1.0 - s / n as f64))
        .collect();
    let studied: Vec<f64> = weakness.iter().flatten().copied().collect();
    let mean = if studied.is_empty() {
        0.0
    } else {
        studied.iter().sum::<f64>() / studied.len() as f64
    };
    let boost: Vec<f64> = weakness
        .iter()
        .map(|w| match w {
            Some(w) if mean > 1e-9 => (w / mean).clamp(BOOST_MIN, BOOST_MAX),
            _ => 1.0,
        })
        .collect();
    let per_note = domains
        .iter()
        .zip(&boost)
        .map(|(d, b)| {
            if d.notes == 0 {
                0.0
            } else {
                d.weight / d.notes as f64 * b
            }
        })
        .collect();
    let raw: Vec<f64> = domains
        .iter()
        .zip(&boost)
        .map(|(d, b)| d.weight.max(0.0) * b)
        .collect();
    let total: f64 = raw.iter().sum();
    let new_share = raw
        .iter()
        .map(|r| if total > 0.0 { r / total } else { 0.0 })
        .collect();
    Weights {
        per_note,
        boost,
        new_share,
    }
}

/// The expected gain in weighted recall at `target` from reviewing the card today.
pub fn value(scheduler: &Scheduler, card: &QueueCard, weight: f64, today: Day, target: Day) -> f64 {
    let Some(memory) = card.state.memory else {
        return 0.0;
    };
    let decay = scheduler.decay();
    let elapsed = elapsed_days(&card.state, today, card.last_review_day);
    let r_now = f64::from(retrievability(memory.stability, elapsed as f32, decay));
    let ahead = target.since(today).max(0) as f32;
    let since_last = card
        .last_review_day
        .map_or(ahead, |d| target.since(d).max(0) as f32);
    let Ok(next) = scheduler.next_memories(Some(memory), elapsed) else {
        return 0.0;
    };
    let at_target = |stability: f32, days: f32| f64::from(retrievability(stability, days, decay));
    let good = at_target(
        next[usize::from(Rating::Good.number()) - 1].stability,
        ahead,
    );
    let again = at_target(
        next[usize::from(Rating::Again.number()) - 1].stability,
        ahead,
    );
    let now = at_target(memory.stability, since_last);
    weight * (r_now * good + (1.0 - r_now) * again - now)
}

fn seconds(card: &QueueCard) -> f64 {
    let default = if card.state.phase == Phase::New {
        DEFAULT_NEW_SECONDS
    } else {
        DEFAULT_REVIEW_SECONDS
    };
    f64::from(card.seconds.unwrap_or(default).max(1.0))
}

/// Builds today's queue.
pub fn build(
    scheduler: &Scheduler,
    cards: &[QueueCard],
    domains: &[DomainInput],
    params: &QueueParams,
) -> Queue {
    let today = params.today;
    let target = params.target();
    let weights = weigh(cards, domains, today, scheduler.decay());
    let weight_of = |c: &QueueCard| weights.per_note.get(c.domain).copied().unwrap_or(0.0);
    let mut budget = params.budget_seconds.unwrap_or(f64::INFINITY);
    let mut queue = Queue::default();

    // Gather.
    let mut learning: Vec<&QueueCard> = Vec::new();
    let mut due: Vec<&QueueCard> = Vec::new();
    let mut fresh: Vec<&QueueCard> = Vec::new();
    let mut final_pass: Vec<&QueueCard> = Vec::new();
    let in_final_week = params
        .exam
        .is_some_and(|exam| today <= exam && exam.since(today) < FINAL_WEEK_DAYS);
    for c in cards.iter().filter(|c| !c.hidden) {
        let state = &c.state;
        if state.phase == Phase::New {
            fresh.push(c);
        } else if state.step_due.is_some() && c.last_review_day == Some(today) {
            learning.push(c);
        } else if state.due.is_some_and(|d| d <= today) {
            due.push(c);
        } else if in_final_week
            && let (Some(exam), Some(memory), Some(last)) =
                (params.exam, state.memory, c.last_review_day)
            && exam.since(last) >= FINAL_WEEK_DAYS
            && retrievability(memory.stability, exam.since(last) as f32, scheduler.decay())
                < scheduler.desired_retention()
        {
            final_pass.push(c);
        }
    }

    // Learning steps are always shown: they finish what was started today.
    learning.sort_by_key(|c| (c.state.step_due, c.id));
    for c in &learning {
        budget -= seconds(c);
    }
    queue.learning = learning.iter().map(|c| c.id).collect();

    // Rank due cards by value per second, then limit by count and time.
    let mut ranked: Vec<(f64, &QueueCard)> = due
        .iter()
        .map(|c| {
            (
                value(scheduler, c, weight_of(c), today, target) / seconds(c),
                *c,
            )
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.state.due.cmp(&b.1.state.due))
            .then(a.1.id.cmp(&b.1.id))
    });
    // New cards, spread over domains so each domain's introduced share tracks its weight.
    let fresh_order = spread_new(cards, &fresh, &weights.new_share, params.new_left);
    // A new card's value: the recall it would have at the target after a first Good answer.
    let first_good = scheduler.outcomes(None, 0, 0).map_or(0.0, |o| {
        o[usize::from(Rating::Good.number()) - 1].memory.stability
    });
    let new_recall = f64::from(retrievability(
        first_good,
        target.since(today).max(0) as f32,
        scheduler.decay(),
    ));

    // Merge reviews and new cards by value per second while the budget lasts; each list keeps
    // its own order and count limit.
    let mut reviews_left = params.reviews_left;
    let (mut r, mut n) = (0, 0);
    while r < ranked.len() || n < fresh_order.len() {
        let new_ratio = fresh_order
            .get(n)
            .map(|c| weight_of(c) * new_recall / seconds(c));
        let take_review = match (ranked.get(r), new_ratio) {
            (Some((review_ratio, _)), Some(new_ratio)) => *review_ratio >= new_ratio,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_review {
            let c = ranked[r].1;
            r += 1;
            let cost = seconds(c);
            if reviews_left == 0 || cost > budget {
                queue.deferred += 1;
                continue;
            }
            reviews_left -= 1;
            budget -= cost;
            queue.reviews.push(c.id);
        } else {
            let c = fresh_order[n];
            n += 1;
            let cost = seconds(c);
            if cost > budget {
                continue;
            }
            budget -= cost;
            queue.new.push(c.id);
        }
    }

    // The exam's final week: one more look at cards predicted to be below target on exam day.
    let mut last_look: Vec<(f64, &QueueCard)> = final_pass
        .iter()
        .map(|c| {
            (
                value(scheduler, c, weight_of(c), today, target) / seconds(c),
                *c,
            )
        })
        .collect();
    last_look.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    for (_, c) in last_look {
        let cost = seconds(c);
        if reviews_left == 0 || cost > budget {
            continue;
        }
        reviews_left -= 1;
        budget -= cost;
        queue.final_pass.push(c.id);
    }
    queue
}

/// Picks up to `limit` new cards: repeatedly from the domain furthest below its share of the
/// introduced cards, in outline order inside each domain.
fn spread_new<'c>(
    all: &[QueueCard],
    fresh: &[&'c QueueCard],
    share: &[f64],
    limit: usize,
) -> Vec<&'c QueueCard> {
    let domains = share.len();
    let mut introduced = vec![0f64; domains];
    for c in all.iter().filter(|c| c.state.phase != Phase::New) {
        if let Some(n) = introduced.get_mut(c.domain) {
            *n += 1.0;
        }
    }
    let mut pools: HashMap<usize, Vec<&'c QueueCard>> = HashMap::new();
    for c in fresh {
        pools.entry(c.domain).or_default().push(c);
    }
    for pool in pools.values_mut() {
        pool.sort_by_key(|c| (c.order, c.id));
        pool.reverse();
    }
    let mut total: f64 = introduced.iter().sum();
    let mut chosen = Vec::new();
    while chosen.len() < limit {
        let pick = (0..domains)
            .filter(|d| pools.get(d).is_some_and(|p| !p.is_empty()))
            .max_by(|&a, &b| {
                let deficit = |d: usize| share[d] * (total + 1.0) - introduced[d];
                deficit(a).total_cmp(&deficit(b)).then(b.cmp(&a))
            });
        let Some(d) = pick else { break };
        let Some(card) = pools.get_mut(&d).and_then(Vec::pop) else {
            break;
        };
        introduced[d] += 1.0;
        total += 1.0;
        chosen.push(card);
    }
    chosen
}

/// The new-card limit for today when an exam is set: enough to introduce every remaining new
/// card at least a week before the exam, never below the normal limit and never above `cap`.
/// Returns the limit and, when the cap makes the goal impossible, a warning.
pub fn exam_pace(
    new_per_day: usize,
    remaining_new: usize,
    today: Day,
    exam: Day,
    cap: usize,
) -> (usize, Option<String>) {
    let days = exam.since(today) - FINAL_WEEK_DAYS;
    if remaining_new == 0 {
        return (new_per_day, None);
    }
    if days <= 0 {
        let warning = format!(
            "{remaining_new} new card(s) not yet introduced with {} day(s) to the exam; introducing up to {cap} a day",
            exam.since(today).max(0)
        );
        return (cap.max(new_per_day), Some(warning));
    }
    let needed = remaining_new.div_ceil(days as usize);
    if needed > cap {
        let warning = format!(
            "{remaining_new} new card(s) need {needed} a day to be introduced a week before the exam; the cap is {cap} a day, so some will come later"
        );
        return (cap.max(new_per_day), Some(warning));
    }
    (needed.max(new_per_day), None)
}

/// New cards for tests: `notes[d]` cards in domain `d`, one card a note, in outline order.
#[cfg(test)]
pub(crate) fn new_cards_by_domain(notes: &[u32]) -> Vec<QueueCard> {
    let mut cards = Vec::new();
    for (domain, &n) in notes.iter().enumerate() {
        for k in 0..n {
            let id = cards.len() as i64 + 1;
            cards.push(QueueCard {
                id,
                note: id,
                domain,
                state: crate::sched::card::CardState::new_card(),
                last_review_day: None,
                hidden: false,
                order: (0, 0, k, 0),
                seconds: None,
            });
        }
    }
    cards
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
