//! `skilldeck check`: lint and outline coverage, as text or JSON, without the database.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::deck_dirs;
use crate::app::coverage::Coverage;
use crate::cli::Format;
use crate::deck::Diagnostic;
use crate::deck::load;
use crate::error::{Error, Result};
use crate::store::{self, Store};
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
    let mut out = crate::sanitize::stdout();
    match format {
        Format::Text => {
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

fn open_existing(db: Option<&Path>) -> Result<Option<Store>> {
    let path = store::default_path(db)?;
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
