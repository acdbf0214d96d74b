//! Tests of the planner on a small fixture deck: a budget that reaches the target, a target
//! out of reach, determinism and the daily projection.

use super::*;
use crate::sched::fsrs::IntervalRules;

fn scheduler() -> Scheduler {
    Scheduler::new(
        &[],
        0.9,
        IntervalRules {
            max_interval: 36500,
            fuzz: true,
        },
    )
    .unwrap()
}

/// 160 new cards in three domains (50 / 30 / 20 percent), one card a note.
fn course(s: &Scheduler, days: i64) -> Course<'_> {
    let notes = [80, 50, 30];
    let weights = [50.0, 30.0, 20.0];
    let cards = crate::sched::queue::new_cards_by_domain(&notes);
    Course {
        scheduler: s,
        cards,
        domains: weights
            .iter()
            .zip(notes)
            .map(|(&weight, n)| DomainInput {
                weight,
                notes: n as usize,
            })
            .collect(),
        today: Day(20_000),
        exam: Day(20_000 + days),
        limits: Limits {
            new_per_day: 20,
            max_new_per_day: 100,
            reviews_per_day: 200,
        },
        habits: Habits::default(),
        done_today: DoneToday::default(),
    }
}

#[test]
fn a_reachable_target_gets_the_least_minutes_that_reach_it() {
    let s = scheduler();
    let c = course(&s, 30);
    let f = forecast(&c, 2.0, 0.92).unwrap();
    let Needed::Reachable { minutes } = f.needed else {
        panic!("expected a reachable target: {f:?}");
    };
    // The minutes found reach the target and one minute less does not.
    assert!(
        simulate(&c, Some(f64::from(minutes) * 60.0))
            .unwrap()
            .exam()
            >= 0.92
    );
    assert!(minutes > 2, "{f:?}");
    assert!(
        simulate(&c, Some(f64::from(minutes - 1) * 60.0))
            .unwrap()
            .exam()
            < 0.92
    );
    // Two minutes a day fall short of it.
    assert!(f.at_pace < 0.92, "{f:?}");
    assert!(f.at_pace > 0.1, "{f:?}");
}

#[test]
fn a_target_out_of_reach_says_what_can_be_reached() {
    let s = scheduler();
    // Two days to the exam: every card can be seen, but a card seen once or twice is not
    // recalled at 98% on exam day.
    let c = course(&s, 2);
    let f = forecast(&c, 10.0, 0.98).unwrap();
    let Needed::Unreachable { best, minutes } = f.needed else {
        panic!("expected an unreachable target: {f:?}");
    };
    let unlimited = simulate(&c, None).unwrap().exam();
    assert!((best - unlimited.max(f.at_pace)).abs() < 1e-12);
    assert!(best < 0.98 && best > 0.8, "{best}");
    // The minutes given reach within half a point of the best.
    assert!(
        simulate(&c, Some(f64::from(minutes) * 60.0))
            .unwrap()
            .exam()
            >= best - 0.005
    );
    assert!(f.at_pace <= best + 1e-9);
}

#[test]
fn the_simulation_is_deterministic_and_more_time_helps() {
    let s = scheduler();
    let c = course(&s, 30);
    let a = simulate(&c, Some(60.0)).unwrap();
    assert_eq!(a, simulate(&c, Some(60.0)).unwrap());
    let more = simulate(&c, Some(300.0)).unwrap();
    assert!(
        more.exam() > a.exam() + 0.05,
        "{} vs {}",
        more.exam(),
        a.exam()
    );
    // One point a day, today to exam day; nothing is known today.
    assert_eq!(a.daily.len(), 31);
    assert_eq!(a.daily[0], 0.0);
    let none = simulate(&c, Some(0.0)).unwrap();
    assert!(none.daily.iter().all(|&r| r == 0.0));
}

#[test]
fn time_already_spent_today_counts_against_todays_budget() {
    let s = scheduler();
    let mut c = course(&s, 1);
    let fresh = simulate(&c, Some(600.0)).unwrap().exam();
    c.done_today = DoneToday {
        answers: 10,
        new: 10,
        seconds: 600.0,
    };
    assert_eq!(simulate(&c, Some(600.0)).unwrap().exam(), 0.0);
    assert!(fresh > 0.0);
}

#[test]
fn draws_are_uniform_enough_and_ratings_follow_the_shares() {
    let n = 20_000;
    let mean: f64 = (0..n).map(|i| draw(7, i, 3, 1)).sum::<f64>() / n as f64;
    assert!((mean - 0.5).abs() < 0.01, "{mean}");
    assert_eq!(pick(0.1, &[0.25, 0.1, 0.55, 0.1]), 0);
    assert_eq!(pick(0.3, &[0.25, 0.1, 0.55, 0.1]), 1);
    assert_eq!(pick(0.95, &[0.25, 0.1, 0.55, 0.1]), 3);
}
