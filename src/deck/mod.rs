//! Decks: `deck.toml`, Markdown files of notes, and the rules that turn them into notes and
//! cards. Parsing is pure (`&str` in, notes and diagnostics out); `load` does the file walk.

pub mod cloze;
pub mod diagnostic;
mod events;
pub mod frontmatter;
pub mod guid;
pub mod ids;
pub mod load;
pub mod manifest;
pub mod parse;
pub mod skeleton;

use serde::Serialize;

use crate::types::{NoteId, NoteKind, SkillId};

pub use diagnostic::{Diagnostic, Severity};

/// One option of a multiple-choice note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The option's Markdown.
    pub text: String,
    /// Whether the option is a correct answer (`- [x]`).
    pub correct: bool,
}

/// An image a note refers to, as written, with the byte offset of the reference in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub url: String,
    pub offset: usize,
}

/// One note: a level-2 heading and the blocks under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: NoteId,
    /// Whether the id was written by the author (`{#id}`) rather than derived from the prompt.
    pub explicit_id: bool,
    pub kind: NoteKind,
    /// The note's skill: its `skill=` attribute, else the file's front matter.
    pub skill: Option<SkillId>,
    /// Front matter tags followed by the note's own.
    pub tags: Vec<String>,
    /// The heading text (Markdown), without the attribute block.
    pub title: String,
    /// What the front of the card shows (Markdown). For cloze notes, the text with deletions.
    pub prompt: String,
    /// The answer, the explanation of a choice note, or the extra text of a cloze note.
    pub answer: String,
    /// The options of a choice note, in file order.
    pub choices: Vec<Choice>,
    /// Card ordinals: 0 for basic and choice, 0 and 1 for reversed, cloze number − 1 for cloze.
    pub ords: Vec<u32>,
    /// 1-based line of the heading in its file.
    pub line: usize,
    /// Byte offset of the heading line in the file.
    #[serde(skip)]
    pub offset: usize,
    /// Byte offset of the end of the heading line's content, where `ids --write` adds an id.
    #[serde(skip)]
    pub heading_text_end: usize,
    /// Byte offset of the heading's `{` attribute block, when it has one.
    #[serde(skip)]
    pub attribute_block: Option<usize>,
    /// Images the note refers to.
    #[serde(skip)]
    pub images: Vec<ImageRef>,
}

impl Note {
    /// A hash of everything a reviewer sees of the note; it changes when the content does.
    pub fn content_hash(&self) -> String {
        let mut h = blake3::Hasher::new();
        for part in [
            self.kind.as_str(),
            self.skill.as_ref().map_or("", SkillId::as_str),
            &self.tags.join(","),
            &self.title,
            &self.prompt,
            &self.answer,
        ] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
        for choice in &self.choices {
            h.update(&[u8::from(choice.correct)]);
            h.update(choice.text.as_bytes());
            h.update(&[0]);
        }
        h.finalize().to_hex()[..32].to_owned()
    }
}

/// The result of parsing one Markdown file.
#[derive(Debug, Default)]
pub struct ParsedFile {
    /// The level-1 heading, when there is one.
    pub title: Option<String>,
    pub notes: Vec<Note>,
    pub diagnostics: Vec<Diagnostic>,
    /// False when the front matter could not be read (its skill and tags are then unknown).
    pub front_matter_ok: bool,
}
