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
    /// GitHub Actions workflow commands: each problem annotates its line of a pull request
    Github,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// An Anki package
    Apkg,
    /// A static web site (a folder)
    Html,
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
    /// Add a community deck: a git URL, a deck folder, or an Anki package (.apkg), then build it
    ///
    /// A git deck is cloned, and a package converted (as `import --to-markdown` does), into a
    /// folder beside the database; a deck folder is built where it is. `build`, `review` and
    /// `update` include the deck from then on.
    Add {
        /// A git URL (https, ssh, git, file, or a local repository), a deck folder, or an .apkg
        #[arg(value_name = "SOURCE")]
        source: String,
    },
    /// List every deck: id, name, version, notes, cards, last update, source
    Decks,
    /// Fetch new versions of added decks (fast-forward only), rebuild, and say what changed
    ///
    /// Prints the version (old → new) and every note added, changed and retired, by id; cards
    /// keep their history. A clone with local edits is left as it is: the update stops and says
    /// what to do.
    Update {
        /// Deck ids [default: every added deck]
        #[arg(value_name = "DECK")]
        decks: Vec<String>,
    },
    /// Stop scheduling a deck; its history stays unless --purge
    Remove {
        /// Deck id
        deck: String,
        /// Also delete its notes, cards and review history (and the folder skilldeck keeps for
        /// it); asks first
        #[arg(long)]
        purge: bool,
        /// With --purge: do not ask
        #[arg(long, requires = "purge")]
        yes: bool,
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
    /// Start a new deck: deck.toml, the outline, one example note of each kind, a README for
    /// contributors, a license and a GitHub Actions workflow that runs `check`
    ///
    /// The folder must not exist yet (or be empty); the result passes `skilldeck check`.
    New {
        /// The new deck's folder (the root of its git repository, for the workflow)
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The deck's id: lowercase letters, digits and `-`; never changed once published
        #[arg(long)]
        id: String,
        /// The exam's outline to copy [default: a commented template to fill in]
        #[arg(long, value_name = "FILE")]
        outline: Option<PathBuf>,
        /// The deck's name [default: its id]
        #[arg(long)]
        name: Option<String>,
        /// The content's license, an SPDX id: CC-BY-SA-4.0, CC-BY-4.0, CC0-1.0,
        /// CC-BY-NC-SA-4.0, CC-BY-NC-4.0, CC-BY-ND-4.0, CC-BY-NC-ND-4.0 or MIT
        #[arg(long, value_name = "SPDX", default_value = "CC-BY-SA-4.0")]
        license: String,
        /// The git address the workflow installs skilldeck from [default: the repository
        /// variable SKILLDECK_GIT, set in the deck repository's settings]
        #[arg(long, value_name = "URL")]
        skilldeck_git: Option<String>,
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
    /// Review today's cards full-screen (answers are saved one by one)
    ///
    /// With no deck, reviews every deck in the database (building ./decks/* when there is
    /// none). Decks are rebuilt first when their files changed.
    Review {
        /// Deck ids (or deck folders) to review [default: all]
        #[arg(value_name = "DECK")]
        decks: Vec<String>,
        /// Line mode for scripts and screen readers (automatic without a terminal)
        #[arg(long)]
        plain: bool,
        /// Stop after this many answers
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Plan today's queue for this many minutes of study
        #[arg(long, value_name = "M")]
        minutes: Option<f64>,
        /// Study one domain of the outline
        #[arg(long, value_name = "ID")]
        domain: Option<String>,
    },
    /// Today's queue and readiness per domain
    Status {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Your dashboard: readiness per domain, the projection to exam day, due cards, reviews,
    /// true retention and a heatmap (full-screen in a terminal, else the text report)
    Stats {
        /// Print the text report (the default when not in a terminal)
        #[arg(long, conflicts_with = "json")]
        plain: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Set or clear a deck's exam date (raises the new-card pace and adds a final-week pass)
    Exam {
        #[command(subcommand)]
        action: ExamAction,
    },
    /// Read or change a setting (desired_retention, fuzz, new_per_day, reviews_per_day, ...)
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Fit FSRS parameters to your review history; kept only if they predict it better
    Optimize {
        /// Fit for one deck only [default: all reviews, parameters for every deck]
        #[arg(value_name = "DECK")]
        deck: Option<String>,
    },
    /// Write a deck as an Anki package (.apkg) for Anki, AnkiDroid and sharing, or as a
    /// static web site to look at before installing (--format html)
    ///
    /// Re-importing a newer export updates the notes in Anki instead of duplicating them. The
    /// site is made from the deck's folder (DECK may name the folder, or a deck in the
    /// database), needs no script and can be published as it is, e.g. with GitHub Pages.
    Export {
        /// Deck id (html: or the deck's folder)
        deck: String,
        /// Output file [default: exports/<deck-id>-<version>.apkg], or with --format html the
        /// site's folder [default: exports/<deck-id>-<version>-site]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Include each card's FSRS state and the review history (apkg only)
        #[arg(long)]
        with_scheduling: bool,
        /// What to write
        #[arg(long, value_enum, default_value_t = ExportFormat::Apkg)]
        format: ExportFormat,
    },
    /// Bring reviews done in Anki or AnkiDroid back (.apkg or .colpkg, exported with scheduling)
    ///
    /// Notes are matched by GUID; reviews already known are skipped, so importing the same
    /// file twice adds nothing.
    Import {
        /// The package exported by Anki or AnkiDroid
        file: PathBuf,
        /// With --to-markdown: the new deck folder to write
        #[arg(value_name = "DIR", requires = "to_markdown")]
        dir: Option<PathBuf>,
        /// Instead of importing reviews, turn the package's notes into a new deck folder:
        /// `skilldeck import --to-markdown FILE DIR`
        #[arg(long, requires = "dir")]
        to_markdown: bool,
    },
    /// List the automatic backups of the database, or restore one
    ///
    /// A backup is made at most once a day, after a command that changed the database, into
    /// the `backups` folder beside it; the newest 7 are kept.
    Backup {
        #[command(subcommand)]
        action: BackupAction,
    },
    /// Sync with an Anki sync server: the phone and the terminal share one study history
    ///
    /// A normal (incremental) sync: pulls the reviews other devices made on skilldeck's cards
    /// and replays them, pushes skilldeck's notes, card states and reviews; the user's other
    /// Anki decks are left alone. Log in first with `skilldeck sync login`. The login is kept in
    /// a file only you can read (~/.config/skilldeck/sync.json on Linux, or
    /// $SKILLDECK_SYNC_CREDENTIALS).
    #[command(args_conflicts_with_subcommands = true)]
    Sync {
        #[command(subcommand)]
        action: Option<SyncAction>,
        /// Deck ids to sync [default: every deck in the database, except removed ones]
        #[arg(value_name = "DECK")]
        decks: Vec<String>,
        /// When only a full sync is possible: replace skilldeck's copy of the server's
        /// collection with the server's (skilldeck's notes and reviews are then sent again;
        /// nothing of the server's is lost)
        #[arg(long, conflicts_with = "full_upload")]
        full_download: bool,
        /// When only a full sync is possible: replace the server's collection with skilldeck's
        /// decks. Your other Anki decks on that server are gone from it, and every other device
        /// must then download it and loses what it had not synced (asks first on a terminal)
        #[arg(long)]
        full_upload: bool,
    },
    /// Print a shell completion script (e.g. `skilldeck completions bash > ~/.local/share/bash-completion/completions/skilldeck`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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

#[derive(Debug, Subcommand)]
pub enum ExamAction {
    /// Set the exam date of a deck
    Set {
        /// Deck id
        deck: String,
        /// Exam date, YYYY-MM-DD
        date: String,
    },
    /// Clear the exam date of a deck
    Clear {
        /// Deck id
        deck: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupAction {
    /// List the backups, newest first, with the reviews each holds
    List,
    /// Put a backup in place of the database (the current file is kept aside, renamed)
    Restore {
        /// The backup's file name or date (YYYY-MM-DD) [default: the newest]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// Ask the server for a key with your user name and password, and keep the key
    ///
    /// The password is read from the terminal without echo, or from the first line of
    /// standard input when that is not a terminal; never from the command line. A wrong
    /// password stores nothing.
    Login {
        /// The sync server [default: AnkiWeb, https://sync.ankiweb.net/; a self-hosted one is
        /// like http://127.0.0.1:8080/]
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        /// The account's user name (AnkiWeb: its email) [asked for when missing]
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// Forget the stored login (removes the file)
    Logout,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print a setting, or every setting
    Get {
        /// The setting [default: all]
        key: Option<String>,
    },
    /// Change a setting
    Set {
        key: String,
        value: String,
        /// Set desired_retention for one deck only
        #[arg(long, value_name = "DECK")]
        deck: Option<String>,
    },
}
