//! For deck authors: `check --format github` (workflow commands on the broken fixture), the
//! warning for notes changed without a version bump, and `skilldeck new` (a skeleton that
//! passes `check`, with a GitHub Actions workflow that runs it).

use std::fs;

use crate::support::Env;

#[test]
fn github_format_annotates_every_error_of_the_broken_deck() {
    let env = Env::new();
    env.deck("broken");
    let text = env.run(&["check", "decks/broken"]);
    let run = env.run(&["check", "decks/broken", "--format", "github"]);
    // The same exit code and message as the text format.
    assert_eq!((run.code, text.code), (1, 1));
    assert_eq!(run.stderr, "error: 14 error(s) found\n");
    let commands: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 14, "{}", run.stdout);
    assert!(
        commands
            .iter()
            .all(|c| c.starts_with("::error file=decks/broken/"))
    );
    assert!(
        commands.contains(
            &"::error file=decks/broken/notes/unknown-skill.md,line=3,col=1::unknown skill `trigger`: the outline has no such skill%0Ahint: did you mean `triggers`?"
        ),
        "{}",
        run.stdout
    );
    // One command a line: messages carry no raw line break.
    assert_eq!(
        run.stdout.lines().count(),
        15,
        "14 commands and the summary: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("broken: 15 notes, 14 cards, 14 error(s), 0 warning(s)\n")
    );
    // Every error of the text format is there, at the same place.
    for line in text.stdout.lines().filter(|l| l.contains(": error: ")) {
        let (place, message) = line.split_once(": error: ").unwrap();
        let mut parts = place.rsplitn(3, ':');
        let (col, row, path) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let start = format!(
            "::error file={},line={row},col={col}::{}",
            path.replace(',', "%2C").replace(':', "%3A"),
            message.replace('%', "%25")
        );
        assert!(
            commands.iter().any(|c| c.starts_with(&start)),
            "{start}\n{}",
            run.stdout
        );
    }
}

#[test]
fn github_format_paths_are_relative_to_the_working_folder_and_escaped() {
    let env = Env::new();
    let deck = env.deck("kinds");
    // A file name with the characters a property must escape.
    fs::rename(deck.join("topics/basics.md"), deck.join("topics/a,b:c%.md")).unwrap();
    let absolute = deck.to_string_lossy().into_owned();
    let out = env.run(&["check", &absolute, "--format", "github"]).ok();
    assert!(
        out.starts_with("::warning file=decks/kinds/topics/a%2Cb%3Ac%25.md,line=46,col=1::note has no id; using `h-054a25c1c236`, derived from its prompt%0Ahint: "),
        "{out}"
    );
}

#[test]
fn check_warns_when_notes_changed_since_the_last_build_of_the_same_version() {
    let env = Env::new();
    let deck = env.deck("kinds");
    let warning = "changed since the last build";
    // Without a database: no warning, and still no database.
    let out = env.run(&["check", "decks/kinds"]).ok();
    assert!(!out.contains(warning), "{out}");
    assert!(!env.db().exists());
    env.run(&["build", "decks/kinds"]).ok();
    // Right after a build: nothing changed.
    let out = env.run(&["check", "decks/kinds"]).ok();
    assert!(!out.contains(warning), "{out}");
    // Edit one note, add one, remove one, and give the id-less note its id with `ids --write`
    // (the build carries its history over: the same note).
    let basics = deck.join("topics/basics.md");
    let text = fs::read_to_string(&basics).unwrap();
    let text = text.replace("It turns off CI triggers", "It turns CI triggers off")
        + "\n## A brand new note {#brand-new}\n\nNew.\n";
    fs::write(&basics, text).unwrap();
    env.run(&["ids", "--write", "decks/kinds"]).ok();
    let choice = deck.join("topics/choice.md");
    let text = fs::read_to_string(&choice).unwrap();
    let cut = text.find("## Which of these are KQL operators?").unwrap();
    fs::write(&choice, &text[..cut]).unwrap();
    let before = fs::read(env.db()).unwrap();
    let run = env.run(&["check", "decks/kinds", "--format", "github"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("::warning file=decks/kinds/deck.toml,line=3,col=1::3 note(s) changed since the last build (1 added, 1 changed, 1 removed), but `version` is still 0.1.0%0Ahint: raise `version` before publishing"),
        "{}",
        run.stdout
    );
    // check never writes the database.
    assert!(fs::read(env.db()).unwrap() == before);
    // A new version: no warning.
    let manifest = deck.join("deck.toml");
    let toml = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, toml.replace("0.1.0", "0.2.0")).unwrap();
    let out = env.run(&["check", "decks/kinds"]).ok();
    assert!(!out.contains(warning), "{out}");
}

/// The workflow file `new` wrote, parsed as YAML.
fn workflow(deck: &std::path::Path) -> serde_norway::Value {
    let text = fs::read_to_string(deck.join(".github/workflows/check.yml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

#[test]
fn new_writes_a_deck_that_passes_check_with_every_kind_of_note() {
    let env = Env::new();
    let out = env.run(&["new", "mine", "--id", "my-deck"]).ok();
    assert!(out.starts_with("my-deck: new deck in mine\n"), "{out}");
    let deck = env.path_of("mine");
    for file in [
        "deck.toml",
        "outline.toml",
        "notes/examples.md",
        "README.md",
        "LICENSE",
        ".github/workflows/check.yml",
    ] {
        assert!(deck.join(file).is_file(), "{file} missing");
    }
    let report = env.run(&["check", "mine", "--format", "json"]).ok();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["warnings"], serde_json::json!([]));
    assert_eq!(report["notes"], 4);
    assert_eq!(report["coverage"][0]["deck"], "my-deck");
    // One note of each kind, as the build sees them.
    env.run(&["build", "mine"]).ok();
    let mut kinds: Vec<String> = env
        .sql()
        .prepare("SELECT kind FROM notes ORDER BY kind")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    kinds.dedup();
    assert_eq!(kinds, ["basic", "choice", "cloze", "reversed"]);
    // The license: CC BY-SA 4.0 by default, its full text.
    let toml = fs::read_to_string(deck.join("deck.toml")).unwrap();
    assert!(toml.contains("license = \"CC-BY-SA-4.0\"\n"), "{toml}");
    let license = fs::read_to_string(deck.join("LICENSE")).unwrap();
    assert!(license.starts_with("Creative Commons Attribution-ShareAlike 4.0 International"));
    assert!(
        license.contains("Section 8 – Interpretation."),
        "the full legal code"
    );
    let readme = fs::read_to_string(deck.join("README.md")).unwrap();
    assert!(
        readme.contains("skilldeck check --format github"),
        "{readme}"
    );
    assert!(readme.contains("Ids are forever"), "{readme}");
}

#[test]
fn new_writes_a_github_workflow_that_runs_check_on_pull_requests() {
    let env = Env::new();
    env.run(&[
        "new",
        "mine",
        "--id",
        "my-deck",
        "--skilldeck-git",
        "https://example.org/skilldeck.git",
    ])
    .ok();
    let yaml = workflow(&env.path_of("mine"));
    let on = &yaml["on"];
    assert!(on.get("pull_request").is_some(), "{on:?}");
    assert!(on.get("push").is_some(), "{on:?}");
    let jobs = yaml["jobs"].as_mapping().unwrap();
    assert_eq!(jobs.len(), 1);
    let job = jobs.values().next().unwrap();
    assert_eq!(job["runs-on"].as_str(), Some("ubuntu-latest"));
    assert_eq!(
        job["env"]["SKILLDECK_GIT"].as_str(),
        Some("${{ vars.SKILLDECK_GIT || 'https://example.org/skilldeck.git' }}")
    );
    let steps = job["steps"].as_sequence().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert_eq!(uses, ["actions/checkout@v7", "actions/cache@v6"]);
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.starts_with("cargo install --locked --git \"$SKILLDECK_GIT\" --rev")),
        "{runs:?}"
    );
    // The last step checks the deck, annotating the pull request.
    let last = steps.last().unwrap();
    assert_eq!(
        last["run"].as_str(),
        Some("skilldeck check --format github .")
    );
    // Every step is a mapping with `uses` or `run`.
    assert!(
        steps
            .iter()
            .all(|s| s.get("uses").is_some() || s.get("run").is_some())
    );
}

#[test]
fn new_copies_the_outline_and_takes_the_license_asked_for() {
    let env = Env::new();
    let outline = crate::support::fixtures().join("kinds/outline.toml");
    let outline = outline.to_string_lossy();
    env.run(&[
        "new",
        "mine",
        "--id",
        "fix",
        "--outline",
        &outline,
        "--license",
        "mit",
        "--name",
        "Fixture \"exam\"",
    ])
    .ok();
    let deck = env.path_of("mine");
    assert_eq!(
        fs::read(deck.join("outline.toml")).unwrap(),
        fs::read(outline.as_ref()).unwrap()
    );
    let examples = fs::read_to_string(deck.join("notes/examples.md")).unwrap();
    assert!(examples.starts_with("---\nskill: triggers\n"), "{examples}");
    let toml = fs::read_to_string(deck.join("deck.toml")).unwrap();
    let table: toml::Table = toml::from_str(&toml).unwrap();
    assert_eq!(table["name"].as_str(), Some("Fixture \"exam\""));
    assert!(toml.contains("license = \"MIT\"\n"), "{toml}");
    assert!(
        fs::read_to_string(deck.join("LICENSE"))
            .unwrap()
            .starts_with("MIT License")
    );
    // Without --skilldeck-git the workflow reads the repository variable alone.
    let yaml = workflow(&deck);
    let job = yaml["jobs"].as_mapping().unwrap().values().next().unwrap();
    assert_eq!(
        job["env"]["SKILLDECK_GIT"].as_str(),
        Some("${{ vars.SKILLDECK_GIT }}")
    );
    let out = env.run(&["check", "mine"]).ok();
    assert!(
        out.contains("fix: 4 notes, 6 cards, 0 error(s), 0 warning(s)\n"),
        "{out}"
    );
}

#[test]
fn new_refuses_a_used_folder_a_bad_id_license_or_outline_and_writes_nothing() {
    let env = Env::new();
    fs::create_dir_all(env.path_of("used")).unwrap();
    fs::write(env.path_of("used/keep.txt"), "mine").unwrap();
    let bad_outline = env.path_of("bad.toml");
    fs::write(&bad_outline, "[[domain]]\nid = \"Bad Id\"\n").unwrap();
    let bad_outline = bad_outline.to_string_lossy().into_owned();
    for (args, message) in [
        (
            vec!["new", "used", "--id", "x"],
            "error: used: already exists and is not empty; `new` starts a deck in a new folder\n",
        ),
        (
            vec!["new", "fresh", "--id", "Not A Slug"],
            "error: deck id `Not A Slug` is not a slug: use lowercase letters, digits and `-`, e.g. `az-400`\n",
        ),
        (
            vec!["new", "fresh", "--id", "x", "--license", "GPL-3.0-only"],
            "error: unknown license `GPL-3.0-only`; choose one of CC-BY-SA-4.0, CC-BY-4.0, CC0-1.0, CC-BY-NC-SA-4.0, CC-BY-NC-4.0, CC-BY-ND-4.0, CC-BY-NC-ND-4.0, MIT\n",
        ),
    ] {
        let run = env.run(&args);
        assert_eq!((run.code, run.stderr.as_str()), (1, message));
    }
    let run = env.run(&["new", "fresh", "--id", "x", "--outline", &bad_outline]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: the outline has errors; nothing was written\n"),
        "{}",
        run.stderr
    );
    // Nothing written: no new folder, no partial one, the used folder untouched.
    let mut names: Vec<String> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.toml", "used"]);
    assert_eq!(fs::read_dir(env.path_of("used")).unwrap().count(), 1);
}
