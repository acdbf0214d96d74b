//! Markdown → notes for one file (pure: text in, notes and diagnostics out).
//!
//! The grammar, over pulldown-cmark's top-level blocks:
//!
//! ```text
//! file     = [front-matter] { block | title | note }
//! title    = ATX heading of level 1                      (not a note)
//! note     = ATX heading of level 2, { block } up to the next level-1/2 heading
//! heading  = prompt-text [ "{" { "#id" | ".reversed" | "skill=ID" | "tags=a,b" } "}" ]
//! body     = [ prompt-blocks, thematic-break ] answer-blocks
//! choice   = a task list with >= 2 items in the prompt part, >= 1 checked
//! cloze    = the prompt part (or the whole body) holds {{cN::text}} markers
//! ```
//!
//! Setext headings never start notes: a `---` under a line of text is reported with a hint.
//! Lists and block quotes nested deeper than [`MAX_NESTING`] levels get a warning: renderers
//! show the levels past it flat.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag};

use super::cloze::{self, ClozeError};
use super::diagnostic::Reporter;
use super::events::Events;
use super::frontmatter;
use super::{Choice, ImageRef, Note, ParsedFile};
use crate::types::{NoteId, NoteKind, SkillId};

#[cfg(test)]
#[path = "parse_tests/mod.rs"]
mod rule_tests;

/// The Markdown extensions decks use; one place, so every reader of deck text agrees.
pub fn markdown_options() -> Options {
    Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_MATH
}

/// How many levels of lists and block quotes are drawn nested; deeper levels are drawn at this
/// one. Real notes stay far below it; a deck nesting thousands of levels (a line of `- - - …`)
/// would otherwise cost time and memory growing with the square of the depth.
pub const MAX_NESTING: usize = 16;

/// Parses a whole file: front matter, title and notes. `path` is used in diagnostics only.
pub fn parse_file(path: &str, text: &str) -> ParsedFile {
    let mut reporter = Reporter::new(path, text, 0);
    let (front, body_start) = frontmatter::split(text, &mut reporter);
    let front_matter_ok = reporter.diagnostics.is_empty();
    for tag in &front.tags {
        check_tag(tag, 0, &mut reporter);
    }
    let mut parser = FileParser {
        text,
        base: body_start,
        events: Events::new(
            Parser::new_ext(&text[body_start..], markdown_options()).into_offset_iter(),
        ),
        reporter,
        default_skill: front.skill.map(SkillId::new),
        file_tags: front.tags,
        images: Vec::new(),
    };
    let (title, notes) = parser.parse();
    ParsedFile {
        title,
        notes,
        diagnostics: parser.reporter.diagnostics,
        front_matter_ok,
    }
}

/// A top-level block of a note's body.
#[derive(Debug)]
struct Block {
    range: Range<usize>,
    kind: BlockKind,
}

#[derive(Debug)]
enum BlockKind {
    Rule,
    /// A list; `tasks` holds its task items (checked, text range).
    List {
        tasks: Vec<(bool, Range<usize>)>,
        items: usize,
    },
    Other,
}

/// The heading of a note, as read from its event.
struct Heading<'a> {
    range: Range<usize>,
    id: Option<CowStr<'a>>,
    classes: Vec<CowStr<'a>>,
    attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
}

struct FileParser<'a> {
    text: &'a str,
    /// Offset of the Markdown body in `text`; event ranges are relative to it.
    base: usize,
    events: Events<'a>,
    reporter: Reporter<'a>,
    default_skill: Option<SkillId>,
    file_tags: Vec<String>,
    /// Images met since the current note's heading.
    images: Vec<ImageRef>,
}

impl<'a> FileParser<'a> {
    fn parse(&mut self) -> (Option<String>, Vec<Note>) {
        let mut title = None;
        let mut notes = Vec::new();
        while let Some((event, range)) = self.events.next() {
            let range = self.abs(range);
            let Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) = event
            else {
                self.skip_block(&event);
                continue;
            };
            self.skip_to_end();
            if !self.is_atx(&range) {
                self.report_setext(&range);
                continue;
            }
            match level {
                HeadingLevel::H1 if title.is_none() => {
                    title = Some(self.heading_text(&range).0.to_owned());
                }
                HeadingLevel::H2 => {
                    let heading = Heading {
                        range,
                        id,
                        classes,
                        attrs,
                    };
                    self.events.restart_nesting();
                    let blocks = self.collect_body();
                    let (depth, deepest_at) = self.events.deepest();
                    if let Some(note) = self.note(heading, blocks) {
                        notes.push(note);
                    }
                    if depth > MAX_NESTING {
                        self.reporter
                            .warning(
                                deepest_at + self.base,
                                format!("lists and block quotes nested {depth} levels deep; the review shows the levels past {MAX_NESTING} flat"),
                            )
                            .hint(format!("nest lists and block quotes at most {MAX_NESTING} levels deep"));
                    }
                }
                _ => {}
            }
        }
        (title, notes)
    }

    fn abs(&self, range: Range<usize>) -> Range<usize> {
        range.start + self.base..range.end + self.base
    }

    /// Consumes events up to the end of the block whose start was just read.
    fn skip_block(&mut self, start: &Event<'a>) {
        if matches!(start, Event::Start(_)) {
            self.skip_to_end();
        }
    }

    /// Consumes events until the depth returns to where it was before the last `Start`.
    fn skip_to_end(&mut self) {
        let mut depth = 1usize;
        for (event, _) in self.events.by_ref() {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// The top-level blocks up to the next ATX heading of level 1 or 2 (not consumed).
    fn collect_body(&mut self) -> Vec<Block> {
        let mut blocks = Vec::new();
        while let Some((event, range)) = self.events.peek() {
            let range = range.start + self.base..range.end + self.base;
            let is_note_boundary = matches!(
                event,
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H1 | HeadingLevel::H2,
                    ..
                })
            );
            if is_note_boundary && self.is_atx(&range) {
                break;
            }
            let Some((event, _)) = self.events.next() else {
                break;
            };
            let kind = match event {
                Event::Rule => BlockKind::Rule,
                Event::Start(Tag::List(_)) => self.collect_list(),
                Event::Start(Tag::Heading { .. }) => {
                    self.skip_to_end();
                    if !self.is_atx(&range) {
                        self.report_setext(&range);
                    }
                    BlockKind::Other
                }
                Event::Start(_) => {
                    self.collect_images();
                    BlockKind::Other
                }
                _ => BlockKind::Other,
            };
            blocks.push(Block { range, kind });
        }
        blocks
    }

    /// Reads a list up to its end, noting its task items; images inside are recorded.
    fn collect_list(&mut self) -> BlockKind {
        let mut depth = 1usize;
        let mut items = 0;
        let mut tasks = Vec::new();
        let mut item_end = 0;
        while let Some((event, range)) = self.events.next() {
            let range = self.abs(range);
            match event {
                Event::Start(Tag::Item) if depth == 1 => {
                    items += 1;
                    item_end = range.end;
                    depth += 1;
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    self.image(&dest_url, range.start);
                    depth += 1;
                }
                Event::Start(_) => depth += 1,
                Event::TaskListMarker(checked) if depth <= 3 && tasks.len() < items => {
                    tasks.push((checked, range.end..item_end));
                }
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        BlockKind::List { tasks, items }
    }

    /// Consumes the rest of a block, recording the images inside it.
    fn collect_images(&mut self) {
        let mut depth = 1usize;
        while let Some((event, range)) = self.events.next() {
            match event {
                Event::Start(Tag::Image { dest_url, .. }) => {
                    let start = self.abs(range).start;
                    self.image(&dest_url, start);
                    depth += 1;
                }
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// Records an image of the note being read; `note` takes them.
    fn image(&mut self, url: &str, offset: usize) {
        self.images.push(ImageRef {
            url: url.to_owned(),
            offset,
        });
    }
}

impl<'a> FileParser<'a> {
    /// Whether a heading is ATX (`## text`) rather than setext (text underlined).
    fn is_atx(&self, range: &Range<usize>) -> bool {
        self.text[range.clone()]
            .trim_start_matches([' ', '\t'])
            .starts_with('#')
    }

    fn report_setext(&mut self, range: &Range<usize>) {
        self.reporter
            .error(range.start, "setext heading (a line of text underlined with `---` or `===`): only `## ` headings start notes")
            .hint("to split prompt and answer, put a blank line above the `---`");
    }

    /// The text of an ATX heading without its `#` marks and attribute block; the offset where
    /// the heading line's content ends; the offset of the attribute block's `{`, if any.
    fn heading_text(&self, range: &Range<usize>) -> (&'a str, usize, Option<usize>) {
        let text: &'a str = self.text;
        let source = &text[range.start..];
        let line_len = source.find('\n').unwrap_or(source.len());
        let line = &source[..line_len];
        let hashes = line.trim_start_matches([' ', '\t']);
        let after_hashes = hashes.trim_start_matches('#');
        let content_start = range.start + (line.len() - after_hashes.len());
        let mut content = after_hashes.trim_end();
        let line_end = content_start + content.len();
        let mut attribute_block = None;
        if content.ends_with('}')
            && let Some(open) = content.rfind('{')
        {
            attribute_block = Some(content_start + open);
            content = content[..open].trim_end();
        }
        // An optional closing sequence of `#`s, preceded by a space.
        let without_closing = content.trim_end_matches('#');
        if without_closing.len() < content.len()
            && (without_closing.is_empty() || without_closing.ends_with([' ', '\t']))
        {
            content = without_closing.trim_end();
        }
        let leading = content.len() - content.trim_start().len();
        let trimmed = content.trim_start();
        let start = content_start + leading;
        // Without an attribute block, `ids --write` adds the id at the end of the line.
        (
            &text[start..start + trimmed.len()],
            line_end,
            attribute_block,
        )
    }

    fn slice(&self, blocks: &[Block]) -> &'a str {
        let text: &'a str = self.text;
        match (blocks.first(), blocks.last()) {
            (Some(first), Some(last)) => text[first.range.start..last.range.end].trim(),
            _ => "",
        }
    }

    fn note(&mut self, heading: Heading<'a>, blocks: Vec<Block>) -> Option<Note> {
        let images = std::mem::take(&mut self.images);
        let offset = heading.range.start;
        let (title, heading_text_end, attribute_block) = self.heading_text(&heading.range);
        let (line, _) = self.reporter.position(offset);

        let mut reversed = false;
        for class in &heading.classes {
            if class.as_ref() == "reversed" {
                reversed = true;
            } else {
                self.reporter
                    .warning(offset, format!("unknown class `.{class}` ignored"))
                    .hint("the one class a note understands is `.reversed`");
            }
        }
        let mut skill = self.default_skill.clone();
        let mut tags = self.file_tags.clone();
        for (key, value) in &heading.attrs {
            match (key.as_ref(), value) {
                ("skill", Some(value)) => skill = Some(SkillId::new(value.as_ref())),
                ("tags", Some(value)) => {
                    for tag in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        check_tag(tag, offset, &mut self.reporter);
                        tags.push(tag.to_owned());
                    }
                }
                (key, _) => {
                    self.reporter
                        .warning(offset, format!("unknown attribute `{key}` ignored"))
                        .hint(
                            "a note's attributes are `#id`, `.reversed`, `skill=ID` and `tags=a,b`",
                        );
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        tags.retain(|t| seen.insert(t.clone()));

        if title.is_empty() {
            self.reporter
                .error(offset, "empty prompt: the heading has no text")
                .hint("write the question after `## `");
        }

        let split = blocks
            .iter()
            .position(|b| matches!(b.kind, BlockKind::Rule));
        let (prompt_blocks, answer_blocks) = match split {
            Some(i) => (&blocks[..i], &blocks[i + 1..]),
            None => (&blocks[..0], &blocks[..]),
        };
        let answer = self.slice(answer_blocks).to_owned();

        // Cloze: deletions in the prompt part, or in the whole body when there is no `---`.
        let cloze_blocks = if split.is_some() {
            prompt_blocks
        } else {
            answer_blocks
        };
        let cloze_text = self.slice(cloze_blocks);
        let cloze_base = cloze_blocks.first().map_or(0, |b| {
            b.range.start
                + (self.text[b.range.start..].len() - self.text[b.range.start..].trim_start().len())
        });
        let (deletions, cloze_errors) = cloze::scan(cloze_text);
        for error in &cloze_errors {
            match *error {
                ClozeError::Unclosed(at) => {
                    self.reporter
                        .error(
                            cloze_base + at,
                            "unclosed cloze marker: `{{c…::` has no closing `}}`",
                        )
                        .hint("write deletions as `{{c1::text}}` or `{{c1::text::hint}}`");
                }
                ClozeError::BadNumber(at) => {
                    self.reporter
                        .error(cloze_base + at, "cloze number must be between 1 and 500");
                }
            }
        }

        let task_list = prompt_blocks
            .iter()
            .enumerate()
            .find_map(|(i, b)| match &b.kind {
                BlockKind::List { tasks, items } if !tasks.is_empty() => {
                    Some((i, tasks, *items, b.range.start))
                }
                _ => None,
            });

        let kind;
        let mut prompt = title.to_owned();
        let mut answer_text = answer;
        let mut choices = Vec::new();
        let ords: Vec<u32>;
        if !deletions.is_empty() || !cloze_errors.is_empty() {
            kind = NoteKind::Cloze;
            if task_list.is_some() {
                self.reporter
                    .error(offset, "a note cannot be both cloze and multiple choice");
            }
            if reversed {
                self.reporter
                    .warning(offset, "`.reversed` is ignored on a cloze note");
            }
            prompt = cloze_text.to_owned();
            if split.is_none() {
                answer_text = String::new();
            }
            ords = cloze::numbers(&deletions)
                .into_iter()
                .map(|n| n - 1)
                .collect();
        } else if let Some((index, tasks, items, list_offset)) = task_list {
            kind = NoteKind::Choice;
            if reversed {
                self.reporter
                    .warning(offset, "`.reversed` is ignored on a multiple-choice note");
            }
            if tasks.len() < 2 || items != tasks.len() {
                self.reporter
                    .error(
                        list_offset,
                        "a multiple-choice note needs at least two options, every one a task item",
                    )
                    .hint("write each option as `- [ ] wrong` or `- [x] right`");
            } else if !tasks.iter().any(|(checked, _)| *checked) {
                self.reporter
                    .error(list_offset, "multiple-choice note has no correct option")
                    .hint("mark each correct option with `- [x]`");
            }
            choices = tasks
                .iter()
                .map(|(correct, range)| Choice {
                    text: self.text[range.clone()].trim().to_owned(),
                    correct: *correct,
                })
                .collect();
            for (i, block) in prompt_blocks.iter().enumerate() {
                if i != index {
                    prompt.push_str("\n\n");
                    prompt.push_str(self.text[block.range.clone()].trim());
                }
            }
            if answer_text.is_empty() {
                self.reporter
                    .warning(offset, "multiple-choice note has no explanation")
                    .hint("after the options, add `---` and say why the right option is right and the others wrong");
            }
            ords = vec![0];
        } else {
            kind = if reversed {
                NoteKind::Reversed
            } else {
                NoteKind::Basic
            };
            let extra = self.slice(prompt_blocks);
            if !extra.is_empty() {
                prompt.push_str("\n\n");
                prompt.push_str(extra);
            }
            if answer_text.is_empty() {
                self.reporter
                    .error(offset, "empty answer: the note has no text under its heading")
                    .hint("write the answer below the heading (after a `---` line if the prompt has blocks)");
            }
            ords = if reversed { vec![0, 1] } else { vec![0] };
        }

        let (id, explicit_id) = match &heading.id {
            Some(raw) => {
                match NoteId::parse(raw) {
                    Some(id) => (id, true),
                    None => {
                        self.reporter
                        .error(offset, format!("note id `{raw}` is not valid"))
                        .hint("ids use lowercase letters, digits and `-`, e.g. `{#ci-trigger-paths}`");
                        (NoteId::from_prompt(&prompt), false)
                    }
                }
            }
            None => {
                let id = NoteId::from_prompt(&prompt);
                self.reporter
                    .warning(
                        offset,
                        format!("note has no id; using `{id}`, derived from its prompt"),
                    )
                    .hint(
                        "add `{#some-id}` to the heading, or run `skilldeck ids --write DECK_DIR`",
                    );
                (id, false)
            }
        };

        Some(Note {
            id,
            explicit_id,
            kind,
            skill,
            tags,
            title: title.to_owned(),
            prompt,
            answer: answer_text,
            choices,
            ords,
            line,
            offset,
            heading_text_end,
            attribute_block,
            images,
        })
    }
}

/// Tags become Anki tags, which cannot hold spaces.
fn check_tag(tag: &str, offset: usize, reporter: &mut Reporter<'_>) {
    if tag.is_empty() || tag.chars().any(|c| c.is_whitespace() || c.is_control()) {
        reporter
            .error(
                offset,
                format!("tag `{tag}` is not valid: tags cannot be empty or hold spaces"),
            )
            .hint("join words with `-`, e.g. `azure-pipelines`");
    }
}
