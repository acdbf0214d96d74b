//! End-to-end tests of the `skilldeck` executable: build, check, ids, show, and what happens
//! to the database on bad input.

use std::fs;

use crate::support::Env;

/// Records a review of a note's first card straight into the database, as the review command
/// will, so history-keeping can be checked.
fn add_review(env: &Env, note_id: &str) -> i64 {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let card: i64 = conn
        .query_row(
            "SELECT c.id FROM cards c JOIN notes n ON n.id = c.note WHERE n.note_id = ?1 AND c.ord = 0",
            [note_id],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source) VALUES (?1, 1, 3, 0, 1000, 'terminal')",
        [card],
    )
    .unwrap();
    card
}

/// The note id that owns a card, and whether it is retired.
fn card_owner(env: &Env, card: i64) -> (String, bool) {
    env.sql()
        .query_row(
            "SELECT n.note_id, n.retired_at IS NOT NULL FROM cards c JOIN notes n ON n.id = c.note WHERE c.id = ?1",
            [card],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

fn reviews_of(env: &Env, card: i64) -> i64 {
    env.sql()
        .query_row(
            "SELECT count(*) FROM reviews WHERE card = ?1",
            [card],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn build_then_rebuild_is_a_no_op() {
    let env = Env::new();
    env.deck("kinds");
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert_eq!(
        out,
        "kinds: 10 notes, 13 cards (10 added, 0 changed, 0 retired, 0 returned, 0 carried over); 1 warning(s), see `skilldeck check`\n"
    );
    let before = env.dump();
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert_eq!(out, "kinds: up to date (10 notes, 13 cards)\n");
    assert_eq!(env.dump(), before);
    // With no argument, build uses the decks in the database.
    let out = env.run(&["build"]).ok();
    assert_eq!(out, "kinds: up to date (10 notes, 13 cards)\n");
}

#[test]
fn with_an_empty_database_build_uses_the_decks_folder() {
    let env = Env::new();
    env.deck("kinds");
    let out = env.run(&["build"]).ok();
    assert!(
        out.starts_with("kinds: 10 notes, 13 cards (10 added"),
        "{out}"
    );
}

#[test]
fn touching_a_file_rewrites_nothing_but_the_file_list() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let notes_before: String = env
        .dump()
        .lines()
        .filter(|l| l.starts_with("notes:") || l.starts_with("cards:"))
        .collect();
    assert!(notes_before.contains("notes:") && notes_before.contains("cards:"));
    let path = deck.join("topics/choice.md");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text).unwrap();
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert!(
        out.starts_with(
            "kinds: 10 notes, 13 cards (0 added, 0 changed, 0 retired, 0 returned, 0 carried over)"
        ),
        "{out}"
    );
    let notes_after: String = env
        .dump()
        .lines()
        .filter(|l| l.starts_with("notes:") || l.starts_with("cards:"))
        .collect();
    assert_eq!(notes_after, notes_before);
}

#[test]
fn an_explicit_id_keeps_its_history_whatever_the_text_becomes() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let card = add_review(&env, "trigger-none");
    let path = deck.join("topics/basics.md");
    let text = fs::read_to_string(&path).unwrap().replace(
        "## What does `trigger: none` do? {#trigger-none}",
        "## How do you switch off CI triggers in Azure Pipelines? {#trigger-none}",
    );
    fs::write(&path, text).unwrap();
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert!(
        out.starts_with(
            "kinds: 10 notes, 13 cards (0 added, 1 changed, 0 retired, 0 returned, 0 carried over)"
        ),
        "{out}"
    );
    assert_eq!(card_owner(&env, card), ("trigger-none".to_owned(), false));
    assert_eq!(reviews_of(&env, card), 1);
    let prompt: String = env
        .sql()
        .query_row(
            "SELECT prompt FROM notes WHERE note_id = 'trigger-none'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        prompt,
        "How do you switch off CI triggers in Azure Pipelines?"
    );
}

#[test]
fn an_edited_note_without_id_is_linked_to_the_one_it_replaces() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let card = add_review(&env, "h-054a25c1c236");
    let path = deck.join("topics/basics.md");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("## A note without an id", "## A note without any id");
    fs::write(&path, text).unwrap();
    let out = env.run(&["build", "decks/kinds"]).ok();
    let new_id = card_owner(&env, card).0;
    assert_ne!(new_id, "h-054a25c1c236");
    assert!(new_id.starts_with("h-"));
    assert!(
        out.starts_with(
            "kinds: 10 notes, 13 cards (0 added, 0 changed, 0 retired, 0 returned, 1 carried over)"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!("  carried over history: decks/kinds/topics/basics.md:46 `h-054a25c1c236` → `{new_id}` (95% similar prompt)")),
        "{out}"
    );
    assert_eq!(reviews_of(&env, card), 1);
}

#[test]
fn a_removed_note_is_retired_and_comes_back_with_its_history() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let card = add_review(&env, "failure-alert");
    let path = deck.join("topics/choice.md");
    let original = fs::read_to_string(&path).unwrap();
    let start = original.find("## Your team").unwrap();
    let end = original.find("## Which of these").unwrap();
    fs::write(&path, format!("{}{}", &original[..start], &original[end..])).unwrap();
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert!(
        out.starts_with(
            "kinds: 9 notes, 12 cards (0 added, 0 changed, 1 retired, 0 returned, 0 carried over)"
        ),
        "{out}"
    );
    assert_eq!(card_owner(&env, card), ("failure-alert".to_owned(), true));
    let shown = env.run(&["show", "failure-alert"]).ok();
    assert!(
        shown
            .contains("retired: 2026-11-25T09:00:00Z (no longer in the deck; its history is kept)"),
        "{shown}"
    );

    fs::write(&path, original).unwrap();
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert!(
        out.starts_with(
            "kinds: 10 notes, 13 cards (0 added, 0 changed, 0 retired, 1 returned, 0 carried over)"
        ),
        "{out}"
    );
    assert_eq!(card_owner(&env, card), ("failure-alert".to_owned(), false));
    assert_eq!(reviews_of(&env, card), 1);
}

#[test]
fn a_failed_build_changes_nothing() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let before = env.dump();
    let path = deck.join("topics/cloze.md");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("{text}\n## Another {{#trigger-none}}\n\nDuplicate id.\n\n## Open {{#open}}\n\n{{{{c1::never closed\n")).unwrap();
    fs::write(
        deck.join("topics/new.md"),
        "---\nskill: yaml\n---\n## New note {#brand-new}\n\nWould be added.\n",
    )
    .unwrap();
    let run = env.run(&["build", "decks/kinds"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "decks/kinds/topics/cloze.md:18:1: error: duplicate note id `trigger-none`: already used at decks/kinds/topics/basics.md:9\n  hint: give each note its own `{#id}`\n\
         decks/kinds/topics/cloze.md:24:1: error: unclosed cloze marker: `{{c…::` has no closing `}}`\n  hint: write deletions as `{{c1::text}}` or `{{c1::text::hint}}`\n\
         error: kinds: 2 error(s) found; nothing was written\n"
    );
    assert_eq!(env.dump(), before);
}

#[test]
fn a_missing_deck_folder_is_a_clear_error() {
    let env = Env::new();
    let run = env.run(&["build", "decks/nowhere"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: decks/nowhere: no such deck folder (a deck folder holds deck.toml and Markdown files)\n"
    );
    let run = env.run(&["check", "decks/nowhere"]);
    assert_eq!(run.code, 1);
}

#[test]
fn a_malformed_deck_toml_is_a_clear_error() {
    let env = Env::new();
    let deck = env.deck("kinds");
    fs::write(
        deck.join("deck.toml"),
        "id = \"kinds\"\nname = \"x\"\nversion = 1.0\n",
    )
    .unwrap();
    let run = env.run(&["build", "decks/kinds"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("error: decks/kinds/deck.toml:3:11: bad deck.toml: invalid type: floating point `1.0`, expected a string"), "{}", run.stderr);
    assert!(!env.db().exists() || env.dump().is_empty());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let env = Env::new();
    env.deck("kinds");
    fs::write(env.db(), "my notes, not a database").unwrap();
    let run = env.run(&["build", "decks/kinds"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: {}: not a skilldeck database (the file is not SQLite); pass another path with --db\n",
            env.db().display()
        )
    );
    assert_eq!(
        fs::read_to_string(env.db()).unwrap(),
        "my notes, not a database"
    );
}

#[test]
fn a_database_from_a_newer_skilldeck_is_refused() {
    let env = Env::new();
    env.deck("kinds");
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.pragma_update(None, "user_version", 42).unwrap();
    }
    let run = env.run(&["build", "decks/kinds"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("the database has schema version 42, newer than this skilldeck knows (5); upgrade skilldeck"), "{}", run.stderr);
}

#[test]
fn a_bad_clock_override_is_a_clear_error() {
    let mut env = Env::new();
    env.deck("kinds");
    env.now = "next tuesday".into();
    let run = env.run(&["build", "decks/kinds"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: SKILLDECK_NOW=`next tuesday` is not an RFC 3339 time; write it like 2026-11-25T09:00:00+01:00\n"
    );
    assert!(!env.db().exists());
}

#[test]
fn check_reports_json_with_coverage() {
    let env = Env::new();
    env.deck("kinds");
    let out = env.run(&["check", "decks/kinds", "--format", "json"]).ok();
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["notes"], 10);
    assert_eq!(report["cards"], 13);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(
        report["warnings"][0]["path"],
        "decks/kinds/topics/basics.md"
    );
    assert_eq!(report["warnings"][0]["line"], 46);
    assert_eq!(report["warnings"][0]["column"], 1);
    let coverage = &report["coverage"][0];
    assert_eq!(coverage["deck"], "kinds");
    assert_eq!(coverage["domains"][0]["id"], "build");
    assert_eq!(coverage["domains"][0]["notes"], 7);
    assert_eq!(coverage["domains"][1]["notes"], 3);
    assert_eq!(coverage["objectives"][1]["id"], "monitoring");
    assert_eq!(
        coverage["skills"][0],
        serde_json::json!({ "id": "triggers", "objective": "pipelines", "notes": 3 })
    );
    // check never writes the database.
    assert!(!env.db().exists());
}

#[test]
fn check_exits_1_and_lists_every_error() {
    let env = Env::new();
    env.deck("broken");
    let run = env.run(&["check", "decks/broken", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "error: 14 error(s) found\n");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 14);
    assert_eq!(
        errors[0],
        serde_json::json!({
            "path": "decks/broken/notes/bad-id.md", "line": 6, "column": 1,
            "message": "note id `Bad_Id` is not valid",
            "hint": "ids use lowercase letters, digits and `-`, e.g. `{#ci-trigger-paths}`"
        })
    );
    let text = env.run(&["check", "decks/broken"]);
    assert_eq!(text.code, 1);
    assert!(text.stdout.contains("decks/broken/notes/unknown-skill.md:3:1: error: unknown skill `trigger`: the outline has no such skill\n  hint: did you mean `triggers`?\n"), "{}", text.stdout);
    assert!(
        text.stdout
            .contains("broken: 15 notes, 14 cards, 14 error(s), 0 warning(s)\n"),
        "{}",
        text.stdout
    );
}

#[test]
fn check_prints_the_coverage_table() {
    let env = Env::new();
    env.deck("kinds");
    let out = env.run(&["check", "decks/kinds"]).ok();
    assert!(
        out.contains("kinds: 10 notes, 13 cards, 0 error(s), 1 warning(s)\n"),
        "{out}"
    );
    assert!(
        out.contains("  build                           60–80%      7   70.0%\n"),
        "{out}"
    );
    assert!(
        out.contains("  objectives: pipelines 7, monitoring 3\n"),
        "{out}"
    );
    assert!(out.contains("  skills with no note: none\n"), "{out}");
}

#[test]
fn ids_write_gives_every_note_an_id_and_keeps_its_history() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let card = add_review(&env, "h-054a25c1c236");
    let dry = env.run(&["ids", "decks/kinds"]).ok();
    assert_eq!(
        dry,
        "decks/kinds/topics/basics.md: a-note-without-an-id\n1 id(s) to write; run again with --write to write them\n"
    );
    assert!(
        !fs::read_to_string(deck.join("topics/basics.md"))
            .unwrap()
            .contains("{#a-note-without-an-id}")
    );
    env.run(&["ids", "--write", "decks/kinds"]).ok();
    let text = fs::read_to_string(deck.join("topics/basics.md")).unwrap();
    assert!(
        text.contains("## A note without an id {#a-note-without-an-id}\n"),
        "{text}"
    );
    let check = env.run(&["check", "decks/kinds"]).ok();
    assert!(check.contains("0 error(s), 0 warning(s)"), "{check}");
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert!(out.contains("1 carried over"), "{out}");
    assert_eq!(
        card_owner(&env, card),
        ("a-note-without-an-id".to_owned(), false)
    );
    assert_eq!(
        env.run(&["ids", "decks/kinds"]).ok(),
        "every note already has an id\n"
    );
}

#[test]
fn show_prints_a_note_with_its_cards() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let text = env.run(&["show", "kinds/failure-alert"]).ok();
    assert!(text.starts_with("kinds/failure-alert  (choice, skill alerts)\nsource:  topics/choice.md:7\ntags:    alerts\n"), "{text}");
    assert!(
        text.contains("  b) [x] A notification subscription for failed builds\n"),
        "{text}"
    );
    assert!(
        text.contains("cards:\n  #0 new        reps 0 lapses 0 due -\n"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["show", "pipeline-hierarchy", "--json"]).ok()).unwrap();
    assert_eq!(json["kind"], "cloze");
    assert_eq!(json["cards"].as_array().unwrap().len(), 3);
    assert_eq!(json["guid"].as_str().unwrap().len(), 11);
    let missing = env.run(&["show", "no-such-note"]);
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr,
        "error: no note `no-such-note` in the database; is its deck built (`skilldeck build`)?\n"
    );
}

#[test]
fn a_removed_cloze_number_retires_its_card_and_brings_it_back() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let live = |env: &Env| -> Vec<u32> {
        let conn = env.sql();
        let mut stmt = conn
            .prepare("SELECT c.ord FROM cards c JOIN notes n ON n.id = c.note WHERE n.note_id = 'pipeline-hierarchy' AND c.retired_at IS NULL ORDER BY c.ord")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(live(&env), [0, 1, 2]);
    let path = deck.join("topics/cloze.md");
    let original = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        original.replace("{{c3::steps::what runs on an agent}}", "steps"),
    )
    .unwrap();
    let out = env.run(&["build", "decks/kinds"]).ok();
    assert!(
        out.starts_with("kinds: 10 notes, 12 cards (0 added, 1 changed"),
        "{out}"
    );
    assert_eq!(live(&env), [0, 1]);
    fs::write(&path, original).unwrap();
    env.run(&["build", "decks/kinds"]).ok();
    assert_eq!(live(&env), [0, 1, 2]);
    let total: i64 = env
        .sql()
        .query_row("SELECT count(*) FROM cards", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        total, 13,
        "the card came back rather than being created again"
    );
}

#[test]
fn a_deck_whose_folder_is_gone_is_skipped_with_a_warning() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let moved = env.dir.path().join("moved");
    fs::rename(&deck, &moved).unwrap();
    let run = env.run(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("warning: deck `kinds`: its folder "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with(" is gone; skipped (name its new folder to rebuild it)\n"),
        "{}",
        run.stderr
    );
    // Naming the new folder rebuilds it in place: same notes, nothing added.
    let out = env.run(&["build", "moved"]).ok();
    assert!(
        out.starts_with("kinds: 10 notes, 13 cards (0 added, 0 changed, 0 retired"),
        "{out}"
    );
}

#[test]
fn completions_name_every_command() {
    let env = Env::new();
    let script = env.run(&["completions", "bash"]).ok();
    for command in [
        "build", "check", "review", "status", "exam", "config", "optimize", "export", "import",
        "show", "ids",
    ] {
        assert!(
            script.contains(command),
            "{command} missing from the completion script"
        );
    }
    let bad = env.run(&["completions", "tcsh"]);
    assert_eq!(
        bad.code, 1,
        "a bad argument is a user error: {}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("invalid value 'tcsh'"),
        "{}",
        bad.stderr
    );
    assert_eq!(env.run(&["--help"]).code, 0);
}

#[test]
fn an_error_prints_its_location_first_and_its_cause_once() {
    let env = Env::new();
    std::fs::create_dir_all(env.path_of("d")).unwrap();
    std::fs::write(env.path_of("d/deck.toml"), "id = \"x\"\nname = 3\n").unwrap();
    let run = env.run(&["build", "d"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: d/deck.toml:2:8: bad deck.toml: invalid type: integer `3`, expected a string\n  \
         hint: deck.toml needs `id`, `name` and `version`; it may have `description`, `license`, \
         `authors`, `outline` and `anki_deck`\n"
    );
    let run = env.run(&["import", "nope.apkg"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: nope.apkg: No such file or directory (os error 2)\n"
    );
}
