//! The study commands: `review`, `status`, `exam`, `config` and `optimize`. Each wires the
//! database, the clock and the terminal around the pure scheduler.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::{compile, deck_dirs};
use crate::cli::{ConfigAction, ExamAction};
use crate::error::{Error, Result};
use crate::review::session::{Clock, Session};
use crate::review::{plain, tui};
use crate::sched::fsrs::{IntervalRules, Scheduler};
use crate::sched::queue::{self, Queue, QueueParams};
use crate::sched::readiness::{self, DomainInfo, Readiness};
use crate::store::cards::{self, StudySet};
use crate::store::settings::{self, Settings};
use crate::store::{Store, decks, params, reviews};
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

/// Deck ids from the arguments: ids of decks in the database, or deck folders (built first).
fn resolve_decks(store: &Store, args: &[String], now: Timestamp) -> Result<Vec<DeckId>> {
    let mut ids = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if path.join("deck.toml").is_file() {
            let report = compile(store, &[path.to_path_buf()], now)?;
            print_changes(&report.lines, report.changed);
            ids.extend(report.ids);
        } else {
            let id = DeckId::parse(arg).ok_or_else(|| {
                Error::user(format!("`{arg}` is neither a deck id nor a deck folder"))
            })?;
            if decks::find(store.conn(), &id)?.is_none() {
                return Err(Error::user(format!(
                    "deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`"
                )));
            }
            ids.push(id);
        }
    }
    Ok(ids)
}

fn print_changes(lines: &[String], changed: bool) {
    if changed {
        let mut err = std::io::stderr().lock();
        for line in lines {
            let _ = writeln!(err, "{line}");
        }
    }
}

/// How `review` was asked to run.
pub struct ReviewOptions<'a> {
    pub plain: bool,
    pub limit: Option<usize>,
    pub minutes: Option<f64>,
    pub domain: Option<&'a str>,
    /// Whether the clock is fixed (`SKILLDECK_NOW`).
    pub fixed_clock: bool,
}

/// `skilldeck review`: full-screen in a terminal, the line mode otherwise or with `--plain`.
pub fn review(
    store: &Store,
    args: &[String],
    now: DateTime<FixedOffset>,
    options: ReviewOptions<'_>,
) -> Result<()> {
    let ReviewOptions {
        plain,
        limit,
        minutes,
        domain,
        fixed_clock,
    } = options;
    let stamp = Timestamp::from(now.to_utc());
    // Bring the decks up to date first, so edits show at once.
    let deck_ids = if args.is_empty() {
        let dirs: Vec<PathBuf> = deck_dirs(Some(store), Vec::new())?;
        let report = compile(store, &dirs, stamp)?;
        print_changes(&report.lines, report.changed);
        Vec::new()
    } else {
        resolve_decks(store, args, stamp)?
    };
    if minutes.is_some_and(|m| m.is_nan() || m <= 0.0) {
        return Err(Error::user(
            "--minutes must be a positive number of minutes",
        ));
    }
    let mut study = load_study(store, &deck_ids, now)?;
    let queue = study.queue(store, minutes, domain)?;
    for w in &study.warnings {
        eprintln!("warning: {w}");
    }
    let rollover = study.settings.day_rollover_hour;
    let clock = if fixed_clock {
        Clock::fixed(now, rollover)
    } else {
        Clock {
            now: Box::new(|| chrono::Local::now().fixed_offset()),
            rollover_hour: rollover,
        }
    };
    let order = queue.order();
    let deck_dirs: Vec<PathBuf> = decks::all(store.conn())?
        .into_iter()
        .filter(|d| study.set.decks.iter().any(|s| s.id == d.id))
        .map(|d| PathBuf::from(d.root_path))
        .collect();
    let mut session = Session::new(store, study.set, study.schedulers, order, clock, limit);
    use std::io::IsTerminal as _;
    if !plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        let mut rebuild = || match compile(store, &deck_dirs, stamp) {
            Ok(report) => report.lines.join("; "),
            Err(e) => format!("not rebuilt: {e} (run `skilldeck check` to see every problem)"),
        };
        let summary = tui::run(&mut session, tui::palette_from_env(), &mut rebuild)?;
        let mut out = std::io::stdout().lock();
        for line in plain::summary_lines(&summary) {
            let _ = writeln!(out, "{line}");
        }
        return Ok(());
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout().lock();
    if session.current().is_none() {
        let _ = writeln!(out, "nothing to review now");
    }
    plain::run(&mut session, &mut input, &mut out)?;
    Ok(())
}

#[derive(Serialize)]
struct StatusReport {
    date: String,
    due: usize,
    new: usize,
    learning: usize,
    deferred: usize,
    decks: Vec<DeckStatus>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct DeckStatus {
    deck: DeckId,
    exam_date: Option<String>,
    #[serde(flatten)]
    readiness: Readiness,
}

/// `skilldeck status [--json]`.
pub fn status(store: &Store, now: DateTime<FixedOffset>, json: bool) -> Result<()> {
    let mut study = load_study(store, &[], now)?;
    if study.set.decks.is_empty() {
        return Err(Error::user(
            "no deck in the database yet; build one with `skilldeck build`",
        ));
    }
    let queue = study.queue(store, None, None)?;
    let report = StatusReport {
        date: study.today.to_string(),
        due: queue.reviews.len() + queue.final_pass.len(),
        new: queue.new.len(),
        learning: queue.learning.len(),
        deferred: queue.deferred,
        decks: study
            .readiness()
            .into_iter()
            .map(|(deck, exam, readiness)| DeckStatus {
                deck,
                exam_date: exam.map(|e| e.to_string()),
                readiness,
            })
            .collect(),
        warnings: std::mem::take(&mut study.warnings),
    };
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let _ = writeln!(
        out,
        "today ({}): {} due, {} new, {} learning{}",
        report.date,
        report.due,
        report.new,
        report.learning,
        if report.deferred > 0 {
            format!(" ({} more due, beyond today's limits)", report.deferred)
        } else {
            String::new()
        }
    );
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for d in &report.decks {
        let when = match &d.exam_date {
            Some(date) => format!(
                "exam {date} ({} days)",
                d.readiness.target.since(study.today)
            ),
            None => format!("no exam date; predicted for {}", d.readiness.target),
        };
        let _ = writeln!(out, "\n{}: {when}", d.deck);
        let _ = writeln!(
            out,
            "  {:<28} {:>7} {:>9} {:>8}",
            "domain", "weight", "coverage", "recall"
        );
        for x in &d.readiness.domains {
            let _ = writeln!(
                out,
                "  {:<28} {:>6.1}% {:>8.0}% {:>7.0}%",
                x.id,
                x.weight,
                x.coverage * 100.0,
                x.recall * 100.0
            );
        }
        let _ = writeln!(
            out,
            "  {:<28} {:>7} {:>8.0}% {:>7.0}%",
            "weighted",
            "",
            d.readiness.weighted_coverage * 100.0,
            d.readiness.weighted_recall * 100.0
        );
    }
    let _ = writeln!(
        out,
        "\nrecall: predicted probability of recalling a domain's notes on that day (0 for notes not yet studied); figures, not a promise."
    );
    Ok(())
}

/// `skilldeck exam set|clear`.
pub fn exam(store: &Store, now: DateTime<FixedOffset>, action: ExamAction) -> Result<()> {
    let find = |deck: &str| -> Result<decks::StoredDeck> {
        let id =
            DeckId::parse(deck).ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?;
        decks::find(store.conn(), &id)?.ok_or_else(|| {
            Error::user(format!(
                "deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`"
            ))
        })
    };
    match action {
        ExamAction::Set { deck, date } => {
            let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
                Error::user(format!(
                    "`{date}` is not a date; write it as YYYY-MM-DD, e.g. 2027-01-15"
                ))
            })?;
            let settings = Settings::load(store.conn())?;
            let today = Day::of(now, settings.day_rollover_hour);
            if Day::from_date(day) < today {
                return Err(Error::user(format!(
                    "exam date {day} is in the past (today is {today})"
                )));
            }
            let stored = find(&deck)?;
            decks::set_exam(store.conn(), stored.pk, Some(day))?;
            println!(
                "{}: exam on {day}, in {} days",
                stored.id,
                Day::from_date(day).since(today)
            );
        }
        ExamAction::Clear { deck } => {
            let stored = find(&deck)?;
            decks::set_exam(store.conn(), stored.pk, None)?;
            println!("{}: exam date cleared", stored.id);
        }
    }
    Ok(())
}

/// `skilldeck config get|set`.
pub fn config(store: &Store, action: ConfigAction) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match action {
        ConfigAction::Get { key: Some(key) } => {
            let _ = writeln!(out, "{}", settings::get(store.conn(), &key)?);
        }
        ConfigAction::Get { key: None } => {
            for key in settings::KEYS {
                let _ = writeln!(
                    out,
                    "{} = {}    # {}",
                    key.name,
                    settings::get(store.conn(), key.name)?,
                    key.help
                );
            }
        }
        ConfigAction::Set {
            key,
            value,
            deck: Some(deck),
        } => {
            if key != "desired_retention" {
                return Err(Error::user("only desired_retention can be set per deck"));
            }
            let value = settings::validate(&key, &value)?;
            let id = DeckId::parse(&deck)
                .ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?;
            let stored = decks::find(store.conn(), &id)?.ok_or_else(|| Error::user(format!("deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`")))?;
            let retention: f64 = value.parse().map_err(|_| Error::user("bad number"))?;
            decks::set_desired_retention(store.conn(), stored.pk, Some(retention))?;
            let _ = writeln!(out, "{id}: desired_retention = {value}");
        }
        ConfigAction::Set {
            key,
            value,
            deck: None,
        } => {
            let value = settings::set(store.conn(), &key, &value)?;
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    Ok(())
}

/// `skilldeck optimize [DECK]`.
pub fn optimize(store: &Store, now: DateTime<FixedOffset>, deck: Option<&str>) -> Result<()> {
    let settings = Settings::load(store.conn())?;
    let deck = match deck {
        Some(d) => {
            let id =
                DeckId::parse(d).ok_or_else(|| Error::user(format!("`{d}` is not a deck id")))?;
            Some(decks::find(store.conn(), &id)?.ok_or_else(|| Error::user(format!("deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`")))?)
        }
        None => None,
    };
    let pk = deck.as_ref().map(|d| d.pk);
    let history = reviews::history(store.conn(), pk)?;
    let outcome = crate::sched::optimize::fit(
        &history,
        now.timezone(),
        settings.day_rollover_hour,
        params::current(store.conn(), pk)?.as_deref(),
    )?;
    let mut out = std::io::stdout().lock();
    let scope = deck
        .as_ref()
        .map_or_else(|| "all decks".to_owned(), |d| format!("deck {}", d.id));
    match outcome {
        crate::sched::optimize::Fit::TooLittle {
            reviews,
            items,
            needed,
        } => {
            let _ = writeln!(
                out,
                "too little history to optimize ({scope}): {reviews} review(s) give {items} training item(s); at least {needed} are needed (a card reviewed again on a later day gives one). Parameters unchanged."
            );
        }
        crate::sched::optimize::Fit::Done {
            params: fitted,
            old_loss,
            new_loss,
            items,
        } => {
            let kept = new_loss < old_loss;
            let _ = writeln!(
                out,
                "{items} training items ({scope}); log loss: current {old_loss:.4}, fitted {new_loss:.4}"
            );
            if kept {
                params::save(
                    store.conn(),
                    pk,
                    &fitted,
                    new_loss,
                    Timestamp::from(now.to_utc()),
                )?;
                let _ = writeln!(
                    out,
                    "kept the fitted parameters: they predict your history better"
                );
            } else {
                let _ = writeln!(
                    out,
                    "kept the current parameters: the fitted ones do not predict your history better"
                );
            }
        }
    }
    Ok(())
}
