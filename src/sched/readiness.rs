//! Readiness for an exam (pure): per domain, the predicted recall on the exam day (FSRS
//! retrievability at that day, 0 for notes never studied) and coverage (the share of notes
//! introduced), with totals weighted by the domains' exam weights. Figures, never a promise.

use std::collections::HashMap;

use serde::Serialize;

use super::fsrs::retrievability;
use super::queue::QueueCard;
use crate::types::Day;

/// One domain's readiness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainReadiness {
    pub id: String,
    pub title: String,
    /// Weight (midpoint of the exam's range, percent).
    pub weight: f64,
    pub notes: usize,
    pub introduced: usize,
    /// Introduced ÷ notes.
    pub coverage: f64,
    /// Mean predicted recall of the domain's notes on the target day (0 for unstudied notes).
    pub recall: f64,
}

/// Readiness over all domains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readiness {
    /// The day recall is predicted for.
    pub target: Day,
    pub domains: Vec<DomainReadiness>,
    /// Recall weighted by domain weight.
    pub weighted_recall: f64,
    /// Coverage weighted by domain weight.
    pub weighted_coverage: f64,
}

/// A domain as readiness needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainInfo {
    pub id: String,
    pub title: String,
    pub weight: f64,
}

/// Computes readiness at `target` from every live card, each with its domain (an index into
/// `domains`).
pub fn readiness<'a>(
    cards: impl Iterator<Item = (&'a QueueCard, usize)>,
    domains: &[DomainInfo],
    target: Day,
    decay: f32,
) -> Readiness {
    // Per note: (domain, sum of card recall, cards, any card studied).
    let mut notes: HashMap<i64, (usize, f64, usize, bool)> = HashMap::new();
    for (c, domain) in cards {
        let recall = match (c.state.memory, c.last_review_day) {
            (Some(m), Some(day)) => f64::from(retrievability(
                m.stability,
                target.since(day).max(0) as f32,
                decay,
            )),
            _ => 0.0,
        };
        let entry = notes.entry(c.note).or_insert((domain, 0.0, 0, false));
        entry.1 += recall;
        entry.2 += 1;
        entry.3 |= c.state.memory.is_some();
    }
    let mut sums = vec![(0usize, 0usize, 0.0f64); domains.len()];
    for (domain, recall, count, studied) in notes.values() {
        if let Some(s) = sums.get_mut(*domain) {
            s.0 += 1;
            s.1 += usize::from(*studied);
            s.2 += recall / *count as f64;
        }
    }
    let mut out = Vec::with_capacity(domains.len());
    let (mut weight_sum, mut recall_sum, mut coverage_sum) = (0.0, 0.0, 0.0);
    for (d, (notes, introduced, recall)) in domains.iter().zip(sums) {
        let coverage = if notes == 0 {
            0.0
        } else {
            introduced as f64 / notes as f64
        };
        let recall = if notes == 0 {
            0.0
        } else {
            recall / notes as f64
        };
        weight_sum += d.weight;
        recall_sum += d.weight * recall;
        coverage_sum += d.weight * coverage;
        out.push(DomainReadiness {
            id: d.id.clone(),
            title: d.title.clone(),
            weight: d.weight,
            notes,
            introduced,
            coverage,
            recall,
        });
    }
    let total = |sum: f64| {
        if weight_sum > 0.0 {
            sum / weight_sum
        } else {
            0.0
        }
    };
    Readiness {
        target,
        domains: out,
        weighted_recall: total(recall_sum),
        weighted_coverage: total(coverage_sum),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::card::{CardState, Phase};
    use crate::sched::fsrs::Memory;

    fn card(id: i64, note: i64, domain: usize, memory: Option<(f32, i64)>) -> QueueCard {
        let mut state = CardState::new_card();
        let mut last_review_day = None;
        if let Some((stability, day)) = memory {
            state.phase = Phase::Review;
            state.memory = Some(Memory {
                stability,
                difficulty: 5.0,
            });
            last_review_day = Some(Day(day));
        }
        QueueCard {
            id,
            note,
            domain,
            state,
            last_review_day,
            hidden: false,
            order: (0, 0, 0, 0),
            seconds: None,
        }
    }

    #[test]
    fn recall_coverage_and_weighted_totals() {
        let decay = 0.1542;
        let domains = vec![
            DomainInfo {
                id: "a".into(),
                title: "A".into(),
                weight: 75.0,
            },
            DomainInfo {
                id: "b".into(),
                title: "B".into(),
                weight: 25.0,
            },
        ];
        // Domain a: note 1 (two cards, one studied with S=10 ten days before the target), note 2 unstudied.
        // Domain b: note 3 studied with a huge stability.
        let cards = [
            card(1, 1, 0, Some((10.0, 90))),
            card(2, 1, 0, None),
            card(3, 2, 0, None),
            card(4, 3, 1, Some((1.0e6, 100))),
        ];
        let r = readiness(
            cards.iter().map(|c| (c, c.domain)),
            &domains,
            Day(100),
            decay,
        );
        let a = &r.domains[0];
        assert_eq!((a.notes, a.introduced), (2, 1));
        assert!((a.coverage - 0.5).abs() < 1e-9);
        // Note 1: (0.9 + 0) / 2 = 0.45; note 2: 0 → domain 0.225.
        assert!((a.recall - 0.225).abs() < 0.001, "{a:?}");
        let b = &r.domains[1];
        assert!((b.recall - 1.0).abs() < 0.001);
        assert!((r.weighted_recall - (0.75 * 0.225 + 0.25 * 1.0)).abs() < 0.001);
        assert!((r.weighted_coverage - (0.75 * 0.5 + 0.25)).abs() < 1e-9);
    }
}
