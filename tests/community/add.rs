//! `skilldeck add` from git, a deck folder and an .apkg; `skilldeck decks`; adds that fail
//! leave no folder and an unchanged database.

use std::fs;

use super::{NOTES_1, Origin, managed, managed_entries};
use crate::support::{Env, copy_tree, fixtures};

#[test]
fn a_git_deck_is_cloned_beside_the_database_built_and_listed() {
    let env = Env::new();
    let origin = Origin::new(&env, "community");
    let out = env.run(&["add", &origin.url()]).ok();
    assert!(
        out.contains("community: 3 notes, 3 cards (3 added"),
        "{out}"
    );
    let clone = managed(&env).join("community");
    assert!(
        out.contains(&format!("added `community` (git: {})", origin.url())),
        "{out}"
    );
    assert!(out.contains(&clone.display().to_string()), "{out}");
    assert_eq!(
        fs::read_to_string(clone.join("pipelines.md")).unwrap(),
        NOTES_1
    );
    assert!(clone.join(".git").is_dir());
    // Only the clone is left in the folder: no temporary one.
    assert_eq!(managed_entries(&env), ["community"]);

    let (kind, source, path): (String, String, String) = env
        .sql()
        .query_row("SELECT kind, source, path FROM subscriptions", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((kind.as_str(), source), ("git", origin.url()));
    assert_eq!(path, fs::canonicalize(&clone).unwrap().to_str().unwrap());

    let list = env.run(&["decks"]).ok();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    let cells: Vec<&str> = lines[1].split("  ").filter(|c| !c.is_empty()).collect();
    assert_eq!(
        cells,
        [
            "community",
            "Community community",
            "1.0.0",
            "3",
            "3",
            "2026-11-25 09:00",
            &format!("git: {}", origin.url())
        ]
    );
    assert!(
        lines[0].starts_with("ID") && lines[0].ends_with("SOURCE"),
        "{list}"
    );

    // `build` and `review` include it without being told where it is.
    let out = env.run(&["build"]).ok();
    assert_eq!(out.trim(), "community: up to date (3 notes, 3 cards)");
    let out = env
        .run_input(&["review", "--plain", "--limit", "1"], "\n3\n")
        .ok();
    assert!(out.contains("card community/schedules#0"), "{out}");
    assert!(out.contains("session: 1 answers (1 new)"), "{out}");
}

#[test]
fn a_deck_folder_is_added_where_it_is_and_a_built_one_is_adopted() {
    let env = Env::new();
    let deck = env.deck("one");
    let out = env.run(&["add", deck.to_str().unwrap()]).ok();
    assert!(out.contains("one: 1 notes, 1 cards (1 added"), "{out}");
    assert!(out.contains("added `one` (folder: "), "{out}");
    assert_eq!(managed_entries(&env), Vec::<String>::new());
    let list = env.run(&["decks"]).ok();
    let canonical = fs::canonicalize(&deck).unwrap();
    assert!(
        list.contains(&format!("folder: {}", canonical.display())),
        "{list}"
    );

    // A deck built before from the same folder keeps its rows; adding it only subscribes it.
    let other = Env::new();
    let deck = other.deck("one");
    other.run(&["build", deck.to_str().unwrap()]).ok();
    let before: i64 = other
        .sql()
        .query_row("SELECT id FROM notes", [], |r| r.get(0))
        .unwrap();
    other.run(&["add", deck.to_str().unwrap()]).ok();
    let after: i64 = other
        .sql()
        .query_row("SELECT id FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, after);
    let kinds: i64 = other
        .sql()
        .query_row(
            "SELECT count(*) FROM subscriptions WHERE kind = 'folder'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kinds, 1);
}

#[test]
fn an_anki_package_is_converted_into_a_deck_beside_the_database() {
    let maker = Env::new();
    let deck = maker.deck("one");
    maker.run(&["build", deck.to_str().unwrap()]).ok();
    let apkg = maker.path_of("one.apkg");
    maker
        .run(&["export", "one", "-o", apkg.to_str().unwrap()])
        .ok();

    let env = Env::new();
    let out = env.run(&["add", apkg.to_str().unwrap()]).ok();
    assert!(out.contains("1 notes, 1 cards (1 added"), "{out}");
    let entries = managed_entries(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let folder = managed(&env).join(&entries[0]);
    let toml = fs::read_to_string(folder.join("deck.toml")).unwrap();
    assert!(toml.contains(&format!("id = \"{}\"", entries[0])), "{toml}");
    let list = env.run(&["decks"]).ok();
    let canonical = fs::canonicalize(&apkg).unwrap();
    assert!(
        list.contains(&format!("apkg: {}", canonical.display())),
        "{list}"
    );
    assert!(list.contains(&entries[0]), "{list}");
}

#[test]
fn a_failed_add_leaves_no_folder_and_an_unchanged_database() {
    let env = Env::new();
    let one = env.deck("one");
    env.run(&["build", one.to_str().unwrap()]).ok();
    let before = env.dump();

    // A deck with errors.
    let broken = Origin::new(&env, "broken");
    copy_tree(&fixtures().join("broken"), &broken.work);
    super::git(&broken.work, &["add", "-A"]);
    super::git(&broken.work, &["commit", "--quiet", "-m", "broken"]);
    super::git(&broken.work, &["push", "--quiet", "origin", "main"]);
    let run = env.run(&["add", &broken.url()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("error(s) found; nothing was written"),
        "{run:?}"
    );

    // A deck whose id is taken by another deck.
    let clash = Origin::new(&env, "one");
    let run = env.run(&["add", &clash.url()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("deck id `one` is taken by \"One card\" (built from"),
        "{run:?}"
    );

    // Not a deck; not a repository; hostile sources.
    let plain = env.path_of("upstream/plain");
    fs::create_dir_all(&plain).unwrap();
    super::git(&plain, &["init", "--quiet"]);
    fs::write(plain.join("README.md"), "no deck here\n").unwrap();
    super::git(&plain, &["add", "-A"]);
    super::git(&plain, &["commit", "--quiet", "-m", "readme"]);
    let run = env.run(&["add", plain.to_str().unwrap()]);
    assert!(
        run.stderr.contains("there is no deck.toml at its top"),
        "{run:?}"
    );
    let run = env.run(&["add", "file:///no/such/repository.git"]);
    assert!(run.stderr.contains("git clone failed"), "{run:?}");
    let pwned = env.path_of("pwned");
    let ext = format!("ext::sh -c touch% {}", pwned.display());
    let run = env.run(&["add", &ext]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("git clone failed"), "{run:?}");
    let run = env.run(&[
        "add",
        "--",
        &format!("--upload-pack=touch {}", pwned.display()),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("looks like an option"), "{run:?}");
    assert!(!pwned.exists());

    assert_eq!(managed_entries(&env), Vec::<String>::new());
    assert_eq!(env.dump(), before);
}

#[test]
fn adding_the_same_source_twice_points_to_update() {
    let env = Env::new();
    let origin = Origin::new(&env, "community");
    env.run(&["add", &origin.url()]).ok();
    let before = env.dump();
    let run = env.run(&["add", &origin.url()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("deck `community` is already added (from file://"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("`skilldeck update community`"),
        "{run:?}"
    );
    assert_eq!(managed_entries(&env), ["community"]);
    assert_eq!(env.dump(), before);
}
