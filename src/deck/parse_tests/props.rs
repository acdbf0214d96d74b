//! Property tests of the deck parser: decks come from strangers, so any text, and any mix of
//! the Markdown pieces the note rules look at, parses without a panic, in bounded time, with
//! every position it reports inside the file.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::super::parse_file;

/// A hang guard, far above what any of these inputs takes.
const LIMIT: Duration = Duration::from_secs(2);

fn check_file(text: &str) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let parsed = parse_file("f.md", text);
    let elapsed = started.elapsed();
    prop_assert!(elapsed < LIMIT, "{elapsed:?} for {text:?}");
    let lines = text.split('\n').count();
    for note in &parsed.notes {
        prop_assert!((1..=lines).contains(&note.line), "{note:?}");
        for at in [note.offset, note.heading_text_end] {
            prop_assert!(text.is_char_boundary(at), "{at} in {text:?}");
        }
        prop_assert!(note.offset <= note.heading_text_end);
        if let Some(at) = note.attribute_block {
            prop_assert_eq!(text.get(at..=at), Some("{"));
        }
        prop_assert!(!note.title.contains('\n'), "{:?}", note.title);
        for image in &note.images {
            prop_assert!(text.is_char_boundary(image.offset));
        }
    }
    for d in &parsed.diagnostics {
        prop_assert!((1..=lines).contains(&d.line), "{d}");
        prop_assert!(d.column >= 1, "{d}");
        prop_assert_eq!(&d.path, "f.md");
    }
    Ok(())
}

/// Pieces of Markdown that the note rules look at, and of text that trips parsers.
fn fragment() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "# ",
        "## ",
        "### ",
        "Title",
        "{#id}",
        "{#Bad_Id}",
        "{.reversed}",
        "{.x #a skill=s}",
        "{tags=a,b}",
        "{tags=}",
        "{",
        "}",
        "---",
        "+++",
        "***",
        "===",
        "\n",
        "\n\n",
        "\r\n",
        "- [ ] ",
        "- [x] ",
        "- [X]",
        "- ",
        "1. ",
        "> ",
        "   ",
        "\t",
        "```",
        "```yaml",
        "~~~",
        "`",
        "{{c1::",
        "{{c2::a::h}}",
        "{{c0::x}}",
        "{{c99999999999::x}}",
        "::",
        "}}",
        "$$",
        "$",
        "![](media/x.png)",
        "![a](../x y.png)",
        "<div>",
        "</div>",
        "|a|b|",
        "|---|---|",
        "skill: x",
        "tags: [a]",
        "tags: [\"a b\"]",
        "skill = \"x\"",
        "[^1]",
        "[^1]: note",
        "[x]: https://a",
        "**",
        "_",
        "\\",
        "日本語",
        "é",
        "😀",
        "\u{a0}",
        "\u{feff}",
        "\0",
        "Q&A：",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        8 => pieces,
        2 => "\\PC{0,8}",
        1 => (prop::sample::select(vec!["> ", "- ", "  - ", "[", "*", "> - ", "1. ", "<div>"]), 1..300usize)
            .prop_map(|(open, depth)| open.repeat(depth) + "x\n"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_parses(text in any::<String>()) {
        check_file(&text)?;
    }

    #[test]
    fn any_markdown_like_file_parses(parts in prop::collection::vec(fragment(), 0..60)) {
        check_file(&parts.concat())?;
    }

    #[test]
    fn any_file_with_front_matter_parses(
        fence in prop::sample::select(vec!["---", "+++"]),
        parts in prop::collection::vec(fragment(), 0..30),
    ) {
        check_file(&format!("{fence}\n{}\n{fence}\n## Q\n\nA\n", parts.concat()))?;
    }
}
