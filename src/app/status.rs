//! `skilldeck status`: today's counts, readiness per domain and, with an exam date, the plan
//! (readiness at the learner's pace and the minutes a day the target needs), as text or JSON.

use std::io::Write as _;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::plan::{DeckPlan, deck_plans};
use super::study::load_study;
use crate::error::{Error, Result};
use crate::sched::readiness::Readiness;
use crate::store::Store;
use crate::types::DeckId;

#[derive(Serialize)]
struct StatusReport {
    date: String,
    due: usize,
    new: usize,
    learning: usize,
    deferred: usize,
    decks: Vec<DeckStatus>,
    warnings: Vec<String>,
    /// When the last sync with an Anki server finished (RFC 3339, the user's offset), if any.
    last_sync: Option<String>,
}

#[derive(Serialize)]
struct DeckStatus {
    deck: DeckId,
    exam_date: Option<String>,
    #[serde(flatten)]
    readiness: Readiness,
    /// The exam plan, when an exam date is set.
    plan: Option<DeckPlan>,
}

/// `skilldeck status [--json]`.
pub fn status(store: &Store, now: DateTime<FixedOffset>, json: bool) -> Result<()> {
    let mut study = load_study(store, &[], now)?;
    if study.set.decks.is_empty() {
        return Err(Error::user(
            "no deck to study in the database (removed decks are not studied); build one with `skilldeck build` or add one with `skilldeck add SOURCE`",
        ));
    }
    let queue = study.queue(store, None, None)?;
    let mut plans = deck_plans(store, &study)?;
    let report = StatusReport {
        date: study.today.to_string(),
        due: queue.reviews.len() + queue.final_pass.len(),
        new: queue.new.len(),
        learning: queue.learning.len(),
        deferred: queue.deferred,
        decks: study
            .readiness()
            .into_iter()
            .map(|(deck, exam, readiness)| DeckStatus {
                plan: plans
                    .iter()
                    .position(|p| p.deck == deck)
                    .map(|i| plans.remove(i)),
                deck,
                exam_date: exam.map(|e| e.to_string()),
                readiness,
            })
            .collect(),
        warnings: std::mem::take(&mut study.warnings),
        last_sync: crate::store::sync_state::last_synced(store.conn())?
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.with_timezone(now.offset()).to_rfc3339()),
    };
    // Nothing is printed from a database that fails its check.
    store.ready()?;
    let mut out = crate::sanitize::stdout();
    if json {
        let _ = writeln!(out, "{}", crate::sanitize::to_json(&report)?);
        return Ok(());
    }
    let _ = writeln!(
        out,
        "today ({}): {} due, {} new, {} learning{}",
        report.date,
        report.due,
        report.new,
        report.learning,
        if report.deferred > 0 {
            format!(" ({} more due, beyond today's limits)", report.deferred)
        } else {
            String::new()
        }
    );
    for w in &report.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for d in &report.decks {
        let when = match &d.exam_date {
            Some(date) => format!(
                "exam {date} ({} days)",
                d.readiness.target.since(study.today)
            ),
            None => format!("no exam date; predicted for {}", d.readiness.target),
        };
        let _ = writeln!(out, "\n{}: {when}", d.deck);
        let _ = writeln!(
            out,
            "  {:<28} {:>7} {:>9} {:>8}",
            "domain", "weight", "coverage", "recall"
        );
        for x in &d.readiness.domains {
            let _ = writeln!(
                out,
                "  {:<28} {:>6.1}% {:>8.0}% {:>7.0}%",
                x.id,
                x.weight,
                x.coverage * 100.0,
                x.recall * 100.0
            );
        }
        let _ = writeln!(
            out,
            "  {:<28} {:>7} {:>8.0}% {:>7.0}%",
            "weighted",
            "",
            d.readiness.weighted_coverage * 100.0,
            d.readiness.weighted_recall * 100.0
        );
        if let Some(p) = &d.plan {
            let _ = writeln!(out, "  plan: {}", p.summary);
        }
    }
    let _ = writeln!(
        out,
        "\nlast sync with Anki: {}",
        report.last_sync.as_deref().map_or_else(
            || "never (`skilldeck sync login`, then `skilldeck sync`)".to_owned(),
            |t| t.replace('T', " ")
        )
    );
    let _ = writeln!(
        out,
        "\nrecall: predicted probability of recalling a domain's notes on that day (0 for notes not yet studied); figures, not a promise."
    );
    Ok(())
}
