//! Parser golden tests: each fixture deck is loaded and its notes and diagnostics are compared
//! with a snapshot file under tests/snapshots/.

use std::fmt::Write as _;
use std::path::Path;

use skilldeck::deck::load;

/// A readable rendering of everything the parser produced for a deck.
fn render(name: &str) -> String {
    // Relative to the package root, so the paths in diagnostics are stable.
    let deck = load::load(Path::new("tests/fixtures/decks").join(name).as_path()).unwrap();
    let mut out = String::new();
    for n in &deck.notes {
        let note = &n.note;
        let _ = writeln!(
            out,
            "== {}:{} #{} ({}) kind={} skill={} tags=[{}] cards={:?}",
            n.path,
            note.line,
            note.id,
            if note.explicit_id {
                "explicit"
            } else {
                "derived"
            },
            note.kind,
            note.skill.as_ref().map_or("-", |s| s.as_str()),
            note.tags.join(","),
            note.ords,
        );
        let _ = writeln!(out, "-- title\n{}", note.title);
        let _ = writeln!(out, "-- prompt\n{}", note.prompt);
        for c in &note.choices {
            let _ = writeln!(
                out,
                "-- option [{}] {}",
                if c.correct { "x" } else { " " },
                c.text
            );
        }
        let _ = writeln!(out, "-- answer\n{}", note.answer);
    }
    let _ = writeln!(out, "== diagnostics");
    for d in &deck.diagnostics {
        let _ = writeln!(out, "{d}");
    }
    out
}

#[test]
fn every_card_kind() {
    insta::assert_snapshot!(render("kinds"));
}

#[test]
fn every_error_at_once() {
    insta::assert_snapshot!(render("broken"));
}
