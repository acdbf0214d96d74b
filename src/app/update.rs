//! `skilldeck update [DECK...]`: fetches new versions of added decks (fast-forward only),
//! rebuilds them and says what changed: the version, and every note added, changed and retired
//! by id. Ids are the contract that keeps each card's history across an update. Local edits are
//! never thrown away: a clone with uncommitted changes, or whose history diverged from its
//! source, stops before anything changes and the message says what to do.

use std::io::Write as _;
use std::path::Path;

use super::build::{BuildReport, DeckChanges, compile_one};
use super::git;
use crate::error::{Error, Result};
use crate::store::subscriptions::{self, Kind, Subscription};
use crate::store::{Store, decks};
use crate::types::{DeckId, Timestamp};

/// `skilldeck update [DECK...]`: every added deck when none is named.
pub fn update(store: &Store, named: &[String], now: Timestamp) -> Result<()> {
    let subs = chosen(store, named)?;
    let mut out = crate::sanitize::stdout();
    if subs.is_empty() {
        let _ = writeln!(
            out,
            "no deck to update: `skilldeck add SOURCE` adds one (a git URL, a deck folder or an .apkg)"
        );
        return Ok(());
    }
    let mut stopped = Vec::new();
    for sub in &subs {
        match update_one(store, sub, now) {
            Ok(lines) => {
                for line in lines {
                    let _ = writeln!(out, "{line}");
                }
            }
            Err(e) => {
                let _ = out.flush();
                let _ = writeln!(crate::sanitize::stderr(), "{}: {e}", sub.id);
                stopped.push(sub.id.to_string());
            }
        }
    }
    if stopped.is_empty() {
        Ok(())
    } else {
        Err(Error::user(format!(
            "not updated: {} (see above)",
            stopped.join(", ")
        )))
    }
}

/// The subscriptions named, or every live one.
fn chosen(store: &Store, named: &[String]) -> Result<Vec<Subscription>> {
    let conn = store.conn();
    if named.is_empty() {
        return Ok(subscriptions::all(conn)?
            .into_iter()
            .filter(|s| s.removed_at.is_none())
            .collect());
    }
    let mut subs = Vec::new();
    for name in named {
        let id =
            DeckId::parse(name).ok_or_else(|| Error::user(format!("`{name}` is not a deck id")))?;
        match subscriptions::find(conn, &id)? {
            Some(s) if s.removed_at.is_some() => {
                return Err(Error::user(format!(
                    "deck `{id}` was removed; `skilldeck add {}` brings it back with its history",
                    s.source
                )));
            }
            Some(s) => subs.push(s),
            None => {
                return Err(Error::user(match decks::find(conn, &id)? {
                    Some(d) => format!(
                        "deck `{id}` was built from {}, not added: `skilldeck build` rebuilds it, `skilldeck add FOLDER` lets `update` follow it",
                        d.root_path
                    ),
                    None => {
                        format!("no deck `{id}` in the database (`skilldeck decks` lists them)")
                    }
                }));
            }
        }
    }
    Ok(subs)
}

/// A fast-forward made by this update: the commits before and after.
struct Moved {
    from: String,
    to: String,
}

/// Updates one deck; returns the lines to print.
fn update_one(store: &Store, sub: &Subscription, now: Timestamp) -> Result<Vec<String>> {
    let dir = Path::new(&sub.path);
    if !dir.join("deck.toml").is_file() {
        return Err(Error::user(format!(
            "its folder {} is gone or holds no deck.toml; nothing was changed (`skilldeck remove {}`, then add it again)",
            sub.path, sub.id
        )));
    }
    let mut notes = Vec::new();
    let moved = if sub.kind == Kind::Git {
        fetch_and_fast_forward(dir, sub, &mut notes)?
    } else {
        None
    };
    let result = compile_one(store, dir, &sub.path, now, |tx, pk, _| {
        if pk != sub.deck {
            return Err(Error::user(format!(
                "its new version has another deck id than `{}` (deck.toml); nothing was changed",
                sub.id
            )));
        }
        subscriptions::touch(tx, pk, now)
    });
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            // The database is unchanged: put the clone back where it was too.
            if let Some(m) = &moved {
                return Err(match git::reset_keep(dir, &m.from) {
                    Ok(()) => Error::user(format!(
                        "{e}\n  the new version ({}) does not build; nothing was changed (the clone is back on {})",
                        git::short(&m.to),
                        git::short(&m.from)
                    )),
                    Err(reset) => Error::user(format!(
                        "{e}\n  the new version ({}) does not build; the database is unchanged but the clone in {} could not be put back on {}: {reset}",
                        git::short(&m.to),
                        sub.path,
                        git::short(&m.from)
                    )),
                });
            }
            return Err(e);
        }
    };
    let mut lines = describe(&report, moved.as_ref());
    lines.extend(notes);
    Ok(lines)
}

/// Checks the clone for local edits, fetches, and fast-forwards when it can. Stops, changing
/// nothing, when the clone has uncommitted edits or its history and its source's diverged.
fn fetch_and_fast_forward(
    dir: &Path,
    sub: &Subscription,
    notes: &mut Vec<String>,
) -> Result<Option<Moved>> {
    let path = dir.display();
    let id = &sub.id;
    let edits = git::local_changes(dir)?;
    if !edits.is_empty() {
        let shown: Vec<&str> = edits.iter().take(5).map(|l| l.trim()).collect();
        return Err(Error::user(format!(
            "{} local edit(s) in {path} ({}{}); nothing was changed. Keep them with `git -C {path} commit -a` (then `git -C {path} pull` merges the new version with them), or set them aside with `git -C {path} stash`; then `skilldeck update {id}`",
            edits.len(),
            shown.join(", "),
            if edits.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        )));
    }
    let head = git::commit_of(dir, "HEAD")?.ok_or_else(|| {
        Error::user(format!(
            "{path} has no commit checked out; nothing was changed"
        ))
    })?;
    git::fetch(dir)?;
    let upstream = git::commit_of(dir, "@{upstream}")?.ok_or_else(|| {
        Error::user(format!(
            "the clone in {path} is not on a branch that follows its source; nothing was changed (`git -C {path} checkout` the branch it was cloned on)"
        ))
    })?;
    if head == upstream {
        return Ok(None);
    }
    if git::is_ancestor(dir, &head, &upstream)? {
        git::fast_forward(dir, &upstream)?;
        return Ok(Some(Moved {
            from: head,
            to: upstream,
        }));
    }
    if git::is_ancestor(dir, &upstream, &head)? {
        notes.push(format!(
            "  {path} has local commits its source does not have; nothing new to fetch"
        ));
        return Ok(None);
    }
    Err(Error::user(format!(
        "the clone in {path} has local commits and its source has new ones: they cannot be fast-forwarded, so nothing was changed. Merge them yourself with `git -C {path} pull` (or `pull --rebase`), then `skilldeck build`; or `skilldeck remove --purge {id}` and add it again to start from the source"
    )))
}

/// The update's report: the version (and commits), then every note by id.
fn describe(report: &BuildReport, moved: Option<&Moved>) -> Vec<String> {
    let mut lines = Vec::new();
    for c in &report.changes {
        lines.push(headline(c, moved));
        let groups: [(&str, Vec<String>); 5] = [
            ("added", ids(&c.added)),
            ("changed", ids(&c.changed)),
            ("retired", ids(&c.retired)),
            ("returned", ids(&c.returned)),
            (
                "carried over",
                c.carried
                    .iter()
                    .map(|(from, to)| format!("{from} → {to}"))
                    .collect(),
            ),
        ];
        for (label, list) in groups {
            for id in list {
                lines.push(format!("  {label:<8} {id}"));
            }
        }
    }
    lines
}

fn ids(list: &[crate::types::NoteId]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

fn headline(c: &DeckChanges, moved: Option<&Moved>) -> String {
    let version = match c.version_before.as_deref() {
        Some(before) if before != c.version => format!("{before} → {}", c.version),
        _ => c.version.clone(),
    };
    let commits = moved.map_or(String::new(), |m| {
        format!(" ({} → {})", git::short(&m.from), git::short(&m.to))
    });
    let counts = [
        (c.added.len(), "added"),
        (c.changed.len(), "changed"),
        (c.retired.len(), "retired"),
        (c.returned.len(), "returned"),
        (c.carried.len(), "carried over"),
    ];
    let said: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if said.is_empty() {
        format!("{}: {version}{commits}: up to date, no note changed", c.id)
    } else {
        format!("{}: {version}{commits}: {}", c.id, said.join(", "))
    }
}
