//! `skilldeck build`: every named deck parsed first, then all written in one transaction.

use std::collections::HashSet;
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
use crate::types::{DeckId, Timestamp};

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
    for (deck, root) in &loaded {
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
    })
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
