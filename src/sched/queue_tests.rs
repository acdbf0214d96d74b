//! Table tests for the daily queue.

use super::*;
use crate::sched::fsrs::Memory;

fn scheduler() -> Scheduler {
    Scheduler::reference()
}

const TODAY: Day = Day(20_000);

fn params() -> QueueParams {
    QueueParams {
        today: TODAY,
        now: Timestamp::from_millis(TODAY.0 * 86_400_000 + 36_000_000),
        exam: None,
        reviews_left: 1000,
        new_left: 20,
        budget_seconds: None,
    }
}

fn new_card(id: i64, domain: usize) -> QueueCard {
    QueueCard {
        id,
        note: id,
        domain,
        state: CardState::new_card(),
        last_review_day: None,
        hidden: false,
        order: (0, 0, id as u32, 0),
        seconds: None,
    }
}

/// A reviewed card: stability, reviewed `ago` days before today, due `due_in` days from today.
fn reviewed(id: i64, domain: usize, stability: f32, ago: i64, due_in: i64) -> QueueCard {
    QueueCard {
        id,
        note: id,
        domain,
        state: CardState {
            phase: Phase::Review,
            memory: Some(Memory {
                stability,
                difficulty: 5.0,
            }),
            due: Some(TODAY.plus(due_in)),
            step_due: None,
            last_review: Some(Timestamp::from_millis((TODAY.0 - ago) * 86_400_000)),
            reps: 3,
            lapses: 0,
        },
        last_review_day: Some(TODAY.plus(-ago)),
        hidden: false,
        order: (0, 0, id as u32, 0),
        seconds: None,
    }
}

fn domains(weights: &[f64], notes: usize) -> Vec<DomainInput> {
    weights
        .iter()
        .map(|&weight| DomainInput { weight, notes })
        .collect()
}

fn count_by_domain(ids: &[i64], cards: &[QueueCard]) -> Vec<usize> {
    let mut counts = vec![0; 2];
    for id in ids {
        let c = cards.iter().find(|c| c.id == *id).unwrap();
        counts[c.domain] += 1;
    }
    counts
}

#[test]
fn new_cards_follow_weights_80_20_when_weakness_is_equal() {
    let cards: Vec<QueueCard> = (0..200).map(|i| new_card(i, (i % 2) as usize)).collect();
    let q = build(
        &scheduler(),
        &cards,
        &domains(&[80.0, 20.0], 100),
        &params(),
    );
    assert_eq!(q.new.len(), 20);
    assert_eq!(count_by_domain(&q.new, &cards), [16, 4]);
}

#[test]
fn new_cards_come_in_outline_order_inside_a_domain() {
    let mut cards: Vec<QueueCard> = (0..10).map(|i| new_card(i, 0)).collect();
    cards[3].order = (0, 0, 0, 0); // earliest in the outline
    cards[0].order = (1, 0, 0, 0);
    let mut p = params();
    p.new_left = 3;
    let q = build(&scheduler(), &cards, &domains(&[100.0], 10), &p);
    assert_eq!(q.new, [3, 1, 2]);
}

#[test]
fn a_weak_low_weight_domain_gains_share() {
    // Domain 0 (weight 80) is well known, domain 1 (weight 20) is weak.
    let mut cards: Vec<QueueCard> = Vec::new();
    for i in 0..20 {
        cards.push(reviewed(1000 + i, 0, 100.0, 5, 30));
        cards.push(reviewed(2000 + i, 1, 2.0, 10, 30));
    }
    for i in 0..200 {
        cards.push(new_card(i, (i % 2) as usize));
    }
    let d = domains(&[80.0, 20.0], 120);
    let w = weigh(&cards, &d, TODAY, scheduler().decay());
    assert!(w.boost[1] > 1.0 && w.boost[0] < 1.0, "{w:?}");
    assert!(w.new_share[1] > 0.2, "{w:?}");
    let mut p = params();
    p.new_left = 100;
    let q = build(&scheduler(), &cards, &d, &p);
    let counts = count_by_domain(&q.new, &cards);
    assert!(counts[1] as f64 / q.new.len() as f64 > 0.25, "{counts:?}");
}

#[test]
fn the_review_limit_keeps_the_highest_value_cards() {
    let s = scheduler();
    // Overdue cards of varying stability in two domains.
    let mut cards = Vec::new();
    for i in 0..40 {
        let stability = 1.0 + (i % 10) as f32 * 3.0;
        cards.push(reviewed(
            i,
            (i % 2) as usize,
            stability,
            5 + (i % 7),
            -(i % 3),
        ));
    }
    let d = domains(&[70.0, 30.0], 20);
    let mut p = params();
    p.reviews_left = 10;
    let q = build(&s, &cards, &d, &p);
    assert_eq!(q.reviews.len(), 10);
    assert_eq!(q.deferred, 30);
    let w = weigh(&cards, &d, TODAY, s.decay());
    let mut values: Vec<(f64, i64)> = cards
        .iter()
        .map(|c| (value(&s, c, w.per_note[c.domain], TODAY, p.target()), c.id))
        .collect();
    values.sort_by(|a, b| b.0.total_cmp(&a.0));
    let best: std::collections::HashSet<i64> = values[..10].iter().map(|v| v.1).collect();
    let chosen: std::collections::HashSet<i64> = q.reviews.iter().copied().collect();
    assert_eq!(chosen, best);
}

#[test]
fn a_heavier_domain_wins_between_equal_cards() {
    let cards = vec![reviewed(1, 0, 5.0, 6, 0), reviewed(2, 1, 5.0, 6, 0)];
    let mut p = params();
    p.reviews_left = 1;
    let q = build(&scheduler(), &cards, &domains(&[20.0, 80.0], 10), &p);
    assert_eq!(q.reviews, [2]);
}

#[test]
fn nothing_due_is_lost_from_later_days() {
    let s = scheduler();
    let cards: Vec<QueueCard> = (0..30)
        .map(|i| reviewed(i, (i % 2) as usize, 3.0, 4, -(i % 4)))
        .collect();
    let d = domains(&[50.0, 50.0], 15);
    let mut p = params();
    p.reviews_left = 12;
    let today = build(&s, &cards, &d, &p);
    // Nobody studied: tomorrow every card left today is still due, and with room they all come.
    let mut tomorrow = params();
    tomorrow.today = TODAY.plus(1);
    tomorrow.reviews_left = 1000;
    let next = build(&s, &cards, &d, &tomorrow);
    let deferred: Vec<i64> = cards
        .iter()
        .map(|c| c.id)
        .filter(|id| !today.reviews.contains(id))
        .collect();
    assert_eq!(deferred.len(), 18);
    for id in deferred {
        assert!(next.reviews.contains(&id), "card {id} was lost");
    }
}

#[test]
fn a_time_budget_limits_reviews_and_new_cards() {
    let mut cards: Vec<QueueCard> = (0..20).map(|i| reviewed(i, 0, 3.0, 5, 0)).collect();
    cards.extend((100..110).map(|i| new_card(i, 0)));
    let d = domains(&[100.0], 30);
    let mut p = params();
    p.new_left = 0;
    p.budget_seconds = Some(100.0);
    let q = build(&scheduler(), &cards, &d, &p);
    assert_eq!(q.reviews.len(), 10, "10 s each");
    assert_eq!(q.deferred, 10);
    p.budget_seconds = Some(150.0);
    assert_eq!(build(&scheduler(), &cards, &d, &p).reviews.len(), 15);
    // With new cards allowed, the budget is shared: reviews cost 10 s, new cards 20 s.
    p.new_left = 10;
    for budget in [100.0, 170.0, 260.0] {
        p.budget_seconds = Some(budget);
        let q = build(&scheduler(), &cards, &d, &p);
        let spent = q.reviews.len() as f64 * 10.0 + q.new.len() as f64 * 20.0;
        assert!(
            spent <= budget && spent > budget - 20.0,
            "budget {budget}: spent {spent}"
        );
    }
    p.budget_seconds = Some(400.0);
    let q = build(&scheduler(), &cards, &d, &p);
    assert_eq!((q.reviews.len(), q.new.len()), (20, 10), "everything fits");
}

#[test]
fn under_a_tight_budget_new_cards_and_reviews_compete_by_value() {
    // Cards that are nearly certain to be recalled on the target day are worth less than a
    // first look at a new card; overdue, weak cards are worth more.
    let strong: Vec<QueueCard> = (0..10).map(|i| reviewed(i, 0, 400.0, 20, 0)).collect();
    let weak: Vec<QueueCard> = (10..20).map(|i| reviewed(i, 0, 0.5, 20, -15)).collect();
    let fresh: Vec<QueueCard> = (100..110).map(|i| new_card(i, 0)).collect();
    let cards: Vec<QueueCard> = strong.iter().chain(&weak).chain(&fresh).cloned().collect();
    let mut p = params();
    p.new_left = 10;
    p.budget_seconds = Some(200.0);
    let q = build(&scheduler(), &cards, &domains(&[100.0], 30), &p);
    assert!(q.reviews.iter().all(|id| (10..20).contains(id)), "{q:?}");
    assert!(!q.new.is_empty(), "{q:?}");
}

#[test]
fn hidden_cards_and_learning_steps() {
    let mut cards = vec![
        reviewed(1, 0, 3.0, 5, 0),
        reviewed(2, 0, 3.0, 5, 0),
        new_card(3, 0),
    ];
    cards[1].hidden = true;
    // Card 4 was answered Again today.
    let mut again = reviewed(4, 0, 0.5, 0, 1);
    again.state.step_due = Some(params().now);
    cards.push(again);
    let q = build(&scheduler(), &cards, &domains(&[100.0], 4), &params());
    assert_eq!(q.learning, [4]);
    assert_eq!(q.reviews, [1]);
    assert_eq!(q.order()[0], 4);
    assert!(!q.order().contains(&2));
}

#[test]
fn the_final_week_shows_weak_cards_once_more() {
    let cards = vec![
        reviewed(1, 0, 4.0, 10, 20),    // weak on exam day, not due: shown
        reviewed(2, 0, 3000.0, 10, 20), // strong: not shown
        reviewed(3, 0, 4.0, 1, 20),     // reviewed in the final week already: not shown
    ];
    let mut p = params();
    p.exam = Some(TODAY.plus(5));
    let q = build(&scheduler(), &cards, &domains(&[100.0], 3), &p);
    assert_eq!(q.final_pass, [1]);
    assert!(q.reviews.is_empty());
    p.exam = Some(TODAY.plus(30));
    let q = build(&scheduler(), &cards, &domains(&[100.0], 3), &p);
    assert!(q.final_pass.is_empty(), "not in the final week yet");
}

#[test]
fn exam_pace_introduces_everything_a_week_early() {
    assert_eq!(exam_pace(20, 700, TODAY, TODAY.plus(60), 100), (20, None));
    assert_eq!(exam_pace(20, 2000, TODAY, TODAY.plus(60), 100), (38, None));
    let (limit, warning) = exam_pace(20, 20_000, TODAY, TODAY.plus(60), 100);
    assert_eq!(limit, 100);
    assert_eq!(
        warning.unwrap(),
        "20000 new card(s) need 378 a day to be introduced a week before the exam; the cap is 100 a day, so some will come later"
    );
    let (limit, warning) = exam_pace(20, 50, TODAY, TODAY.plus(3), 100);
    assert_eq!(limit, 100);
    assert!(
        warning
            .unwrap()
            .starts_with("50 new card(s) not yet introduced with 3 day(s) to the exam")
    );
}

#[test]
fn intersperse_spreads_evenly() {
    assert_eq!(intersperse(&[1, 2, 3, 4], &[9]), [1, 2, 9, 3, 4]);
    assert_eq!(intersperse(&[1, 2, 3, 4], &[8, 9]), [1, 8, 2, 3, 9, 4]);
    assert_eq!(intersperse(&[], &[8, 9]), [8, 9]);
    assert_eq!(intersperse(&[1], &[]), [1]);
}
