//! Anki export, judged by the real Anki library (PyPI `anki`, installed by ./scripts/test into
//! .venv): packages import cleanly, hold exactly the deck's notes and cards with the expected
//! fields, tags, decks and rendered HTML, pass Check Database, update instead of duplicating
//! on re-import, and carry memory state and history with `--with-scheduling`.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::Env;

fn check_counts(env: &Env, deck: &str) -> (u64, u64) {
    let report: Value =
        serde_json::from_str(&env.run(&["check", deck, "--format", "json"]).ok()).unwrap();
    (
        report["notes"].as_u64().unwrap(),
        report["cards"].as_u64().unwrap(),
    )
}

fn card<'a>(report: &'a Value, field_contains: &str, ord: u64) -> &'a Value {
    let guid = report["notes_detail"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| {
            n["fields"]
                .as_object()
                .unwrap()
                .values()
                .any(|v| v.as_str().unwrap().contains(field_contains))
        })
        .unwrap_or_else(|| panic!("no note with {field_contains}"))["guid"]
        .clone();
    report["cards_detail"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["guid"] == guid && c["ord"] == ord)
        .unwrap()
}

#[test]
fn every_card_kind_imports_into_anki_as_expected() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let out = env.run(&["export", "kinds"]).ok();
    assert_eq!(
        out,
        "kinds: wrote exports/kinds-0.1.0.apkg (10 notes, 13 cards, 1 media file(s))\n"
    );
    let package = env.path_of("exports/kinds-0.1.0.apkg");
    let report = env.judge(&[&package], false);
    let (notes, cards) = check_counts(&env, "decks/kinds");
    assert_eq!(
        (
            report["notes"].as_u64().unwrap(),
            report["cards"].as_u64().unwrap()
        ),
        (notes, cards)
    );
    assert_eq!(
        report["imports"][0],
        serde_json::json!({ "new": 10, "updated": 0, "duplicate": 0, "conflicting": 0 })
    );
    assert_eq!(report["check"]["ok"], true, "{}", report["check"]);
    assert_eq!(
        report["decks"],
        serde_json::json!([
            "Default",
            "Fixture",
            "Fixture::Kinds",
            "Fixture::Kinds::Build things",
            "Fixture::Kinds::Watch things"
        ])
    );
    let types = report["notetypes"].as_array().unwrap();
    for name in [
        "skilldeck Basic",
        "skilldeck Basic+reversed",
        "skilldeck Choice",
        "skilldeck Cloze",
    ] {
        assert!(types.contains(&Value::from(name)), "{types:?}");
    }
    assert_eq!(
        report["media"],
        serde_json::json!(["kinds-67662fef-diagram.png"])
    );

    // Basic: fields, tags, deck, rendered question and answer.
    let basic = card(&report, "What does <code>trigger: none</code> do?", 0);
    assert_eq!(basic["deck"], "Fixture::Kinds::Build things");
    assert_eq!(
        basic["question"],
        "<div class=\"front\"><p>What does <code>trigger: none</code> do?</p></div>"
    );
    assert!(
        basic["answer"]
            .as_str()
            .unwrap()
            .contains("<div class=\"back\"><p>It turns off CI triggers"),
        "{}",
        basic["answer"]
    );
    assert!(basic["answer"].as_str().unwrap().contains("<div class=\"meta\">Build things › Pipelines › Trigger rules<br>kinds/topics/basics.md:9</div>"));
    let note = report["notes_detail"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["guid"] == basic["guid"])
        .unwrap();
    assert_eq!(note["notetype"], "skilldeck Basic");
    assert_eq!(
        note["tags"],
        serde_json::json!(["ci", "kinds::build::pipelines::triggers", "yaml"])
    );
    assert_eq!(
        note["fields"]["Skill"],
        "Build things › Pipelines › Trigger rules"
    );

    // Highlighted code, pre-rendered with inline colours.
    let code = card(&report, "What does this trigger do?", 0);
    assert!(
        code["question"]
            .as_str()
            .unwrap()
            .contains("<pre class=\"code\" data-lang=\"yaml\" style=\"background-color:"),
        "{}",
        code["question"]
    );

    // Reversed: card 2 asks the answer.
    let reversed = card(&report, "Azure Pipelines keyword for a scheduled run", 1);
    assert_eq!(
        reversed["question"],
        "<div class=\"front\"><p><code>schedules:</code> with a <code>cron:</code> expression.</p></div>"
    );

    // Cloze: one card per number, the deletion masked.
    let cloze = card(&report, "{{c2::jobs}}", 1);
    assert!(
        cloze["question"].as_str().unwrap().contains(
            "a stage has <span class=\"cloze\" data-cloze=\"jobs\" data-ordinal=\"2\">[...]</span>"
        ),
        "{}",
        cloze["question"]
    );
    assert!(
        cloze["answer"]
            .as_str()
            .unwrap()
            .contains("<span class=\"cloze\" data-ordinal=\"2\">jobs</span>")
    );

    // Choice: lettered options on the front, the correct ones and the explanation on the back.
    let choice = card(&report, "Which of these are KQL operators?", 0);
    assert!(choice["question"].as_str().unwrap().contains("<ol class=\"options\" type=\"a\"><li><code>summarize</code></li><li><code>where</code></li><li><code>SELECT</code></li></ol>"), "{}", choice["question"]);
    assert!(
        choice["answer"].as_str().unwrap().contains(
            "<div class=\"correct\">a) <code>summarize</code><br>b) <code>where</code></div>"
        ),
        "{}",
        choice["answer"]
    );

    // Math as MathJax, images pointing at the copied media.
    let math = card(&report, "Retrievability after t days", 0);
    assert!(
        math["answer"]
            .as_str()
            .unwrap()
            .contains("where \\(S\\) is the stability"),
        "{}",
        math["answer"]
    );
    let image = card(&report, "Where is the pipeline diagram?", 0);
    assert!(
        image["answer"]
            .as_str()
            .unwrap()
            .contains("<img src=\"kinds-67662fef-diagram.png\" alt=\"Stages, jobs and steps\" />"),
        "{}",
        image["answer"]
    );
}

#[test]
fn a_newer_export_updates_the_edited_note_and_duplicates_nothing() {
    let mut env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["export", "kinds", "-o", "first.apkg"]).ok();
    let path = deck.join("topics/basics.md");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("It turns off CI triggers", "It switches off CI triggers");
    fs::write(&path, text).unwrap();
    env.now = "2026-11-26T09:00:00Z".into();
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["export", "kinds", "-o", "second.apkg"]).ok();
    let report = env.judge(
        &[&env.path_of("first.apkg"), &env.path_of("second.apkg")],
        false,
    );
    assert_eq!(
        report["imports"][1],
        serde_json::json!({ "new": 0, "updated": 1, "duplicate": 9, "conflicting": 0 })
    );
    assert_eq!(
        (
            report["notes"].as_u64().unwrap(),
            report["cards"].as_u64().unwrap()
        ),
        (10, 13)
    );
    let edited = card(&report, "What does <code>trigger: none</code> do?", 0);
    assert!(
        edited["answer"]
            .as_str()
            .unwrap()
            .contains("It switches off CI triggers"),
        "{}",
        edited["answer"]
    );
    assert_eq!(report["check"]["ok"], true);
}

#[test]
fn with_scheduling_keeps_memory_state_and_history() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    // Answer three cards: Good, Again then Good, Easy.
    env.run_input(&["review", "--plain"], "\n3\n\n1\n\n4\n")
        .ok();
    let ours: Vec<(String, f64, f64, i64)> = env
        .sql()
        .prepare("SELECT n.guid, c.stability, c.difficulty, c.reps FROM cards c JOIN notes n ON n.id = c.note WHERE c.reps > 0")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ours.len(), 3);
    let out = env
        .run(&["export", "kinds", "--with-scheduling", "-o", "sched.apkg"])
        .ok();
    assert!(out.contains("3 reviews"), "{out}");
    let report = env.judge(&[&env.path_of("sched.apkg")], true);
    assert_eq!(report["revlog"], 3);
    assert_eq!(report["check"]["ok"], true, "{}", report["check"]);
    for (guid, stability, difficulty, reps) in ours {
        let c = report["cards_detail"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["guid"] == guid.as_str() && c["reps"].as_i64() == Some(reps))
            .unwrap();
        let memory = &c["memory"];
        assert!(
            (memory["s"].as_f64().unwrap() - stability).abs() < 0.001,
            "{c}"
        );
        assert!(
            (memory["d"].as_f64().unwrap() - difficulty).abs() < 0.002,
            "{c}"
        );
        assert!(c["type"].as_i64().unwrap() != 0, "{c}");
    }
    // Without --with-scheduling the same deck's cards are all new.
    env.run(&["export", "kinds", "-o", "plain.apkg"]).ok();
    let plain = env.judge(&[&env.path_of("plain.apkg")], true);
    assert_eq!(plain["revlog"], 0);
    assert!(
        plain["cards_detail"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["type"] == 0 && c["memory"].is_null())
    );
}

#[test]
fn the_az400_deck_imports_cleanly() {
    let env = Env::new();
    let deck = Path::new(env!("CARGO_MANIFEST_DIR")).join("decks/az-400");
    env.run(&["build", &deck.to_string_lossy()]).ok();
    env.run(&["export", "az-400", "-o", "az-400.apkg"]).ok();
    let report = env.judge(&[&env.path_of("az-400.apkg")], false);
    let (notes, cards) = check_counts(&env, &deck.to_string_lossy());
    assert_eq!(
        (
            report["notes"].as_u64().unwrap(),
            report["cards"].as_u64().unwrap()
        ),
        (notes, cards)
    );
    assert_eq!(report["imports"][0]["new"].as_u64().unwrap(), notes);
    assert_eq!(report["check"]["ok"], true, "{}", report["check"]);
    let decks = report["decks"].as_array().unwrap();
    assert!(
        decks.contains(&Value::from(
            "AZ-400::Design and implement build and release pipelines"
        )),
        "{decks:?}"
    );
    assert_eq!(
        decks.len(),
        7,
        "Default, the root and five domains: {decks:?}"
    );
}

#[test]
fn bad_exports_fail_clearly_and_leave_no_partial_file() {
    let env = Env::new();
    let deck = env.deck("kinds");
    let not_built = env.run(&["export", "kinds"]);
    assert_eq!(not_built.code, 1);
    assert_eq!(
        not_built.stderr,
        "error: deck `kinds` is not in the database; build it first with `skilldeck build DECK_DIR`\n"
    );
    env.run(&["build", "decks/kinds"]).ok();
    let restore = env.run(&["export", "kinds", "-o", "backup/collection.apkg"]);
    assert_eq!(
        restore.stderr,
        "error: refusing to write `collection.apkg`: AnkiDroid treats a file of that name as a whole-collection restore; choose another name\n"
    );
    let colpkg = env.run(&["export", "kinds", "-o", "kinds.colpkg"]);
    assert_eq!(
        colpkg.stderr,
        "error: kinds.colpkg: an Anki package must end in .apkg\n"
    );
    // An output folder that cannot be made: a file stands where it should be.
    fs::write(env.path_of("blocker"), "a file").unwrap();
    let unwritable = env.run(&["export", "kinds", "-o", "blocker/kinds.apkg"]);
    assert_eq!(unwritable.code, 1);
    assert!(
        unwritable.stderr.starts_with("error: blocker: "),
        "{}",
        unwritable.stderr
    );
    // A media file gone from disk since the build.
    fs::remove_file(deck.join("media/diagram.png")).unwrap();
    let missing = env.run(&["export", "kinds", "-o", "out/kinds.apkg"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("media file `../media/diagram.png` is missing on disk"),
        "{}",
        missing.stderr
    );
    let leftovers: Vec<_> = fs::read_dir(env.dir.path())
        .unwrap()
        .chain(fs::read_dir(env.path_of("out")).into_iter().flatten())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".apkg") || n.contains(".partial") || n.ends_with(".anki2"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn two_exports_of_the_same_database_are_byte_identical() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    env.run_input(&["review", "--plain"], "\n3\n\n1\n\n4\n")
        .ok();
    let mut packages = Vec::new();
    for flags in [&[][..], &["--with-scheduling"][..]] {
        let [a, b] = ["a", "b/again"].map(|folder| {
            let out = format!("{folder}/kinds.apkg");
            env.run(&[&["export", "kinds", "-o", &out][..], flags].concat())
                .ok();
            fs::read(env.path_of(&out)).unwrap()
        });
        assert!(a == b, "two exports {flags:?} differ");
        packages.push(a);
    }
    // The scheduling is in the second one, so they differ.
    assert!(packages[0] != packages[1]);
}

/// Runs an export with `TMPDIR` pointing at a file, so that nothing can be written in the
/// system's temporary folder.
fn export_without_temp_folder(env: &Env, out: &str) -> String {
    let blocked = env.path_of("tmp-is-a-file");
    if !blocked.exists() {
        fs::write(&blocked, "not a folder").unwrap();
    }
    let output = env
        .command(&["export", "kinds", "-o", out])
        .env("TMPDIR", &blocked)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_export_removes_stale_partial_files_and_writes_only_in_the_output_folder() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let out = env.path_of("out");
    fs::create_dir(&out).unwrap();
    // (name, stale): what killed runs left — an export, an export by an older version, a
    // conversion's folder — a partial file of a run still going, and files that are not ours.
    let files = [
        (".kinds.apkg.4242.AbC123.partial", true),
        (".old-1.0.apkg.999.partial", true),
        (".imported.77.QwErTy.partial", true),
        (".kinds.apkg.4243.XyZ789.partial", false),
        ("notes.txt", true),
        (".kinds.apkg.partial", true),
        (".kinds.apkg.4244.AbC123.partial.bak", true),
    ];
    // Every file's time is set from this process's clock, the one the export compares with
    // (under a shifted clock a new file's time from the kernel would look a year old).
    let now = std::time::SystemTime::now();
    let two_hours_ago = now - std::time::Duration::from_secs(2 * 3600);
    for (name, stale) in files {
        let path = out.join(name);
        if name == ".imported.77.QwErTy.partial" {
            fs::create_dir(&path).unwrap();
            fs::write(path.join("deck.toml"), "half").unwrap();
        } else {
            fs::write(&path, "half").unwrap();
        }
        fs::File::open(&path)
            .unwrap()
            .set_modified(if stale { two_hours_ago } else { now })
            .unwrap();
    }
    fs::write(env.path_of("tmp-is-a-file"), "not a folder").unwrap();
    let before = names_in(env.dir.path());
    let printed = export_without_temp_folder(&env, "out/kinds.apkg");
    assert!(
        printed.starts_with("kinds: wrote out/kinds.apkg"),
        "{printed}"
    );
    assert_eq!(
        names_in(&out),
        vec![
            ".kinds.apkg.4243.XyZ789.partial",
            ".kinds.apkg.4244.AbC123.partial.bak",
            ".kinds.apkg.partial",
            "kinds.apkg",
            "notes.txt",
        ]
    );
    // Nothing was left in the working folder either; the package is whole.
    assert_eq!(names_in(env.dir.path()), before);
    let report = env.judge(&[&out.join("kinds.apkg")], false);
    assert_eq!(report["check"]["ok"], true, "{}", report["check"]);
}
