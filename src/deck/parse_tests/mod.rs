//! Unit tests of the note rules (DESIGN.md §2), one table per rule: what `parse_file` makes of
//! a small file, with the exact diagnostics it reports. This file: notes and their parts;
//! `kinds`: choice and cloze notes; `identity`: ids and front matter; `props`: property tests.

mod identity;
mod kinds;
mod props;

use super::parse_file;
use crate::deck::{Choice, ParsedFile};
use crate::types::NoteKind;

pub(super) fn parse(text: &str) -> ParsedFile {
    parse_file("f.md", text)
}

/// Every diagnostic as the user reads it.
pub(super) fn messages(parsed: &ParsedFile) -> Vec<String> {
    parsed.diagnostics.iter().map(ToString::to_string).collect()
}

/// Each note as (id, title, prompt, answer).
pub(super) fn notes(parsed: &ParsedFile) -> Vec<(&str, &str, &str, &str)> {
    parsed
        .notes
        .iter()
        .map(|n| {
            (
                n.id.as_str(),
                n.title.as_str(),
                n.prompt.as_str(),
                n.answer.as_str(),
            )
        })
        .collect()
}

pub(super) fn choice(text: &str, correct: bool) -> Choice {
    Choice {
        text: text.to_owned(),
        correct,
    }
}

#[test]
fn level_2_headings_start_notes_and_level_1_is_the_title() {
    // (file, title, notes as (id, title, prompt, answer))
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        &'a [(&'a str, &'a str, &'a str, &'a str)],
    );
    let cases: &[Case] = &[
        (
            "# Deck\n\nIntro, not a note.\n\n## Q1 {#a}\n\nA1\n\n## Q2 {#b}\n\nA2\n",
            Some("Deck"),
            &[("a", "Q1", "Q1", "A1"), ("b", "Q2", "Q2", "A2")],
        ),
        ("## Q {#a}\n\nA\n", None, &[("a", "Q", "Q", "A")]),
        // Only the first level-1 heading is the title; none is a note.
        (
            "# One\n\n# Two\n\n## Q {#a}\n\nA\n",
            Some("One"),
            &[("a", "Q", "Q", "A")],
        ),
        ("# T\n\n### Deeper\n\ntext\n", Some("T"), &[]),
        // Closing `#`s and the attribute block are not part of the prompt.
        (
            "## Why? ## {#a}\n\nA\n",
            None,
            &[("a", "Why?", "Why?", "A")],
        ),
    ];
    for (text, title, expected) in cases {
        let parsed = parse(text);
        assert_eq!(parsed.title.as_deref(), *title, "{text}");
        assert_eq!(notes(&parsed), *expected, "{text}");
        assert_eq!(messages(&parsed), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn a_note_ends_at_the_next_level_1_or_2_heading() {
    let parsed =
        parse("## Q {#a}\n\nA\n\n### Sub\n\nmore\n\n# Part\n\nnot a note\n\n## R {#b}\n\nB\n");
    assert_eq!(
        notes(&parsed),
        [
            ("a", "Q", "Q", "A\n\n### Sub\n\nmore"),
            ("b", "R", "R", "B")
        ]
    );
    assert_eq!(parsed.title.as_deref(), Some("Part"));
    let lines: Vec<usize> = parsed.notes.iter().map(|n| n.line).collect();
    assert_eq!(lines, [1, 13]);
}

#[test]
fn heading_attributes_carry_id_kind_skill_and_tags() {
    // (attributes, id, kind, skill, tags, diagnostics)
    type Case<'a> = (
        &'a str,
        &'a str,
        NoteKind,
        Option<&'a str>,
        &'a [&'a str],
        &'a [&'a str],
    );
    let cases: &[Case] = &[
        ("{#my-id}", "my-id", NoteKind::Basic, None, &[], &[]),
        ("{#x .reversed}", "x", NoteKind::Reversed, None, &[], &[]),
        (
            "{#x skill=yaml}",
            "x",
            NoteKind::Basic,
            Some("yaml"),
            &[],
            &[],
        ),
        (
            "{#x tags=a,b}",
            "x",
            NoteKind::Basic,
            None,
            &["a", "b"],
            &[],
        ),
        (
            "{#x tags=a,,b,a}",
            "x",
            NoteKind::Basic,
            None,
            &["a", "b"],
            &[],
        ),
        (
            "{.reversed #x skill=s tags=t}",
            "x",
            NoteKind::Reversed,
            Some("s"),
            &["t"],
            &[],
        ),
        (
            "{#x .wide}",
            "x",
            NoteKind::Basic,
            None,
            &[],
            &[
                "f.md:1:1: warning: unknown class `.wide` ignored\n  hint: the one class a note understands is `.reversed`",
            ],
        ),
        (
            "{#x lang=en}",
            "x",
            NoteKind::Basic,
            None,
            &[],
            &[
                "f.md:1:1: warning: unknown attribute `lang` ignored\n  hint: a note's attributes are `#id`, `.reversed`, `skill=ID` and `tags=a,b`",
            ],
        ),
    ];
    for (attrs, id, kind, skill, tags, diagnostics) in cases {
        let text = format!("## Prompt {attrs}\n\nAnswer\n");
        let parsed = parse(&text);
        let note = &parsed.notes[0];
        assert_eq!(note.id.as_str(), *id, "{text}");
        assert!(note.explicit_id, "{text}");
        assert_eq!(note.kind, *kind, "{text}");
        assert_eq!(note.skill.as_ref().map(|s| s.as_str()), *skill, "{text}");
        assert_eq!(note.tags, *tags, "{text}");
        assert_eq!(note.title, "Prompt", "{text}");
        assert_eq!(messages(&parsed), *diagnostics, "{text}");
    }
}

#[test]
fn reversed_adds_a_second_card() {
    let cases: &[(&str, NoteKind, &[u32])] = &[
        ("## Q {#a}\n\nA\n", NoteKind::Basic, &[0]),
        ("## Q {#a .reversed}\n\nA\n", NoteKind::Reversed, &[0, 1]),
    ];
    for (text, kind, ords) in cases {
        let parsed = parse(text);
        assert_eq!(parsed.notes[0].kind, *kind, "{text}");
        assert_eq!(parsed.notes[0].ords, *ords, "{text}");
    }
}

#[test]
fn a_rule_splits_prompt_and_answer() {
    let cases: &[(&str, &str, &str)] = &[
        // Blocks above the rule join the heading in the prompt.
        (
            "## Q {#a}\n\n```yaml\nx: 1\n```\n\n---\n\nAnswer\n",
            "Q\n\n```yaml\nx: 1\n```",
            "Answer",
        ),
        // Without a rule, the whole body is the answer.
        ("## Q {#a}\n\nFirst\n\nSecond\n", "Q", "First\n\nSecond"),
        // Only the first rule splits; a later one is part of the answer.
        (
            "## Q {#a}\n\nP\n\n---\n\nA\n\n***\n\nB\n",
            "Q\n\nP",
            "A\n\n***\n\nB",
        ),
    ];
    for (text, prompt, answer) in cases {
        let parsed = parse(text);
        assert_eq!(parsed.notes[0].prompt, *prompt, "{text}");
        assert_eq!(parsed.notes[0].answer, *answer, "{text}");
        assert_eq!(messages(&parsed), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn a_rule_without_a_blank_line_above_is_a_setext_heading_error() {
    let setext = "error: setext heading (a line of text underlined with `---` or `===`): only `## ` headings start notes\n  hint: to split prompt and answer, put a blank line above the `---`";
    let cases: &[(&str, &str)] = &[
        ("## Q {#a}\n\nPrompt text\n---\n\nAnswer\n", "f.md:3:1"),
        ("# T\n\nLoose line\n===\n\n## Q {#a}\n\nA\n", "f.md:3:1"),
    ];
    for (text, at) in cases {
        let parsed = parse(text);
        assert_eq!(messages(&parsed), [format!("{at}: {setext}")], "{text}");
        // The note is still read, its prompt not split.
        assert_eq!(parsed.notes.last().map(|n| n.prompt.as_str()), Some("Q"));
    }
}
