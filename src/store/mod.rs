//! The SQLite store: where the database lives, how it is opened (checked first, then WAL,
//! foreign keys, busy timeout, migrations with a backup first), how it is written (IMMEDIATE
//! transactions, so writers queue for the lock instead of failing), and one module per table
//! group.

pub mod backup;
pub mod cards;
pub mod check;
pub mod decks;
pub mod export;
pub mod habits;
pub mod imports;
pub mod migrations;
pub mod notes;
pub mod params;
pub mod reviews;
pub mod settings;
pub mod stamp;
pub mod stats;
pub mod subscriptions;
pub mod sync_state;

use std::cell::RefCell;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{BUSY_TIMEOUT, Error, Result};
use check::FileKind;

/// An open skilldeck database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// The page check still running alongside the command (see [`Store::open_to_read`]).
    pending: RefCell<Option<PendingCheck>>,
    /// Whether opening created the database (there was no file, or an empty one).
    created: bool,
    /// Whether this process ran the page check and it passed (else the file was as skilldeck
    /// had left it, see [`stamp`]).
    checked: std::cell::Cell<bool>,
}

/// The database path: `--db` (which clap also fills from `$SKILLDECK_DB`), else the platform
/// data directory. An empty value counts as none.
pub fn default_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = flag.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(path.to_path_buf());
    }
    directories::ProjectDirs::from("", "", "skilldeck")
        .map(|dirs| dirs.data_dir().join("skilldeck.db"))
        .ok_or_else(|| {
            Error::user(
                "cannot find a home directory for the database; pass --db PATH or set SKILLDECK_DB",
            )
        })
}

/// A write transaction: `BEGIN IMMEDIATE` takes the write lock at once, waiting up to the busy
/// timeout for another writer to finish. (A deferred transaction that reads first cannot wait:
/// SQLite refuses its upgrade to a writer at once when another process holds the lock.)
pub fn write(conn: &Connection) -> Result<Transaction<'_>> {
    Ok(Transaction::new_unchecked(
        conn,
        TransactionBehavior::Immediate,
    )?)
}

/// The error for a damaged database at `path` that nothing was written to: what is wrong and
/// what to do.
pub fn damaged(path: &Path, problem: impl Into<String>) -> Error {
    Error::Damaged {
        path: path.to_path_buf(),
        problem: problem.into(),
        untouched: true,
        advice: backup::advice(path),
    }
}

/// When the page check of an existing database runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checking {
    /// On opening, before anything else.
    First,
    /// On a second connection while the command reads; [`Store::ready`] waits for it.
    Alongside,
}

/// The page check running alongside a command.
type PendingCheck = std::thread::JoinHandle<Result<FileKind>>;

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date,
    /// copying an existing database to a backup file before migrating it. An existing file is
    /// checked first (header, schema, and `PRAGMA quick_check` unless the file is as skilldeck
    /// last left it); one that fails is refused as damaged and nothing is written to it.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with(path, migrations::MIGRATIONS, Checking::First)
    }

    /// Opens the database for a command that only reads: the page check runs on a second
    /// connection while the command reads, and [`Store::ready`] must be called before anything
    /// is printed. (When opening would write — a migration, the switch to WAL — the check runs
    /// first, as with [`Store::open`].)
    pub fn open_to_read(path: &Path) -> Result<Store> {
        Self::open_with(path, migrations::MIGRATIONS, Checking::Alongside)
    }

    /// Opens with a given migration list (the shipped one, or a longer one in tests).
    fn open_with(path: &Path, list: &[&str], checking: Checking) -> Result<Store> {
        let kind = check::inspect(path).map_err(|e| Error::io(path, e))?;
        refuse(path, &kind)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let conn = Connection::open(path).map_err(|e| translate_open_error(path, e))?;
        let mut store = Store {
            conn,
            path: Some(path.to_path_buf()),
            pending: RefCell::new(None),
            created: matches!(kind, FileKind::New | FileKind::Empty),
            checked: std::cell::Cell::new(false),
        };
        store.connect()?;
        if kind == FileKind::Sqlite {
            let verdict = as_verdict(check::tables(&store.conn, list))?;
            refuse(path, &verdict)?;
            if stamp::unchanged(path) {
                // As skilldeck left it after finding nothing wrong: no need to read it all.
            } else if checking == Checking::Alongside && !store.opening_writes(list)? {
                let path = path.to_path_buf();
                let checker = std::thread::spawn(move || {
                    let conn = Connection::open(&path)?;
                    conn.busy_timeout(BUSY_TIMEOUT)?;
                    as_verdict(check::pages(&conn))
                });
                store.pending = RefCell::new(Some(checker));
            } else {
                store.check_pages()?;
            }
        }
        store.configure(list).map_err(|e| match e {
            Error::Sqlite(e) => translate_open_error(path, e),
            other => other,
        })?;
        Ok(store)
    }

    /// Opens an existing database read-only, for a command that must never write to it
    /// (`check`): no migration, no journal-mode switch, no page check (a damaged page is then
    /// an error where it is read). `None` when there is no database yet, or an empty file.
    pub fn open_read_only(path: &Path) -> Result<Option<Store>> {
        let kind = check::inspect(path).map_err(|e| Error::io(path, e))?;
        refuse(path, &kind)?;
        if kind != FileKind::Sqlite {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| translate_open_error(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        refuse(
            path,
            &as_verdict(check::tables(&conn, migrations::MIGRATIONS))?,
        )?;
        let version = migrations::version(&conn)?;
        let known = migrations::MIGRATIONS.len() as i64;
        if version > known {
            return Err(Error::DatabaseTooNew {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        Ok(Some(Store {
            conn,
            path: Some(path.to_path_buf()),
            pending: RefCell::new(None),
            created: false,
            checked: std::cell::Cell::new(false),
        }))
    }

    /// Waits for the page check running alongside the command, if any: an error when the
    /// database is damaged. Call before printing what was read.
    pub fn ready(&self) -> Result<()> {
        let Some(checker) = self.pending.borrow_mut().take() else {
            return Ok(());
        };
        let verdict = checker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        if let Some(path) = &self.path {
            refuse(path, &verdict)?;
        }
        self.checked.set(true);
        Ok(())
    }

    /// Runs the page check on this connection now, unless it ran already in this process.
    pub fn check_pages(&self) -> Result<()> {
        self.ready()?;
        if self.checked.get() {
            return Ok(());
        }
        let verdict = as_verdict(check::pages(&self.conn))?;
        if let Some(path) = &self.path {
            refuse(path, &verdict)?;
        }
        self.checked.set(true);
        Ok(())
    }

    /// A fresh database in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store {
            conn,
            path: None,
            pending: RefCell::new(None),
            created: true,
            checked: std::cell::Cell::new(false),
        };
        store.connect()?;
        store.configure(migrations::MIGRATIONS)?;
        Ok(store)
    }

    /// Settings of this connection alone: nothing here writes to the file.
    fn connect(&mut self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // Any transaction this connection begins takes the write lock first.
        self.conn
            .set_transaction_behavior(TransactionBehavior::Immediate);
        Ok(())
    }

    /// Whether [`Store::configure`] would write to the file (a migration, the switch to WAL).
    fn opening_writes(&self, list: &[&str]) -> Result<bool> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        Ok(migrations::version(&self.conn)? < list.len() as i64
            || !mode.eq_ignore_ascii_case("wal"))
    }

    /// The file's settings and schema: WAL, then migrations (after a backup).
    fn configure(&mut self, list: &[&str]) -> Result<()> {
        let latest = list.len() as i64;
        let version = migrations::version(&self.conn)?;
        if version > latest {
            return Err(Error::DatabaseTooNew {
                path: self.path.clone().unwrap_or_default(),
                found: version,
                known: latest,
            });
        }
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            self.conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        if version > 0 && version < latest {
            self.backup(version)?;
        }
        migrations::migrate(&mut self.conn, list)
    }

    /// Copies the database to `<path>.v<version>.bak` (a consistent snapshot, WAL included).
    fn backup(&self, version: i64) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut backup = PathBuf::from(format!("{}.v{version}.bak", path.display()));
        let mut n = 1;
        while backup.exists() {
            backup = PathBuf::from(format!("{}.v{version}.{n}.bak", path.display()));
            n += 1;
        }
        self.conn
            .execute("VACUUM INTO ?1", [backup.to_string_lossy()])?;
        Ok(())
    }

    /// A second, read-only connection to the same database, for reading on another thread
    /// while this one works; `None` for a database in memory.
    pub fn reader(&self) -> Result<Option<Connection>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| translate_open_error(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(Some(conn))
    }

    /// The underlying connection, for the store's operations (the functions of its modules,
    /// which take it); nothing outside the crate gets it.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The user's settings.
    pub fn settings(&self) -> Result<settings::Settings> {
        settings::Settings::load(&self.conn)
    }

    /// Every review of a deck's cards (all decks when `None`), by card then time, for the
    /// optimizer.
    pub fn history(&self, deck: Option<i64>) -> Result<Vec<crate::sched::optimize::HistoryRow>> {
        reviews::history(&self.conn, deck)
    }

    /// Whether this connection has changed any row since it was opened.
    pub fn changed(&self) -> bool {
        self.conn.total_changes() > 0
    }

    /// Whether opening created the database (no file, or an empty one, was there).
    pub fn created(&self) -> bool {
        self.created
    }

    /// An error of a command run on this database, in the user's terms: SQLite reporting a
    /// corrupt page, or a value of the wrong type in one of our tables, means the file is
    /// damaged.
    pub fn explain(&self, e: Error) -> Error {
        match (&self.path, e.is_damage()) {
            (Some(path), true) => {
                let conversion = matches!(&e, Error::Sqlite(s) if s.sqlite_error_code().is_none());
                let problem = if conversion {
                    "a value in one of its tables has the wrong type"
                } else {
                    "part of it cannot be read"
                };
                if self.changed() {
                    damaged(path, problem).after_writing()
                } else {
                    damaged(path, problem)
                }
            }
            _ => e,
        }
    }
}

/// A check's verdict, with SQLite failing to read the file at all counted as damage.
fn as_verdict(result: Result<FileKind>) -> Result<FileKind> {
    match result {
        Err(e) if e.is_damage() => Ok(FileKind::Damaged("SQLite cannot read its pages".into())),
        other => other,
    }
}

/// Refuses a file that is not SQLite or is damaged (a file with backups beside it that is
/// empty or not SQLite any more was a database: damaged).
fn refuse(path: &Path, kind: &FileKind) -> Result<()> {
    let has_backups = matches!(kind, FileKind::Empty | FileKind::Foreign)
        && backup::list(path).is_ok_and(|b| !b.is_empty());
    match kind {
        FileKind::Empty if has_backups => Err(damaged(path, "the file is empty")),
        FileKind::New | FileKind::Empty | FileKind::Sqlite => Ok(()),
        FileKind::Damaged(problem) => Err(damaged(path, problem.clone())),
        FileKind::Foreign if has_backups => {
            Err(damaged(path, "it is not a SQLite database any more"))
        }
        FileKind::Foreign => Err(Error::NotADatabase {
            path: path.to_path_buf(),
        }),
    }
}

fn translate_open_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_path_buf(),
        },
        Some(rusqlite::ErrorCode::CannotOpen) => {
            Error::user(format!("{}: cannot open the database file", path.display()))
        }
        _ => Error::from(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_file_that_is_not_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        fs::write(&path, "this is not a database, just some text").unwrap();
        let err = Store::open(&path).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: not a skilldeck database (the file is not SQLite); pass another path with --db",
                path.display()
            )
        );
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "this is not a database, just some text"
        );
    }

    #[test]
    fn a_damaged_file_is_refused_and_not_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        drop(Store::open(&path).unwrap());
        // A flipped bit in the schema version: version 2, but the tables of version 3. A
        // migration would run on it; the check refuses it first.
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
        }
        let before = fs::read(&path).unwrap();
        let err = Store::open(&path).err().unwrap();
        assert!(
            err.to_string().starts_with(&format!(
                "{}: the database is damaged: its tables are not those of a skilldeck database of schema version 2. skilldeck has not changed the file.\nThere is no backup of it in",
                path.display()
            )),
            "{err}"
        );
        assert_eq!(err.exit_code(), 1);
        assert!(fs::read(&path).unwrap() == before);
        assert!(!dir.path().join("x.db.v2.bak").exists());
        // Cut short: refused on its header, before SQLite opens it.
        fs::write(&path, &before[..before.len() - 100]).unwrap();
        let err = Store::open_to_read(&path).err().unwrap();
        assert!(
            err.to_string()
                .contains("the database is damaged: the file is cut short"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = Store::open(&path).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: the database has schema version 99, newer than this skilldeck knows ({}); upgrade skilldeck",
                path.display(),
                migrations::latest()
            )
        );
    }

    #[test]
    fn opening_twice_keeps_the_schema_and_makes_no_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        assert_eq!(
            migrations::version(store.conn()).unwrap(),
            migrations::latest()
        );
        let backups = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".bak")
            })
            .count();
        assert_eq!(backups, 0);
    }

    #[test]
    fn an_older_database_is_backed_up_before_migrating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        drop(Store::open(&path).unwrap());
        let mut longer = migrations::MIGRATIONS.to_vec();
        longer.push("CREATE TABLE later_feature (x INTEGER);");
        let store = Store::open_with(&path, &longer, Checking::First).unwrap();
        assert_eq!(
            migrations::version(store.conn()).unwrap(),
            longer.len() as i64
        );
        let shipped = migrations::latest();
        let backup = dir.path().join(format!("x.db.v{shipped}.bak"));
        let old = Connection::open(&backup).unwrap();
        assert_eq!(migrations::version(&old).unwrap(), shipped);
        let has_new: i64 = old
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'later_feature'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(has_new, 0);
    }

    #[test]
    fn a_file_database_uses_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("x.db")).unwrap();
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let bad = store
            .conn()
            .execute("INSERT INTO cards (note, ord) VALUES (12345, 0)", []);
        assert!(bad.is_err(), "a card must belong to a note");
    }

    #[test]
    fn database_location_rules() {
        assert_eq!(
            default_path(Some(Path::new("a.db"))).unwrap(),
            PathBuf::from("a.db")
        );
        let fallback = default_path(None).unwrap();
        assert_eq!(default_path(Some(Path::new(""))).unwrap(), fallback);
        assert!(
            fallback.ends_with("skilldeck/skilldeck.db"),
            "{}",
            fallback.display()
        );
    }
}
