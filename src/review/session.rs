//! A review session (the model): today's queue, the card in front, answers committed one by
//! one, undo, suspend and bury, and the closing summary. No terminal here: the plain mode and
//! the full-screen UI both drive this, and tests drive it directly.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, FixedOffset};

use crate::error::Result;
use crate::sched::card::{self, CardState, Phase};
use crate::sched::fsrs::{Outcome, Scheduler};
use crate::store::Store;
use crate::store::cards::{self, CardView, StudySet};
use crate::store::reviews::{self, Source};
use crate::types::{Day, Rating, Timestamp};

/// Cards shown before a card answered Again comes back.
pub const AGAIN_GAP: usize = 3;

/// One answer of this session, kept for undo and the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub review: i64,
    pub card: i64,
    pub rating: Rating,
    pub domain: usize,
    pub duration_ms: i64,
    /// Whether the card was new before this answer.
    pub was_new: bool,
}

/// Per-domain figures of the closing summary.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainSummary {
    pub title: String,
    pub answers: usize,
    /// Answers other than Again.
    pub correct: usize,
    pub ms: i64,
}

/// The closing summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub answers: usize,
    pub correct: usize,
    pub new: usize,
    pub ms: i64,
    pub domains: Vec<DomainSummary>,
    /// Reviews due tomorrow (not counting new cards).
    pub due_tomorrow: usize,
}

/// Where a session's time and days come from.
pub struct Clock {
    pub now: Box<dyn Fn() -> DateTime<FixedOffset>>,
    pub rollover_hour: u32,
}

impl Clock {
    /// A clock stopped at `at` (tests, `SKILLDECK_NOW`).
    pub fn fixed(at: DateTime<FixedOffset>, rollover_hour: u32) -> Clock {
        Clock {
            now: Box::new(move || at),
            rollover_hour,
        }
    }

    fn now(&self) -> DateTime<FixedOffset> {
        (self.now)()
    }

    fn today(&self) -> Day {
        Day::of(self.now(), self.rollover_hour)
    }
}

/// A review session over a study set.
pub struct Session<'a> {
    store: &'a Store,
    schedulers: Vec<Scheduler>,
    set: StudySet,
    /// card → index in the study set.
    index: HashMap<i64, usize>,
    clock: Clock,
    pending: VecDeque<i64>,
    done: Vec<Done>,
    /// Answers still allowed (from `--limit`).
    limit: Option<usize>,
    /// Writes committed so far.
    writes: u64,
}

impl<'a> Session<'a> {
    /// A session over `order` (today's queue, in order) of the study set. `schedulers` has one
    /// scheduler per deck of the set.
    pub fn new(
        store: &'a Store,
        set: StudySet,
        schedulers: Vec<Scheduler>,
        order: Vec<i64>,
        clock: Clock,
        limit: Option<usize>,
    ) -> Session<'a> {
        let index = set
            .cards
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        Session {
            store,
            schedulers,
            set,
            index,
            clock,
            pending: order.into(),
            done: Vec::new(),
            limit,
            writes: 0,
        }
    }

    /// The card in front, if the session is not over.
    pub fn current(&self) -> Option<i64> {
        if self.limit == Some(0) {
            None
        } else {
            self.pending.front().copied()
        }
    }

    /// Cards left in the queue (a card answered Again counts again).
    pub fn remaining(&self) -> usize {
        match self.limit {
            Some(limit) => self.pending.len().min(limit),
            None => self.pending.len(),
        }
    }

    /// Answers given so far.
    pub fn answered(&self) -> usize {
        self.done.len()
    }

    /// Counts of the cards left, by kind: (new, learning, review).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for id in &self.pending {
            match self.index.get(id).map(|&i| self.set.cards[i].state.phase) {
                Some(Phase::New) => counts.0 += 1,
                Some(Phase::Learning | Phase::Relearning) => counts.1 += 1,
                _ => counts.2 += 1,
            }
        }
        counts
    }

    /// The card in front, for display.
    pub fn view(&self) -> Result<Option<CardView>> {
        match self.current() {
            Some(card) => cards::view(self.store.conn(), card),
            None => Ok(None),
        }
    }

    /// The current card's state (as the session knows it).
    pub fn state(&self) -> Option<CardState> {
        self.current()
            .and_then(|id| self.index.get(&id))
            .map(|&i| self.set.cards[i].state)
    }

    fn scheduler_for(&self, i: usize) -> &Scheduler {
        let deck = self.set.card_decks.get(i).copied().unwrap_or(0);
        &self.schedulers[deck.min(self.schedulers.len().saturating_sub(1))]
    }

    /// The outcome of each rating for the current card, for labelling the keys.
    pub fn preview(&self) -> Result<Option<[Outcome; 4]>> {
        let Some(card) = self.current() else {
            return Ok(None);
        };
        let Some(&i) = self.index.get(&card) else {
            return Ok(None);
        };
        let c = &self.set.cards[i];
        let today = self.clock.today();
        card::preview(
            self.scheduler_for(i),
            card,
            &c.state,
            today,
            c.last_review_day,
        )
        .map(Some)
    }

    /// Answers the current card: the answer and the card's new state are committed at once.
    /// The answer applies to the card's state as the database has it when the answer is
    /// written (another session may have answered the card meanwhile). Nothing changes here
    /// unless the answer was committed, so a failed answer (a busy database) can be retried.
    pub fn answer(&mut self, rating: Rating, duration_ms: i64) -> Result<()> {
        let Some(card) = self.current() else {
            return Ok(());
        };
        let Some(&i) = self.index.get(&card) else {
            return Ok(());
        };
        let now = self.clock.now();
        let today = Day::of(now, self.clock.rollover_hour);
        let at = Timestamp::from(now.to_utc());
        let scheduler = self.scheduler_for(i);
        let rollover = self.clock.rollover_hour;
        let (review, answer) = reviews::record(
            self.store.conn(),
            card,
            at,
            duration_ms,
            Source::Terminal,
            |current| {
                let last_day = current
                    .last_review
                    .map(|t| crate::types::day_of(t, now.timezone(), rollover));
                card::answer(scheduler, card, current, rating, at, today, last_day)
            },
        )?;
        let c = &mut self.set.cards[i];
        let domain = c.domain;
        let was_new = answer.before.phase == Phase::New;
        c.state = answer.after;
        c.last_review_day = Some(today);
        self.pending.pop_front();
        if rating == Rating::Again {
            let at = AGAIN_GAP.min(self.pending.len());
            self.pending.insert(at, card);
        }
        if let Some(limit) = self.limit.as_mut() {
            *limit = limit.saturating_sub(1);
        }
        self.done.push(Done {
            review,
            card,
            rating,
            domain,
            duration_ms,
            was_new,
        });
        self.writes += 1;
        Ok(())
    }

    /// Undoes the last answer of this session: the card gets its exact previous state back and
    /// is shown again. Returns the card, or `None` when there is nothing to undo. When the undo
    /// fails (a busy database, or the card answered since in another session) the answer stays
    /// and nothing changes here.
    pub fn undo(&mut self) -> Result<Option<i64>> {
        let Some(last) = self.done.last().cloned() else {
            return Ok(None);
        };
        let (_, state) = reviews::undo(self.store.conn(), last.review)?;
        self.done.pop();
        self.writes += 1;
        if let Some(&i) = self.index.get(&last.card) {
            let c = &mut self.set.cards[i];
            c.state = state;
            c.last_review_day = state.last_review.map(|t| {
                crate::types::day_of(t, self.clock.now().timezone(), self.clock.rollover_hour)
            });
        }
        // An Again answer had put the card back in the queue: take that copy out.
        if last.rating == Rating::Again
            && let Some(pos) = self.pending.iter().position(|&c| c == last.card)
        {
            self.pending.remove(pos);
        }
        self.pending.push_front(last.card);
        if let Some(limit) = self.limit.as_mut() {
            *limit += 1;
        }
        Ok(Some(last.card))
    }

    /// How many writes (answers, undos, suspensions, burials) this session has committed: a
    /// failed key can be tried again only if this did not move.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// Suspends the current card: it leaves the queue until unsuspended.
    pub fn suspend(&mut self) -> Result<()> {
        if let Some(card) = self.current() {
            cards::suspend(self.store.conn(), card, true)?;
            self.pending.retain(|&c| c != card);
            self.writes += 1;
        }
        Ok(())
    }

    /// Buries the current card until tomorrow.
    pub fn bury(&mut self) -> Result<()> {
        if let Some(card) = self.current() {
            cards::bury(self.store.conn(), card, Some(self.clock.today().plus(1)))?;
            self.pending.retain(|&c| c != card);
            self.writes += 1;
        }
        Ok(())
    }

    /// The closing summary.
    pub fn summary(&self) -> Result<Summary> {
        let mut domains: Vec<DomainSummary> = Vec::new();
        let mut slot: HashMap<usize, usize> = HashMap::new();
        for d in &self.done {
            let i = *slot.entry(d.domain).or_insert_with(|| {
                domains.push(DomainSummary {
                    title: self
                        .set
                        .domains
                        .get(d.domain)
                        .map_or_else(String::new, |x| x.title.clone()),
                    answers: 0,
                    correct: 0,
                    ms: 0,
                });
                domains.len() - 1
            });
            domains[i].answers += 1;
            domains[i].correct += usize::from(d.rating != Rating::Again);
            domains[i].ms += d.duration_ms;
        }
        let tomorrow = self.clock.today().plus(1);
        let due_tomorrow = self
            .set
            .cards
            .iter()
            .filter(|c| {
                !c.hidden
                    && c.state.phase != Phase::New
                    && c.state.due.is_some_and(|d| d <= tomorrow)
            })
            .count();
        Ok(Summary {
            answers: self.done.len(),
            correct: self
                .done
                .iter()
                .filter(|d| d.rating != Rating::Again)
                .count(),
            new: self.done.iter().filter(|d| d.was_new).count(),
            ms: self.done.iter().map(|d| d.duration_ms).sum(),
            domains,
            due_tomorrow,
        })
    }
}
