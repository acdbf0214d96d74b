//! Tests of the Anki HTML → Markdown converter: what each tag becomes, the hostile inputs that
//! once broke it, and property tests over arbitrary and HTML-like fields (no panic, bounded
//! time, and nothing a field holds can escape its note in the deck file).

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::writer::MAX_LIST_DEPTH;
use super::*;
use crate::deck::parse::parse_file;

fn md(html: &str) -> String {
    convert(html, &mut |name| Some(format!("media/{name}")))
}

#[test]
fn common_anki_html() {
    assert_eq!(
        md("What is <b>Azure</b> <i>DevOps</i>?"),
        "What is **Azure** *DevOps*?"
    );
    assert_eq!(
        md("line one<br>line two<div>para</div>"),
        "line one\nline two\n\npara"
    );
    assert_eq!(md("<ul><li>a</li><li>b</li></ul>"), "- a\n- b");
    assert_eq!(
        md("<img src=\"chart.png\"> &amp; &lt;tag&gt;"),
        "![](media/chart.png) & \\<tag\\>"
    );
    assert_eq!(
        md("<a href=\"https://x.io\">x</a> <a href=\"javascript:1\">y</a>"),
        "[x](https://x.io) y"
    );
    assert_eq!(md("<pre>a < b\n  c</pre>"), "```\na < b\n  c\n```");
    assert_eq!(
        md("A {{c1::stage}} has {{c2::jobs::hint}}"),
        "A {{c1::stage}} has {{c2::jobs::hint}}"
    );
    assert_eq!(
        md("costs $5 *now*<script>alert(1)</script>"),
        "costs \\$5 \\*now\\*"
    );
    assert_eq!(md("<div>---</div>"), "\\---");
    assert_eq!(md("<code>${{ x }}</code> and $y"), "`${{ x }}` and \\$y");
    assert_eq!(
        md("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"),
        "| a | b |\n|---|---|\n| 1 | 2 |"
    );
    // Breaks inside cells stay on the row; a pipe in a cell is escaped; text follows.
    assert_eq!(
        md(
            "<p>Before</p><table><thead><tr><td>x<br>y</td><td>a|b</td></tr></thead><tbody><tr><td><div>1</div></td><td></td></tr></tbody></table>After"
        ),
        "Before\n\n| x y | a\\|b |\n|---|---|\n| 1 | |\n\nAfter"
    );
    // Stray cells outside a table keep the old form.
    assert_eq!(md("<tr><td>a</td><td>b</td></tr>"), "a · b");
}

#[test]
fn text_after_an_ampersand_may_be_multibyte() {
    // Once sliced inside `：` and panicked.
    assert_eq!(md("Q&A：日本語の質問"), "Q&A：日本語の質問");
    assert_eq!(md("&日本語&;&#;&#x;"), "&日本語&;&\\#;&\\#x;");
}

#[test]
fn every_named_entity_is_decoded() {
    assert_eq!(
        md("&hellip; &eacute;t&eacute; &mdash; &copy; &rarr; &frac12; &Omega; &rsquo;"),
        "… été — © → ½ Ω ’"
    );
    assert_eq!(md("a&nbsp;b &#233; &#x1F600; &#39;"), "a b é 😀 '");
    // Legacy entities without `;`; unknown ones stay text.
    assert_eq!(md("&amp &lt &unknown; &amp;amp;"), "& \\< &unknown; &amp;");
    // Code points that cannot be characters become U+FFFD, never a panic.
    assert_eq!(md("&#0;&#xD800;&#x110000;"), "\u{fffd}\u{fffd}\u{fffd}");
}

#[test]
fn attributes_are_matched_by_exact_name() {
    assert_eq!(
        md("<img data-src=\"x.png\" src=\"y.png\">"),
        "![](media/y.png)"
    );
    assert_eq!(md("a<img data-src=\"x.png\">"), "a");
    assert_eq!(md("<IMG SRC='Z.png' alt=z>"), "![](media/Z.png)");
    assert_eq!(md("<img src=a&amp;b.png>"), "![](media/a&b.png)");
    assert_eq!(
        md("<a data-href=\"https://evil.io\" href=\"https://ok.io\">t</a>"),
        "[t](https://ok.io)"
    );
    assert_eq!(md("<a data-href=\"https://evil.io\">t</a>"), "t");
    assert_eq!(md("<a hreflang=\"https://evil.io\">t</a>"), "t");
}

#[test]
fn images_come_only_from_the_package() {
    let mut asked = Vec::new();
    let out = convert(
        "<img src=\"here.png\"><img src=\"gone.png\"><img src=\"my pic (1).png\">",
        &mut |name| {
            asked.push(name.to_owned());
            (name != "gone.png").then(|| format!("../media/{name}"))
        },
    );
    assert_eq!(out, "![](../media/here.png)![](<../media/my pic (1).png>)");
    assert_eq!(asked, ["here.png", "gone.png", "my pic (1).png"]);
}

#[test]
fn only_web_and_mail_links_are_kept() {
    assert_eq!(
        md("<a href=\"mailto:a@b.io\">mail</a> <a href=\" HTTPS://X.IO/a \">x</a>"),
        "[mail](mailto:a@b.io) [x](HTTPS://X.IO/a)"
    );
    assert_eq!(
        md("<a href=\"ftp://x\">f</a> <a href=\"http://\">h</a> <a href=\"#top\">t</a>"),
        "f h t"
    );
    assert_eq!(
        md("<a href=\"https://x.io/a b(c)\">x</a>"),
        "[x](<https://x.io/a b(c)>)"
    );
    // A link inside a link ends the first; one never closed ends with the field.
    assert_eq!(
        md("<a href=\"https://a.io\">a<a href=\"https://b.io\">b</a>"),
        "[a](https://a.io)[b](https://b.io)"
    );
    assert_eq!(md("<a href=\"https://a.io\">open"), "[open](https://a.io)");
}

#[test]
fn lists_nest_and_number() {
    assert_eq!(
        md("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>"),
        "- a\n  - b\n- c"
    );
    assert_eq!(
        md("<ol><li>a<ol><li>b</li></ol></li></ol>"),
        "1. a\n   1. b"
    );
    assert_eq!(
        md("<ol start=\"9\"><li>a</li><li>b</li></ol>"),
        "9. a\n10. b"
    );
    // Deep nesting stops indenting: the output stays as small as the input.
    let deep = "<ul><li>x".repeat(2000);
    let out = md(&deep);
    assert_eq!(out.lines().count(), 2000);
    let widest = out.lines().map(|l| l.len() - l.trim_start().len()).max();
    assert_eq!(widest, Some(2 * MAX_LIST_DEPTH));
}

#[test]
fn emphasis_is_balanced() {
    assert_eq!(md("<b>word </b>next"), "**word** next");
    assert_eq!(md("<b></b>x<i> </i>y"), "x y");
    assert_eq!(md("<b>never closed"), "**never closed**");
    assert_eq!(md("<i><b>x</i></b>"), "***x***");
    assert_eq!(md("stray</b> close"), "stray close");
    // Deep emphasis stops at 16 levels; its text is kept.
    let deep = "**".repeat(16);
    assert_eq!(md(&("<b>".repeat(40) + "x")), format!("{deep}x{deep}"));
}

#[test]
fn code_holds_its_text() {
    assert_eq!(md("<code>a`b</code>"), "`` a`b ``");
    assert_eq!(md("<code>x<br>y\nz</code>"), "`x y z`");
    assert_eq!(md("<code><b>x</b></code>"), "`x`");
    assert_eq!(md("a<code> </code>b"), "ab");
    // A code block whose text holds a fence gets a longer one; an open one is closed.
    assert_eq!(md("<pre>```\nx</pre>"), "````\n```\nx\n````");
    assert_eq!(md("<pre>x\n\ty"), "```\nx\n\ty\n```");
    assert_eq!(
        md("<pre><b>x</b>\n<ul><li>y</ul></pre>"),
        "```\nx\n- y\n```"
    );
}

#[test]
fn lines_that_would_end_a_note_are_escaped() {
    assert_eq!(md("~~~"), "\\~\\~\\~");
    assert_eq!(md("<div>## x</div>"), "\\#\\# x");
    assert_eq!(md("a<br>==="), "a\n\\===");
    assert_eq!(md("<div>- - -</div>"), "\\- - -");
    assert_eq!(md("<div>+++</div>"), "+++");
}

#[test]
fn scripts_styles_comments_and_unknown_tags() {
    assert_eq!(md("a<script>if (a<b) { x = '</b>' }</script>b"), "ab");
    assert_eq!(md("<style>p { color: red }</style>x"), "x");
    assert_eq!(md("kept<script>never closed"), "kept");
    assert_eq!(md("<!-- a > b -->x<![CDATA[y]]>"), "x");
    assert_eq!(
        md("<span style=\"x\">t</span><font color=red>u</font><h1>v</h1>"),
        "tuv"
    );
    assert_eq!(md("a < b and <3"), "a \\< b and \\<3");
}

#[test]
fn summaries_are_heading_safe() {
    assert_eq!(
        summary("A {{c1::stage}} has {{c2::jobs::hint}}", 80),
        "A stage has jobs hint"
    );
    assert_eq!(summary("**bold** `code` #tag", 80), "bold code tag");
    assert_eq!(
        summary("word ".repeat(30).as_str(), 20),
        "word word word word…"
    );
}

/// A hang guard, far above what any of these inputs takes.
const LIMIT: Duration = Duration::from_secs(2);

/// Converts `html`, checking the time it takes and that the result stays inside its note.
fn check_field(html: &str) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let out = md(html);
    let summary = summary(&out, 90);
    let elapsed = started.elapsed();
    prop_assert!(elapsed < LIMIT, "{elapsed:?} for {html:?}");
    prop_assert!(
        !out.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{out:?}"
    );
    prop_assert!(!summary.contains(['\n', '{', '}']), "{summary:?}");
    // The field as a note's heading, prompt and answer, between two other notes, as
    // `--to-markdown` writes it: whatever it holds, the file has three notes, the last intact.
    let file = format!(
        "# T\n\n## {summary} {{#one}}\n\n{out}\n\n---\n\n{out}\n\n## Two {{#two}}\n\nB\n\n## Three {{#three}}\n\nC\n"
    );
    let parsed = parse_file("x.md", &file);
    let ids: Vec<&str> = parsed.notes.iter().map(|n| n.id.as_str()).collect();
    prop_assert_eq!(ids, ["one", "two", "three"], "{}", file);
    prop_assert_eq!(&parsed.notes[1].answer, "B");
    Ok(())
}

/// Pieces of the HTML Anki fields hold, and of the HTML that breaks converters.
fn fragment() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<strong>",
        "</em>",
        "<br>",
        "<br/>",
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<ul>",
        "</ul>",
        "<ol start=\"7\">",
        "</ol>",
        "<li>",
        "</li>",
        "<table>",
        "</table>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<th>",
        "<pre>",
        "</pre>",
        "<code>",
        "</code>",
        "<script>",
        "</script>",
        "<style>",
        "</style>",
        "<!--",
        "-->",
        "<![CDATA[",
        "<a href=\"https://x.io/a b\">",
        "<a href='mailto:x@y'>",
        "<a href=javascript:x>",
        "</a>",
        "<img src=\"a.png\">",
        "<img data-src=x src='b c.png'",
        "<b",
        "<",
        ">",
        "</",
        "<!",
        "&",
        "&amp;",
        "&hellip;",
        "&nbsp;",
        "&#x1F600;",
        "&#0;",
        "&#xD800;",
        "&bogus;",
        "&am",
        "Q&A：",
        "日本語",
        "é",
        "😀",
        "{{c1::x::y}}",
        "{{c2::",
        "}}",
        "---",
        "===",
        "```",
        "~~~",
        "# ",
        "## h",
        "- ",
        "1. ",
        "|",
        "\\",
        "$",
        "*",
        "_",
        "`",
        "\n",
        "\n\n",
        "\r\n",
        "\t",
        "\u{a0}",
        "\0",
        " ",
        "+++",
        "- [x] ",
        "{#id}",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        8 => pieces,
        2 => "\\PC{0,8}",
        1 => (prop::sample::select(vec!["<ul><li>", "<b><i>", "<div>", "<table><tr><td>", "<pre><code>"]), 1..300usize)
            .prop_map(|(open, depth)| open.repeat(depth)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_string_converts(html in any::<String>()) {
        check_field(&html)?;
    }

    #[test]
    fn any_html_like_field_converts(parts in prop::collection::vec(fragment(), 0..60)) {
        check_field(&parts.concat())?;
    }
}

#[test]
fn white_space_runs_are_one_space() {
    assert_eq!(md("a  \n\t b&nbsp;&nbsp;c"), "a b c");
    assert_eq!(md("<pre>a  \tb</pre>"), "```\na  \tb\n```");
}

#[test]
fn a_tag_crowded_with_attributes_is_read_as_text_at_once() {
    let attributes: String = (0..20_000).map(|i| format!(" a{i}")).collect();
    let html = format!("<b{attributes}>bold</b> after");
    let started = std::time::Instant::now();
    let out = md(&html);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(out.starts_with("\\<b a0 a1"), "{}", &out[..40]);
    assert!(out.ends_with("bold after"), "{}", &out[out.len() - 40..]);
    // Quoted values may hold any number of spaces: only attributes count.
    let words: String = (0..1_000).map(|i| format!("w{i} ")).collect();
    assert_eq!(md(&format!("<b title=\"{words}\">x</b>")), "**x**");
    assert_eq!(md(&format!("<b title='{words}'>x</b>")), "**x**");
}
