//! `skilldeck build`: every named deck parsed first, then all written in one transaction.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{deck_dirs, print_diagnostics};
use crate::deck::load::{self, Deck};
use crate::deck::manifest;
use crate::error::{Error, Result};
use crate::store::{self, Store, decks, notes};
use crate::sync;
use crate::types::{DeckId, NoteId, Timestamp};

/// `skilldeck build`: parse every deck, then write them all in one transaction.
pub(crate) fn build(store: &Store, named: Vec<PathBuf>, now: Timestamp) -> Result<()> {
    let dirs = deck_dirs(Some(store), named)?;
    let report = compile(store, &dirs, now)?;
    let mut out = crate::sanitize::stdout();
    for line in report.lines {
        let _ = writeln!(out, "{line}");
    }
    Ok(())
}

/// What a build did.
pub(crate) struct BuildReport {
    /// One summary line per deck, and a line per carried-over history.
    pub(crate) lines: Vec<String>,
    /// Whether any deck was written (false when every deck was up to date).
    pub(crate) changed: bool,
    /// The ids of the decks built or found up to date, in order.
    pub(crate) ids: Vec<DeckId>,
    /// What each deck written changed, note by note.
    pub(crate) changes: Vec<DeckChanges>,
}

/// What one build changed in one deck, by note id (the contract that keeps histories).
#[derive(Debug, Clone)]
pub(crate) struct DeckChanges {
    pub(crate) id: DeckId,
    /// The version the database held before, if the deck was there.
    pub(crate) version_before: Option<String>,
    pub(crate) version: String,
    pub(crate) added: Vec<NoteId>,
    pub(crate) changed: Vec<NoteId>,
    pub(crate) retired: Vec<NoteId>,
    /// Retired notes that came back, with their history.
    pub(crate) returned: Vec<NoteId>,
    /// Edited id-less notes linked to the note they replace: (old id, new id).
    pub(crate) carried: Vec<(NoteId, NoteId)>,
}

/// Parses every deck, then writes them all in one transaction.
pub(crate) fn compile(store: &Store, dirs: &[PathBuf], now: Timestamp) -> Result<BuildReport> {
    let mut ids = Vec::new();
    let mut loaded: Vec<(Deck, String)> = Vec::new();
    let mut up_to_date = Vec::new();
    let mut failed = Vec::new();
    let mut seen_ids = HashSet::new();
    for dir in dirs {
        let scan = load::scan(dir)?;
        let manifest = manifest::parse(&scan.display("deck.toml"), &scan.manifest_text)
            .map_err(Error::deck)?;
        if !seen_ids.insert(manifest.id.clone()) {
            return Err(Error::user(format!(
                "{}: deck id `{}` is used by another deck folder in this build",
                dir.display(),
                manifest.id
            )));
        }
        ids.push(manifest.id.clone());
        let root = absolute(dir)?;
        let fingerprint = scan.fingerprint();
        if let Some(stored) = decks::find(store.conn(), &manifest.id)? {
            if stored.fingerprint == fingerprint && stored.root_path == root {
                up_to_date.push((stored, manifest.id));
                continue;
            }
        }
        let deck = load::load_scanned(scan)?;
        if deck.has_errors() {
            print_diagnostics(&deck.diagnostics, false);
            failed.push((deck.manifest.id.to_string(), deck.error_count()));
            continue;
        }
        loaded.push((deck, root));
    }
    if let Some((deck, errors)) = failed.first() {
        let total: usize = failed.iter().map(|(_, n)| n).sum();
        let deck = if failed.len() == 1 {
            deck.clone()
        } else {
            format!("{} decks", failed.len())
        };
        return Err(Error::DeckHasErrors {
            deck,
            errors: total.max(*errors),
        });
    }

    let mut lines = Vec::new();
    let conn = store.conn();
    // Only a build with something to write takes the write lock: an up-to-date deck (every
    // review starts by building) never waits for another writer.
    let write = (!loaded.is_empty())
        .then(|| store::write(conn))
        .transpose()?;
    let tx = write.as_deref().unwrap_or(conn);
    let mut changes = Vec::new();
    for (deck, root) in &loaded {
        let (_, change) = write_deck(tx, deck, root, now, &mut lines)?;
        changes.push(change);
    }
    if let Some(write) = write {
        write.commit()?;
    }
    for (stored, id) in up_to_date {
        let (notes, cards) = notes::counts(conn, stored.pk)?;
        lines.push(format!("{id}: up to date ({notes} notes, {cards} cards)"));
    }
    Ok(BuildReport {
        lines,
        changed: !loaded.is_empty(),
        ids,
        changes,
    })
}

/// Builds one deck read from `dir` and recorded as living at `root` (an absolute path: a deck
/// read from the temporary folder it was cloned into is recorded where it will be moved), then
/// runs `finish` in the same transaction with the deck's key and the row the database held
/// before; an error from either writes nothing. The deck is always written, even when up to
/// date.
pub(crate) fn compile_one(
    store: &Store,
    dir: &Path,
    root: &str,
    now: Timestamp,
    finish: impl FnOnce(&rusqlite::Connection, i64, Option<&decks::StoredDeck>) -> Result<()>,
) -> Result<BuildReport> {
    let deck = load::load(dir)?;
    if deck.has_errors() {
        print_diagnostics(&deck.diagnostics, false);
        return Err(Error::DeckHasErrors {
            deck: deck.manifest.id.to_string(),
            errors: deck.error_count(),
        });
    }
    let tx = store::write(store.conn())?;
    let before = decks::find(&tx, &deck.manifest.id)?;
    let mut lines = Vec::new();
    let (pk, change) = write_deck(&tx, &deck, root, now, &mut lines)?;
    finish(&tx, pk, before.as_ref())?;
    tx.commit()?;
    Ok(BuildReport {
        lines,
        changed: true,
        ids: vec![deck.manifest.id.clone()],
        changes: vec![change],
    })
}

/// Writes one parsed deck: its row, outline, files and the plan of its notes. Returns the
/// deck's key and what changed, and adds the summary lines.
fn write_deck(
    tx: &rusqlite::Connection,
    deck: &Deck,
    root: &str,
    now: Timestamp,
    lines: &mut Vec<String>,
) -> Result<(i64, DeckChanges)> {
    let version_before = decks::find(tx, &deck.manifest.id)?.map(|d| d.version);
    let exam = deck.outline.as_ref().map_or("", |o| o.exam.as_str());
    let pk = decks::upsert(
        tx,
        &deck.manifest,
        exam,
        root,
        &deck.scan.fingerprint(),
        now,
    )?;
    decks::replace_outline(tx, pk, deck.outline.as_ref())?;
    decks::set_anki_json(tx, pk, deck.scan.anki_json.as_deref())?;
    decks::replace_files(tx, pk, &deck.files)?;
    let stored = notes::stored(tx, pk)?;
    let plan = sync::plan(&deck.notes, &stored);
    notes::apply(tx, pk, &deck.manifest.id, &deck.notes, &plan, now)?;
    let warnings = deck.diagnostics.len() - deck.error_count();
    lines.push(summary_line(deck, &plan, warnings));
    for c in &plan.carried {
        let n = &deck.notes[c.index];
        lines.push(format!(
            "  carried over history: {}:{} `{}` → `{}` ({:.0}% similar prompt)",
            deck.scan.display(&n.path),
            n.note.line,
            c.from,
            n.note.id,
            c.similarity * 100.0
        ));
    }
    Ok((pk, changes_of(deck, &plan, &stored, version_before)))
}

/// The plan of a build told by note id.
fn changes_of(
    deck: &Deck,
    plan: &sync::Plan,
    stored: &[sync::StoredNote],
    version_before: Option<String>,
) -> DeckChanges {
    let id_of = |index: usize| deck.notes[index].note.id.clone();
    let by_pk: HashMap<i64, &NoteId> = stored.iter().map(|s| (s.pk, &s.id)).collect();
    DeckChanges {
        id: deck.manifest.id.clone(),
        version_before,
        version: deck.manifest.version.clone(),
        added: plan.inserts.iter().map(|&i| id_of(i)).collect(),
        changed: plan
            .updates
            .iter()
            .filter(|u| u.content_changed && !u.returned)
            .map(|u| id_of(u.index))
            .collect(),
        retired: plan
            .retire
            .iter()
            .filter_map(|pk| by_pk.get(pk).map(|id| (*id).clone()))
            .collect(),
        returned: plan
            .updates
            .iter()
            .filter(|u| u.returned)
            .map(|u| id_of(u.index))
            .collect(),
        carried: plan
            .carried
            .iter()
            .map(|c| (c.from.clone(), id_of(c.index)))
            .collect(),
    }
}

fn summary_line(deck: &Deck, plan: &sync::Plan, warnings: usize) -> String {
    let mut line = format!(
        "{}: {} notes, {} cards ({} added, {} changed, {} retired, {} returned, {} carried over)",
        deck.manifest.id,
        deck.notes.len(),
        deck.card_count(),
        plan.inserts.len(),
        plan.changed(),
        plan.retire.len(),
        plan.returned(),
        plan.carried.len()
    );
    if warnings > 0 {
        let _ = write!(line, "; {warnings} warning(s), see `skilldeck check`");
    }
    line
}

fn absolute(dir: &Path) -> Result<String> {
    let path = fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
    Ok(path.to_string_lossy().into_owned())
}
