//! Command-line arguments (clap types only).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Spaced-repetition flashcards from Markdown decks mapped to an exam's skills outline.
#[derive(Debug, Parser)]
#[command(name = "skilldeck", version, about, long_about = None, arg_required_else_help = true)]
pub struct Cli {
    /// The database file [default: ~/.local/share/skilldeck/skilldeck.db on Linux]
    #[arg(long, global = true, env = "SKILLDECK_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// How `check` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile decks into the database (all of it or nothing; unchanged decks are skipped)
    ///
    /// With no folder, rebuilds the decks already in the database, or every deck under
    /// ./decks when there are none.
    Build {
        /// Deck folders (each holds deck.toml)
        #[arg(value_name = "DECK_DIR")]
        decks: Vec<PathBuf>,
    },
    /// Lint decks and report outline coverage; exits 1 when a deck has errors
    ///
    /// Reads the folders only; the database is not touched.
    Check {
        /// Deck folders (each holds deck.toml) [default: the decks build would use]
        #[arg(value_name = "DECK_DIR")]
        decks: Vec<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Give every note without an `{#id}` a readable id derived from its heading
    ///
    /// Without --write, lists the ids it would write.
    Ids {
        /// The deck folder
        #[arg(value_name = "DECK_DIR")]
        deck: PathBuf,
        /// Write the ids into the Markdown files
        #[arg(long)]
        write: bool,
    },
    /// Show a note, its cards, their scheduling state and history
    Show {
        /// The note's id, or DECK/NOTE_ID when several decks have it
        #[arg(value_name = "NOTE_ID")]
        note: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}
