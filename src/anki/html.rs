//! Markdown → HTML for Anki cards and the static site (pure): code blocks pre-highlighted into
//! inline-styled HTML (no add-on needed on AnkiDroid), math as MathJax `\(…\)` / `\[…\]` for
//! Anki or as TeX in a styled element for the site (which runs no script), image sources
//! rewritten to their exported media names. Deck text is hostile: raw HTML in the Markdown is
//! escaped, not passed through, and links keep only web and mail addresses.

use std::collections::HashMap;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Parser, Tag, TagEnd, html};

use crate::deck::parse::markdown_options;
use crate::highlight::{highlighting, syntax_for};
use crate::sanitize::{is_hidden, sanitize};

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A code block as a `<pre>` with inline colours, or plain when the language is unknown.
fn code_block(code: &str, lang: &str) -> String {
    let h = highlighting();
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" data-lang=\"{}\"", escape(lang))
    };
    match syntax_for(lang).and_then(|s| {
        syntect::html::highlighted_html_for_string(code, &h.syntaxes, s, &h.theme).ok()
    }) {
        Some(highlighted) => {
            highlighted.replacen("<pre ", &format!("<pre class=\"code\"{class} "), 1)
        }
        None => format!(
            "<pre class=\"code plain\"{class}><code>{}</code></pre>\n",
            escape(code)
        ),
    }
}

/// Whether a link may keep its address.
fn safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
}

/// Whether `text` is one plain line of prose that Markdown would only wrap in a paragraph:
/// no markup characters, no block syntax at the start.
fn is_plain(text: &str) -> bool {
    const MARKUP: &[char] = &[
        '\\', '`', '*', '_', '[', ']', '!', '<', '>', '&', '$', '~', '{', '}', '|', '#', '\n',
        '\r', '\t',
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    !first.is_ascii_digit()
        && !matches!(first, '-' | '+' | '=' | ' ')
        && !text.ends_with(' ')
        && !text.contains(MARKUP)
        && !text.chars().any(is_hidden)
}

/// How math comes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Math {
    /// MathJax delimiters, `\(…\)` and `\[…\]`, which Anki typesets.
    MathJax,
    /// The TeX source in `<span class="math">` (display math: `class="math display"`), for
    /// pages that run no script.
    Tex,
}

/// Renders Markdown to HTML for Anki. `media` maps an image's path as written to its exported
/// name; images it does not map are left as text.
pub fn render(markdown: &str, media: &HashMap<String, String>) -> String {
    render_with(markdown, media, Math::MathJax)
}

/// Renders Markdown to HTML, with math as asked.
pub fn render_with(markdown: &str, media: &HashMap<String, String>, math: Math) -> String {
    // Most options, titles and short answers are one plain line: skip the parser for them.
    if is_plain(markdown) {
        return format!("<p>{markdown}</p>");
    }
    let markdown = sanitize(markdown);
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut code: Option<(String, String)> = None;
    let mut dropped_link = false;
    for event in Parser::new_ext(&markdown, markdown_options()) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => {
                        lang.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, text)) = code.take() {
                    events.push(Event::Html(CowStr::from(code_block(&text, &lang))));
                }
            }
            Event::Text(text) if code.is_some() => {
                if let Some((_, body)) = code.as_mut() {
                    body.push_str(&text);
                }
            }
            Event::InlineMath(tex) => events.push(Event::InlineHtml(CowStr::from(match math {
                Math::MathJax => format!("\\({}\\)", escape(&tex)),
                Math::Tex => format!("<span class=\"math\">{}</span>", escape(&tex)),
            }))),
            Event::DisplayMath(tex) => events.push(Event::Html(CowStr::from(match math {
                Math::MathJax => format!("\\[{}\\]", escape(&tex)),
                Math::Tex => format!("<span class=\"math display\">{}</span>", escape(&tex)),
            }))),
            // Raw HTML from a deck is shown, never run.
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            // A link to anything but the web or mail keeps only its text (links do not nest).
            Event::Start(Tag::Link { ref dest_url, .. }) if !safe_link(dest_url) => {
                dropped_link = true;
            }
            Event::End(TagEnd::Link) if dropped_link => dropped_link = false,
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let mapped = media.get(dest_url.as_ref()).cloned().unwrap_or_default();
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: CowStr::from(mapped),
                    title,
                    id,
                }));
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, events.into_iter());
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        render(md, &HashMap::new())
    }

    #[test]
    fn code_is_highlighted_inline() {
        let out = html("```yaml\ntrigger: none\n```\n");
        assert!(
            out.starts_with("<pre class=\"code\" data-lang=\"yaml\" style=\"background-color:"),
            "{out}"
        );
        assert!(out.contains("<span style=\"color:"), "{out}");
        let plain = html("```kusto\nrequests | take 1\n```\n");
        assert!(plain.contains("<pre class=\"code plain\" data-lang=\"kusto\"><code>requests | take 1\n</code></pre>"), "{plain}");
    }

    #[test]
    fn math_becomes_mathjax() {
        assert_eq!(html("Area $a<b$."), "<p>Area \\(a&lt;b\\).</p>");
        assert_eq!(html("$$x^2$$"), "<p>\\[x^2\\]</p>");
        let tex = |md| render_with(md, &HashMap::new(), Math::Tex);
        assert_eq!(
            tex("Area $a<b$."),
            "<p>Area <span class=\"math\">a&lt;b</span>.</p>"
        );
        assert_eq!(
            tex("$$x^2$$"),
            "<p><span class=\"math display\">x^2</span></p>"
        );
    }

    #[test]
    fn raw_html_and_script_links_are_defused() {
        let out =
            html("<script>alert(1)</script>\n\nSee [x](javascript:alert(1)) and <b>bold</b>.");
        assert!(!out.contains("<script>") && !out.contains("<b>"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(out.contains("See x and"), "the link's text stays: {out}");
        assert_eq!(
            html("[web](https://example.org) [x](file:///etc/passwd)"),
            "<p><a href=\"https://example.org\">web</a> x</p>"
        );
    }

    #[test]
    fn images_point_at_exported_media() {
        let media = HashMap::from([("media/x.png".to_owned(), "kinds-1a2b3c4d-x.png".to_owned())]);
        let out = render("![chart](media/x.png) ![gone](media/y.png)", &media);
        assert_eq!(
            out,
            "<p><img src=\"kinds-1a2b3c4d-x.png\" alt=\"chart\" /> <img src=\"\" alt=\"gone\" /></p>"
        );
    }

    #[test]
    fn the_plain_fast_path_matches_the_parser() {
        for text in [
            "Wrong option one",
            "A \"quoted\" word, and it's fine.",
            "Right option for 12345",
            "Ends with a dot.",
        ] {
            assert!(is_plain(text), "{text}");
            let mut slow = String::new();
            html::push_html(&mut slow, Parser::new_ext(text, markdown_options()));
            assert_eq!(render(text, &HashMap::new()), slow.trim_end(), "{text}");
        }
        for text in [
            "1. list",
            "- item",
            "a *b*",
            "x\ny",
            "# h",
            "{{c1::x}}",
            "a | b",
            " lead",
            "trail ",
        ] {
            assert!(!is_plain(text), "{text}");
        }
    }

    #[test]
    fn clozes_and_tables_survive() {
        let out =
            html("A {{c1::stage}} has {{c2::jobs::plural}}.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(
            out.starts_with("<p>A {{c1::stage}} has {{c2::jobs::plural}}.</p>"),
            "{out}"
        );
        assert!(out.contains("<table>"), "{out}");
    }
}
