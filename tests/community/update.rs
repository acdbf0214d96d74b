//! `skilldeck update`: a new version is fetched, rebuilt and told note by note, every card
//! keeping its history; local edits stop it before anything changes.

use std::fs;

use super::{NOTES_1, NOTES_2, Origin, git, managed, reviews_of};
use crate::support::Env;

/// An added deck of three notes, each answered once.
fn studied(env: &Env) -> Origin {
    let origin = Origin::new(env, "community");
    env.run(&["add", &origin.url()]).ok();
    env.run_input(&["review", "--plain"], &"\n3\n".repeat(3))
        .ok();
    for note in ["schedules", "workflow-file", "agent"] {
        assert_eq!(reviews_of(env, "community", note), 1, "{note}");
    }
    origin
}

#[test]
fn an_update_reports_every_change_and_keeps_history() {
    let env = Env::new();
    let origin = studied(&env);
    let card_ids = |note: &str| -> (i64, i64) {
        env.sql()
            .query_row(
                "SELECT c.id, c.reps FROM cards c JOIN notes n ON n.id = c.note WHERE n.note_id = ?1",
                [note],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let before = card_ids("schedules");

    let out = env.run(&["update"]).ok();
    assert_eq!(out.trim(), "community: 1.0.0: up to date, no note changed");

    origin.publish("community", "1.1.0", NOTES_2);
    let head = git(&origin.work, &["rev-parse", "--short=7", "HEAD"]);
    let out = env.run(&["update", "community"]).ok();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("community: 1.0.0 → 1.1.0 (")
            && lines[0].ends_with(&format!(
                "→ {}): 1 added, 1 changed, 1 retired",
                head.trim()
            )),
        "{out}"
    );
    assert_eq!(
        lines[1..],
        [
            "  added    environments",
            "  changed  schedules",
            "  retired  agent"
        ]
    );
    let clone = managed(&env).join("community");
    assert_eq!(
        fs::read_to_string(clone.join("pipelines.md")).unwrap(),
        NOTES_2
    );

    // Ids are the contract: the changed note keeps its card and history; the retired one
    // keeps its reviews too.
    assert_eq!(card_ids("schedules"), before);
    assert_eq!(reviews_of(&env, "community", "schedules"), 1);
    assert_eq!(reviews_of(&env, "community", "agent"), 1);
    let version: String = env
        .sql()
        .query_row(
            "SELECT version FROM decks WHERE slug = 'community'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, "1.1.0");
    assert!(env.run(&["decks"]).ok().contains("1.1.0"));

    // The retired note comes back with its history when a later version restores it.
    origin.publish("community", "1.2.0", NOTES_1);
    let out = env.run(&["update"]).ok();
    assert!(out.contains("  returned agent"), "{out}");
    assert!(out.contains("  retired  environments"), "{out}");
    assert_eq!(reviews_of(&env, "community", "agent"), 1);
}

#[test]
fn a_local_edit_stops_the_update_with_nothing_changed() {
    let env = Env::new();
    let origin = studied(&env);
    origin.publish("community", "1.1.0", NOTES_2);
    let clone = managed(&env).join("community");
    let edited = NOTES_1.replace("(runner)", "(my own note)");
    fs::write(clone.join("pipelines.md"), &edited).unwrap();
    let head = git(&clone, &["rev-parse", "HEAD"]);
    let before = env.dump();

    let run = env.run(&["update"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("community: 1 local edit(s) in ")
            && run.stderr.contains("M pipelines.md")
            && run.stderr.contains("nothing was changed")
            && run.stderr.contains("commit -a")
            && run.stderr.contains("stash"),
        "{run:?}"
    );
    assert!(run.stderr.contains("not updated: community"), "{run:?}");
    assert_eq!(env.dump(), before);
    assert_eq!(
        fs::read_to_string(clone.join("pipelines.md")).unwrap(),
        edited
    );
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head);
}

#[test]
fn a_diverged_clone_stops_the_update_with_nothing_changed() {
    let env = Env::new();
    let origin = studied(&env);
    let clone = managed(&env).join("community");
    let mine = NOTES_1.replace("(runner)", "(committed by me)");
    fs::write(clone.join("pipelines.md"), &mine).unwrap();
    git(&clone, &["commit", "--quiet", "-am", "my edit"]);
    // With nothing new upstream, the local commit is built and kept.
    let out = env.run(&["update"]).ok();
    assert!(out.contains("  changed  agent"), "{out}");
    assert!(
        out.contains("has local commits its source does not have"),
        "{out}"
    );

    origin.publish("community", "1.1.0", NOTES_2);
    let head = git(&clone, &["rev-parse", "HEAD"]);
    let before = env.dump();
    let run = env.run(&["update", "community"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("cannot be fast-forwarded, so nothing was changed")
            && run.stderr.contains("pull"),
        "{run:?}"
    );
    assert_eq!(env.dump(), before);
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        fs::read_to_string(clone.join("pipelines.md")).unwrap(),
        mine
    );
}

#[test]
fn a_new_version_that_does_not_build_changes_nothing() {
    let env = Env::new();
    let origin = studied(&env);
    let clone = managed(&env).join("community");
    let head = git(&clone, &["rev-parse", "HEAD"]);
    let before = env.dump();
    // The same id twice is an error.
    origin.publish(
        "community",
        "1.1.0",
        &format!("{NOTES_1}\n## Again? {{#agent}}\n\nTwice.\n"),
    );
    let run = env.run(&["update"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("does not build; nothing was changed"),
        "{run:?}"
    );
    assert_eq!(env.dump(), before);
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        fs::read_to_string(clone.join("pipelines.md")).unwrap(),
        NOTES_1
    );
}

#[test]
fn a_deck_folder_is_rebuilt_and_reported() {
    let env = Env::new();
    let dir = env.path_of("mine");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("deck.toml"),
        "id = \"mine\"\nname = \"Mine\"\nversion = \"1\"\n",
    )
    .unwrap();
    fs::write(dir.join("pipelines.md"), NOTES_1).unwrap();
    env.run(&["add", dir.to_str().unwrap()]).ok();
    fs::write(dir.join("pipelines.md"), NOTES_2).unwrap();
    let out = env.run(&["update", "mine"]).ok();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "mine: 1: 1 added, 1 changed, 1 retired",
            "  added    environments",
            "  changed  schedules",
            "  retired  agent"
        ]
    );
    let run = env.run(&["update", "nothing-here"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("no deck `nothing-here` in the database"),
        "{run:?}"
    );
}
