//! The planner's speed: the plan (readiness at the learner's pace and the minutes a day that
//! reach the target, each found by simulating every day to the exam with the real queue) for
//! the AZ-400 deck 60 days before the exam, from a fresh start and after 30 days of study; and
//! the calibration of readiness on the same deck: predicted against true weighted recall on
//! exam day for a learner whose memory is not the scheduler's model, before and after
//! automatic refits. Run with `cargo bench --bench plan`; the figures go in the README.

use std::time::Instant;

use skilldeck::sched::calibration;
use skilldeck::sched::card::CardState;
use skilldeck::sched::fsrs::{IntervalRules, Scheduler};
use skilldeck::sched::plan::{self, Course, DoneToday, Habits, Limits};
use skilldeck::sched::queue::{DomainInput, QueueCard};
use skilldeck::types::Day;

mod common;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const RUNS: usize = 5;

/// The AZ-400 deck's cards (all new) and domains.
pub fn az400() -> Result<(Vec<QueueCard>, Vec<DomainInput>)> {
    let (deck, domains) = common::az400()?;
    let outline = deck
        .outline
        .as_ref()
        .ok_or("the AZ-400 deck has no outline")?;
    let mut cards = Vec::new();
    for (k, n) in deck.notes.iter().enumerate() {
        let place = n.note.skill.as_ref().and_then(|s| outline.place(s));
        let domain = place.as_ref().map_or(0, |p| p.domain);
        for ord in 0..n.note.ords.len() {
            let id = cards.len() as i64 + 1;
            cards.push(QueueCard {
                id,
                note: k as i64,
                domain,
                state: CardState::new_card(),
                last_review_day: None,
                hidden: false,
                order: (0, 0, k as u32, ord as u32),
                seconds: None,
            });
        }
    }
    Ok((cards, domains))
}

fn main() -> Result<()> {
    let (cards, domains) = az400()?;
    let scheduler = Scheduler::new(&[], 0.9, IntervalRules::default())?;
    let limits = Limits {
        new_per_day: 20,
        max_new_per_day: 100,
        reviews_per_day: 200,
    };
    let today = Day(20_000);
    let fresh = Course {
        scheduler: &scheduler,
        cards: cards.clone(),
        domains: domains.clone(),
        today,
        exam: today.plus(60),
        limits,
        habits: Habits::default(),
        done_today: DoneToday::default(),
    };
    // The same deck after 30 days of 10 minutes a day, 60 days before its exam.
    let mut studied = cards;
    let mut mind = plan::ModelMind {
        decay: scheduler.decay(),
    };
    let start = today.plus(-30);
    for offset in 0..30 {
        let setup = plan::DaySetup {
            scheduler: &scheduler,
            domains: &domains,
            limits,
            habits: &Habits::default(),
            exam: today.plus(60),
            day: start.plus(offset),
            budget: Some(600.0),
            done: DoneToday::default(),
            seed: 99,
        };
        plan::study_day(&setup, &mut studied, &mut mind)?;
    }
    let midway = Course {
        cards: studied,
        ..fresh.clone()
    };
    println!(
        "AZ-400: {} cards, exam in 60 days, {} seeds per simulation, median of {RUNS}\n",
        fresh.cards.len(),
        plan::seeds(fresh.cards.len())
    );
    println!("| start | pace | target | readiness at pace | needed | time to plan |");
    println!("|---|---|---|---|---|---|");
    for (name, course) in [("fresh", &fresh), ("after 30 days", &midway)] {
        for (pace, target) in [(10.0, 0.9), (20.0, 0.9), (10.0, 0.97)] {
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..RUNS {
                let started = Instant::now();
                last = Some(plan::forecast(course, pace, target)?);
                times.push(started.elapsed());
            }
            times.sort();
            let f = last.ok_or("no run")?;
            let needed = match f.needed {
                plan::Needed::Reachable { minutes } => format!("{minutes} min/day"),
                plan::Needed::Unreachable { best, minutes } => {
                    format!(
                        "out of reach: at most {:.1}% ({minutes} min/day)",
                        best * 100.0
                    )
                }
            };
            println!(
                "| {name} | {pace:.0} min/day | {:.0}% | {:.1}% | {needed} | {:.0} ms |",
                target * 100.0,
                f.at_pace * 100.0,
                times[RUNS / 2].as_secs_f64() * 1000.0
            );
        }
    }
    calibration(&midway.cards, &domains, limits)?;
    Ok(())
}

/// Predicted against true exam-day recall, mean of four seeds, before and after refits.
fn calibration(cards: &[QueueCard], domains: &[DomainInput], limits: Limits) -> Result<()> {
    let fresh: Vec<QueueCard> = cards
        .iter()
        .map(|c| QueueCard {
            state: CardState::new_card(),
            last_review_day: None,
            seconds: None,
            ..c.clone()
        })
        .collect();
    let learner = calibration::Learner::forgetful(0);
    println!(
        "\nCalibration: a learner with its own FSRS parameters (domain 1 weaker) studies AZ-400 for 60 days; weighted recall on exam day, mean of 4 seeds (worst seed in brackets)\n"
    );
    println!(
        "| daily budget | true | predicted, default parameters | predicted, refitted | fits |"
    );
    println!("|---|---|---|---|---|");
    for minutes in [5.0, 10.0, 20.0, 30.0] {
        let mut rows = [(0.0, 0.0, 0.0f64, 0usize); 2];
        for (k, refit) in [false, true].into_iter().enumerate() {
            for seed in 1..=4 {
                let o = calibration::run(
                    &calibration::Setup {
                        cards: fresh.clone(),
                        domains: domains.to_vec(),
                        days: 60,
                        budget_seconds: minutes * 60.0,
                        limits,
                        refit,
                        seed,
                    },
                    &learner,
                )?;
                rows[k].0 += o.truth / 4.0;
                rows[k].1 += o.predicted / 4.0;
                rows[k].2 = rows[k].2.max((o.predicted - o.truth).abs());
                rows[k].3 += o.fits;
            }
        }
        let [before, after] = rows;
        println!(
            "| {minutes:.0} min | {:.1}% / {:.1}% | {:.1}% ({:+.1} points, worst {:.1}) | {:.1}% ({:+.1} points, worst {:.1}) | {:.1} |",
            before.0 * 100.0,
            after.0 * 100.0,
            before.1 * 100.0,
            (before.1 - before.0) * 100.0,
            before.2 * 100.0,
            after.1 * 100.0,
            (after.1 - after.0) * 100.0,
            after.2 * 100.0,
            after.3 as f64 / 4.0
        );
    }
    Ok(())
}
