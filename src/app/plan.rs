//! The exam plan of each deck with an exam date, as `status` and the end of `review` show it:
//! the learner's pace (minutes a day over the last 14 study days), the weighted readiness
//! predicted for exam day at that pace, and the minutes a day that reach the target readiness.
//! Also the day-by-day projection a dashboard draws. The simulation itself is pure
//! ([`crate::sched::plan`]); this module gathers the deck's cards, parameters and habits.

use chrono::NaiveDate;
use serde::Serialize;

use super::study::{Study, load_study};
use crate::error::{Error, Result};
use crate::sched::plan::{self, Course, DoneToday, Habits, Limits, Needed};
use crate::sched::queue::DomainInput;
use crate::store::Store;
use crate::store::habits::{self, AnswerCounts};
use crate::types::{Day, DeckId};

/// Study days the pace is measured over.
pub const PACE_DAYS: i64 = 14;
/// Answers of a kind needed before the learner's own times and rating shares replace the
/// defaults.
const MIN_ANSWERS: u64 = 20;

/// One deck's plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeckPlan {
    #[serde(skip)]
    pub deck: DeckId,
    #[serde(skip)]
    pub exam_date: Day,
    pub days_left: i64,
    /// Minutes a day over the last 14 study days (or the days since the first review).
    pub pace_minutes: f64,
    /// Weighted readiness predicted for exam day at that pace.
    pub readiness_at_pace: f64,
    pub target: f64,
    /// Whether the target can be reached by exam day.
    pub reachable: bool,
    /// Minutes a day that reach the target (or, when it is out of reach, the best).
    pub minutes_needed: u32,
    /// The most that can be reached, when the target cannot.
    pub best_reachable: Option<f64>,
    /// The plan in one line.
    pub summary: String,
}

/// One day of the projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionPoint {
    pub date: NaiveDate,
    /// Weighted readiness on that day (recall if the exam were that day), at the learner's pace.
    pub current_pace: f64,
    /// The same, at the minutes a day the plan asks for.
    pub planned_pace: f64,
}

/// The deck's situation as the simulation needs it.
fn course<'a>(store: &Store, study: &'a Study, d: usize, exam: Day) -> Result<Course<'a>> {
    let set = &study.set;
    let local: Vec<Option<usize>> = {
        let mut next = 0;
        set.domains
            .iter()
            .map(|dom| {
                (dom.deck == d).then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect()
    };
    let domains: Vec<DomainInput> = set
        .domains
        .iter()
        .filter(|dom| dom.deck == d)
        .map(|dom| DomainInput {
            weight: dom.weight,
            notes: dom.notes,
        })
        .collect();
    let cards = set
        .cards
        .iter()
        .zip(&set.card_decks)
        .filter(|(_, cd)| **cd == d)
        .map(|(c, _)| {
            let mut c = c.clone();
            c.domain = local.get(c.domain).copied().flatten().unwrap_or(0);
            c
        })
        .collect();
    let pk = set.decks[d].pk;
    let conn = store.conn();
    let tz = study.now.timezone();
    let rollover = study.settings.day_rollover_hour;
    let start = study.today.start(tz, rollover);
    let (answers, new, seconds) =
        habits::done_between(conn, pk, start, study.today.plus(1).start(tz, rollover))?;
    let s = &study.settings;
    Ok(Course {
        scheduler: &study.schedulers[d],
        cards,
        domains,
        today: study.today,
        exam,
        limits: Limits {
            new_per_day: s.new_per_day,
            max_new_per_day: s.max_new_per_day,
            reviews_per_day: s.reviews_per_day,
        },
        habits: habits_of(&habits::answer_counts(conn, pk)?),
        done_today: DoneToday {
            answers,
            new,
            seconds,
        },
    })
}

/// The learner's habits from their answer counts, defaults where there are too few.
fn habits_of(c: &AnswerCounts) -> Habits {
    let mut h = Habits::default();
    let share = |counts: &[u64]| -> Option<Vec<f64>> {
        let total: u64 = counts.iter().sum();
        (total >= MIN_ANSWERS).then(|| counts.iter().map(|&n| n as f64 / total as f64).collect())
    };
    if let Some(s) = share(&c.first) {
        h.first.copy_from_slice(&s);
    }
    if let Some(s) = share(&c.later[1..]) {
        h.recalled.copy_from_slice(&s);
    }
    if c.first_timed.0 >= MIN_ANSWERS {
        h.new_seconds = c.first_timed.1 as f64 / 1000.0 / c.first_timed.0 as f64;
    }
    if c.later_timed.0 >= MIN_ANSWERS {
        h.review_seconds = c.later_timed.1 as f64 / 1000.0 / c.later_timed.0 as f64;
    }
    h
}

/// Minutes a day over the last [`PACE_DAYS`] study days before today; when the first review
/// is more recent, over the days since it; on the first study day, today's minutes.
fn pace_minutes(store: &Store, study: &Study, d: usize) -> Result<f64> {
    let pk = study.set.decks[d].pk;
    let tz = study.now.timezone();
    let rollover = study.settings.day_rollover_hour;
    let Some(first) = habits::first_review(store.conn(), pk)? else {
        return Ok(0.0);
    };
    let first_day = Day::of_millis(first.millis(), tz.local_minus_utc(), rollover);
    let from = first_day.max(study.today.plus(-PACE_DAYS));
    let days = study.today.since(from);
    let to = if days > 0 {
        study.today
    } else {
        study.today.plus(1)
    };
    let (_, _, seconds) = habits::done_between(
        store.conn(),
        pk,
        from.start(tz, rollover),
        to.start(tz, rollover),
    )?;
    Ok(seconds / 60.0 / days.max(1) as f64)
}

/// The plan of each deck whose exam date is today or later.
pub fn deck_plans(store: &Store, study: &Study) -> Result<Vec<DeckPlan>> {
    let mut out = Vec::new();
    for (d, deck) in study.set.decks.iter().enumerate() {
        let Some(exam) = deck.exam_date.filter(|&e| e >= study.today) else {
            continue;
        };
        let course = course(store, study, d, exam)?;
        let pace = pace_minutes(store, study, d)?;
        let target = f64::from(
            study
                .settings
                .target_readiness
                .unwrap_or(study.schedulers[d].desired_retention()),
        );
        let f = plan::forecast(&course, pace, target)?;
        let (reachable, minutes_needed, best_reachable) = match f.needed {
            Needed::Reachable { minutes } => (true, minutes, None),
            Needed::Unreachable { best, minutes } => (false, minutes, Some(best)),
        };
        let mut p = DeckPlan {
            deck: deck.id.clone(),
            exam_date: exam,
            days_left: exam.since(study.today),
            pace_minutes: pace,
            readiness_at_pace: f.at_pace,
            target,
            reachable,
            minutes_needed,
            best_reachable,
            summary: String::new(),
        };
        p.summary = summary(&p);
        out.push(p);
    }
    Ok(out)
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn minutes(m: f64) -> String {
    format!("{m:.0} min a day")
}

/// The plan in one line.
pub fn summary(p: &DeckPlan) -> String {
    let at_pace = format!(
        "at your pace ({}) you would be {} ready on exam day ({}, in {} days)",
        minutes(p.pace_minutes),
        percent(p.readiness_at_pace),
        p.exam_date,
        p.days_left
    );
    let needed = match (p.reachable, p.best_reachable) {
        (true, _) if p.minutes_needed == 0 => {
            format!("{} needs no more study", percent(p.target))
        }
        (true, _) => format!(
            "{} needs {}",
            percent(p.target),
            minutes(f64::from(p.minutes_needed))
        ),
        (false, best) => format!(
            "{} is out of reach by exam day even with no time limit: at most {}, with {}",
            percent(p.target),
            percent(best.unwrap_or(0.0)),
            minutes(f64::from(p.minutes_needed))
        ),
    };
    format!("{at_pace}; {needed}")
}

/// Weighted readiness on each day from today to exam day, at the learner's pace and at the
/// minutes a day the plan asks for, for `deck` (else the deck with the nearest exam). Empty
/// when no exam date is set.
pub fn projection(
    store: &Store,
    now: chrono::DateTime<chrono::FixedOffset>,
    deck: Option<&DeckId>,
) -> Result<Vec<ProjectionPoint>> {
    let study = load_study(store, &[], now)?;
    let chosen = match deck {
        Some(id) => Some(
            study
                .set
                .decks
                .iter()
                .position(|d| &d.id == id)
                .ok_or_else(|| Error::user(format!("deck `{id}` is not in the database")))?,
        ),
        None => study
            .set
            .decks
            .iter()
            .enumerate()
            .filter_map(|(d, deck)| deck.exam_date.filter(|&e| e >= study.today).map(|e| (e, d)))
            .min()
            .map(|(_, d)| d),
    };
    let Some(d) = chosen else {
        return Ok(Vec::new());
    };
    let Some(exam) = study.set.decks[d].exam_date.filter(|&e| e >= study.today) else {
        return Ok(Vec::new());
    };
    let course = course(store, &study, d, exam)?;
    let pace = pace_minutes(store, &study, d)?;
    let target = f64::from(
        study
            .settings
            .target_readiness
            .unwrap_or(study.schedulers[d].desired_retention()),
    );
    let planned = match plan::forecast(&course, pace, target)?.needed {
        Needed::Reachable { minutes } | Needed::Unreachable { minutes, .. } => f64::from(minutes),
    };
    let current = plan::simulate(&course, Some(pace * 60.0))?;
    let planned = plan::simulate(&course, Some(planned * 60.0))?;
    Ok(current
        .daily
        .iter()
        .zip(&planned.daily)
        .enumerate()
        .map(|(i, (&c, &p))| ProjectionPoint {
            date: study.today.plus(i as i64).date(),
            current_pace: c,
            planned_pace: p,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Timestamp;

    #[test]
    fn the_projection_runs_from_today_to_exam_day_at_both_paces() {
        let store = Store::open_in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("deck.toml"),
            "id = \"thirty\"\nname = \"Thirty\"\nversion = \"1\"\n",
        )
        .unwrap();
        let notes: String = (0..30)
            .map(|i| format!("## Question {i}? {{#q{i}}}\n\nAnswer {i}.\n\n"))
            .collect();
        std::fs::write(dir.path().join("thirty.md"), format!("# Thirty\n\n{notes}")).unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z").unwrap();
        super::super::compile(
            &store,
            &[dir.path().to_path_buf()],
            Timestamp::from(now.to_utc()),
        )
        .unwrap();
        assert!(projection(&store, now, None).unwrap().is_empty());
        let pk: i64 = store
            .conn()
            .query_row("SELECT id FROM decks", [], |r| r.get(0))
            .unwrap();
        let exam = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        crate::store::decks::set_exam(store.conn(), pk, Some(exam)).unwrap();
        let points = projection(&store, now, None).unwrap();
        assert_eq!(points.len(), 21);
        assert_eq!(
            points[0].date,
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
        assert_eq!(points[20].date, exam);
        // Nothing studied yet: no pace, so nothing recalled at the current pace.
        assert!(points.iter().all(|p| p.current_pace == 0.0));
        // The planned pace reaches the target (the desired retention, 0.9) on exam day.
        assert_eq!(points[0].planned_pace, 0.0);
        assert!(points[20].planned_pace >= 0.9, "{:?}", points[20]);
        let id = DeckId::parse("thirty").unwrap();
        assert_eq!(projection(&store, now, Some(&id)).unwrap(), points);
    }

    #[test]
    fn habits_come_from_enough_answers_only() {
        let few = AnswerCounts {
            first: [1, 0, 5, 0],
            later: [0, 1, 5, 1],
            first_timed: (6, 60_000),
            later_timed: (7, 35_000),
        };
        assert_eq!(habits_of(&few), Habits::default());
        let many = AnswerCounts {
            first: [10, 0, 30, 0],
            later: [5, 0, 20, 20],
            first_timed: (40, 1_200_000),
            later_timed: (45, 225_000),
        };
        let h = habits_of(&many);
        assert_eq!(h.first, [0.25, 0.0, 0.75, 0.0]);
        assert_eq!(h.recalled, [0.0, 0.5, 0.5]);
        assert_eq!((h.new_seconds, h.review_seconds), (30.0, 5.0));
    }

    #[test]
    fn the_summary_says_the_pace_the_target_and_what_it_needs() {
        let mut p = DeckPlan {
            deck: DeckId::parse("az-400").unwrap(),
            exam_date: Day::from_date(NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()),
            days_left: 51,
            pace_minutes: 12.4,
            readiness_at_pace: 0.781,
            target: 0.9,
            reachable: true,
            minutes_needed: 25,
            best_reachable: None,
            summary: String::new(),
        };
        assert_eq!(
            summary(&p),
            "at your pace (12 min a day) you would be 78% ready on exam day (2027-01-15, in 51 days); 90% needs 25 min a day"
        );
        p.reachable = false;
        p.best_reachable = Some(0.862);
        p.minutes_needed = 40;
        assert_eq!(
            summary(&p),
            "at your pace (12 min a day) you would be 78% ready on exam day (2027-01-15, in 51 days); 90% is out of reach by exam day even with no time limit: at most 86%, with 40 min a day"
        );
    }
}
