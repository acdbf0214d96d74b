//! Automatic backups of the database, as Anki keeps them: after a command that changed
//! something, at most once a day, a consistent copy (`VACUUM INTO`, which also reads every row)
//! goes to `<db dir>/backups/<db name>-<date>.db`, and the newest [`KEEP`] are kept. A backup is
//! only ever made from a database that passed its check on opening. Restoring one keeps the
//! current file aside under a new name; nothing is overwritten.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{Connection, OpenFlags};

use super::check::{self, FileKind};
use super::migrations;
use crate::error::{Error, Result};

/// How many daily backups are kept.
pub const KEEP: usize = 7;

/// One backup file.
#[derive(Debug, Clone, PartialEq)]
pub struct Backup {
    /// The file name, e.g. `skilldeck-2026-11-25.db`.
    pub name: String,
    pub path: PathBuf,
    /// The day it was made.
    pub date: NaiveDate,
    pub bytes: u64,
}

/// The folder holding the backups of the database at `db`.
pub fn dir(db: &Path) -> PathBuf {
    db.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups")
}

/// The database file's name without its extension (`skilldeck` for `skilldeck.db`).
fn stem(db: &Path) -> String {
    db.file_stem()
        .map_or_else(|| "skilldeck".into(), |s| s.to_string_lossy().into_owned())
}

/// The name of the backup of `db` made on `date`.
pub fn name_for(db: &Path, date: NaiveDate) -> String {
    format!("{}-{}.db", stem(db), date.format("%Y-%m-%d"))
}

/// The date in a backup's file name, if it is a backup of `db`.
fn date_of(db: &Path, name: &str) -> Option<NaiveDate> {
    let date = name
        .strip_prefix(&stem(db))?
        .strip_prefix('-')?
        .strip_suffix(".db")?;
    (date.len() == 10)
        .then(|| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok())
        .flatten()
}

/// The backups of `db`, newest first.
pub fn list(db: &Path) -> Result<Vec<Backup>> {
    let dir = dir(db);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(date) = date_of(db, &name) else {
            continue;
        };
        let bytes = entry.metadata().map_or(0, |m| m.len());
        found.push(Backup {
            name,
            path: entry.path(),
            date,
            bytes,
        });
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.date));
    Ok(found)
}

/// Whether a backup of `db` from `date` exists.
pub fn made_on(db: &Path, date: NaiveDate) -> bool {
    dir(db).join(name_for(db, date)).is_file()
}

/// Makes today's backup of the database open on `conn` (at `db`) unless one from `today`
/// exists, then keeps the newest [`KEEP`]. Returns the new backup's path, if one was made.
pub fn daily(conn: &Connection, db: &Path, today: NaiveDate) -> Result<Option<PathBuf>> {
    if made_on(db, today) {
        return Ok(None);
    }
    let dir = dir(db);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let target = dir.join(name_for(db, today));
    // A name of this process's own (another skilldeck may be making the same backup): an
    // empty file, which `VACUUM INTO` accepts, renamed over the target once complete.
    let partial = tempfile::Builder::new()
        .prefix(&format!(".{}.", name_for(db, today)))
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let copied = conn
        .execute("VACUUM INTO ?1", [partial.path().to_string_lossy()])
        .and_then(|_| {
            // A backup is a single file: no WAL beside it.
            let copy = Connection::open(partial.path())?;
            copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        });
    copied?;
    partial
        .persist(&target)
        .map_err(|e| Error::io(&target, e.error))?;
    for old in list(db)?.iter().skip(KEEP) {
        fs::remove_file(&old.path).map_err(|e| Error::io(&old.path, e))?;
    }
    Ok(Some(target))
}

/// What a backup holds: its number of reviews and the time of the last one (ms), or why it
/// cannot be read.
pub fn contents(backup: &Path) -> std::result::Result<(i64, Option<i64>), String> {
    let conn = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| "cannot be opened".to_owned())?;
    match check::verify(&conn, migrations::MIGRATIONS) {
        Ok(FileKind::Sqlite) => {}
        _ => return Err("damaged".to_owned()),
    }
    conn.query_row("SELECT count(*), max(reviewed_at) FROM reviews", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .map_err(|_| "unreadable".to_owned())
}

/// What `restore` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Restored {
    pub backup: Backup,
    /// Where the file that was replaced now is (none when there was no file).
    pub aside: Option<PathBuf>,
    /// Whether that file failed its check.
    pub was_damaged: bool,
}

/// Puts a backup (by file name or date; the newest when `None`) in place of the database at
/// `db`. The backup must pass its check first. The current file, if any, is renamed to
/// `<db>.damaged-<time>` (or `.replaced-<time>` when it was whole), with its WAL files.
pub fn restore(db: &Path, wanted: Option<&str>, now: DateTime<FixedOffset>) -> Result<Restored> {
    let backups = list(db)?;
    let backup = match wanted {
        None => backups.first(),
        Some(w) => backups
            .iter()
            .find(|b| b.name == w || b.date.format("%Y-%m-%d").to_string() == w),
    }
    .cloned()
    .ok_or_else(|| match wanted {
        None => Error::user(format!(
            "there is no backup of {} in {}",
            db.display(),
            dir(db).display()
        )),
        Some(w) => Error::user(format!(
            "no backup `{w}` in {}; `skilldeck backup list` shows them",
            dir(db).display()
        )),
    })?;
    if let Err(why) = contents(&backup.path) {
        return Err(Error::user(format!(
            "{}: the backup is {why}; choose another one (`skilldeck backup list`)",
            backup.path.display()
        )));
    }
    let (aside, was_damaged) = if db.exists() {
        let was_damaged = !is_whole(db);
        let label = if was_damaged { "damaged" } else { "replaced" };
        let aside = free_name(&format!(
            "{}.{label}-{}",
            db.display(),
            now.format("%Y%m%d-%H%M%S")
        ));
        fs::rename(db, &aside).map_err(|e| Error::io(db, e))?;
        for suffix in ["-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", db.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
            }
        }
        (Some(aside), was_damaged)
    } else {
        (None, false)
    };
    let partial = PathBuf::from(format!("{}.restoring", db.display()));
    let copied = fs::copy(&backup.path, &partial)
        .map_err(|e| Error::io(&partial, e))
        .and_then(|_| fs::rename(&partial, db).map_err(|e| Error::io(db, e)));
    if let Err(e) = copied {
        // Put the file that was there back where it was.
        let _ = fs::remove_file(&partial);
        if let Some(aside) = &aside {
            let _ = fs::rename(aside, db);
        }
        return Err(e);
    }
    Ok(Restored {
        backup,
        aside,
        was_damaged,
    })
}

/// Whether the file at `db` passes the check made on opening (read-only here).
fn is_whole(db: &Path) -> bool {
    if check::inspect(db).ok() != Some(FileKind::Sqlite) {
        return false;
    }
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .ok()
        .and_then(|conn| check::verify(&conn, migrations::MIGRATIONS).ok())
        == Some(FileKind::Sqlite)
}

/// `base`, or `base-2`, `base-3`, … whichever does not exist yet.
fn free_name(base: &str) -> PathBuf {
    let mut path = PathBuf::from(base);
    let mut n = 2;
    while path.exists() {
        path = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    path
}

/// What to do about a damaged database at `db`: where its backups are and how to restore one.
pub fn advice(db: &Path) -> String {
    let restore = command(db, "backup restore");
    match list(db).ok().as_deref() {
        Some([newest, ..]) => format!(
            "Backups are kept in {} (the newest from {}). Restore the newest with `{restore}` \
             (the damaged file is kept aside); `{}` shows them all.",
            dir(db).display(),
            newest.date,
            command(db, "backup list")
        ),
        _ => format!(
            "There is no backup of it in {} yet. The sqlite3 tool may save part of it: \
             `sqlite3 {} .recover | sqlite3 recovered.db`.",
            dir(db).display(),
            quote(db)
        ),
    }
}

/// `skilldeck ARGS`, with `--db` when `db` is not the default database.
fn command(db: &Path, args: &str) -> String {
    let default = super::default_path(None).ok();
    if default.as_deref() == Some(db) {
        format!("skilldeck {args}")
    } else {
        format!("skilldeck --db {} {args}", quote(db))
    }
}

/// A path as a shell word.
fn quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn one_backup_a_day_and_the_newest_seven_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("deck.db");
        let store = Store::open(&db).unwrap();
        let made = daily(store.conn(), &db, day(1)).unwrap();
        assert_eq!(made, Some(dir.path().join("backups/deck-2026-11-01.db")));
        assert!(made_on(&db, day(1)) && !made_on(&db, day(2)));
        assert_eq!(daily(store.conn(), &db, day(1)).unwrap(), None);
        for d in 2..=10 {
            daily(store.conn(), &db, day(d)).unwrap();
        }
        // A stray file and another database's backup are left alone.
        fs::write(dir.path().join("backups/notes.txt"), "x").unwrap();
        fs::write(dir.path().join("backups/other-2026-11-01.db"), "x").unwrap();
        let names: Vec<String> = list(&db).unwrap().into_iter().map(|b| b.name).collect();
        assert_eq!(
            names,
            (4..=10)
                .rev()
                .map(|d| format!("deck-2026-11-{d:02}.db"))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            contents(&dir.path().join("backups/deck-2026-11-10.db")),
            Ok((0, None))
        );
    }

    #[test]
    fn backup_names_are_read_strictly() {
        let db = Path::new("/data/skilldeck.db");
        assert_eq!(date_of(db, "skilldeck-2026-11-25.db"), Some(day(25)));
        assert_eq!(date_of(db, "skilldeck-2026-11-25.db.partial"), None);
        assert_eq!(date_of(db, "skilldeck-extra-2026-11-25.db"), None);
        assert_eq!(date_of(db, "skilldeck-2026-13-25.db"), None);
        assert_eq!(dir(db), PathBuf::from("/data/backups"));
        assert_eq!(dir(Path::new("x.db")), PathBuf::from("./backups"));
        assert_eq!(quote(Path::new("/a b/it's.db")), r"'/a b/it'\''s.db'");
    }
}
