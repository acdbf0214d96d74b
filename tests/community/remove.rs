//! `skilldeck remove`: a removed deck is no longer built or studied and keeps its history;
//! `--purge` asks first, then deletes the history and the folder skilldeck kept.

use super::{Origin, managed, managed_entries, reviews_of};
use crate::support::Env;

fn count(env: &Env, sql: &str) -> i64 {
    env.sql().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_removed_deck_keeps_its_history_and_comes_back_with_it() {
    let env = Env::new();
    let origin = Origin::new(&env, "community");
    env.run(&["add", &origin.url()]).ok();
    env.run_input(&["review", "--plain"], &"\n3\n".repeat(3))
        .ok();
    let reviews = count(&env, "SELECT count(*) FROM reviews");
    assert_eq!(reviews, 3);
    let one = env.deck("one");
    env.run(&["add", one.to_str().unwrap()]).ok();

    let out = env.run(&["remove", "community"]).ok();
    assert!(
        out.contains("removed `community`: it is no longer built or reviewed. Its history (3 review(s)) stays"),
        "{out}"
    );
    assert!(env.run(&["decks"]).ok().contains("(removed)"));
    assert_eq!(count(&env, "SELECT count(*) FROM reviews"), 3);
    // Not built, not studied.
    assert_eq!(
        env.run(&["build"]).ok().trim(),
        "one: up to date (1 notes, 1 cards)"
    );
    let run = env.run(&["review", "community", "--plain"]);
    assert!(
        run.stderr.contains("deck `community` was removed"),
        "{run:?}"
    );
    let status = env.run(&["status", "--json"]).ok();
    assert!(status.contains("\"one\""), "{status}");
    assert!(!status.contains("community"), "{status}");
    let run = env.run(&["update", "community"]);
    assert!(run.stderr.contains("`skilldeck add file://"), "{run:?}");

    // Added again: the kept clone and the history come back.
    let out = env.run(&["add", &origin.url()]).ok();
    assert!(
        out.contains("brought back from the folder `remove` kept"),
        "{out}"
    );
    assert!(!env.run(&["decks"]).ok().contains("(removed)"));
    assert_eq!(reviews_of(&env, "community", "schedules"), 1);
}

#[test]
fn purging_asks_first_then_deletes_the_history_and_the_clone() {
    let env = Env::new();
    let origin = Origin::new(&env, "community");
    let one = env.deck("one");
    env.run(&["build", one.to_str().unwrap()]).ok();
    env.run(&["add", &origin.url()]).ok();
    env.run_input(&["review", "--plain"], &"\n3\n".repeat(4))
        .ok();
    assert_eq!(count(&env, "SELECT count(*) FROM reviews"), 4);
    let before = env.dump();

    let run = env.run_input(&["remove", "--purge", "community"], "n\n");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("delete deck `community` and its history: 3 note(s), 3 review(s), and ")
            && run.stderr.contains("[y/N]")
            && run.stderr.contains("not confirmed: nothing was deleted"),
        "{run:?}"
    );
    assert_eq!(env.dump(), before);
    assert!(managed(&env).join("community").is_dir());
    // `--yes` needs `--purge`.
    let run = env.run(&["remove", "--yes", "community"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("--purge"), "{run:?}");

    let run = env.run_input(&["remove", "--purge", "community"], "y\n");
    assert!(run.stdout.contains("purged deck `community`"), "{run:?}");
    assert_eq!(managed_entries(&env), Vec::<String>::new());
    assert_eq!(
        count(&env, "SELECT count(*) FROM decks WHERE slug = 'community'"),
        0
    );
    assert_eq!(count(&env, "SELECT count(*) FROM subscriptions"), 0);
    // The other deck's history is untouched.
    assert_eq!(count(&env, "SELECT count(*) FROM reviews"), 1);
    assert_eq!(reviews_of(&env, "one", "schedules"), 1);

    // A deck folder of the user's is never deleted; `--yes` does not ask.
    env.run(&["add", one.to_str().unwrap()]).ok();
    let out = env.run(&["remove", "--purge", "--yes", "one"]).ok();
    assert!(out.contains("purged deck `one`"), "{out}");
    assert!(one.join("deck.toml").is_file());
    assert_eq!(count(&env, "SELECT count(*) FROM reviews"), 0);
    let run = env.run(&["status"]);
    assert!(run.stderr.contains("no deck to study"), "{run:?}");
}
