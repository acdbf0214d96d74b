//! A note's row in the package: where it goes (Anki deck, tag, note type — its original Anki
//! type for a deck converted from Anki) and its fields rendered as HTML, in its note type's
//! field order. Pure: the same note gives the same row on any thread.

use std::collections::HashMap;

use pulldown_cmark::{Event, Parser};

use super::notetypes::NoteType;
use super::package::NoteRow;
use crate::deck::parse::markdown_options;
use crate::store::export::{ExportDeck, ExportNote};
use crate::types::NoteKind;

pub(super) fn note_type(kind: NoteKind) -> NoteType {
    match kind {
        NoteKind::Basic => NoteType::Basic,
        NoteKind::Reversed => NoteType::Reversed,
        NoteKind::Cloze => NoteType::Cloze,
        NoteKind::Choice => NoteType::Choice,
    }
}

/// Anki tags cannot hold spaces; `::` builds a hierarchy.
pub(super) fn tag_part(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

/// What a skill's notes share in the package.
pub(super) struct SkillOut {
    pub(super) tag: String,
    /// Domain › objective › skill, as HTML.
    pub(super) path: String,
    pub(super) did: i64,
}

/// Where a note outside the outline goes.
pub(super) struct Outside {
    pub(super) tag: String,
    pub(super) did: i64,
}

/// What every note's row is made from, besides the note.
pub(super) struct Shared<'a> {
    pub(super) deck: &'a ExportDeck,
    pub(super) media: &'a HashMap<i64, HashMap<String, String>>,
    pub(super) kept: &'a KeptTypes,
    pub(super) skills: &'a HashMap<String, SkillOut>,
    pub(super) root: Outside,
}

/// Where a note goes in the package.
pub(super) struct NotePlace<'a> {
    /// Its skill's tag and Skill-field path (none outside the outline).
    tag: &'a str,
    path: &'a str,
    pub(super) did: i64,
    /// Its note type: one of ours, or its original Anki type when it was converted from Anki.
    pub(super) mid: i64,
    original_type: bool,
}

pub(super) fn note_place<'a>(shared: &'a Shared<'_>, n: &ExportNote) -> NotePlace<'a> {
    let skill = n
        .place
        .as_deref()
        .and_then(|p| shared.skills.get(p.skill.0.as_str()));
    let (path, tag, did) = match skill {
        Some(s) => (s.path.as_str(), s.tag.as_str(), s.did),
        None => ("", shared.root.tag.as_str(), shared.root.did),
    };
    let original = shared.kept.for_note(n);
    NotePlace {
        tag,
        path,
        did,
        mid: original.unwrap_or_else(|| note_type(n.kind).id()),
        original_type: original.is_some(),
    }
}

/// A note's row, under its (unique) id.
pub(super) fn note_row(shared: &Shared<'_>, n: &ExportNote, id: i64) -> NoteRow {
    let place = note_place(shared, n);
    let mut fields = render_fields(shared, n, place.path);
    // A note converted from Anki goes back under its original note type, so Anki updates it.
    if place.original_type {
        fields.truncate(if n.kind == NoteKind::Cloze { 3 } else { 2 });
        if n.kind == NoteKind::Cloze {
            // Text and Extra; the title was made from the text.
            fields.remove(1);
        }
    }
    let mut tags = String::with_capacity(place.tag.len() + 2);
    tags.push(' ');
    tags.push_str(place.tag);
    for t in &n.tags {
        tags.push(' ');
        tags.push_str(&tag_part(t));
    }
    tags.push(' ');
    NoteRow {
        id,
        guid: n.guid.clone(),
        mid: place.mid,
        modified: n.content_changed_at.millis() / 1000,
        tags,
        sort_field: strip_tags(&n.title),
        fields: fields.join("\u{1f}"),
    }
}

/// A note's fields as HTML, in its note type's field order.
fn render_fields(shared: &Shared<'_>, n: &ExportNote, skill_path: &str) -> Vec<String> {
    let no_media = HashMap::new();
    let media = shared.media.get(&n.pk).unwrap_or(&no_media);
    let render = |md: &str| super::html::render(md, media);
    let skill_path = skill_path.to_owned();
    let source = super::html::escape(&format!(
        "{}/{}:{}",
        shared.deck.id, n.source_path, n.source_line
    ));
    match note_type(n.kind) {
        NoteType::Basic | NoteType::Reversed => {
            vec![render(&n.prompt), render(&n.answer), skill_path, source]
        }
        NoteType::Cloze => vec![
            render(&n.prompt),
            super::html::escape(&n.title),
            render(&n.answer),
            skill_path,
            source,
        ],
        NoteType::Choice => {
            let items: String = n
                .choices
                .iter()
                .map(|c| format!("<li>{}</li>", strip_p(&render(&c.text))))
                .collect();
            let correct: Vec<String> = n
                .choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.correct)
                .map(|(i, c)| {
                    format!(
                        "{}) {}",
                        char::from(b'a' + (i % 26) as u8),
                        strip_p(&render(&c.text))
                    )
                })
                .collect();
            vec![
                render(&n.prompt),
                format!("<ol class=\"options\" type=\"a\">{items}</ol>"),
                correct.join("<br>"),
                render(&n.answer),
                skill_path,
                source,
            ]
        }
    }
}

/// The original note types of a deck converted from Anki (its `anki.json`).
pub(super) struct KeptTypes {
    pub(super) types: HashMap<i64, serde_json::Value>,
    notes: HashMap<String, i64>,
}

impl KeptTypes {
    pub(super) fn parse(json: Option<&str>) -> KeptTypes {
        let value: serde_json::Value = json
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        let types = value["note_types"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(id, model)| Some((id.parse().ok()?, model.clone())))
            .collect();
        let notes = value["notes"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(note, id)| Some((note.clone(), id.as_i64()?)))
            .collect();
        KeptTypes { types, notes }
    }

    /// The id of a note's original note type, when it has one that fits: two fields, and
    /// cloze exactly when the note is.
    fn for_note(&self, n: &ExportNote) -> Option<i64> {
        let id = *self.notes.get(n.id.as_str())?;
        let model = self.types.get(&id)?;
        let fits = model["flds"].as_array().is_some_and(|f| f.len() == 2)
            && (model["type"].as_i64() == Some(1)) == (n.kind == NoteKind::Cloze);
        fits.then_some(id)
    }
}

fn strip_p(html: &str) -> String {
    let t = html.trim();
    match t.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => t.to_owned(),
    }
}

/// Text of a Markdown heading without markup, for Anki's sort field.
fn strip_tags(markdown: &str) -> String {
    if !markdown.contains(['`', '*', '_', '[', '<', '&', '\\', '$', '~']) {
        return markdown.to_owned();
    }
    Parser::new_ext(markdown, markdown_options())
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.to_string()),
            _ => None,
        })
        .collect()
}
