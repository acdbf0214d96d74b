//! One function per command: the only place that wires files, the database, the clock and the
//! terminal together: deck commands in `build`, `check` and `notes`, study commands in
//! `study`, Anki in `share`.

mod build;
mod check;
mod import;
mod note;
mod review;
mod settings;
mod share;
mod stats;
mod status;
pub mod study;

use build::{build, compile};
use check::check;
use note::{show, write_ids};

pub use study::load_study;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command};
use crate::clock;
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
    match cli.command {
        Command::Build { decks } => build(&open_store(db.as_deref())?, decks, now),
        Command::Check { decks, format } => check(db.as_deref(), decks, format),
        Command::Ids { deck, write } => write_ids(&deck, write),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "skilldeck", &mut std::io::stdout());
            Ok(())
        }
        Command::Show { note, json } => show(&open_store(db.as_deref())?, &note, json),
        Command::Review {
            decks,
            plain,
            limit,
            minutes,
            domain,
        } => review::review(
            &open_store(db.as_deref())?,
            &decks,
            clock,
            review::ReviewOptions {
                plain,
                limit,
                minutes,
                domain: domain.as_deref(),
                fixed_clock: now_var.is_some(),
            },
        ),
        Command::Export {
            deck,
            output,
            with_scheduling,
        } => share::export(
            &open_store(db.as_deref())?,
            &deck,
            output,
            with_scheduling,
            clock,
        ),
        Command::Import {
            file,
            dir: Some(dir),
            to_markdown: true,
        } => import::to_markdown(&file, &dir),
        Command::Import { file, .. } => import::import(&open_store(db.as_deref())?, &file, clock),
        Command::Status { json } => status::status(&open_store(db.as_deref())?, clock, json),
        Command::Stats { json } => stats::stats(&open_store(db.as_deref())?, clock, json),
        Command::Exam { action } => settings::exam(&open_store(db.as_deref())?, clock, action),
        Command::Config { action } => settings::config(&open_store(db.as_deref())?, action),
        Command::Optimize { deck } => {
            settings::optimize(&open_store(db.as_deref())?, clock, deck.as_deref())
        }
    }
}

fn open_store(flag: Option<&Path>) -> Result<Store> {
    let path = store::default_path(flag, None)?;
    Store::open(&path)
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
            for deck in known {
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
