//! One note as an HTML `<article>` (pure): its question, and what the back of its cards shows —
//! the answer, the options with the correct ones marked and the explanation, or the cloze text
//! with its deletions highlighted. Rendered by the Anki export's renderer (`anki::html`), with
//! math as TeX, so the site and the cards escape deck text alike.

use std::collections::HashMap;

use crate::anki::html::{Math, escape, render_with};
use crate::deck::cloze;
use crate::store::export::ExportNote;
use crate::types::NoteKind;

/// The HTML `id` of a note's article.
pub fn anchor(note: &ExportNote) -> String {
    format!("note-{}", note.id)
}

/// A note's article. `media` maps its images as written to their paths in the site.
pub fn article(note: &ExportNote, media: &HashMap<String, String>) -> String {
    let render = |md: &str| render_with(md, media, Math::Tex);
    let kind = note.kind;
    let mut out = format!(
        "<article class=\"note {}\" id=\"{}\">\n<h4 class=\"title\"><a href=\"#{}\">{}</a></h4>\n",
        kind.as_str(),
        escape(&anchor(note)),
        escape(&anchor(note)),
        inline(&render(&note.title))
    );
    let label = match kind {
        NoteKind::Basic => "basic".to_owned(),
        NoteKind::Reversed => "reversed: studied both ways".to_owned(),
        NoteKind::Choice => "multiple choice".to_owned(),
        NoteKind::Cloze => format!(
            "cloze: {} card(s)",
            cloze::numbers(&cloze::scan(&note.prompt).0).len()
        ),
    };
    out.push_str(&format!("<p class=\"kind\">{label}</p>\n"));
    match kind {
        NoteKind::Basic | NoteKind::Reversed | NoteKind::Choice => {
            // The prompt starts with the title, shown above.
            let rest = note
                .prompt
                .strip_prefix(note.title.as_str())
                .unwrap_or(&note.prompt)
                .trim();
            if !rest.is_empty() {
                out.push_str(&format!(
                    "<div class=\"question\">\n{}\n</div>\n",
                    render(rest)
                ));
            }
        }
        NoteKind::Cloze => {
            out.push_str(&format!(
                "<div class=\"cloze\">\n{}\n</div>\n",
                highlight_deletions(&render(&note.prompt))
            ));
        }
    }
    if kind == NoteKind::Choice {
        out.push_str("<ol class=\"options\" type=\"a\">\n");
        for choice in &note.choices {
            let text = inline(&render(&choice.text));
            if choice.correct {
                out.push_str(&format!(
                    "<li class=\"correct\"><span class=\"verdict\">✓ correct</span> {text}</li>\n"
                ));
            } else {
                out.push_str(&format!("<li class=\"wrong\">{text}</li>\n"));
            }
        }
        out.push_str("</ol>\n");
    }
    let answer = note.answer.trim();
    if !answer.is_empty() {
        let (class, heading) = match kind {
            NoteKind::Basic | NoteKind::Reversed => ("answer", "Answer"),
            NoteKind::Choice => ("explanation", "Explanation"),
            NoteKind::Cloze => ("extra", "Extra"),
        };
        out.push_str(&format!(
            "<div class=\"{class}\">\n<h5>{heading}</h5>\n{}\n</div>\n",
            render(answer)
        ));
    }
    let tags: Vec<String> = note
        .tags
        .iter()
        .map(|t| format!("<span class=\"tag\">{}</span>", escape(t)))
        .collect();
    out.push_str(&format!(
        "<p class=\"meta\">{}<span class=\"source\">{}:{}</span></p>\n</article>\n",
        if tags.is_empty() {
            String::new()
        } else {
            format!("{} ", tags.join(" "))
        },
        escape(&note.source_path),
        note.source_line
    ));
    out
}

/// Rendered HTML without the paragraph around it, for a title or an option.
fn inline(html: &str) -> String {
    let t = html.trim();
    match t.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => t.to_owned(),
    }
}

/// Rendered cloze text with each `{{cN::text::hint}}` shown as its text, highlighted and
/// numbered, and its hint beside it. The markers survive rendering as text; what is between
/// them was rendered (and escaped) like the rest.
fn highlight_deletions(html: &str) -> String {
    let (deletions, _) = cloze::scan(html);
    let mut out = String::with_capacity(html.len() + deletions.len() * 64);
    let mut last = 0;
    for d in deletions {
        out.push_str(&html[last..d.start]);
        let inner = &html[d.start..d.end];
        let body = inner
            .find("::")
            .map_or("", |i| &inner[i + 2..inner.len() - 2]);
        let (text, hint) = match body.rfind("::") {
            Some(i) => (&body[..i], Some(&body[i + 2..])),
            None => (body, None),
        };
        out.push_str(&format!(
            "<mark class=\"deletion\"><sup>{}</sup>{text}</mark>",
            d.number
        ));
        if let Some(hint) = hint {
            out.push_str(&format!("<span class=\"hint\">(hint: {hint})</span>"));
        }
        last = d.end;
    }
    out.push_str(&html[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletions_are_highlighted_with_their_number_and_hint() {
        let html = render_with(
            "A {{c1::stage}} has {{c2::*jobs*::plural}}; `${{ x }}` stays.",
            &HashMap::new(),
            Math::Tex,
        );
        assert_eq!(
            highlight_deletions(&html),
            "<p>A <mark class=\"deletion\"><sup>1</sup>stage</mark> has <mark class=\"deletion\"><sup>2</sup><em>jobs</em></mark><span class=\"hint\">(hint: plural)</span>; <code>${{ x }}</code> stays.</p>"
        );
    }
}
