//! `skilldeck add SOURCE`: a community deck from a git URL, a deck folder or an Anki package,
//! built and remembered (a subscription), so `build`, `review` and `update` include it. Git
//! decks are cloned, and packages converted, into a folder beside the database the user never
//! has to know; both are made in a temporary folder next to their place and renamed into place
//! only in the transaction that records them, so a failed add leaves no folder and an
//! unchanged database.

use std::cell::Cell;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::build::compile_one;
use super::git;
use crate::deck::manifest;
use crate::error::{Error, Result};
use crate::store::decks::StoredDeck;
use crate::store::subscriptions::{self, Kind, Subscription};
use crate::store::{Store, decks};
use crate::types::{DeckId, Timestamp};

/// The folder beside the database that holds cloned and converted decks, one folder per id.
pub fn managed_dir(db: &Path) -> PathBuf {
    crate::partial::folder_of(db).join("subscribed")
}

/// What the user named.
#[derive(Debug, PartialEq)]
enum Source {
    Git(String),
    Folder(PathBuf),
    Apkg(PathBuf),
}

impl Source {
    fn kind(&self) -> Kind {
        match self {
            Source::Git(_) => Kind::Git,
            Source::Folder(_) => Kind::Folder,
            Source::Apkg(_) => Kind::Apkg,
        }
    }

    /// As recorded in the subscription.
    fn text(&self) -> String {
        match self {
            Source::Git(url) => url.clone(),
            Source::Folder(p) | Source::Apkg(p) => p.to_string_lossy().into_owned(),
        }
    }
}

/// Whether `s` reads as a git URL: `scheme://…`, or ssh's `[user@]host:path`.
fn looks_like_url(s: &str) -> bool {
    if s.contains("://") {
        return true;
    }
    match s.split_once(':') {
        Some((host, _)) => !host.is_empty() && !host.contains('/') && !host.contains('\\'),
        None => false,
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    fs::canonicalize(path).map_err(|e| Error::io(path, e))
}

/// A deck folder (holding deck.toml), an `.apkg` file, a local git repository, or a URL.
fn classify(source: &str) -> Result<Source> {
    let path = Path::new(source);
    if source.starts_with('-') {
        git::check_url(source)?;
    }
    if path.join("deck.toml").is_file() {
        return Ok(Source::Folder(absolute(path)?));
    }
    if path.is_file() {
        let apkg = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("apkg"));
        if apkg {
            return Ok(Source::Apkg(absolute(path)?));
        }
        return Err(Error::user(format!(
            "{source}: a file, but not an Anki package (.apkg); `skilldeck add` takes a git URL, a deck folder or an .apkg"
        )));
    }
    if path.is_dir() {
        // A local repository (bare or not): cloned like any other.
        return Ok(Source::Git(absolute(path)?.to_string_lossy().into_owned()));
    }
    if looks_like_url(source) {
        git::check_url(source)?;
        return Ok(Source::Git(source.to_owned()));
    }
    Err(Error::user(format!(
        "{source}: neither a git URL, a deck folder (one holding deck.toml) nor an Anki package (.apkg)"
    )))
}

/// The id in a deck folder's deck.toml.
fn deck_id_of(dir: &Path, source: &str) -> Result<DeckId> {
    let path = dir.join("deck.toml");
    // The entry itself: a deck.toml linking elsewhere is refused, not followed.
    let meta = fs::symlink_metadata(&path).map_err(|_| {
        Error::user(format!(
            "{source} is not a skilldeck deck: there is no deck.toml at its top"
        ))
    })?;
    if !meta.is_file() || meta.len() > 1024 * 1024 {
        return Err(Error::user(format!(
            "{source}: its deck.toml is not a file of at most 1 MiB"
        )));
    }
    let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    Ok(manifest::parse("deck.toml", &text).map_err(Error::deck)?.id)
}

/// Whether a deck already in the database lets this one in: yes when there is none, or it was
/// removed (it comes back with its history), or it was built from this very folder; an error
/// saying why when the id is taken.
fn check_clash(
    existing: Option<&StoredDeck>,
    sub: Option<&Subscription>,
    source: &Source,
    root: &str,
) -> Result<()> {
    let Some(d) = existing else {
        return Ok(());
    };
    if d.removed_at.is_some() {
        return Ok(());
    }
    let id = &d.id;
    if let Some(sub) = sub {
        if sub.source == source.text() {
            return Err(Error::user(format!(
                "deck `{id}` is already added (from {}); `skilldeck update {id}` fetches its new versions",
                sub.source
            )));
        }
        return Err(Error::user(format!(
            "deck id `{id}` is taken by \"{}\" (added from {}): two decks cannot share an id, nothing was added; `skilldeck remove {id}` first if this one replaces it",
            d.name, sub.source
        )));
    }
    if matches!(source, Source::Folder(_)) && d.root_path == root {
        // A deck built from this very folder: adding it only remembers where it comes from.
        return Ok(());
    }
    Err(Error::user(format!(
        "deck id `{id}` is taken by \"{}\" (built from {}): two decks cannot share an id, nothing was added; `skilldeck remove {id}` first if this one replaces it",
        d.name, d.root_path
    )))
}

/// `skilldeck add SOURCE`.
pub fn add(store: &Store, db: &Path, source: &str, now: Timestamp) -> Result<()> {
    let source = classify(source)?;
    let text = source.text();
    let conn = store.conn();
    let report = match &source {
        Source::Folder(dir) => {
            let id = deck_id_of(dir, &text)?;
            let root = dir.to_string_lossy().into_owned();
            let existing = decks::find(conn, &id)?;
            check_clash(
                existing.as_ref(),
                subscriptions::find(conn, &id)?.as_ref(),
                &source,
                &root,
            )?;
            compile_one(store, dir, &root, now, |tx, pk, before| {
                check_clash(
                    before,
                    subscriptions::find(tx, &id)?.as_ref(),
                    &source,
                    &root,
                )?;
                subscriptions::subscribe(tx, pk, Kind::Folder, &text, &root, now)
            })?
        }
        Source::Git(_) | Source::Apkg(_) => return add_managed(store, db, &source, now),
    };
    print_added(&report.lines, &report.ids, &source, None);
    Ok(())
}

/// Adds a deck whose files skilldeck keeps: cloned or converted into a temporary folder beside
/// its place, then built, and renamed into place in the transaction that records it.
fn add_managed(store: &Store, db: &Path, source: &Source, now: Timestamp) -> Result<()> {
    let text = source.text();
    let managed = managed_dir(db);
    let staging_parent = crate::partial::dir_beside(&managed.join("deck"))?;
    let staging = staging_parent.path().join("deck");
    match source {
        Source::Git(url) => git::clone(url, &staging)?,
        Source::Apkg(file) => {
            let mut package = crate::anki::read::Package::open(file)?;
            crate::anki::convert::to_markdown(&mut package, &staging)
                .map_err(|e| package.explain(e))?;
        }
        Source::Folder(_) => return Err(Error::user("a deck folder is built where it is")),
    }
    let id = deck_id_of(&staging, &text)?;
    let target = managed.join(id.as_str());
    let managed = absolute(&managed)?;
    let root = managed.join(id.as_str()).to_string_lossy().into_owned();
    let conn = store.conn();
    let existing = decks::find(conn, &id)?;
    let sub = subscriptions::find(conn, &id)?;
    check_clash(existing.as_ref(), sub.as_ref(), source, &root)?;
    if target.exists() {
        // Kept by `remove` (no --purge): the deck comes back from its own folder, local
        // edits and all, when it comes from the same place.
        return match (&existing, &sub) {
            (Some(d), Some(s)) if d.removed_at.is_some() && s.source == text && s.path == root => {
                drop(staging_parent);
                let report = compile_one(store, &target, &root, now, |tx, pk, _| {
                    subscriptions::subscribe(tx, pk, s.kind, &text, &root, now)
                })?;
                print_added(&report.lines, &report.ids, source, Some(&target));
                let _ = writeln!(
                    crate::sanitize::stdout(),
                    "  brought back from the folder `remove` kept; `skilldeck update {id}` fetches newer versions"
                );
                Ok(())
            }
            _ => Err(Error::user(format!(
                "{} already exists (another deck `{id}`, kept when it was removed?); nothing was added. Move that folder away, or `skilldeck remove --purge {id}` deletes it with the deck's history",
                target.display()
            ))),
        };
    }
    let renamed = Cell::new(false);
    let result = compile_one(store, &staging, &root, now, |tx, pk, before| {
        check_clash(
            before,
            subscriptions::find(tx, &id)?.as_ref(),
            source,
            &root,
        )?;
        subscriptions::subscribe(tx, pk, source.kind(), &text, &root, now)?;
        if target.exists() {
            return Err(Error::user(format!(
                "{} appeared while adding; nothing was added",
                target.display()
            )));
        }
        fs::rename(&staging, &target).map_err(|e| Error::io(&target, e))?;
        renamed.set(true);
        Ok(())
    });
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            // The transaction failed after the folder moved: take it back out.
            if renamed.get() {
                let _ = fs::remove_dir_all(&target);
            }
            return Err(e);
        }
    };
    print_added(&report.lines, &report.ids, source, Some(&target));
    Ok(())
}

fn print_added(lines: &[String], ids: &[DeckId], source: &Source, kept_in: Option<&Path>) {
    let mut out = crate::sanitize::stdout();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let id = ids.first().map_or("", DeckId::as_str);
    let kind = source.kind().as_str();
    let text = source.text();
    let _ = match kept_in {
        Some(dir) => writeln!(
            out,
            "added `{id}` ({kind}: {text}); its files are in {}",
            dir.display()
        ),
        None => writeln!(out, "added `{id}` ({kind}: {text})"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let deck = dir.path().join("deck");
        fs::create_dir(&deck).unwrap();
        fs::write(deck.join("deck.toml"), "").unwrap();
        let apkg = dir.path().join("a.apkg");
        fs::write(&apkg, "").unwrap();
        let text = dir.path().join("a.txt");
        fs::write(&text, "").unwrap();
        let s = |p: &Path| p.to_str().unwrap().to_owned();
        assert!(matches!(classify(&s(&deck)).unwrap(), Source::Folder(_)));
        assert!(matches!(classify(&s(&apkg)).unwrap(), Source::Apkg(_)));
        assert!(matches!(classify(&s(dir.path())).unwrap(), Source::Git(_)));
        assert!(
            classify(&s(&text))
                .unwrap_err()
                .to_string()
                .contains("not an Anki package")
        );
        for url in [
            "https://example.org/d.git",
            "git@example.org:d.git",
            "file:///srv/d.git",
        ] {
            assert_eq!(classify(url).unwrap(), Source::Git(url.into()));
        }
        for hostile in ["--upload-pack=touch x", "-u", "https://a\u{1b}[2J"] {
            assert!(classify(hostile).is_err(), "{hostile}");
        }
        assert!(classify("no/such/thing").is_err());
    }
}
