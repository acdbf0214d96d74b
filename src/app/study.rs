//! Planning a study day: the decks' cards, a scheduler per deck, settings and today's queue,
//! as `review` and `status` need them.

use chrono::{DateTime, FixedOffset};

use crate::error::{Error, Result};
use crate::sched::fsrs::{IntervalRules, Scheduler};
use crate::sched::queue::{self, Queue, QueueParams};
use crate::sched::readiness::{self, DomainInfo, Readiness};
use crate::store::cards::{self, StudySet};
use crate::store::settings::Settings;
use crate::store::{Store, params, reviews};
use crate::types::{Day, DeckId, Timestamp};

/// Everything needed to plan a day: the study set, a scheduler per deck, settings and the day.
pub struct Study {
    pub set: StudySet,
    pub schedulers: Vec<Scheduler>,
    pub settings: Settings,
    pub today: Day,
    pub now: DateTime<FixedOffset>,
    pub warnings: Vec<String>,
}

/// Loads the study set of some decks (all when empty) with their schedulers.
pub fn load_study(store: &Store, decks: &[DeckId], now: DateTime<FixedOffset>) -> Result<Study> {
    let settings = Settings::load(store.conn())?;
    let today = Day::of(now, settings.day_rollover_hour);
    let set = cards::study_set(
        store.conn(),
        decks,
        today,
        now.timezone(),
        settings.day_rollover_hour,
    )?;
    let rules = IntervalRules {
        max_interval: settings.max_interval,
        fuzz: settings.fuzz,
    };
    let mut schedulers = Vec::with_capacity(set.decks.len());
    for deck in &set.decks {
        let fitted = params::current(store.conn(), Some(deck.pk))?;
        let retention = deck.desired_retention.unwrap_or(settings.desired_retention);
        schedulers.push(Scheduler::new(
            &fitted.unwrap_or_default(),
            retention,
            rules,
        )?);
    }
    Ok(Study {
        set,
        schedulers,
        settings,
        today,
        now,
        warnings: Vec::new(),
    })
}

impl Study {
    /// The earliest exam among the decks, if any is set and not past.
    fn exam(&self) -> Option<Day> {
        self.set
            .decks
            .iter()
            .filter_map(|d| d.exam_date)
            .filter(|&d| d >= self.today)
            .min()
    }

    /// Today's queue. `budget_minutes` limits planned study time; `domain` keeps one domain.
    pub fn queue(
        &mut self,
        store: &Store,
        budget_minutes: Option<f64>,
        domain: Option<&str>,
    ) -> Result<Queue> {
        if let Some(wanted) = domain {
            if !self.set.domains.iter().any(|d| d.id == wanted) {
                let ids: Vec<&str> = self.set.domains.iter().map(|d| d.id.as_str()).collect();
                return Err(Error::user(format!(
                    "no domain `{wanted}`; the domains are {}",
                    ids.join(", ")
                )));
            }
            for card in &mut self.set.cards {
                if self.set.domains[card.domain].id != wanted {
                    card.hidden = true;
                }
            }
        }
        let start = self
            .today
            .start(self.now.timezone(), self.settings.day_rollover_hour);
        let (answers, new_done) = reviews::counts_since(store.conn(), start)?;
        let mut new_limit = self.settings.new_per_day;
        for (d, deck) in self.set.decks.iter().enumerate() {
            let Some(exam) = deck.exam_date.filter(|&e| e >= self.today) else {
                continue;
            };
            let remaining = self
                .set
                .cards
                .iter()
                .zip(&self.set.card_decks)
                .filter(|(c, cd)| {
                    **cd == d && c.state.phase == crate::sched::card::Phase::New && !c.hidden
                })
                .count();
            let (pace, warning) = queue::exam_pace(
                self.settings.new_per_day,
                remaining,
                self.today,
                exam,
                self.settings.max_new_per_day,
            );
            new_limit = new_limit.max(pace);
            if let Some(w) = warning {
                self.warnings.push(format!("{}: {w}", deck.id));
            }
        }
        let params = QueueParams {
            today: self.today,
            now: Timestamp::from(self.now.to_utc()),
            exam: self.exam(),
            reviews_left: self
                .settings
                .reviews_per_day
                .saturating_sub(answers - new_done),
            new_left: new_limit.saturating_sub(new_done),
            budget_seconds: budget_minutes.map(|m| m * 60.0),
        };
        let scheduler = self.schedulers.first().ok_or_else(|| {
            Error::user("no deck to study: build one with `skilldeck build DECK_DIR`")
        })?;
        Ok(queue::build(
            scheduler,
            &self.set.cards,
            &self.set.domain_inputs(),
            &params,
        ))
    }

    /// Readiness of each deck at its exam day (or in 30 days).
    pub fn readiness(&self) -> Vec<(DeckId, Option<Day>, Readiness)> {
        let mut out = Vec::new();
        for (d, deck) in self.set.decks.iter().enumerate() {
            let target = deck
                .exam_date
                .filter(|&e| e >= self.today)
                .unwrap_or(self.today.plus(queue::DEFAULT_HORIZON_DAYS));
            let domain_ids: Vec<usize> = (0..self.set.domains.len())
                .filter(|&i| self.set.domains[i].deck == d)
                .collect();
            let local: std::collections::HashMap<usize, usize> = domain_ids
                .iter()
                .enumerate()
                .map(|(l, &g)| (g, l))
                .collect();
            let infos: Vec<DomainInfo> = domain_ids
                .iter()
                .map(|&i| DomainInfo {
                    id: self.set.domains[i].id.clone(),
                    title: self.set.domains[i].title.clone(),
                    weight: self.set.domains[i].weight,
                })
                .collect();
            let cards = self
                .set
                .cards
                .iter()
                .zip(&self.set.card_decks)
                .filter(|(_, cd)| **cd == d)
                .map(|(c, _)| (c, local.get(&c.domain).copied().unwrap_or(0)));
            out.push((
                deck.id.clone(),
                deck.exam_date,
                readiness::readiness(cards, &infos, target, self.schedulers[d].decay()),
            ));
        }
        out
    }
}
