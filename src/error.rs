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

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// SQLite failed in a way the user did not cause. Exit code 2.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

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

    /// The process exit code for this error: 1 for what the user can fix, 2 for internal errors.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::User(_)
            | Error::Deck(_)
            | Error::DeckHasErrors { .. }
            | Error::NotADatabase { .. }
            | Error::DatabaseTooNew { .. }
            | Error::Io { .. } => 1,
            Error::Sqlite(_) | Error::Json(_) => 2,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
