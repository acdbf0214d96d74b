//! `skilldeck import`: packages made by the real Anki library — a skilldeck export imported
//! into Anki, studied with Anki's own FSRS scheduler over simulated days, exported with
//! scheduling in the legacy and the current format and as a collection backup — bring back
//! exactly the reviews Anki made, with FSRS states that match Anki's. Hostile packages get a
//! clear error and change nothing.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::Env;

/// Exports the kinds deck, studies it in Anki for `days` days, and returns Anki's report and
/// the folder with legacy.apkg, current.apkg and whole.colpkg.
fn studied_in_anki(env: &Env, days: u32) -> (Value, PathBuf) {
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    env.run(&["export", "kinds", "-o", "kinds.apkg"]).ok();
    let out = env.path_of("anki");
    fs::create_dir_all(&out).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/anki/study.py");
    let run = env
        .anki_python()
        .arg(script)
        .arg(env.path_of("kinds.apkg"))
        .arg(&out)
        .arg(days.to_string())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "study.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    (serde_json::from_slice(&run.stdout).unwrap(), out)
}

/// Our reviewed cards: (guid, ord) → (stability, difficulty, reps, lapses).
type States = std::collections::HashMap<(String, i64), (f64, f64, i64, i64)>;

/// Our cards' states, and the number of reviews imported from Anki.
fn our_states(env: &Env) -> (States, i64) {
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT n.guid, c.ord, c.stability, c.difficulty, c.reps, c.lapses FROM cards c JOIN notes n ON n.id = c.note WHERE c.reps > 0")
        .unwrap();
    let states = stmt
        .query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?),
                (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let reviews = conn
        .query_row(
            "SELECT count(*) FROM reviews WHERE source = 'anki'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (states, reviews)
}

fn assert_matches_anki(env: &Env, anki: &Value) {
    let (ours, reviews) = our_states(env);
    assert_eq!(reviews, anki["reviews"].as_i64().unwrap());
    let mut compared = 0;
    for card in anki["cards"].as_array().unwrap() {
        let key = (
            card["guid"].as_str().unwrap().to_owned(),
            card["ord"].as_i64().unwrap(),
        );
        let Some(stability) = card["s"].as_f64() else {
            assert!(
                !ours.contains_key(&key),
                "{key:?} was never reviewed in Anki"
            );
            continue;
        };
        let (s, d, reps, _) = ours[&key];
        assert!(
            (s - stability).abs() < 0.01 * stability.max(1.0),
            "{key:?}: stability ours {s}, Anki {stability}"
        );
        assert!(
            (d - card["d"].as_f64().unwrap()).abs() < 0.01,
            "{key:?}: difficulty ours {d}, Anki {}",
            card["d"]
        );
        assert_eq!(reps, card["reps"].as_i64().unwrap(), "{key:?}");
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} cards compared");
}

#[test]
fn reviews_made_in_anki_come_back_in_both_formats() {
    let env = Env::new();
    let (anki, folder) = studied_in_anki(&env, 4);
    assert!(anki["reviews"].as_i64().unwrap() >= 20, "{anki}");
    let legacy = folder.join("legacy.apkg");
    let out = env.run(&["import", &legacy.to_string_lossy()]).ok();
    let n = anki["reviews"].as_i64().unwrap();
    assert!(out.ends_with(&format!(": added {n} review(s) to 13 card(s); skipped 0 already known; 0 note(s) in the file match no skilldeck note\n")), "{out}");
    assert_matches_anki(&env, &anki);
    // The same reviews again, in the current format and as a collection backup: nothing new.
    for file in ["current.apkg", "whole.colpkg", "legacy.apkg"] {
        let before = env.dump();
        let out = env
            .run(&["import", &folder.join(file).to_string_lossy()])
            .ok();
        assert!(
            out.contains(&format!(
                "added 0 review(s) to 0 card(s); skipped {n} already known"
            )),
            "{file}: {out}"
        );
        assert_eq!(env.dump(), before, "{file}");
    }
}

#[test]
fn the_current_format_alone_gives_the_same_states() {
    let env = Env::new();
    let (anki, folder) = studied_in_anki(&env, 3);
    env.run(&["import", &folder.join("current.apkg").to_string_lossy()])
        .ok();
    assert_matches_anki(&env, &anki);
    // A note Anki has that skilldeck does not is counted, and its reviews are left out.
    let json: Value =
        serde_json::from_str(&env.run(&["show", "trigger-none", "--json"]).ok()).unwrap();
    assert!(
        json["cards"][0]["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["source"] == "anki")
    );
}

/// Writes a zip with the given members.
pub(crate) fn zip_file(path: &Path, members: &[(&str, Vec<u8>)]) {
    let file = fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for (name, bytes) in members {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// The collection of a skilldeck export, changed by `sql`, repacked as a new package.
pub(crate) fn doctored(env: &Env, sql: &str, name: &str) -> PathBuf {
    let source = env.path_of("kinds.apkg");
    let mut archive = zip::ZipArchive::new(fs::File::open(&source).unwrap()).unwrap();
    let mut collection = Vec::new();
    std::io::copy(
        &mut archive.by_name("collection.anki2").unwrap(),
        &mut collection,
    )
    .unwrap();
    let db = env.path_of(&format!("{name}.anki2"));
    fs::write(&db, &collection).unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(sql)
        .unwrap();
    let out = env.path_of(name);
    zip_file(
        &out,
        &[
            ("collection.anki2", fs::read(&db).unwrap()),
            ("media", b"{}".to_vec()),
        ],
    );
    out
}

#[test]
fn hostile_packages_get_a_clear_error_and_change_nothing() {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["export", "kinds", "-o", "kinds.apkg"]).ok();
    let before = env.dump();
    let p = |name: &str| env.path_of(name).to_string_lossy().into_owned();

    fs::write(env.path_of("notzip.apkg"), "hello, not a zip").unwrap();
    zip_file(
        &env.path_of("escape.apkg"),
        &[
            ("../../evil.txt", b"owned".to_vec()),
            ("collection.anki2", Vec::new()),
        ],
    );
    zip_file(
        &env.path_of("folder.apkg"),
        &[("sub/collection.anki2", Vec::new())],
    );
    zip_file(
        &env.path_of("notsqlite.apkg"),
        &[(
            "collection.anki2",
            b"definitely not SQLite, just some words here".repeat(10),
        )],
    );
    let rating = doctored(
        &env,
        "INSERT INTO revlog VALUES (1790000000000, (SELECT min(id) FROM cards), -1, 7, 1, 0, 2500, 5000, 1);",
        "rating.apkg",
    );
    let future = doctored(
        &env,
        "INSERT INTO revlog VALUES (4102444800000, (SELECT min(id) FROM cards), -1, 3, 1, 0, 2500, 5000, 1);",
        "future.apkg",
    );
    let schema = doctored(&env, "UPDATE col SET ver = 5;", "schema.apkg");
    let json = {
        let path = doctored(&env, "", "json-base.apkg");
        let mut archive = zip::ZipArchive::new(fs::File::open(&path).unwrap()).unwrap();
        let mut collection = Vec::new();
        std::io::copy(
            &mut archive.by_name("collection.anki2").unwrap(),
            &mut collection,
        )
        .unwrap();
        zip_file(
            &env.path_of("json.apkg"),
            &[
                ("collection.anki2", collection),
                ("media", b"{\"0\": ".to_vec()),
            ],
        );
        env.path_of("json.apkg")
    };

    let cases = [
        (p("notzip.apkg"), "not an Anki package: the file is not a zip archive".to_owned()),
        (p("escape.apkg"), "member name `../../evil.txt` is not allowed: packages hold plain file names only".to_owned()),
        (p("folder.apkg"), "member name `sub/collection.anki2` is not allowed: packages hold plain file names only".to_owned()),
        (p("notsqlite.apkg"), "the collection is not a SQLite database".to_owned()),
        (rating.to_string_lossy().into_owned(), "review log row 1790000000000: rating 7 is not 1–4".to_owned()),
        (future.to_string_lossy().into_owned(), "review log row 4102444800000: its time is impossible".to_owned()),
        (schema.to_string_lossy().into_owned(), "collection schema 5 is not supported (11 and 14–18 are)".to_owned()),
        (json.to_string_lossy().into_owned(), "bad media list (JSON): EOF while parsing a value at line 1 column 6".to_owned()),
    ];
    for (file, message) in cases {
        let run = env.run(&["import", &file]);
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        assert_eq!(run.stderr, format!("error: {file}: {message}\n"));
        assert_eq!(env.dump(), before, "{file}");
    }
    assert!(
        !env.path_of("../evil.txt").exists()
            && !env.dir.path().parent().unwrap().join("evil.txt").exists()
    );
}

#[test]
fn a_zip_bomb_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.apkg");
    // 64 MiB of zeros deflate to a few dozen KiB.
    let file = fs::File::create(&bomb).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    zip.start_file("collection.anki2", zip::write::SimpleFileOptions::default())
        .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    assert!(fs::metadata(&bomb).unwrap().len() < 1 << 20);
    let limits = skilldeck::anki::read::Limits {
        member: 8 << 20,
        total: 16 << 20,
        members: 100,
        ..skilldeck::anki::read::LIMITS
    };
    let err = skilldeck::anki::read::Package::open_with(&bomb, limits)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: member `collection.anki2` unpacks to more than 8388608 bytes; refusing it (zip bomb?)",
            bomb.display()
        )
    );
    let too_many = skilldeck::anki::read::Limits {
        member: 8 << 20,
        total: 16 << 20,
        members: 0,
        ..skilldeck::anki::read::LIMITS
    };
    let err = skilldeck::anki::read::Package::open_with(&bomb, too_many)
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .ends_with("the package has 1 members; the limit is 0"),
        "{err}"
    );
}

/// A deck made in Anki with its stock note types, exported by Anki (legacy or current format).
fn anki_made_deck(env: &Env, current: bool) -> PathBuf {
    let out = env.path_of(if current {
        "spanish-current.apkg"
    } else {
        "spanish.apkg"
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/anki/make_deck.py");
    let mut cmd = env.anki_python();
    cmd.arg(script).arg(&out);
    if current {
        cmd.arg("--current");
    }
    let run = cmd.output().unwrap();
    assert!(
        run.status.success(),
        "make_deck.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

#[test]
fn any_anki_deck_becomes_a_skilldeck_deck() {
    convert_and_reexport(false);
}

#[test]
fn a_deck_in_the_current_anki_format_converts_too() {
    convert_and_reexport(true);
}

fn convert_and_reexport(current: bool) {
    let mut env = Env::new();
    let original = anki_made_deck(&env, current);
    // Edits happen after the deck was made in Anki: the clock runs ahead of it.
    env.now = "2026-11-25T10:00:00Z".into();
    let out = env
        .run(&[
            "import",
            "--to-markdown",
            &original.to_string_lossy(),
            "spanish",
        ])
        .ok();
    assert!(out.ends_with(": converted 5 note(s) (1 cloze) into 2 file(s) under spanish, with 1 media file(s); run `skilldeck check spanish`\n"), "{out}");
    let check = env.run(&["check", "spanish"]).ok();
    assert!(
        check.contains("spanish: 5 notes, 7 cards, 0 error(s), 0 warning(s)"),
        "{check}"
    );
    let verbs = fs::read_to_string(env.path_of("spanish/verbs/notes.md")).unwrap();
    assert!(
        verbs.starts_with("# Spanish Verbs\n\n## hablar {#anki-"),
        "{verbs}"
    );
    assert!(
        verbs.contains(
            " tags=regular,verbs}\n\n**hablar**\n\n---\n\nto speak\n(regular -ar verb)\n"
        ),
        "{verbs}"
    );
    assert!(
        verbs.contains("## comer & beber {#anki-")
            && verbs.contains(" tags=verbs}\n\n- to eat\n- to drink\n"),
        "{verbs}"
    );
    let nouns = fs::read_to_string(env.path_of("spanish/nouns/notes.md")).unwrap();
    assert!(nouns.contains(".reversed tags=nouns}"), "{nouns}");
    assert!(
        nouns.contains("the house ![](../media/casa.png)"),
        "{nouns}"
    );
    assert!(
        nouns.contains("El {{c1::perro}} come la {{c2::comida::food}}.\n\n---\n\nDog eats food."),
        "{nouns}"
    );
    assert!(env.path_of("spanish/media/casa.png").is_file());

    // The original note types are kept beside the deck.
    let anki: Value =
        serde_json::from_str(&fs::read_to_string(env.path_of("spanish/anki.json")).unwrap())
            .unwrap();
    assert_eq!(anki["notes"].as_object().unwrap().len(), 5);
    // Built and exported, the notes keep their Anki GUIDs and note types: imported over the
    // original, they update it in place — no duplicates, no conflicts.
    env.run(&["build", "spanish"]).ok();
    env.run(&["export", "spanish", "-o", "spanish-again.apkg"])
        .ok();
    let report = env.judge(&[&original, &env.path_of("spanish-again.apkg")], false);
    assert_eq!(
        report["imports"][1],
        serde_json::json!({ "new": 0, "updated": 5, "duplicate": 0, "conflicting": 0 })
    );
    assert_eq!(report["notes"], 5);
    let types = report["notetypes"].as_array().unwrap();
    assert!(
        types
            .iter()
            .all(|t| !t.as_str().unwrap().starts_with("skilldeck")),
        "{types:?}"
    );
    assert_eq!(report["check"]["ok"], true);

    // The package carries those note types itself: it imports into a fresh collection too.
    let fresh = env.judge(&[&env.path_of("spanish-again.apkg")], false);
    assert_eq!(
        fresh["imports"][0],
        serde_json::json!({ "new": 5, "updated": 0, "duplicate": 0, "conflicting": 0 })
    );
    assert_eq!(fresh["notetypes"], report["notetypes"]);
    assert_eq!(fresh["check"]["ok"], true);
}

#[test]
fn converting_refuses_a_used_folder_and_broken_json() {
    let env = Env::new();
    let original = anki_made_deck(&env, false);
    fs::create_dir_all(env.path_of("taken")).unwrap();
    fs::write(env.path_of("taken/keep.txt"), "mine").unwrap();
    let run = env.run(&[
        "import",
        "--to-markdown",
        &original.to_string_lossy(),
        "taken",
    ]);
    assert_eq!(
        run.stderr,
        "error: taken: the folder exists and is not empty; choose a new folder\n"
    );
    assert_eq!(
        fs::read_to_string(env.path_of("taken/keep.txt")).unwrap(),
        "mine"
    );
    // A collection whose note types are broken JSON.
    let mut archive = zip::ZipArchive::new(fs::File::open(&original).unwrap()).unwrap();
    let member = if archive.index_for_name("collection.anki21").is_some() {
        "collection.anki21"
    } else {
        "collection.anki2"
    };
    let mut collection = Vec::new();
    std::io::copy(&mut archive.by_name(member).unwrap(), &mut collection).unwrap();
    let db = env.path_of("broken.anki2");
    fs::write(&db, &collection).unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("UPDATE col SET models = '{\"1\": [';")
        .unwrap();
    zip_file(
        &env.path_of("broken.apkg"),
        &[("collection.anki2", fs::read(&db).unwrap())],
    );
    let broken = env.path_of("broken.apkg").to_string_lossy().into_owned();
    let run = env.run(&["import", "--to-markdown", &broken, "out"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: {broken}: broken note types (JSON): EOF while parsing a list at line 1 column 7\n"
        )
    );
    assert!(!env.path_of("out").exists());
}

#[test]
fn phone_reviews_merge_with_later_terminal_reviews() {
    let mut env = Env::new();
    let (anki, folder) = studied_in_anki(&env, 4);
    // Weeks later, before importing, three cards are answered in the terminal: their Anki
    // reviews, once imported, come before these in each card's history.
    env.now = "2026-12-20T09:00:00Z".into();
    env.run_input(&["review", "--plain"], &"\n3\n".repeat(3))
        .ok();
    let out = env
        .run(&["import", &folder.join("legacy.apkg").to_string_lossy()])
        .ok();
    let n = anki["reviews"].as_i64().unwrap();
    assert!(out.contains(&format!("added {n} review(s)")), "{out}");
    let conn = env.sql();
    // Each terminal review now follows the card's Anki reviews: its elapsed days are the gap
    // since the last of them, and the card counts both.
    let mut stmt = conn
        .prepare(
            "SELECT r.card, r.reviewed_at, r.elapsed_days, c.reps,
                    (SELECT max(a.reviewed_at) FROM reviews a WHERE a.card = r.card AND a.source = 'anki'),
                    (SELECT count(*) FROM reviews a WHERE a.card = r.card)
             FROM reviews r JOIN cards c ON c.id = r.card WHERE r.source = 'terminal'",
        )
        .unwrap();
    let rows: Vec<(i64, i64, f64, i64, Option<i64>, i64)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 3);
    let mut merged = 0;
    for (card, at, elapsed, reps, last_anki, count) in rows {
        assert_eq!(reps, count, "card {card}");
        if let Some(last) = last_anki {
            let gap = (at - last) as f64 / 86_400_000.0;
            assert!(
                (elapsed - gap.floor()).abs() <= 1.0,
                "card {card}: {elapsed} vs {gap}"
            );
            assert!(elapsed >= 20.0, "card {card}: {elapsed}");
            merged += 1;
        }
    }
    assert!(merged >= 1, "no terminal card was also studied in Anki");
}
