//! One function per command: the only place that wires files, the database, the clock and the
//! terminal together: deck commands in `build`, `check` and `notes`, study commands in
//! `study`, Anki in `share`, backups in `backup`. Every command that uses the database opens it
//! through [`Database::run`], which turns damage into one plain message and makes the daily
//! backup.

mod add;
mod backup;
mod build;
mod check;
mod clock;
pub mod coverage;
mod git;
mod import;
mod new;
mod note;
pub mod plan;
mod refit;
mod review;
mod settings;
mod share;
mod site;
mod stats;
mod status;
pub mod study;
mod subscribed;
mod sync;
mod update;

use build::{build, compile};
use check::check;
use note::{show, write_ids};

pub use stats::dashboard;
pub use study::load_study;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, ExportFormat};
use crate::deck::Diagnostic;
use crate::error::{Error, Result};
use crate::store::{self, Store, decks};
use crate::types::Timestamp;

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    let now_var = std::env::var(clock::NOW_VAR).ok();
    let clock = clock::now(now_var.as_deref())?;
    let now = Timestamp::from(clock.to_utc());
    let db = cli.db;
    let db = db.as_deref();
    let today = clock.date_naive();
    let open = |checking: Opening| Database {
        flag: db,
        today,
        checking,
    };
    match cli.command {
        Command::Build { decks } => open(Opening::CheckFirst).run(|s| build(s, decks, now)),
        Command::Add { source } => {
            open(Opening::CheckFirst).run(|s| add::add(s, &store::default_path(db)?, &source, now))
        }
        Command::Decks => open(Opening::CheckFirst).run(|s| subscribed::list(s, *clock.offset())),
        Command::Update { decks } => {
            open(Opening::CheckFirst).run(|s| update::update(s, &decks, now))
        }
        Command::Remove { deck, purge, yes } => open(Opening::CheckFirst)
            .run(|s| subscribed::remove(s, &store::default_path(db)?, &deck, purge, yes, now)),
        Command::Check { decks, format } => check(db, decks, format),
        Command::Ids { deck, write } => write_ids(&deck, write),
        Command::New {
            dir,
            id,
            outline,
            name,
            license,
            skilldeck_git,
        } => new::new_deck(new::NewDeck {
            dir,
            id,
            outline,
            name,
            license,
            skilldeck_git,
        }),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "skilldeck", &mut std::io::stdout());
            Ok(())
        }
        Command::Show { note, json } => open(Opening::CheckFirst).run(|s| show(s, &note, json)),
        Command::Review {
            decks,
            plain,
            limit,
            minutes,
            domain,
        } => open(Opening::CheckFirst).run(|s| {
            review::review(
                s,
                &decks,
                clock,
                review::ReviewOptions {
                    plain,
                    limit,
                    minutes,
                    domain: domain.as_deref(),
                    fixed_clock: now_var.is_some(),
                },
            )
        }),
        Command::Export {
            deck,
            output,
            with_scheduling,
            format: ExportFormat::Html,
        } => site::export_site(db, &deck, output, with_scheduling),
        Command::Export {
            deck,
            output,
            with_scheduling,
            format: ExportFormat::Apkg,
        } => open(Opening::CheckFirst)
            .run(|s| share::export(s, &deck, output, with_scheduling, clock)),
        Command::Import {
            file,
            dir: Some(dir),
            to_markdown: true,
        } => import::to_markdown(&file, &dir),
        Command::Import { file, .. } => {
            open(Opening::CheckFirst).run(|s| import::import(s, &file, clock))
        }
        Command::Status { json } => {
            open(Opening::CheckAlongside).run(|s| status::status(s, clock, json))
        }
        Command::Stats { plain, json } => {
            open(Opening::CheckAlongside).run(|s| stats::stats(s, clock, plain, json))
        }
        Command::Exam { action } => {
            open(Opening::CheckFirst).run(|s| settings::exam(s, clock, action))
        }
        Command::Config { action } => {
            open(Opening::CheckFirst).run(|s| settings::config(s, action))
        }
        Command::Optimize { deck } => {
            open(Opening::CheckFirst).run(|s| settings::optimize(s, clock, deck.as_deref()))
        }
        Command::Backup { action } => backup::backup(db, action, clock),
        Command::Sync {
            action: Some(action),
            ..
        } => sync::account(action),
        Command::Sync {
            action: None,
            decks,
            full_download,
            full_upload,
        } => open(Opening::CheckFirst).run(|s| {
            sync::sync(
                s,
                &decks,
                sync::Full::from_flags(full_download, full_upload),
                clock,
            )
        }),
    }
}

/// How a command opens the database.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opening {
    /// Checked before the command starts ([`Store::open`]).
    CheckFirst,
    /// Checked while the command reads; it calls `ready` before printing
    /// ([`Store::open_to_read`]).
    CheckAlongside,
}

/// The database a command works on.
struct Database<'a> {
    flag: Option<&'a Path>,
    /// The clock's date, which names the daily backup.
    today: chrono::NaiveDate,
    checking: Opening,
}

impl Database<'_> {
    /// Opens the database, runs `command` on it, says a damaged database is damaged (whatever
    /// SQLite reported), and after a command that changed something makes the day's backup
    /// (if there is none yet).
    fn run(self, command: impl FnOnce(&Store) -> Result<()>) -> Result<()> {
        let path = store::default_path(self.flag)?;
        let opened = match self.checking {
            Opening::CheckFirst => Store::open(&path),
            Opening::CheckAlongside => Store::open_to_read(&path),
        };
        let store = opened.inspect_err(|e| forget_if_damaged(&path, e))?;
        let result = command(&store);
        // A damaged database is the answer, whatever else the command ran into.
        store
            .ready()
            .and(result)
            .map_err(|e| store.explain(e))
            .inspect_err(|e| forget_if_damaged(&path, e))?;
        // A database this command created holds nothing a backup could save yet. The page
        // check runs before the backup if it did not run on opening: a backup is never made
        // of a damaged file.
        if store.changed() && !store.created() && !store::backup::made_on(&path, self.today) {
            let backed_up = store
                .check_pages()
                .and_then(|()| store::backup::daily(store.conn(), &path, self.today))
                .map_err(|e| store.explain(e));
            if let Err(e) = backed_up {
                forget_if_damaged(&path, &e);
                // This command wrote to it: the message must not say otherwise.
                let _ = writeln!(
                    crate::sanitize::stderr(),
                    "warning: today's backup of the database was not made: {}",
                    e.after_writing()
                );
                return Ok(());
            }
        }
        // Closed (its WAL folded in), the file is as this command leaves it: whole.
        drop(store);
        store::stamp::remember(&path);
        Ok(())
    }
}

/// After damage is found, the next command must check the file whatever its stamp says.
fn forget_if_damaged(path: &Path, e: &Error) {
    if matches!(e, Error::Damaged { .. }) {
        store::stamp::forget(path);
    }
}

/// The deck folders to work on: those named, else the decks in the database, else ./decks/*.
fn deck_dirs(store: Option<&Store>, named: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
    if !named.is_empty() {
        return Ok(named);
    }
    if let Some(store) = store {
        let known = decks::all(store.conn())?;
        if !known.is_empty() {
            let mut dirs = Vec::new();
            // A removed deck keeps its history but is not built.
            for deck in known.into_iter().filter(|d| d.removed_at.is_none()) {
                let dir = PathBuf::from(&deck.root_path);
                if dir.join("deck.toml").is_file() {
                    dirs.push(dir);
                } else {
                    let _ = writeln!(
                        crate::sanitize::stderr(),
                        "warning: deck `{}`: its folder {} is gone; skipped (name its new folder to rebuild it)",
                        deck.id,
                        deck.root_path
                    );
                }
            }
            return Ok(dirs);
        }
    }
    let root = Path::new("decks");
    let mut found = Vec::new();
    if let Ok(entries) = fs::read_dir(root) {
        for entry in entries.flatten() {
            if entry.path().join("deck.toml").is_file() {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(Error::user(
            "no deck to work on: name a deck folder (one holding deck.toml), or run from a folder with decks/",
        ));
    }
    Ok(found)
}

fn print_diagnostics(diagnostics: &[Diagnostic], with_warnings: bool) {
    let mut err = crate::sanitize::stderr();
    for d in diagnostics.iter().filter(|d| with_warnings || d.is_error()) {
        let _ = writeln!(err, "{d}");
    }
}
