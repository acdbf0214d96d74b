//! The scheduler driven end to end through the real binary: the FSRS reference vectors with
//! `SKILLDECK_NOW` and fuzz off, undo, exam dates, settings, status and optimize, and bad input
//! that must change nothing.

use crate::support::Env;

/// The card's (stability, difficulty, due day as a date, reps, lapses) from `show --json`.
fn card_state(env: &Env, note: &str) -> (f64, f64, i64, i64, i64) {
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["show", note, "--json"]).ok()).unwrap();
    let c = &json["cards"][0];
    (
        c["stability"].as_f64().unwrap_or(0.0),
        c["difficulty"].as_f64().unwrap_or(0.0),
        c["due"].as_i64().unwrap_or(0),
        c["reps"].as_i64().unwrap(),
        c["lapses"].as_i64().unwrap(),
    )
}

fn day_number(date: &str) -> i64 {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
}

fn date_plus(date: &str, days: i64) -> String {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    (d + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn reference_vectors_through_the_binary() {
    let mut env = Env::new();
    env.deck("one");
    env.run(&["build", "decks/one"]).ok();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    // (days after the previous review, rating, stability, difficulty, interval)
    let steps = [
        (0, "3", 2.3065, 2.1181, 2),
        (2, "3", 10.9643, 2.1112, 11),
        (11, "3", 46.2803, 2.1043, 46),
        (46, "1", 2.9326, 7.3900, 3),
        (3, "3", 7.7782, 7.3778, 8),
    ];
    let mut date = "2026-11-25".to_owned();
    for (i, (after, rating, stability, difficulty, interval)) in steps.into_iter().enumerate() {
        date = date_plus(&date, after);
        env.now = format!("{date}T09:00:00Z");
        // Reveal, rate, then quit (an Again card would come back in the same session).
        let out = env
            .run_input(&["review", "one"], &format!("\n{rating}\nq\n"))
            .ok();
        assert!(out.starts_with("card one/schedules#0\n"), "step {i}: {out}");
        let (s, d, due, reps, lapses) = card_state(&env, "schedules");
        assert!((s - stability).abs() < 0.001, "step {i}: stability {s}");
        assert!((d - difficulty).abs() < 0.001, "step {i}: difficulty {d}");
        assert_eq!(due, day_number(&date) + interval, "step {i}: interval");
        assert_eq!(reps, i as i64 + 1);
        assert_eq!(lapses, i64::from(i >= 3));
    }
    // Before the due day there is nothing to review.
    env.now = format!("{}T09:00:00Z", date_plus(&date, 7));
    let out = env.run_input(&["review", "one"], "").ok();
    assert!(out.starts_with("nothing to review now\n"), "{out}");
}

#[test]
fn the_rating_keys_show_their_intervals_and_again_comes_back() {
    let env = Env::new();
    env.deck("one");
    env.run(&["build", "decks/one"]).ok();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    let out = env.run_input(&["review"], "\n1\n\n3\n").ok();
    assert_eq!(
        out,
        "card one/schedules#0\nWhat keyword schedules an Azure pipeline?\nreveal: press Enter\nanswer:\n`schedules:` with a cron expression.\n\
         rate: 1 again 10m | 2 hard 1d | 3 good 2d | 4 easy 8d\n\
         card one/schedules#0\nWhat keyword schedules an Azure pipeline?\nreveal: press Enter\nanswer:\n`schedules:` with a cron expression.\n\
         rate: 1 again 10m | 2 hard 1d | 3 good 1d | 4 easy 1d\n\
         session: 2 answers (1 new) in 0s; correct 1 of 2 (50%)\n  One card: 2 answers, 50% correct, 0s\ntomorrow: 1 review(s) due\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["show", "schedules", "--json"]).ok()).unwrap();
    let reviews = json["cards"][0]["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0]["rating"], 1);
    assert_eq!(reviews[1]["rating"], 3);
    assert_eq!(reviews[1]["elapsed_days"], 0.0, "a same-day review");
}

#[test]
fn undo_restores_the_exact_previous_state() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    // Answer one card, so the state before the undone answer is not a fresh one.
    env.run_input(&["review", "--limit", "1"], "\n3\n").ok();
    let before = env.dump();
    let out = env.run_input(&["review"], "\n4\nu\nq\n").ok();
    assert!(out.contains("undone\n"), "{out}");
    assert_eq!(env.dump(), before);
}

#[test]
fn each_answer_is_committed_at_once() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    // The input ends in the middle of the third card: the first answers are kept.
    let run = env.run_input(&["review"], "\n3\n\n2\n\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reviews: i64 = env
        .sql()
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap();
    assert_eq!(reviews, 2);
}

#[test]
fn a_rating_outside_1_to_4_is_asked_again() {
    let env = Env::new();
    env.deck("one");
    env.run(&["build", "decks/one"]).ok();
    let out = env.run_input(&["review"], "\n5\nx\n3\n").ok();
    assert!(
        out.contains("type 1, 2, 3 or 4 (u undoes the last answer, q quits)\ntype 1, 2, 3 or 4"),
        "{out}"
    );
    assert!(out.contains("session: 1 answers (1 new)"), "{out}");
}

#[test]
fn a_choice_card_reads_letters_and_suggests_a_rating() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    // In the watch domain the basic card on `kql` comes first (outline order), then the choice.
    env.run_input(&["review", "--domain", "watch", "--limit", "1"], "\n3\n")
        .ok();
    let peek = env.run_input(&["review", "--domain", "watch"], "").ok();
    assert!(peek.starts_with("card kinds/kql-operators#0\n"), "{peek}");
    let letter_of = |text: &str| {
        peek.lines()
            .find(|l| l.len() > 3 && &l[1..3] == ") " && l.ends_with(text))
            .map(|l| l.chars().next().unwrap())
            .unwrap()
    };
    let (summarize, where_, select) = (
        letter_of("`summarize`"),
        letter_of("`where`"),
        letter_of("`SELECT`"),
    );
    let mut right: Vec<char> = vec![summarize, where_];
    right.sort_unstable();
    let right: String = right.into_iter().collect();
    // A wrong pick first: the suggestion is Again; undo, then the right pick.
    let out = env
        .run_input(
            &["review", "--domain", "watch"],
            &format!("{select}\n\nu\n{where_} {summarize}\n\n"),
        )
        .ok();
    assert!(
        out.contains(&format!("you chose {select}: wrong; correct: {right}\n")),
        "{out}"
    );
    assert!(out.contains("(Enter: 1 again)"), "{out}");
    assert!(out.contains("undone\n"), "{out}");
    assert!(
        out.contains(&format!("you chose {right}: correct\n")),
        "{out}"
    );
    assert!(out.contains("(Enter: 3 good)"), "{out}");
    assert!(
        out.contains(&format!("{summarize}) [x] `summarize`\n")),
        "{out}"
    );
    assert!(out.contains(&format!("{select}) [ ] `SELECT`\n")), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["show", "kql-operators", "--json"]).ok()).unwrap();
    let reviews = json["cards"][0]["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 1, "the undone answer is gone");
    assert_eq!(reviews[0]["rating"], 3);
}

#[test]
fn cloze_cards_are_masked_then_shown() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["config", "set", "new_per_day", "100"]).ok();
    let run = env
        .run_input(&["review", "--domain", "build"], &"\n3\n".repeat(20))
        .ok();
    assert!(run.contains("card kinds/pipeline-hierarchy#1\n"), "{run}");
    assert!(
        run.contains("A pipeline has stages, a stage has [...], a job runs steps on one agent.\n"),
        "{run}"
    );
    assert!(run.contains("A pipeline has stages, a stage has jobs, a job runs [what runs on an agent] on one agent.\n"), "{run}");
    assert!(
        run.contains("A pipeline has stages, a stage has [jobs], a job runs steps on one agent.\n"),
        "{run}"
    );
}

#[test]
fn exam_dates_are_checked() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let before = env.dump();
    let past = env.run(&["exam", "set", "kinds", "2026-11-01"]);
    assert_eq!(past.code, 1);
    assert_eq!(
        past.stderr,
        "error: exam date 2026-11-01 is in the past (today is 2026-11-25)\n"
    );
    let bad = env.run(&["exam", "set", "kinds", "15/01/2027"]);
    assert_eq!(
        bad.stderr,
        "error: `15/01/2027` is not a date; write it as YYYY-MM-DD, e.g. 2027-01-15\n"
    );
    let missing = env.run(&["exam", "set", "az-900", "2027-01-15"]);
    assert_eq!(
        missing.stderr,
        "error: deck `az-900` is not in the database; build it first with `skilldeck build DECK_DIR`\n"
    );
    assert_eq!(env.dump(), before);
    assert_eq!(
        env.run(&["exam", "set", "kinds", "2027-01-15"]).ok(),
        "kinds: exam on 2027-01-15, in 51 days\n"
    );
    let status: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).ok()).unwrap();
    assert_eq!(status["decks"][0]["exam_date"], "2027-01-15");
    assert_eq!(
        env.run(&["exam", "clear", "kinds"]).ok(),
        "kinds: exam date cleared\n"
    );
}

#[test]
fn settings_are_validated_and_nothing_is_written_on_error() {
    let env = Env::new();
    env.deck("one");
    env.run(&["build", "decks/one"]).ok();
    let low = env.run(&["config", "set", "desired_retention", "0.5"]);
    assert_eq!(low.code, 1);
    assert_eq!(
        low.stderr,
        "error: `0.5` is not a valid desired_retention: recall probability reviews aim for (0.70–0.99)\n"
    );
    assert_eq!(
        env.run(&["config", "get", "desired_retention"]).ok(),
        "0.9\n"
    );
    assert_eq!(
        env.run(&["config", "set", "desired_retention", "0.8"]).ok(),
        "desired_retention = 0.8\n"
    );
    assert_eq!(
        env.run(&[
            "config",
            "set",
            "desired_retention",
            "0.95",
            "--deck",
            "one"
        ])
        .ok(),
        "one: desired_retention = 0.95\n"
    );
    let all = env.run(&["config", "get"]).ok();
    for key in [
        "desired_retention",
        "fuzz",
        "new_per_day",
        "reviews_per_day",
        "day_rollover_hour",
        "max_interval",
    ] {
        assert!(all.contains(&format!("{key} = ")), "{all}");
    }
    // The deck's own retention wins: at 0.95 a new card's Good gives 1 day instead of 2.
    env.run(&["config", "set", "fuzz", "off"]).ok();
    let out = env.run_input(&["review"], "\nq\n").ok();
    assert!(out.contains("3 good 1d"), "{out}");
}

#[test]
fn review_of_an_unknown_deck_or_domain_is_a_clear_error() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let run = env.run_input(&["review", "nope"], "");
    assert_eq!(
        run.stderr,
        "error: deck `nope` is not in the database; build it first with `skilldeck build DECK_DIR`\n"
    );
    let run = env.run_input(&["review", "--domain", "nope"], "");
    assert_eq!(
        run.stderr,
        "error: no domain `nope`; the domains are build, watch\n"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn status_reports_counts_and_readiness() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).ok()).unwrap();
    assert_eq!(json["date"], "2026-11-25");
    assert_eq!(json["due"], 0);
    assert_eq!(json["new"], 13);
    assert_eq!(json["decks"][0]["domains"][0]["id"], "build");
    assert_eq!(json["decks"][0]["domains"][0]["coverage"], 0.0);
    assert_eq!(json["decks"][0]["weighted_recall"], 0.0);
    env.run_input(&["review"], &"\n3\n".repeat(3)).ok();
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["status", "--json"]).ok()).unwrap();
    assert!(json["decks"][0]["weighted_coverage"].as_f64().unwrap() > 0.0);
    assert!(json["decks"][0]["weighted_recall"].as_f64().unwrap() > 0.0);
    let text = env.run(&["status"]).ok();
    assert!(
        text.starts_with("today (2026-11-25): 0 due, 10 new, 0 learning\n"),
        "{text}"
    );
}

#[test]
fn optimize_says_when_history_is_too_short() {
    let env = Env::new();
    env.deck("one");
    env.run(&["build", "decks/one"]).ok();
    let out = env.run(&["optimize"]).ok();
    assert_eq!(
        out,
        "too little history to optimize (all decks): 0 review(s) give 0 training item(s); at least 8 are needed (a card reviewed again on a later day gives one). Parameters unchanged.\n"
    );
}

#[test]
fn stats_report_history_retention_forecast_and_heatmap() {
    let mut env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let stats = |env: &Env| -> serde_json::Value {
        serde_json::from_str(&env.run(&["stats", "--json"]).ok()).unwrap()
    };
    let empty = stats(&env);
    assert_eq!(empty["reviews"], 0);
    assert!(
        env.run(&["stats"])
            .ok()
            .starts_with("2026-11-25: no reviews yet")
    );

    // Day one: three new cards, Good.
    env.run_input(&["review"], &"\n3\n".repeat(3)).ok();
    let one = stats(&env);
    assert_eq!(one["today"], "2026-11-25");
    assert_eq!(one["reviews"], 3);
    assert_eq!(one["days_studied"], 1);
    assert_eq!(one["streak"], 1);
    // First answers are not spaced: no retention yet.
    assert_eq!(one["retention_all"]["answers"], 0);
    assert!(one["retention_all"]["recalled"].is_null());
    let forecast = one["forecast"].as_array().unwrap();
    assert_eq!(forecast.len(), 14);
    assert_eq!(
        forecast
            .iter()
            .map(|d| d["cards"].as_u64().unwrap())
            .sum::<u64>(),
        3
    );
    let heat = one["heatmap"].as_array().unwrap();
    assert_eq!(
        heat.last().unwrap(),
        &serde_json::json!({ "day": "2026-11-25", "reviews": 3 })
    );

    // Two days later, only the due cards (no new ones): all three recalled.
    env.run(&["config", "set", "new_per_day", "0"]).ok();
    env.now = "2026-11-27T09:00:00Z".into();
    env.run_input(&["review"], &"\n3\n".repeat(3)).ok();
    let three = stats(&env);
    assert_eq!(three["reviews"], 6);
    assert_eq!(three["days_studied"], 2);
    assert_eq!(three["streak"], 1, "11-26 was skipped");
    assert_eq!(three["retention_all"]["answers"], 3);
    assert_eq!(three["retention_all"]["recalled"], 1.0);
    assert_eq!(three["last_30_days"]["reviews"], 6);
    let text = env.run(&["stats"]).ok();
    assert!(
        text.starts_with("2026-11-27: 6 reviews on 2 days"),
        "{text}"
    );
    assert!(
        text.contains("true retention: 100.0% of 3 answers in the last 30 days"),
        "{text}"
    );
    assert!(text.contains("\n  Fri 11-27 "), "{text}");
    assert!(text.contains("\n  Mon "), "{text}");
}
