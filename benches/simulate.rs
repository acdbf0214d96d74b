//! The scheduling proof: a simulated learner studies the AZ-400 deck for 60 days to the exam,
//! with the same daily time budget under each policy, and the weighted recall on exam day is
//! compared (skilldeck's weighted queue against plain due-date order, Anki's default).
//! Run with `cargo bench --bench simulate`; the table goes in the README.

use skilldeck::sched::fsrs::{IntervalRules, Scheduler};
use skilldeck::sched::simulate::{Policy, Setup, run};

mod common;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const SEEDS: u64 = 10;
const DAYS: i64 = 60;
const NEW_PER_DAY: usize = 20;

fn main() -> Result<()> {
    let (deck, domains) = common::az400()?;
    let outline = deck
        .outline
        .as_ref()
        .ok_or("the AZ-400 deck has no outline")?;
    // One card per card the deck makes, in deck order, each in its note's domain.
    let mut card_domains = Vec::new();
    for n in &deck.notes {
        let domain = n
            .note
            .skill
            .as_ref()
            .and_then(|s| outline.place(s))
            .map_or(0, |p| p.domain);
        card_domains.extend(std::iter::repeat_n(domain, n.note.ords.len()));
    }
    let scheduler = Scheduler::new(
        &[],
        0.9,
        IntervalRules {
            max_interval: 36500,
            fuzz: true,
        },
    )?;
    println!(
        "AZ-400: {} cards, {} days to the exam, {} new cards a day at most, {} seeds each\n",
        card_domains.len(),
        DAYS,
        NEW_PER_DAY,
        SEEDS
    );
    println!("| daily budget | due-date order | weighted queue | gain |");
    println!("|---|---|---|---|");
    for minutes in [5.0, 10.0, 15.0, 20.0, 30.0, 60.0] {
        let (mut due, mut weighted) = (0.0, 0.0);
        for seed in 1..=SEEDS {
            let setup = Setup {
                card_domains: card_domains.clone(),
                domains: domains.clone(),
                days: DAYS,
                budget_seconds: minutes * 60.0,
                new_per_day: NEW_PER_DAY,
                seed,
            };
            due += run(&setup, Policy::DueDate, &scheduler)?;
            weighted += run(&setup, Policy::Weighted, &scheduler)?;
        }
        let (due, weighted) = (due / SEEDS as f64, weighted / SEEDS as f64);
        println!(
            "| {minutes:.0} min | {:.1}% | {:.1}% | {:+.1} points |",
            due * 100.0,
            weighted * 100.0,
            (weighted - due) * 100.0
        );
    }
    Ok(())
}
