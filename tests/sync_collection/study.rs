//! One study history on both sides: the first sync, the phone's reviews coming back with the
//! same FSRS states, the terminal's reviews reaching the phone, edits, retired notes, answers
//! on both sides, media, and the quiet sync when nothing changed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Phone, answers_by_source, az400, count, go_to_day, our_memory, ready, sync};
use crate::support::{Env, SyncServer};

#[test]
fn terminal_and_phone_share_one_study_history() {
    let mut env = Env::new();
    let start = env.now.clone();
    let mut server = SyncServer::start_at(&start);
    let deck = env.path_of("decks/az-400");
    crate::support::copy_tree(&az400(), &deck);
    ready(&env, &server, &deck);

    // 1. The first sync sends the whole deck; the phone then has what an export has.
    let stdout = sync(&env).ok();
    let notes = count(&env, "SELECT count(*) FROM notes WHERE retired_at IS NULL");
    let cards = count(&env, "SELECT count(*) FROM cards WHERE retired_at IS NULL");
    assert!(
        stdout.contains(&format!("sent {notes} note(s), {cards} card state(s)")),
        "{stdout}"
    );
    // `status` says when the last sync happened.
    let status = env.run(&["status"]).ok();
    assert!(
        status.contains(&format!("last sync with Anki: {}", &start[..10])),
        "{status}"
    );
    let json: Value = serde_json::from_str(&env.run(&["status", "--json"]).ok()).unwrap();
    assert!(
        json["last_sync"]
            .as_str()
            .unwrap()
            .starts_with(&start[..16]),
        "{json}"
    );

    // 7. Nothing changed: the second sync makes only the `meta` call.
    let calls_before = server.calls().len();
    let stdout = sync(&env).ok();
    assert!(stdout.contains("Already in sync"), "{stdout}");
    assert_eq!(server.calls()[calls_before..], ["meta".to_owned()]);

    let phone = Phone::new(&env);
    let got = phone.run(&env, &server, &["sync", "dump"]);
    let dump = &got["dump"];
    assert_eq!(dump["check"]["ok"], true, "{}", dump["check"]);
    let package = env.path_of("az-400.apkg");
    env.run(&["export", "az-400", "-o", package.to_str().unwrap()])
        .ok();
    let judged = env.judge(&[&package], false);
    assert_eq!(dump["notes"].as_array().unwrap().len() as i64, notes);
    assert_eq!(dump["cards"].as_array().unwrap().len() as i64, cards);
    assert_eq!(
        dump["notes"], judged["notes_detail"],
        "fields and tags as an export has them"
    );
    let exported_decks: Vec<&Value> = judged["decks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d != &"Default")
        .collect();
    for deck in exported_decks {
        assert!(
            dump["decks"].as_array().unwrap().contains(deck),
            "{deck} missing on the phone: {}",
            dump["decks"]
        );
    }

    // 2. The phone studies over three days, syncing each day; skilldeck then adds exactly
    // those reviews and its FSRS states match Anki's.
    let mut studied = vec![phone.run(&env, &server, &["setup", "study", "25", "sync"])];
    for day in 1..=2 {
        go_to_day(&mut env, &mut server, &start, day);
        studied.push(phone.run(&env, &server, &["study", "25", "sync"]));
    }
    let phone_dump = phone.run(&env, &server, &["dump"])["dump"].clone();
    let phone_answers = phone_dump["revlog"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ease"].as_i64().unwrap() > 0)
        .count() as i64;
    assert!(phone_answers >= 60, "{phone_answers}: {studied:?}");
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains(&format!(
            "pulled {phone_answers} review(s) ({phone_answers} new"
        )),
        "{stdout}"
    );
    assert_eq!(
        count(&env, "SELECT count(*) FROM reviews WHERE source = 'anki'"),
        phone_answers
    );
    let ours = our_memory(&env);
    let mut compared = 0;
    for card in phone_dump["cards"].as_array().unwrap() {
        let Some(s) = card["s"].as_f64() else {
            continue;
        };
        let key = (
            card["guid"].as_str().unwrap().to_owned(),
            card["ord"].as_i64().unwrap(),
        );
        let (our_s, our_d) = ours[&key];
        let d = card["d"].as_f64().unwrap();
        assert!(
            (our_s - s).abs() <= 0.01 * s,
            "{key:?}: stability ours {our_s}, Anki {s}"
        );
        assert!(
            (our_d - d).abs() <= 0.01 * d,
            "{key:?}: difficulty ours {our_d}, Anki {d}"
        );
        compared += 1;
    }
    assert!(compared >= 20, "{compared}");
    // A sync with nothing new after that is quiet again.
    assert!(sync(&env).ok().contains("Already in sync"));

    // 3. The terminal answers cards and syncs; the phone, with answers of its own not yet
    // synced, gets a normal sync that brings our reviews and due dates and keeps its own.
    go_to_day(&mut env, &mut server, &start, 3);
    let phone_own = phone.run(&env, &server, &["study", "5"])["study"]["answered"]
        .as_i64()
        .unwrap();
    assert_eq!(phone_own, 5);
    // "a" picks an option of a choice card and reveals any other; 3 rates Good.
    let review = env.run_input(&["review", "--plain"], &"a\n3\n".repeat(8));
    assert_eq!(review.code, 0, "{review:?}");
    let terminal = count(
        &env,
        "SELECT count(*) FROM reviews WHERE source = 'terminal'",
    );
    assert_eq!(terminal, 8, "{review:?}");
    let stdout = sync(&env).ok();
    assert!(stdout.contains(", 8 review(s)"), "{stdout}");
    let before = phone.run(&env, &server, &["dump"])["dump"]["revlog"]
        .as_array()
        .unwrap()
        .len();
    let after = phone.run(&env, &server, &["sync", "dump"]);
    assert_eq!(after["sync"]["required"], "normal");
    let revlog = after["dump"]["revlog"].as_array().unwrap();
    assert_eq!(
        revlog.len(),
        before + 8,
        "our 8 reviews arrive, the phone's stay"
    );
    let due_now: BTreeMap<(String, i64), i64> = after["dump"]["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["queue"] == 2)
        .map(|c| {
            (
                (
                    c["guid"].as_str().unwrap().to_owned(),
                    c["ord"].as_i64().unwrap(),
                ),
                c["ivl"].as_i64().unwrap(),
            )
        })
        .collect();
    let conn = env.sql();
    let mut stmt = conn
        .prepare("SELECT n.guid, c.ord, c.due, c.last_review FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note WHERE r.source = 'terminal'")
        .unwrap();
    let ours: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for key in &ours {
        assert!(
            due_now.contains_key(key),
            "{key:?} is not scheduled on the phone"
        );
    }

    // 4. A note edited in Markdown reaches the phone as an update, not a duplicate.
    let file = deck.join("processes/github-flow.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("- [x] GitHub Flow", "- [x] GitHub Flow (edited)", 1);
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    env.run(&["build", deck.to_str().unwrap()]).ok();
    let stdout = sync(&env).ok();
    assert!(stdout.contains("sent 1 note(s)"), "{stdout}");
    let after = phone.run(&env, &server, &["sync", "dump"]);
    let notes_after = after["dump"]["notes"].as_array().unwrap();
    assert_eq!(notes_after.len() as i64, notes);
    assert!(
        notes_after
            .iter()
            .any(|n| n["fields"].to_string().contains("GitHub Flow (edited)")),
        "the edit did not arrive"
    );
}

#[test]
fn the_images_notes_show_go_through_the_media_sync_once() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let deck = env.deck("kinds");
    ready(&env, &server, &deck);
    // The deck's desired retention goes with it, in deck options of its own.
    env.run(&["config", "set", "desired_retention", "0.85"])
        .ok();
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("Media: sent 1 file(s); 0 already on the server."),
        "{stdout}"
    );
    let phone = Phone::new(&env);
    let got = phone.run(&env, &server, &["sync", "media", "dump"]);
    let options = &got["dump"]["options"];
    assert_eq!(
        options["skilldeck: Every card kind"]["desiredRetention"], 0.85,
        "{options}"
    );
    let image = std::fs::read(deck.join("media/diagram.png")).unwrap();
    let names: Vec<String> = serde_json::from_value(got["media"].clone()).unwrap();
    assert_eq!(names.len(), 1, "{names:?}");
    let on_phone = std::fs::read(
        phone
            .path
            .with_file_name("collection.media")
            .join(&names[0]),
    )
    .unwrap();
    assert_eq!(on_phone, image);
    // A note changed: its file is on the server already and is not sent again.
    let file = deck.join("topics/basics.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("Stages, jobs and steps", "Stages, jobs, steps", 1),
    )
    .unwrap();
    env.run(&["build", deck.to_str().unwrap()]).ok();
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("Media: sent 0 file(s); 1 already on the server."),
        "{stdout}"
    );
}

#[test]
fn a_card_answered_on_both_sides_keeps_both_answers_and_a_retired_notes_cards_are_suspended() {
    let mut env = Env::new();
    let start = env.now.clone();
    let mut server = SyncServer::start_at(&start);
    let deck = env.deck("kinds");
    ready(&env, &server, &deck);
    sync(&env).ok();
    let phone = Phone::new(&env);
    let first = phone.run(&env, &server, &["sync", "setup", "study", "99", "sync"]);
    sync(&env).ok();

    // Two days on, both sides answer every due card before either syncs.
    go_to_day(&mut env, &mut server, &start, 2);
    let phone_answered = phone.run(&env, &server, &["study", "99"])["study"]["answered"]
        .as_i64()
        .unwrap();
    let dump = phone.run(&env, &server, &["dump"]);
    assert!(phone_answered >= 3, "{phone_answered} {first} {dump}");
    let review = env.run_input(&["review", "--plain"], &"a\n3\n".repeat(30));
    assert_eq!(review.code, 0, "{review:?}");
    sync(&env).ok();
    phone.run(&env, &server, &["sync"]);
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains(&format!("pulled {phone_answered} review(s)")),
        "{stdout} {first}"
    );
    // Cards answered on both sides hold both answers, and the state the merged history
    // gives is the one the phone shows after its next sync.
    let both: Vec<(String, i64)> = answers_by_source(&env)
        .into_iter()
        .filter(|(_, (terminal, _))| *terminal > 0)
        .map(|(key, _)| key)
        .collect();
    assert!(!both.is_empty());
    let after = phone.run(&env, &server, &["sync", "dump"]);
    assert_eq!(after["sync"]["required"], "normal");
    let ours = our_memory(&env);
    for card in after["dump"]["cards"].as_array().unwrap() {
        let key = (
            card["guid"].as_str().unwrap().to_owned(),
            card["ord"].as_i64().unwrap(),
        );
        if !both.contains(&key) {
            continue;
        }
        let (s, d) = ours[&key];
        let (their_s, their_d) = (card["s"].as_f64().unwrap(), card["d"].as_f64().unwrap());
        assert!(
            (their_s - s).abs() <= 0.01 * s,
            "{key:?}: ours {s}, phone {their_s}"
        );
        assert!(
            (their_d - d).abs() <= 0.01 * d,
            "{key:?}: ours {d}, phone {their_d}"
        );
    }
    let terminal = count(
        &env,
        "SELECT count(*) FROM reviews WHERE source = 'terminal'",
    );
    let anki = count(&env, "SELECT count(*) FROM reviews WHERE source = 'anki'");
    let revlog = after["dump"]["revlog"].as_array().unwrap().len() as i64;
    assert_eq!(
        revlog,
        terminal + anki,
        "every answer of both sides, once, on both sides"
    );

    // A note removed from the Markdown is retired: its card is suspended on the phone, never
    // deleted.
    let file = deck.join("topics/basics.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let start_of = text.find("## What does `trigger: none` do?").unwrap();
    let end_of = text.find("## What does this trigger do?").unwrap();
    std::fs::write(&file, format!("{}{}", &text[..start_of], &text[end_of..])).unwrap();
    env.run(&["build", deck.to_str().unwrap()]).ok();
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("suspended 1 card(s) of retired notes"),
        "{stdout}"
    );
    let after = phone.run(&env, &server, &["sync", "dump"]);
    let guid: String = env
        .sql()
        .query_row(
            "SELECT guid FROM notes WHERE note_id = 'trigger-none'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let cards: Vec<&Value> = after["dump"]["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["guid"] == guid.as_str())
        .collect();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["queue"], -1, "suspended");
}

#[test]
fn a_removed_deck_is_left_out_of_the_sync_unless_named() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let kinds = env.deck("kinds");
    let one = env.deck("one");
    ready(&env, &server, &kinds);
    env.run(&["build", one.to_str().unwrap()]).ok();
    env.run(&["remove", "one"]).ok();
    let kinds_notes = count(
        &env,
        "SELECT count(*) FROM notes n JOIN decks d ON d.id = n.deck WHERE d.slug = 'kinds' AND n.retired_at IS NULL",
    );
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains(&format!("sent {kinds_notes} note(s)")),
        "{stdout}"
    );
    // Named, it goes.
    let stdout = env.run(&["sync", "one"]).ok();
    assert!(!stdout.contains("sent 0 note(s)"), "{stdout}");
}
