//! The SQLite store: where the database lives, how it is opened (WAL, foreign keys, busy
//! timeout, migrations with a backup first), and one module per table group.

pub mod cards;
pub mod decks;
pub mod export;
pub mod migrations;
pub mod notes;
pub mod params;
pub mod reviews;
pub mod settings;
pub mod stats;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::error::{Error, Result};

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// An open skilldeck database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

/// The database path: `--db`, else `$SKILLDECK_DB`, else the platform data directory.
pub fn default_path(flag: Option<&Path>, env: Option<&str>) -> Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "skilldeck")
        .map(|dirs| dirs.data_dir().join("skilldeck.db"))
        .ok_or_else(|| {
            Error::user(
                "cannot find a home directory for the database; pass --db PATH or set SKILLDECK_DB",
            )
        })
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date,
    /// copying an existing database to a backup file before migrating it.
    pub fn open(path: &Path) -> Result<Store> {
        Self::open_with(path, migrations::MIGRATIONS)
    }

    /// Opens with a given migration list (the shipped one, or a longer one in tests).
    fn open_with(path: &Path, list: &[&str]) -> Result<Store> {
        check_header(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let conn = Connection::open(path).map_err(|e| translate_open_error(path, e))?;
        let mut store = Store {
            conn,
            path: Some(path.to_path_buf()),
        };
        store.configure(list).map_err(|e| match e {
            Error::Sqlite(e) => translate_open_error(path, e),
            other => other,
        })?;
        Ok(store)
    }

    /// A fresh database in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store { conn, path: None };
        store.configure(migrations::MIGRATIONS)?;
        Ok(store)
    }

    fn configure(&mut self, list: &[&str]) -> Result<()> {
        let latest = list.len() as i64;
        self.conn.busy_timeout(std::time::Duration::from_secs(5))?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        let version = migrations::version(&self.conn)?;
        if version > latest {
            return Err(Error::DatabaseTooNew {
                path: self.path.clone().unwrap_or_default(),
                found: version,
                known: latest,
            });
        }
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
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
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Some(conn))
    }

    /// The underlying connection.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Refuses a file that exists, is not empty, and does not start with SQLite's header.
fn check_header(path: &Path) -> Result<()> {
    let Ok(mut file) = fs::File::open(path) else {
        return Ok(());
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if read == 0 || &header == SQLITE_HEADER {
        Ok(())
    } else {
        Err(Error::NotADatabase {
            path: path.to_path_buf(),
        })
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
        _ => Error::Sqlite(e),
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
        let store = Store::open_with(&path, &longer).unwrap();
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
            default_path(Some(Path::new("a.db")), Some("b.db")).unwrap(),
            PathBuf::from("a.db")
        );
        assert_eq!(
            default_path(None, Some("b.db")).unwrap(),
            PathBuf::from("b.db")
        );
        let fallback = default_path(None, None).unwrap();
        assert!(
            fallback.ends_with("skilldeck/skilldeck.db"),
            "{}",
            fallback.display()
        );
    }
}
