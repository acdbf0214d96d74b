//! `skilldeck decks` lists every deck with where it comes from; `skilldeck remove DECK` stops
//! scheduling one, keeping its history (and its files) unless `--purge`, which asks first.

use std::fs;
use std::io::{BufRead as _, Write as _};
use std::path::Path;

use chrono::FixedOffset;

use super::add::managed_dir;
use crate::error::{Error, Result};
use crate::store::subscriptions::{self, Kind};
use crate::store::{self, Store, decks, notes};
use crate::types::{DeckId, Timestamp};

/// `skilldeck decks`: id, name, version, notes, cards, last update and source of every deck.
pub fn list(store: &Store, offset: FixedOffset) -> Result<()> {
    let listed = subscriptions::list(store.conn())?;
    let mut out = crate::sanitize::stdout();
    if listed.is_empty() {
        let _ = writeln!(
            out,
            "no deck yet: `skilldeck add SOURCE` adds one (a git URL, a deck folder or an .apkg)"
        );
        return Ok(());
    }
    let mut rows = vec![[
        "ID".to_owned(),
        "NAME".to_owned(),
        "VERSION".to_owned(),
        "NOTES".to_owned(),
        "CARDS".to_owned(),
        "UPDATED".to_owned(),
        "SOURCE".to_owned(),
    ]];
    for d in listed {
        let mut source = match &d.source {
            Some((kind, source)) => format!("{}: {source}", kind.as_str()),
            None => format!("built: {}", d.root_path),
        };
        if d.removed {
            source.push_str(" (removed)");
        }
        rows.push([
            d.id.to_string(),
            d.name,
            d.version,
            d.notes.to_string(),
            d.cards.to_string(),
            d.updated
                .to_datetime()
                .with_timezone(&offset)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            source,
        ]);
    }
    let mut widths = [0usize; 7];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    Ok(())
}

/// `skilldeck remove DECK [--purge [--yes]]`.
pub fn remove(
    store: &Store,
    db: &Path,
    deck: &str,
    purge: bool,
    yes: bool,
    now: Timestamp,
) -> Result<()> {
    let id =
        DeckId::parse(deck).ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?;
    let conn = store.conn();
    let stored = decks::find(conn, &id)?.ok_or_else(|| {
        Error::user(format!(
            "no deck `{id}` in the database (`skilldeck decks` lists them)"
        ))
    })?;
    let sub = subscriptions::find(conn, &id)?;
    // Only a folder skilldeck made is ever deleted, never the user's own deck folder.
    let kept_folder = sub
        .as_ref()
        .filter(|s| s.kind != Kind::Folder)
        .map(|s| Path::new(&s.path).to_path_buf())
        .filter(|p| p.starts_with(managed_root(db)) && p.is_dir());
    let reviews = subscriptions::review_count(conn, stored.pk)?;
    let mut out = crate::sanitize::stdout();
    if !purge {
        if stored.removed_at.is_some() {
            let _ = writeln!(
                out,
                "deck `{id}` was already removed; `skilldeck remove --purge {id}` deletes its history"
            );
            return Ok(());
        }
        let tx = store::write(conn)?;
        subscriptions::set_removed(&tx, stored.pk, Some(now))?;
        tx.commit()?;
        let files = kept_folder.as_ref().map_or(String::new(), |p| {
            format!(" and its files in {}", p.display())
        });
        let back = sub
            .as_ref()
            .map_or("`skilldeck add` its folder".to_owned(), |s| {
                format!("`skilldeck add {}`", s.source)
            });
        let _ = writeln!(
            out,
            "removed `{id}`: it is no longer built or reviewed. Its history ({reviews} review(s)) stays{files}; {back} brings it back, `skilldeck remove --purge {id}` deletes it all"
        );
        return Ok(());
    }
    let (note_count, _) = notes::counts(conn, stored.pk)?;
    let files = kept_folder.as_ref().map_or(String::new(), |p| {
        format!(", and {} (with any edit made there)", p.display())
    });
    let what =
        format!("deck `{id}` and its history: {note_count} note(s), {reviews} review(s){files}");
    if !yes && !confirm(&what)? {
        return Err(Error::user(
            "not confirmed: nothing was deleted (`--yes` purges without asking)",
        ));
    }
    let tx = store::write(conn)?;
    subscriptions::purge(&tx, stored.pk)?;
    tx.commit()?;
    if let Some(folder) = &kept_folder {
        if let Err(e) = fs::remove_dir_all(folder) {
            let _ = writeln!(
                crate::sanitize::stderr(),
                "warning: {}: not deleted: {e}",
                folder.display()
            );
        }
    }
    let _ = writeln!(out, "purged {what}");
    Ok(())
}

/// The managed folder as an absolute path (subscriptions record absolute paths).
fn managed_root(db: &Path) -> std::path::PathBuf {
    let dir = managed_dir(db);
    fs::canonicalize(&dir).unwrap_or(dir)
}

/// Asks on stderr and reads the answer from stdin (a terminal or a pipe): yes only for `y` or
/// `yes`.
fn confirm(what: &str) -> Result<bool> {
    {
        let mut err = crate::sanitize::stderr();
        let _ = write!(err, "delete {what}? This cannot be undone. [y/N] ");
        let _ = err.flush();
    }
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::user(format!("could not read the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
