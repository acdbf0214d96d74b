//! `skilldeck check`: lint and outline coverage, as text, JSON or GitHub Actions workflow
//! commands. The database is only read (never written): for the deck list when no folder is
//! named, and for what the last build of each deck recorded, to warn when notes changed while
//! `version` did not.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::deck_dirs;
use crate::app::coverage::Coverage;
use crate::cli::Format;
use crate::deck::Diagnostic;
use crate::deck::diagnostic::{Severity, at};
use crate::deck::load;
use crate::deck::load::Deck;
use crate::error::{Error, Result};
use crate::store::{self, Store, decks, notes};
use crate::sync::changes_since;
use crate::types::DeckId;

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
pub(crate) fn check(db: Option<&Path>, named: Vec<PathBuf>, format: Format) -> Result<()> {
    let store = Store::open_read_only(&store::default_path(db)?)?;
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
        let mut deck = load::load(dir)?;
        if let Some(store) = &store {
            deck.diagnostics.extend(unpublished_changes(store, &deck)?);
        }
        let coverage = deck
            .outline
            .as_ref()
            .map(|o| Coverage::of(o, &deck.notes))
            .unwrap_or_default();
        let errors = deck.error_count();
        let warnings = deck.diagnostics.len() - errors;
        if format == Format::Github {
            for d in &deck.diagnostics {
                let _ = writeln!(text, "{}", d.workflow_command(&repository_path(&d.path)));
            }
            let _ = writeln!(
                text,
                "{}: {} notes, {} cards, {errors} error(s), {warnings} warning(s)",
                deck.manifest.id,
                deck.notes.len(),
                deck.card_count()
            );
        }
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
    let mut out = crate::sanitize::stdout();
    match format {
        Format::Text | Format::Github => {
            let _ = out.write_all(text.as_bytes());
        }
        Format::Json => {
            let _ = writeln!(out, "{}", crate::sanitize::to_json(&report)?);
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

/// A warning on deck.toml's `version` when the deck's notes changed since its last build but
/// its version did not: learners could not tell the two versions apart. Nothing without a
/// previous build of the deck.
fn unpublished_changes(store: &Store, deck: &Deck) -> Result<Option<crate::deck::Diagnostic>> {
    let Some(built) = decks::find(store.conn(), &deck.manifest.id)? else {
        return Ok(None);
    };
    if built.version != deck.manifest.version {
        return Ok(None);
    }
    let changes = changes_since(&deck.notes, &notes::stored(store.conn(), built.pk)?);
    if changes.total() == 0 {
        return Ok(None);
    }
    let text = &deck.scan.manifest_text;
    let (line, column) = version_position(text);
    Ok(Some(
        at(
            Severity::Warning,
            &deck.scan.display("deck.toml"),
            line,
            column,
            format!(
                "{} note(s) changed since the last build ({} added, {} changed, {} removed), but `version` is still {}",
                changes.total(),
                changes.added,
                changes.changed,
                changes.removed,
                deck.manifest.version
            ),
        )
        .with_hint("raise `version` before publishing, so each published version means one set of notes"),
    ))
}

/// The line and column of the `version` key in deck.toml (1:1 when it cannot be found).
fn version_position(text: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, line)| {
            let rest = line.trim_start().strip_prefix("version")?;
            rest.trim_start()
                .starts_with('=')
                .then(|| (i + 1, line.len() - line.trim_start().len() + 1))
        })
        .unwrap_or((1, 1))
}

/// A diagnostic's path as the repository names it: relative to the working folder (where a
/// workflow runs), without a leading `./`.
fn repository_path(path: &str) -> String {
    let p = Path::new(path);
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf());
    if relative.is_absolute() {
        return relative.to_string_lossy().into_owned();
    }
    relative
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
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
