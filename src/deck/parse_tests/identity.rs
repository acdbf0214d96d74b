//! Identity and file-level rules: explicit, derived, invalid and duplicate ids; empty prompts
//! and answers; front matter (YAML or TOML) giving the default skill and tags.

use super::{messages, parse};

#[test]
fn id_less_notes_get_a_hash_of_their_prompt_and_a_warning() {
    let parsed = parse("## What  is  X?\n\nA\n\n## what is x?\n\nB\n");
    // `h-` and the first 12 hex digits of BLAKE3 over the prompt, lowercased and with its
    // whitespace collapsed: both spellings are the same note.
    let hash = blake3::hash(b"what is x?").to_hex();
    let id = format!("h-{}", &hash[..12]);
    let ids: Vec<&str> = parsed.notes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, [id.as_str(), id.as_str()]);
    assert!(parsed.notes.iter().all(|n| !n.explicit_id));
    let hint = "hint: add `{#some-id}` to the heading, or run `skilldeck ids --write DECK_DIR`";
    assert_eq!(
        messages(&parsed),
        [
            format!(
                "f.md:1:1: warning: note has no id; using `{id}`, derived from its prompt\n  {hint}"
            ),
            format!(
                "f.md:5:1: warning: note has no id; using `{id}`, derived from its prompt\n  {hint}"
            ),
        ]
    );
    // The hash covers the whole prompt: blocks above the rule change it.
    let longer = parse("## What is X?\n\nMore.\n\n---\n\nA\n");
    assert_ne!(longer.notes[0].id.as_str(), id);
    assert!(longer.notes[0].id.is_derived());
}

#[test]
fn invalid_ids_are_errors() {
    for raw in ["Bad_Id", "-lead", "über", "a b"] {
        let text = format!("## Q {{#{raw}}}\n\nA\n");
        let parsed = parse(&text);
        let note = &parsed.notes[0];
        if raw.contains(' ') {
            // pulldown-cmark splits the block at the space: `#a` and an unknown `b`.
            assert_eq!(note.id.as_str(), "a", "{text}");
            continue;
        }
        assert!(!note.explicit_id, "{text}");
        assert!(note.id.is_derived(), "{text}");
        assert_eq!(
            messages(&parsed),
            [format!(
                "f.md:1:1: error: note id `{raw}` is not valid\n  hint: ids use lowercase letters, digits and `-`, e.g. `{{#ci-trigger-paths}}`"
            )],
            "{text}"
        );
    }
}

#[test]
fn empty_prompts_and_answers_are_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "## {#a}\n\nA\n",
            "f.md:1:1: error: empty prompt: the heading has no text\n  hint: write the question after `## `",
        ),
        (
            "## Q {#a}\n\n## R {#b}\n\nB\n",
            "f.md:1:1: error: empty answer: the note has no text under its heading\n  hint: write the answer below the heading (after a `---` line if the prompt has blocks)",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(messages(&parse(text)), [*message], "{text}");
    }
}

#[test]
fn front_matter_gives_the_default_skill_and_tags() {
    let notes_of = |front: &str| {
        let parsed = parse(&format!(
            "{front}# T\n\n## Q {{#a}}\n\nA\n\n## R {{#b skill=own tags=n,f}}\n\nB\n"
        ));
        assert_eq!(messages(&parsed), Vec::<String>::new(), "{front}");
        assert!(parsed.front_matter_ok);
        parsed
            .notes
            .iter()
            .map(|n| {
                (
                    n.skill.as_ref().map(|s| s.as_str().to_owned()),
                    n.tags.clone(),
                    n.line,
                )
            })
            .collect::<Vec<_>>()
    };
    let own = |line| {
        (
            Some("own".to_owned()),
            vec!["f".to_owned(), "n".to_owned()],
            line,
        )
    };
    // YAML and TOML say the same; a note's own skill wins, its tags come after the file's.
    assert_eq!(
        notes_of("---\nskill: triggers\ntags: [f]\n---\n"),
        [
            (Some("triggers".to_owned()), vec!["f".to_owned()], 7),
            own(11)
        ]
    );
    assert_eq!(
        notes_of("+++\nskill = \"triggers\"\ntags = [\"f\"]\n+++\n"),
        [
            (Some("triggers".to_owned()), vec!["f".to_owned()], 7),
            own(11)
        ]
    );
    assert_eq!(
        notes_of(""),
        [
            (None, vec![], 3),
            (
                Some("own".to_owned()),
                vec!["n".to_owned(), "f".to_owned()],
                7
            )
        ]
    );
}

#[test]
fn broken_front_matter_is_reported_and_the_notes_still_read() {
    let cases: &[(&str, &str)] = &[
        (
            "---\nskill: [unclosed\n---\n## Q {#a}\n\nA\n",
            "f.md:2:8: error: bad YAML front matter",
        ),
        (
            "+++\nskil = \"x\"\n+++\n## Q {#a}\n\nA\n",
            "f.md:2:1: error: bad TOML front matter: unknown field `skil`",
        ),
        (
            "---\ntags: [\"a b\"]\n---\n## Q {#a}\n\nA\n",
            "f.md:1:1: error: tag `a b` is not valid: tags cannot be empty or hold spaces\n  hint: join words with `-`, e.g. `azure-pipelines`",
        ),
    ];
    for (text, start) in cases {
        let parsed = parse(text);
        let messages = messages(&parsed);
        assert_eq!(messages.len(), 1, "{text}");
        assert!(messages[0].starts_with(start), "{text}: {}", messages[0]);
        assert_eq!(parsed.notes.len(), 1, "{text}");
    }
    assert!(!parse(cases[0].0).front_matter_ok);
    assert!(parse(cases[2].0).front_matter_ok);
}

#[test]
fn duplicate_ids_in_a_deck_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap();
    };
    write(
        "deck.toml",
        "id = \"d\"\nname = \"D\"\nversion = \"1.0.0\"\n",
    );
    write("a.md", "## Q {#same}\n\nA\n\n## Twice\n\nX\n");
    write("b.md", "# B\n\n## R {#same}\n\nB\n\n## twice\n\nY\n");
    let deck = crate::deck::load::load(dir.path()).unwrap();
    let root = dir.path().to_string_lossy();
    let errors: Vec<String> = deck
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    let twice = crate::types::NoteId::from_prompt("twice");
    assert_eq!(
        errors,
        [
            format!(
                "{root}/b.md:3:1: error: duplicate note id `same`: already used at {root}/a.md:1\n  hint: give each note its own `{{#id}}`"
            ),
            format!(
                "{root}/b.md:7:1: error: duplicate note id `{twice}`: already used at {root}/a.md:5\n  hint: two notes have the same prompt: give them distinct `{{#id}}`s"
            ),
        ]
    );
}
