//! The exam plan through the real binary: `status` and `status --json` show readiness at the
//! learner's pace and the minutes a day the target needs (or that it is out of reach), and a
//! review's closing summary repeats the plan.

use crate::support::Env;

fn status(env: &Env) -> serde_json::Value {
    serde_json::from_str(&env.run(&["status", "--json"]).ok()).unwrap()
}

#[test]
fn status_shows_the_plan_to_the_exam() {
    let mut env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    assert!(status(&env)["decks"][0]["plan"].is_null());
    env.run(&["exam", "set", "kinds", "2026-12-25"]).ok();
    // Three study days before today; every answer then took a minute.
    for day in ["2026-11-22", "2026-11-23", "2026-11-24"] {
        env.now = format!("{day}T09:00:00Z");
        let out = env.run_input(&["review"], &"\n3\n".repeat(4)).ok();
        assert!(out.contains("\nplan for kinds: at your pace ("), "{out}");
    }
    let answers: i64 = env
        .sql_rw()
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap();
    assert!(answers >= 3, "{answers}");
    env.sql_rw()
        .execute("UPDATE reviews SET duration_ms = 60000", [])
        .unwrap();
    env.now = "2026-11-25T09:00:00Z".into();

    let plan = status(&env)["decks"][0]["plan"].clone();
    assert_eq!(plan["days_left"], 30);
    // A minute an answer, over the 3 days since the first review.
    let pace = answers as f64 / 3.0;
    assert!(
        (plan["pace_minutes"].as_f64().unwrap() - pace).abs() < 1e-9,
        "{plan}"
    );
    assert_eq!(plan["target"].as_f64().unwrap() as f32, 0.9);
    assert_eq!(plan["reachable"], true);
    let at_pace = plan["readiness_at_pace"].as_f64().unwrap();
    assert!(at_pace > 0.5 && at_pace <= 1.0, "{plan}");
    let needed = plan["minutes_needed"].as_u64().unwrap();
    let summary = plan["summary"].as_str().unwrap();
    assert_eq!(
        summary,
        format!(
            "at your pace ({pace:.0} min a day) you would be {:.0}% ready on exam day (2026-12-25, in 30 days); 90% needs {}",
            at_pace * 100.0,
            if needed == 0 {
                "no more study".to_owned()
            } else {
                format!("{needed} min a day")
            }
        )
    );
    let text = env.run(&["status"]).ok();
    assert!(text.contains(&format!("\n  plan: {summary}\n")), "{text}");

    // A target no amount of study reaches in time.
    env.run(&["config", "set", "target_readiness", "0.99"]).ok();
    let plan = status(&env)["decks"][0]["plan"].clone();
    assert_eq!(plan["reachable"], false, "{plan}");
    let best = plan["best_reachable"].as_f64().unwrap();
    assert!(best < 0.99 && best >= at_pace - 1e-9, "{plan}");
    let summary = plan["summary"].as_str().unwrap();
    assert!(
        summary.ends_with(&format!(
            "; 99% is out of reach by exam day even with no time limit: at most {:.0}%, with {} min a day",
            best * 100.0,
            plan["minutes_needed"]
        )),
        "{summary}"
    );
}
