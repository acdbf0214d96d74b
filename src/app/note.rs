//! The note commands: `skilldeck ids` writes readable ids into headings, `skilldeck show`
//! prints a note with its cards and history.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use crate::deck::{ids, load};
use crate::error::{Error, Result};
use crate::store::{Store, notes};
use crate::types::DeckId;

/// `skilldeck ids [--write] DECK_DIR`.
pub(crate) fn write_ids(dir: &Path, write: bool) -> Result<()> {
    let deck = load::load(dir)?;
    let mut taken: HashSet<String> = deck
        .notes
        .iter()
        .filter(|n| n.note.explicit_id)
        .map(|n| n.note.id.to_string())
        .collect();
    let mut out = crate::sanitize::stdout();
    let mut total = 0;
    for file in &deck.files {
        let in_file: Vec<_> = deck
            .notes
            .iter()
            .filter(|n| n.path == file.stat.path)
            .map(|n| &n.note)
            .collect();
        if in_file.iter().all(|n| n.explicit_id) {
            continue;
        }
        let path = deck.scan.root.join(&file.stat.path);
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let (new_text, written) = ids::insert_ids(&text, &in_file, &mut taken);
        total += written.len();
        for id in &written {
            let _ = writeln!(out, "{}: {id}", deck.scan.display(&file.stat.path));
        }
        if write {
            crate::partial::write_atomically(&path, new_text.as_bytes())?;
        }
    }
    let _ = match (total, write) {
        (0, _) => writeln!(out, "every note already has an id"),
        (n, true) => writeln!(out, "wrote {n} id(s); run `skilldeck build` to record them"),
        (n, false) => writeln!(
            out,
            "{n} id(s) to write; run again with --write to write them"
        ),
    };
    Ok(())
}

/// The JSON form of `show`.
#[derive(serde::Serialize)]
struct ShowReport {
    #[serde(flatten)]
    note: notes::NoteRecord,
    cards: Vec<notes::CardRecord>,
}

/// `skilldeck show NOTE_ID [--json]`.
pub(crate) fn show(store: &Store, query: &str, json: bool) -> Result<()> {
    let (deck, id) = match query.split_once('/') {
        Some((deck, id)) => (
            Some(
                DeckId::parse(deck)
                    .ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?,
            ),
            id,
        ),
        None => (None, query),
    };
    let mut found = notes::find(store.conn(), deck.as_ref(), id)?;
    let note = match found.len() {
        0 => {
            return Err(Error::user(format!(
                "no note `{query}` in the database; is its deck built (`skilldeck build`)?"
            )));
        }
        1 => found.remove(0),
        _ => {
            let names: Vec<String> = found
                .iter()
                .map(|n| format!("{}/{}", n.deck, n.id))
                .collect();
            return Err(Error::user(format!(
                "`{query}` is in several decks; name one of: {}",
                names.join(", ")
            )));
        }
    };
    let cards = notes::cards(store.conn(), note.pk)?;
    let mut out = crate::sanitize::stdout();
    if json {
        let _ = writeln!(
            out,
            "{}",
            crate::sanitize::to_json(&ShowReport { note, cards })?
        );
        return Ok(());
    }
    let _ = write!(out, "{}", show_text(&note, &cards));
    Ok(())
}

fn show_text(note: &notes::NoteRecord, cards: &[notes::CardRecord]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}/{}  ({}, skill {})",
        note.deck,
        note.id,
        note.kind,
        note.skill.as_deref().unwrap_or("none")
    );
    let _ = writeln!(s, "source:  {}:{}", note.source_path, note.source_line);
    if !note.tags.is_empty() {
        let _ = writeln!(s, "tags:    {}", note.tags.join(", "));
    }
    let _ = writeln!(
        s,
        "created: {}   content changed: {}",
        note.created_at, note.content_changed_at
    );
    if let Some(retired) = note.retired_at {
        let _ = writeln!(
            s,
            "retired: {retired} (no longer in the deck; its history is kept)"
        );
    }
    let _ = writeln!(s, "\nprompt:\n{}", indent(&note.prompt));
    for (i, c) in note.choices.iter().enumerate() {
        let letter = char::from(b'a' + (i % 26) as u8);
        let _ = writeln!(
            s,
            "  {letter}) [{}] {}",
            if c.correct { "x" } else { " " },
            c.text
        );
    }
    if !note.answer.is_empty() {
        let _ = writeln!(s, "\nanswer:\n{}", indent(&note.answer));
    }
    let _ = writeln!(s, "\ncards:");
    for c in cards {
        let due = c.due.map_or_else(|| "-".to_owned(), |d| d.to_string());
        let _ = write!(
            s,
            "  #{} {:<10} reps {} lapses {} due {due}",
            c.ord, c.state, c.reps, c.lapses
        );
        if let (Some(st), Some(d)) = (c.stability, c.difficulty) {
            let _ = write!(s, " stability {st:.2} difficulty {d:.2}");
        }
        if c.suspended {
            s.push_str(" suspended");
        }
        if c.retired_at.is_some() {
            s.push_str(" retired");
        }
        s.push('\n');
        for r in &c.reviews {
            let _ = writeln!(
                s,
                "      {} rating {} after {:.1} days ({} ms, {})",
                r.reviewed_at, r.rating, r.elapsed_days, r.duration_ms, r.source
            );
        }
    }
    s
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
