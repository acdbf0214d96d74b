//! The bundled AZ-400 deck: it must load with no error and no warning, cover every skill of the
//! outline, follow the exam's weights, and keep the shape the deck promises (multiple-choice
//! scenarios, clozes, code).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use skilldeck::app::coverage::Coverage;
use skilldeck::deck::load;
use skilldeck::types::NoteKind;

fn az400() -> load::Deck {
    load::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/decks/az-400"
    )))
    .unwrap()
}

#[test]
fn az400_has_no_error_and_no_warning() {
    let deck = az400();
    let problems: Vec<String> = deck.diagnostics.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(deck.manifest.id.as_str(), "az-400");
    assert!(!deck.manifest.license.is_empty());
}

#[test]
fn az400_covers_every_skill_with_explicit_ids() {
    let deck = az400();
    assert!(deck.notes.len() >= 700, "{} notes", deck.notes.len());
    assert!(deck.notes.iter().all(|n| n.note.explicit_id));
    let outline = deck.outline.as_ref().unwrap();
    assert_eq!(outline.skills().count(), 86);
    let coverage = Coverage::of(outline, &deck.notes);
    let thin: Vec<_> = coverage
        .skills
        .iter()
        .filter(|s| s.notes < 5)
        .map(|s| s.id.clone())
        .collect();
    assert!(thin.is_empty(), "skills with fewer than 5 notes: {thin:?}");
}

#[test]
fn az400_follows_the_exam_weights() {
    let deck = az400();
    let coverage = Coverage::of(deck.outline.as_ref().unwrap(), &deck.notes);
    for d in &coverage.domains {
        // "Inside or near" the range: within 2 points of it.
        assert!(
            d.share >= d.weight_min - 2.0 && d.share <= d.weight_max + 2.0,
            "domain {} has {:.1}% of the notes, weight {}–{}%",
            d.id,
            d.share,
            d.weight_min,
            d.weight_max
        );
    }
}

#[test]
fn az400_has_the_shape_of_the_exam() {
    let deck = az400();
    let total = deck.notes.len() as f64;
    let mut kinds: HashMap<NoteKind, usize> = HashMap::new();
    for n in &deck.notes {
        *kinds.entry(n.note.kind).or_default() += 1;
    }
    let choice = kinds.get(&NoteKind::Choice).copied().unwrap_or(0) as f64;
    let cloze = kinds.get(&NoteKind::Cloze).copied().unwrap_or(0) as f64;
    assert!(
        choice / total >= 0.25,
        "multiple choice: {choice} of {total}"
    );
    assert!(cloze / total >= 0.05, "cloze: {cloze} of {total}");
    let with_code = deck
        .notes
        .iter()
        .filter(|n| n.note.prompt.contains("```") || n.note.answer.contains("```"))
        .count();
    assert!(with_code >= 60, "{with_code} notes with a code block");
    // A scenario choice explains itself.
    for n in deck
        .notes
        .iter()
        .filter(|n| n.note.kind == NoteKind::Choice)
    {
        assert!(
            n.note.choices.len() >= 3,
            "{} has {} options",
            n.note.id,
            n.note.choices.len()
        );
        assert!(
            !n.note.answer.is_empty(),
            "{} has no explanation",
            n.note.id
        );
    }
}

#[test]
fn az400_uses_current_product_names() {
    let deck = az400();
    let stale = [
        "Azure Active Directory",
        "Azure AD ",
        "Azure AD,",
        "Azure AD.",
    ];
    let mut found = HashSet::new();
    for n in &deck.notes {
        let text = format!(
            "{} {} {}",
            n.note.prompt,
            n.note.answer,
            n.note
                .choices
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
        for s in stale {
            // Saying that the product was renamed is fine.
            if text.contains(s) && !text.contains("renamed") && !text.contains("formerly") {
                found.insert(format!("{}: {s}", n.note.id));
            }
        }
    }
    assert!(found.is_empty(), "{found:?}");
}

/// Every fenced code block of the deck's notes, as (note id, language, code).
fn code_blocks(deck: &load::Deck) -> Vec<(String, String, String)> {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
    let mut blocks = Vec::new();
    for n in &deck.notes {
        for text in [&n.note.prompt, &n.note.answer] {
            let mut current: Option<(String, String)> = None;
            for event in Parser::new_ext(text, skilldeck::deck::parse::markdown_options()) {
                match event {
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                        current = Some((lang.to_string(), String::new()))
                    }
                    Event::Text(t) => {
                        if let Some((_, code)) = current.as_mut() {
                            code.push_str(&t);
                        }
                    }
                    Event::End(TagEnd::CodeBlock) => {
                        if let Some((lang, code)) = current.take() {
                            blocks.push((n.note.id.to_string(), lang, code));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    blocks
}

#[test]
fn az400_code_blocks_are_valid_for_their_language() {
    let deck = az400();
    let blocks = code_blocks(&deck);
    let mut checked = 0;
    let mut problems = Vec::new();
    for (id, lang, code) in &blocks {
        assert!(!lang.is_empty(), "{id}: a code block without a language");
        let result = match lang.as_str() {
            "yaml" => serde_norway::from_str::<serde_norway::Value>(code)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            "json" => serde_json::from_str::<serde_json::Value>(code)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            _ => continue,
        };
        checked += 1;
        if let Err(e) = result {
            problems.push(format!("{id} ({lang}): {e}"));
        }
    }
    assert!(checked >= 60, "only {checked} YAML/JSON blocks checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The deck README's contrast checklist: every item names notes that exist, and every link
/// points at the file that holds its note.
#[test]
fn az400_contrast_checklist_links_existing_notes() {
    let deck = az400();
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/decks/az-400"));
    let ids: HashSet<&str> = deck.notes.iter().map(|n| n.note.id.as_str()).collect();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("## Choices the exam asks for").unwrap();
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let id_like = |w: &str| {
        w.len() > 3
            && w.contains('-')
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let mut items = 0;
    for line in section
        .lines()
        .filter(|l| l.trim_start().starts_with("- [x]"))
    {
        items += 1;
        let (_, notes) = line
            .split_once(" — ")
            .unwrap_or_else(|| panic!("no notes named: {line}"));
        let mut named = 0;
        // Linked ids: [id](path), the path holding the note.
        let mut rest = notes;
        while let Some(open) = rest.find('[') {
            let Some(close) = rest[open..].find("](") else {
                break;
            };
            let id = &rest[open + 1..open + close];
            let after = &rest[open + close + 2..];
            let path = &after[..after.find(')').unwrap()];
            assert!(ids.contains(id), "{id} is not a note of the deck: {line}");
            let file = std::fs::read_to_string(root.join(path)).unwrap();
            assert!(
                file.contains(&format!("{{#{id}")),
                "{path} does not hold {id}"
            );
            named += 1;
            rest = &after[path.len()..];
        }
        // Bare ids after the links (scenario notes, related notes).
        for word in notes
            .split([',', ' ', '(', ')', '[', ']'])
            .map(|w| w.trim_matches(|c: char| c == '.' || c == ';' || c == ':'))
            .filter(|w| id_like(w) && !w.contains('/') && !w.ends_with(".md"))
        {
            // Every word shaped like one of the deck's ids (a two-letter domain prefix) must
            // be one.
            let prefixed = word.len() > 3 && word.as_bytes()[2] == b'-';
            assert!(
                !prefixed || ids.contains(word),
                "{word} is not a note of the deck: {line}"
            );
            if ids.contains(word) {
                named += 1;
            }
        }
        assert!(named > 0, "an item without a note: {line}");
    }
    assert!(items >= 150, "{items} checklist items");
}
