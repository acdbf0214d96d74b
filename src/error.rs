//! The crate's one error type. Messages are written for the person at the terminal: they say
//! what went wrong and, where there is one, what to do about it.

use std::path::PathBuf;

/// Everything that can make a skilldeck command fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A problem the user can fix: a bad deck, argument or file. Exit code 1.
    #[error("{0}")]
    User(String),

    /// A deck with errors; the diagnostics have already been printed. Exit code 1.
    #[error("{deck}: {errors} error(s) found; nothing was written")]
    DeckHasErrors { deck: String, errors: usize },

    /// A deck file that cannot be read at all (deck.toml, outline): its location comes first.
    #[error("{}", .0.located())]
    Deck(Box<crate::deck::diagnostic::Diagnostic>),

    /// The database file exists but is not a SQLite database.
    #[error("{}: not a skilldeck database (the file is not SQLite); pass another path with --db", path.display())]
    NotADatabase { path: PathBuf },

    /// The database was written by a newer skilldeck.
    #[error(
        "{}: the database has schema version {found}, newer than this skilldeck knows ({known}); upgrade skilldeck",
        path.display()
    )]
    DatabaseTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    /// The database file is damaged: SQLite's check failed on it, or its pages or values
    /// cannot be read. Exit code 1.
    #[error("{}: the database is damaged: {problem}. {}\n{advice}", path.display(), if *untouched {
        "skilldeck has not changed the file."
    } else {
        "skilldeck stopped there; what it saved before is in the file."
    })]
    Damaged {
        path: PathBuf,
        /// What is wrong, in plain words.
        problem: String,
        /// Whether this command wrote nothing to the file (always so when the check on
        /// opening found the damage).
        untouched: bool,
        /// Where the backups are and the command that restores one.
        advice: String,
    },

    /// Another process held the database's write lock for longer than the busy timeout.
    /// Exit code 1.
    #[error(
        "the database is busy: another skilldeck (a build, an import or a review) has been writing to it for over {seconds} seconds"
    )]
    Busy { seconds: u64 },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// SQLite failed in a way the user did not cause. Exit code 2.
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),

    /// JSON could not be written. Exit code 2.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// A user error with the given message.
    pub fn user(message: impl Into<String>) -> Self {
        Error::User(message.into())
    }

    /// A deck problem that stops the command.
    pub fn deck(diagnostic: crate::deck::diagnostic::Diagnostic) -> Self {
        Error::Deck(Box::new(diagnostic))
    }

    /// An I/O error tied to the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether this is SQLite saying another connection holds the lock (so waiting and
    /// trying again can succeed).
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Busy { .. })
    }

    /// Whether SQLite found the file damaged: a corrupt page, a file that is not a database, or
    /// a value of the wrong type in one of our tables (a bit flipped in a record's header).
    pub fn is_damage(&self) -> bool {
        let Error::Sqlite(e) = self else {
            return false;
        };
        matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        ) || matches!(
            e,
            rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
                | rusqlite::Error::Utf8Error(..)
        )
    }

    /// The same error, told about a damaged database this command has already written to.
    pub fn after_writing(self) -> Self {
        match self {
            Error::Damaged {
                path,
                problem,
                advice,
                ..
            } => Error::Damaged {
                path,
                problem,
                untouched: false,
                advice,
            },
            other => other,
        }
    }

    /// The process exit code for this error: 1 for what the user can fix, 2 for internal errors.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::User(_)
            | Error::Deck(_)
            | Error::DeckHasErrors { .. }
            | Error::NotADatabase { .. }
            | Error::DatabaseTooNew { .. }
            | Error::Damaged { .. }
            | Error::Busy { .. }
            | Error::Io { .. } => 1,
            Error::Sqlite(_) | Error::Json(_) => 2,
        }
    }
}

/// How long a connection waits for another one's write lock before giving up.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// SQLite's errors: a lock held past the busy timeout becomes [`Error::Busy`]; every other
/// stays [`Error::Sqlite`] (damage is recognised where the database's path is known).
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            // SQLITE_BUSY ("database is locked"): another connection holds the lock.
            Some(rusqlite::ErrorCode::DatabaseBusy) => Error::Busy {
                seconds: BUSY_TIMEOUT.as_secs(),
            },
            _ => Error::Sqlite(e),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_busy_database_and_damage_are_told_apart() {
        let busy = Error::from(sqlite(rusqlite::ffi::SQLITE_BUSY));
        assert!(busy.is_busy() && !busy.is_damage());
        assert_eq!(
            busy.to_string(),
            "the database is busy: another skilldeck (a build, an import or a review) has been writing to it for over 5 seconds"
        );
        assert_eq!(busy.exit_code(), 1);
        let corrupt = Error::from(sqlite(rusqlite::ffi::SQLITE_CORRUPT));
        assert!(corrupt.is_damage() && !corrupt.is_busy());
        assert!(Error::from(sqlite(rusqlite::ffi::SQLITE_NOTADB)).is_damage());
        let wrong_type = Error::from(rusqlite::Error::InvalidColumnType(
            3,
            "reps".into(),
            rusqlite::types::Type::Text,
        ));
        assert!(wrong_type.is_damage());
        let other = Error::from(sqlite(rusqlite::ffi::SQLITE_CONSTRAINT));
        assert!(!other.is_damage() && !other.is_busy());
        assert_eq!(other.exit_code(), 2);
    }
}
