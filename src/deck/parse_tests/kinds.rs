//! The note kinds that the body decides: multiple choice (a task list above the rule) and
//! cloze (`{{cN::…}}` markers).

use super::{choice, messages, parse};
use crate::types::NoteKind;

#[test]
fn a_task_list_in_the_prompt_makes_a_choice_note() {
    let text = "## Which file? {#gha}\n\nPick one.\n\n- [ ] `azure-pipelines.yml`\n- [x] A YAML file under `.github/workflows/`\n- [X] also right\n\n---\n\nWorkflows live there.\n";
    let parsed = parse(text);
    let note = &parsed.notes[0];
    assert_eq!(note.kind, NoteKind::Choice);
    assert_eq!(
        note.choices,
        [
            choice("`azure-pipelines.yml`", false),
            choice("A YAML file under `.github/workflows/`", true),
            choice("also right", true),
        ]
    );
    assert_eq!(note.prompt, "Which file?\n\nPick one.");
    assert_eq!(note.answer, "Workflows live there.");
    assert_eq!(note.ords, [0]);
    assert_eq!(messages(&parsed), Vec::<String>::new());
}

#[test]
fn task_lists_that_are_not_a_valid_choice() {
    let two_options = "a multiple-choice note needs at least two options, every one a task item\n  hint: write each option as `- [ ] wrong` or `- [x] right`";
    // (body, kind, choices, diagnostics)
    let cases: &[(&str, NoteKind, usize, &[String])] = &[
        // Fewer than two options, or a plain item among them: an error.
        (
            "- [x] only\n\n---\n\nWhy.",
            NoteKind::Choice,
            1,
            &[format!("f.md:3:1: error: {two_options}")],
        ),
        (
            "- [x] right\n- plain\n\n---\n\nWhy.",
            NoteKind::Choice,
            1,
            &[format!("f.md:3:1: error: {two_options}")],
        ),
        // No option checked: an error.
        (
            "- [ ] a\n- [ ] b\n\n---\n\nWhy.",
            NoteKind::Choice,
            2,
            &["f.md:3:1: error: multiple-choice note has no correct option\n  hint: mark each correct option with `- [x]`".to_owned()],
        ),
        // No explanation: a warning.
        (
            "- [x] a\n- [ ] b\n\n---\n",
            NoteKind::Choice,
            2,
            &["f.md:1:1: warning: multiple-choice note has no explanation\n  hint: after the options, add `---` and say why the right option is right and the others wrong".to_owned()],
        ),
        // A plain list, or a task list in the answer (no rule), is no choice.
        ("- a\n- b\n\n---\n\nWhy.", NoteKind::Basic, 0, &[]),
        ("- [x] a\n- [ ] b\n", NoteKind::Basic, 0, &[]),
        ("P\n\n---\n\n- [x] a\n- [ ] b\n", NoteKind::Basic, 0, &[]),
    ];
    for (body, kind, choices, diagnostics) in cases {
        let text = format!("## Q {{#q}}\n\n{body}\n");
        let parsed = parse(&text);
        assert_eq!(parsed.notes[0].kind, *kind, "{text}");
        assert_eq!(parsed.notes[0].choices.len(), *choices, "{text}");
        assert_eq!(messages(&parsed), *diagnostics, "{text}");
    }
    let parsed = parse("## Q {#q .reversed}\n\n- [x] a\n- [ ] b\n\n---\n\nWhy.\n");
    assert_eq!(
        messages(&parsed),
        ["f.md:1:1: warning: `.reversed` is ignored on a multiple-choice note"]
    );
}

#[test]
fn cloze_markers_make_a_cloze_note_with_one_card_per_number() {
    // (body, prompt, answer, ords)
    let cases: &[(&str, &str, &str, &[u32])] = &[
        (
            "A pipeline has {{c1::stages}}, a stage has {{c2::jobs::plural}}.",
            "A pipeline has {{c1::stages}}, a stage has {{c2::jobs::plural}}.",
            "",
            &[0, 1],
        ),
        (
            "{{c3::a}} {{c1::b}} {{c3::c}}",
            "{{c3::a}} {{c1::b}} {{c3::c}}",
            "",
            &[0, 2],
        ),
        // With a rule, the deletions are above it and the rest is extra text.
        (
            "Runs {{c1::on push}}.\n\n---\n\nSee the docs.",
            "Runs {{c1::on push}}.",
            "See the docs.",
            &[0],
        ),
    ];
    for (body, prompt, answer, ords) in cases {
        let text = format!("## Title {{#c}}\n\n{body}\n");
        let parsed = parse(&text);
        let note = &parsed.notes[0];
        assert_eq!(note.kind, NoteKind::Cloze, "{text}");
        assert_eq!(note.title, "Title", "{text}");
        assert_eq!(note.prompt, *prompt, "{text}");
        assert_eq!(note.answer, *answer, "{text}");
        assert_eq!(note.ords, *ords, "{text}");
        assert_eq!(messages(&parsed), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn what_is_not_a_cloze_and_broken_markers() {
    // Braces that are not markers, and markers below the rule, leave a basic note.
    for body in [
        "run: echo ${{ secrets.TOKEN }} {{ci::x}}",
        "P\n\n---\n\n{{c1::answer}}",
    ] {
        let parsed = parse(&format!("## Q {{#q}}\n\n{body}\n"));
        assert_eq!(parsed.notes[0].kind, NoteKind::Basic, "{body}");
        assert_eq!(messages(&parsed), Vec::<String>::new(), "{body}");
    }
    // (body, diagnostics)
    let cases: &[(&str, &[&str])] = &[
        (
            "x {{c1::open",
            &[
                "f.md:3:3: error: unclosed cloze marker: `{{c…::` has no closing `}}`\n  hint: write deletions as `{{c1::text}}` or `{{c1::text::hint}}`",
            ],
        ),
        (
            "ok\n\nx {{c0::zero}} {{c501::big}}",
            &[
                "f.md:5:3: error: cloze number must be between 1 and 500",
                "f.md:5:16: error: cloze number must be between 1 and 500",
            ],
        ),
        (
            "{{c1::a}}\n\n- [x] a\n- [ ] b\n\n---\n\nWhy.",
            &["f.md:1:1: error: a note cannot be both cloze and multiple choice"],
        ),
    ];
    for (body, diagnostics) in cases {
        let parsed = parse(&format!("## Q {{#q}}\n\n{body}\n"));
        assert_eq!(parsed.notes[0].kind, NoteKind::Cloze, "{body}");
        assert_eq!(messages(&parsed), *diagnostics, "{body}");
    }
    let parsed = parse("## Q {#q .reversed}\n\n{{c1::a}}\n");
    assert_eq!(
        messages(&parsed),
        ["f.md:1:1: warning: `.reversed` is ignored on a cloze note"]
    );
}
