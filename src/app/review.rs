//! `skilldeck review`: brings the decks up to date, plans today's queue and runs the session,
//! full-screen in a terminal or in the line mode.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use super::study::load_study;
use super::{compile, deck_dirs};
use crate::error::{Error, Result};
use crate::review::session::{Clock, Session};
use crate::review::{plain, tui};
use crate::store::{Store, decks};
use crate::types::{DeckId, Timestamp};

/// Deck ids from the arguments: ids of decks in the database, or deck folders (built first).
fn resolve_decks(store: &Store, args: &[String], now: Timestamp) -> Result<Vec<DeckId>> {
    let mut ids = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if path.join("deck.toml").is_file() {
            let report = compile(store, &[path.to_path_buf()], now)?;
            print_changes(&report.lines, report.changed);
            ids.extend(report.ids);
        } else {
            let id = DeckId::parse(arg).ok_or_else(|| {
                Error::user(format!("`{arg}` is neither a deck id nor a deck folder"))
            })?;
            match decks::find(store.conn(), &id)? {
                None => {
                    return Err(Error::user(format!(
                        "deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`"
                    )));
                }
                Some(d) if d.removed_at.is_some() => {
                    return Err(Error::user(format!(
                        "deck `{id}` was removed; `skilldeck add SOURCE` brings it back with its history"
                    )));
                }
                Some(_) => {}
            }
            ids.push(id);
        }
    }
    Ok(ids)
}

fn print_changes(lines: &[String], changed: bool) {
    if changed {
        let mut err = crate::sanitize::stderr();
        for line in lines {
            let _ = writeln!(err, "{line}");
        }
    }
}

/// How `review` was asked to run.
pub struct ReviewOptions<'a> {
    pub plain: bool,
    pub limit: Option<usize>,
    pub minutes: Option<f64>,
    pub domain: Option<&'a str>,
    /// Whether the clock is fixed (`SKILLDECK_NOW`).
    pub fixed_clock: bool,
}

/// `skilldeck review`: full-screen in a terminal, the line mode otherwise or with `--plain`.
pub fn review(
    store: &Store,
    args: &[String],
    now: DateTime<FixedOffset>,
    options: ReviewOptions<'_>,
) -> Result<()> {
    let ReviewOptions {
        plain,
        limit,
        minutes,
        domain,
        fixed_clock,
    } = options;
    let stamp = Timestamp::from(now.to_utc());
    // Bring the decks up to date first, so edits show at once.
    let deck_ids = if args.is_empty() {
        let dirs: Vec<PathBuf> = deck_dirs(Some(store), Vec::new())?;
        let report = compile(store, &dirs, stamp)?;
        print_changes(&report.lines, report.changed);
        Vec::new()
    } else {
        resolve_decks(store, args, stamp)?
    };
    if minutes.is_some_and(|m| m.is_nan() || m <= 0.0) {
        return Err(Error::user(
            "--minutes must be a positive number of minutes",
        ));
    }
    let mut study = load_study(store, &deck_ids, now)?;
    let queue = study.queue(store, minutes, domain)?;
    for w in &study.warnings {
        let _ = writeln!(crate::sanitize::stderr(), "warning: {w}");
    }
    let rollover = study.settings.day_rollover_hour;
    let clock = if fixed_clock {
        Clock::fixed(now, rollover)
    } else {
        Clock {
            now: Box::new(|| chrono::Local::now().fixed_offset()),
            rollover_hour: rollover,
        }
    };
    let order = queue.order();
    let studied: Vec<(i64, DeckId)> = study
        .set
        .decks
        .iter()
        .map(|d| (d.pk, d.id.clone()))
        .collect();
    let deck_dirs: Vec<PathBuf> = decks::all(store.conn())?
        .into_iter()
        .filter(|d| study.set.decks.iter().any(|s| s.id == d.id))
        .map(|d| PathBuf::from(d.root_path))
        .collect();
    let mut session = Session::new(store, study.set, study.schedulers, order, clock, limit);
    use std::io::IsTerminal as _;
    if !plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        let mut rebuild = || match compile(store, &deck_dirs, stamp) {
            Ok(report) => report.lines.join("; "),
            Err(e) => format!("not rebuilt: {e} (run `skilldeck check` to see every problem)"),
        };
        let summary = tui::run(&mut session, tui::palette_from_env(), &mut rebuild)?;
        let mut out = crate::sanitize::stdout();
        for line in plain::summary_lines(&summary) {
            let _ = writeln!(out, "{line}");
        }
        drop(session);
        return closing(store, &deck_ids, &studied, now, &mut out);
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = crate::sanitize::stdout();
    if session.current().is_none() {
        let _ = writeln!(out, "nothing to review now");
    }
    plain::run(&mut session, &mut input, &mut out)?;
    drop(session);
    closing(store, &deck_ids, &studied, now, &mut out)
}

/// After the summary: an automatic refit of the decks studied, when enough new history has
/// accumulated, and the plan of each deck with an exam date, one line each.
fn closing(
    store: &Store,
    deck_ids: &[DeckId],
    studied: &[(i64, DeckId)],
    now: DateTime<FixedOffset>,
    out: &mut impl std::io::Write,
) -> Result<()> {
    for line in super::refit::auto(store, studied, now)? {
        let _ = writeln!(out, "{line}");
    }
    let study = load_study(store, deck_ids, now)?;
    for p in super::plan::deck_plans(store, &study)? {
        let _ = writeln!(out, "plan for {}: {}", p.deck, p.summary);
    }
    Ok(())
}
