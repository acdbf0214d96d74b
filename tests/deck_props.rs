//! Property test of `build` on decks from strangers: the kinds fixture deck with random
//! fragments (headings, attribute blocks, task lists, cloze markers, rules, front matter,
//! control characters, invalid UTF-8, deep nesting) spliced into its files, built by the real
//! executable onto a database that already holds the deck. A build never panics or fails
//! internally, ends quickly, and when it refuses the deck the database is exactly as before.

use std::fs;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::support::Env;

/// The files a case may change.
const FILES: [&str; 5] = [
    "topics/basics.md",
    "topics/choice.md",
    "topics/cloze.md",
    "deck.toml",
    "outline.toml",
];

/// Pieces that mean something to the deck format, and some that should mean nothing.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\n## ".to_vec()),
        Just(b"\n# Title\n".to_vec()),
        Just(b" {#dup .reversed skill=nope tags=a,b}".to_vec()),
        Just(b"\n\n---\n\n".to_vec()),
        Just(b"\n---\n".to_vec()),
        Just(b"\n- [x] right\n- [ ] wrong\n".to_vec()),
        Just(b"{{c1::x::y}}".to_vec()),
        Just(b"{{c0::".to_vec()),
        Just(b"```yaml\n".to_vec()),
        Just(b"+++\nskill = 1\n+++\n".to_vec()),
        Just(b"![x](../../etc/passwd)".to_vec()),
        Just(b"\x1b]0;title\x07\x1b[2J".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just("> ".repeat(200).into_bytes()),
        Just("- ".repeat(200).into_bytes()),
        Just(b"id = \"other\"\n".to_vec()),
        Just(b"[[domain]]\nid = \"x\"\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
        "\\PC{0,40}".prop_map(String::into_bytes),
    ]
}

/// A change: which file, where (a fraction of its length), and what goes in.
fn change() -> impl Strategy<Value = (usize, f64, Vec<u8>)> {
    (0..FILES.len(), 0.0..1.0f64, fragment())
}

#[test]
fn a_refused_build_changes_nothing() {
    let env = Env::new();
    let deck = env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    let originals: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| fs::read(deck.join(f)).unwrap())
        .collect();
    let config = Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    };
    let outcomes = std::cell::Cell::new((0, 0));
    TestRunner::new(config)
        .run(&proptest::collection::vec(change(), 1..5), |changes| {
            for (file, original) in FILES.iter().zip(&originals) {
                fs::write(deck.join(file), original).unwrap();
            }
            for (file, at, bytes) in &changes {
                let path = deck.join(FILES[*file]);
                let mut text = fs::read(&path).unwrap();
                let at = ((text.len() as f64) * at) as usize;
                text.splice(at..at, bytes.iter().copied());
                fs::write(&path, text).unwrap();
            }
            let before = env.dump();
            let started = Instant::now();
            let run = env.run(&["build", "decks/kinds"]);
            prop_assert!(
                started.elapsed() < Duration::from_secs(5),
                "build took {:?}",
                started.elapsed()
            );
            prop_assert!(
                run.code == 0 || run.code == 1,
                "exit {}: {}",
                run.code,
                run.stderr
            );
            let (built, refused) = outcomes.get();
            if run.code == 1 {
                prop_assert_eq!(env.dump(), before, "{}", run.stderr);
                outcomes.set((built, refused + 1));
            } else {
                outcomes.set((built + 1, refused));
            }
            Ok(())
        })
        .unwrap();
    // The fragments make both kinds of case: decks that build and decks that are refused.
    let (built, refused) = outcomes.get();
    assert!(built > 0 && refused > 0, "built {built}, refused {refused}");
}
