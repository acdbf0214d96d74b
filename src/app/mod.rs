//! One function per command: the only place that wires files, the database, the clock and the
//! terminal together. The deck commands are here; the study commands are in `study`.

mod share;
pub mod study;

pub use study::load_study;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, Format};
use crate::clock;
use crate::coverage::Coverage;
use crate::deck::load::{self, Deck};
use crate::deck::{Diagnostic, ids, manifest};
use crate::error::{Error, Result};
use crate::store::{self, Store, decks, notes};
use crate::sync;
use crate::types::{DeckId, Timestamp};

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
        Command::Show { note, json } => show(&open_store(db.as_deref())?, &note, json),
        Command::Review {
            decks,
            plain,
            limit,
            minutes,
            domain,
        } => study::review(
            &open_store(db.as_deref())?,
            &decks,
            clock,
            study::ReviewOptions {
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
        } => share::to_markdown(&file, &dir),
        Command::Import { file, .. } => share::import(&open_store(db.as_deref())?, &file, clock),
        Command::Status { json } => study::status(&open_store(db.as_deref())?, clock, json),
        Command::Exam { action } => study::exam(&open_store(db.as_deref())?, clock, action),
        Command::Config { action } => study::config(&open_store(db.as_deref())?, action),
        Command::Optimize { deck } => {
            study::optimize(&open_store(db.as_deref())?, clock, deck.as_deref())
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
                    eprintln!(
                        "warning: deck `{}`: its folder {} is gone; skipped (name its new folder to rebuild it)",
                        deck.id, deck.root_path
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
    let mut err = std::io::stderr().lock();
    for d in diagnostics.iter().filter(|d| with_warnings || d.is_error()) {
        let _ = writeln!(err, "{d}");
    }
}

/// `skilldeck build`: parse every deck, then write them all in one transaction.
fn build(store: &Store, named: Vec<PathBuf>, now: Timestamp) -> Result<()> {
    let dirs = deck_dirs(Some(store), named)?;
    let report = compile(store, &dirs, now)?;
    let mut out = std::io::stdout().lock();
    for line in report.lines {
        let _ = writeln!(out, "{line}");
    }
    Ok(())
}

/// What a build did.
struct BuildReport {
    /// One summary line per deck, and a line per carried-over history.
    lines: Vec<String>,
    /// Whether any deck was written (false when every deck was up to date).
    changed: bool,
    /// The ids of the decks built or found up to date, in order.
    ids: Vec<DeckId>,
}

/// Parses every deck, then writes them all in one transaction.
fn compile(store: &Store, dirs: &[PathBuf], now: Timestamp) -> Result<BuildReport> {
    let mut ids = Vec::new();
    let mut loaded: Vec<(Deck, String)> = Vec::new();
    let mut up_to_date = Vec::new();
    let mut failed = Vec::new();
    let mut seen_ids = HashSet::new();
    for dir in dirs {
        let scan = load::scan(dir)?;
        let manifest = manifest::parse(&scan.display("deck.toml"), &scan.manifest_text)
            .map_err(|d| Error::user(d.to_string()))?;
        if !seen_ids.insert(manifest.id.clone()) {
            return Err(Error::user(format!(
                "{}: deck id `{}` is used by another deck folder in this build",
                dir.display(),
                manifest.id
            )));
        }
        ids.push(manifest.id.clone());
        let root = absolute(dir)?;
        let fingerprint = scan.fingerprint();
        if let Some(stored) = decks::find(store.conn(), &manifest.id)? {
            if stored.fingerprint == fingerprint && stored.root_path == root {
                up_to_date.push((stored, manifest.id));
                continue;
            }
        }
        let deck = load::load_scanned(scan)?;
        if deck.has_errors() {
            print_diagnostics(&deck.diagnostics, false);
            failed.push((deck.manifest.id.to_string(), deck.error_count()));
            continue;
        }
        loaded.push((deck, root));
    }
    if let Some((deck, errors)) = failed.first() {
        let total: usize = failed.iter().map(|(_, n)| n).sum();
        let deck = if failed.len() == 1 {
            deck.clone()
        } else {
            format!("{} decks", failed.len())
        };
        return Err(Error::DeckHasErrors {
            deck,
            errors: total.max(*errors),
        });
    }

    let mut lines = Vec::new();
    let conn = store.conn();
    let tx = conn.unchecked_transaction()?;
    for (deck, root) in &loaded {
        let exam = deck.outline.as_ref().map_or("", |o| o.exam.as_str());
        let pk = decks::upsert(
            &tx,
            &deck.manifest,
            exam,
            root,
            &deck.scan.fingerprint(),
            now,
        )?;
        decks::replace_outline(&tx, pk, deck.outline.as_ref())?;
        decks::set_anki_json(&tx, pk, deck.scan.anki_json.as_deref())?;
        decks::replace_files(&tx, pk, &deck.files)?;
        let stored = notes::stored(&tx, pk)?;
        let plan = sync::plan(&deck.notes, &stored);
        notes::apply(&tx, pk, &deck.manifest.id, &deck.notes, &plan, now)?;
        let warnings = deck.diagnostics.len() - deck.error_count();
        lines.push(summary_line(deck, &plan, warnings));
        for c in &plan.carried {
            let n = &deck.notes[c.index];
            lines.push(format!(
                "  carried over history: {}:{} `{}` → `{}` ({:.0}% similar prompt)",
                deck.scan.display(&n.path),
                n.note.line,
                c.from,
                n.note.id,
                c.similarity * 100.0
            ));
        }
    }
    tx.commit()?;
    for (stored, id) in up_to_date {
        let (notes, cards) = notes::counts(conn, stored.pk)?;
        lines.push(format!("{id}: up to date ({notes} notes, {cards} cards)"));
    }
    Ok(BuildReport {
        lines,
        changed: !loaded.is_empty(),
        ids,
    })
}

fn summary_line(deck: &Deck, plan: &sync::Plan, warnings: usize) -> String {
    let mut line = format!(
        "{}: {} notes, {} cards ({} added, {} changed, {} retired, {} returned, {} carried over)",
        deck.manifest.id,
        deck.notes.len(),
        deck.card_count(),
        plan.inserts.len(),
        plan.changed(),
        plan.retire.len(),
        plan.returned(),
        plan.carried.len()
    );
    if warnings > 0 {
        let _ = write!(line, "; {warnings} warning(s), see `skilldeck check`");
    }
    line
}

fn absolute(dir: &Path) -> Result<String> {
    let path = fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
    Ok(path.to_string_lossy().into_owned())
}

/// The JSON report of `check`.
#[derive(serde::Serialize)]
struct CheckReport {
    notes: usize,
    cards: usize,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    coverage: Vec<DeckCoverage>,
}

#[derive(serde::Serialize)]
struct DeckCoverage {
    deck: DeckId,
    notes: usize,
    cards: usize,
    #[serde(flatten)]
    coverage: Coverage,
}

/// `skilldeck check`: lint and coverage, without touching the database.
fn check(db: Option<&Path>, named: Vec<PathBuf>, format: Format) -> Result<()> {
    let store = if named.is_empty() {
        open_existing(db)?
    } else {
        None
    };
    let dirs = deck_dirs(store.as_ref(), named)?;
    let mut report = CheckReport {
        notes: 0,
        cards: 0,
        errors: Vec::new(),
        warnings: Vec::new(),
        coverage: Vec::new(),
    };
    let mut text = String::new();
    for dir in &dirs {
        let deck = load::load(dir)?;
        let coverage = deck
            .outline
            .as_ref()
            .map(|o| Coverage::of(o, &deck.notes))
            .unwrap_or_default();
        let errors = deck.error_count();
        let warnings = deck.diagnostics.len() - errors;
        if format == Format::Text {
            for d in &deck.diagnostics {
                let _ = writeln!(text, "{d}");
            }
            let _ = writeln!(
                text,
                "{}: {} notes, {} cards, {errors} error(s), {warnings} warning(s)",
                deck.manifest.id,
                deck.notes.len(),
                deck.card_count()
            );
            if deck.outline.is_some() {
                text.push_str(&coverage_text(&coverage));
            }
        }
        report.notes += deck.notes.len();
        report.cards += deck.card_count();
        report.coverage.push(DeckCoverage {
            deck: deck.manifest.id.clone(),
            notes: deck.notes.len(),
            cards: deck.card_count(),
            coverage,
        });
        for d in deck.diagnostics {
            if d.is_error() {
                report.errors.push(d);
            } else {
                report.warnings.push(d);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    match format {
        Format::Text => {
            let _ = out.write_all(text.as_bytes());
        }
        Format::Json => {
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report)?);
        }
    }
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(Error::user(format!(
            "{} error(s) found",
            report.errors.len()
        )))
    }
}

fn open_existing(db: Option<&Path>) -> Result<Option<Store>> {
    let path = store::default_path(db, None)?;
    if path.is_file() {
        Store::open(&path).map(Some)
    } else {
        Ok(None)
    }
}

fn coverage_text(c: &Coverage) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  {:<28} {:>9} {:>6} {:>7}",
        "domain", "weight", "notes", "share"
    );
    for d in &c.domains {
        let weight = format!("{}–{}%", d.weight_min, d.weight_max);
        let flag = if d.share + 0.05 < d.weight_min || d.share - 0.05 > d.weight_max {
            "  (outside weight)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {:<28} {:>9} {:>6} {:>6.1}%{flag}",
            d.id, weight, d.notes, d.share
        );
    }
    let objectives: Vec<String> = c
        .objectives
        .iter()
        .map(|o| format!("{} {}", o.id, o.notes))
        .collect();
    let _ = writeln!(s, "  objectives: {}", objectives.join(", "));
    let thin: Vec<String> = c
        .skills
        .iter()
        .filter(|k| k.notes > 0 && k.notes < 3)
        .map(|k| format!("{} ({})", k.id, k.notes))
        .collect();
    if !thin.is_empty() {
        let _ = writeln!(s, "  skills with fewer than 3 notes: {}", thin.join(", "));
    }
    let missing: Vec<&str> = c.uncovered().map(|k| k.id.as_str()).collect();
    if missing.is_empty() {
        let _ = writeln!(s, "  skills with no note: none");
    } else {
        let _ = writeln!(
            s,
            "  skills with no note ({}): {}",
            missing.len(),
            missing.join(", ")
        );
    }
    s
}

/// `skilldeck ids [--write] DECK_DIR`.
fn write_ids(dir: &Path, write: bool) -> Result<()> {
    let deck = load::load(dir)?;
    let mut taken: HashSet<String> = deck
        .notes
        .iter()
        .filter(|n| n.note.explicit_id)
        .map(|n| n.note.id.to_string())
        .collect();
    let mut out = std::io::stdout().lock();
    let mut total = 0;
    for file in &deck.files {
        let in_file: Vec<_> = deck
            .notes
            .iter()
            .filter(|n| n.path == file.stat.path)
            .map(|n| &n.note)
            .collect();
        if in_file.iter().all(|n| n.explicit_id) {
            continue;
        }
        let path = deck.scan.root.join(&file.stat.path);
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let (new_text, written) = ids::insert_ids(&text, &in_file, &mut taken);
        total += written.len();
        for id in &written {
            let _ = writeln!(out, "{}: {id}", deck.scan.display(&file.stat.path));
        }
        if write {
            write_atomically(&path, new_text.as_bytes())?;
        }
    }
    let _ = match (total, write) {
        (0, _) => writeln!(out, "every note already has an id"),
        (n, true) => writeln!(out, "wrote {n} id(s); run `skilldeck build` to record them"),
        (n, false) => writeln!(
            out,
            "{n} id(s) to write; run again with --write to write them"
        ),
    };
    Ok(())
}

/// Writes to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.skilldeck-tmp"));
    fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// The JSON form of `show`.
#[derive(serde::Serialize)]
struct ShowReport {
    #[serde(flatten)]
    note: notes::NoteRecord,
    cards: Vec<notes::CardRecord>,
}

/// `skilldeck show NOTE_ID [--json]`.
fn show(store: &Store, query: &str, json: bool) -> Result<()> {
    let (deck, id) = match query.split_once('/') {
        Some((deck, id)) => (
            Some(
                DeckId::parse(deck)
                    .ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?,
            ),
            id,
        ),
        None => (None, query),
    };
    let mut found = notes::find(store.conn(), deck.as_ref(), id)?;
    let note = match found.len() {
        0 => {
            return Err(Error::user(format!(
                "no note `{query}` in the database; is its deck built (`skilldeck build`)?"
            )));
        }
        1 => found.remove(0),
        _ => {
            let names: Vec<String> = found
                .iter()
                .map(|n| format!("{}/{}", n.deck, n.id))
                .collect();
            return Err(Error::user(format!(
                "`{query}` is in several decks; name one of: {}",
                names.join(", ")
            )));
        }
    };
    let cards = notes::cards(store.conn(), note.pk)?;
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&ShowReport { note, cards })?
        );
        return Ok(());
    }
    let _ = write!(out, "{}", show_text(&note, &cards));
    Ok(())
}

fn show_text(note: &notes::NoteRecord, cards: &[notes::CardRecord]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}/{}  ({}, skill {})",
        note.deck,
        note.id,
        note.kind,
        note.skill.as_deref().unwrap_or("none")
    );
    let _ = writeln!(s, "source:  {}:{}", note.source_path, note.source_line);
    if !note.tags.is_empty() {
        let _ = writeln!(s, "tags:    {}", note.tags.join(", "));
    }
    let _ = writeln!(
        s,
        "created: {}   content changed: {}",
        note.created_at, note.content_changed_at
    );
    if let Some(retired) = note.retired_at {
        let _ = writeln!(
            s,
            "retired: {retired} (no longer in the deck; its history is kept)"
        );
    }
    let _ = writeln!(s, "\nprompt:\n{}", indent(&note.prompt));
    for (i, c) in note.choices.iter().enumerate() {
        let letter = char::from(b'a' + (i % 26) as u8);
        let _ = writeln!(
            s,
            "  {letter}) [{}] {}",
            if c.correct { "x" } else { " " },
            c.text
        );
    }
    if !note.answer.is_empty() {
        let _ = writeln!(s, "\nanswer:\n{}", indent(&note.answer));
    }
    let _ = writeln!(s, "\ncards:");
    for c in cards {
        let due = c.due.map_or_else(|| "-".to_owned(), |d| d.to_string());
        let _ = write!(
            s,
            "  #{} {:<10} reps {} lapses {} due {due}",
            c.ord, c.state, c.reps, c.lapses
        );
        if let (Some(st), Some(d)) = (c.stability, c.difficulty) {
            let _ = write!(s, " stability {st:.2} difficulty {d:.2}");
        }
        if c.suspended {
            s.push_str(" suspended");
        }
        if c.retired_at.is_some() {
            s.push_str(" retired");
        }
        s.push('\n');
        for r in &c.reviews {
            let _ = writeln!(
                s,
                "      {} rating {} after {:.1} days ({} ms, {})",
                r.reviewed_at, r.rating, r.elapsed_days, r.duration_ms, r.source
            );
        }
    }
    s
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
