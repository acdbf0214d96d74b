//! `skilldeck stats`: what the review history says (totals, streak, true retention), the due
//! cards of the next two weeks and a half-year heatmap, as text or JSON; in a terminal, the
//! full-screen dashboard (src/dashboard) instead.

use std::io::Write as _;

use chrono::{DateTime, FixedOffset};

use crate::dashboard::data::{Dashboard, DeckPanel, ProjectionPoint, assemble};
use crate::error::Result;
use crate::stats::{Stats, count, heatmap_lines, summarize, weekday};
use crate::store::Store;
use crate::store::settings::Settings;
use crate::types::Day;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `skilldeck stats [--plain | --json]`: the dashboard full-screen when both ends are a
/// terminal, else (or with `--plain`) the text report.
pub fn stats(store: &Store, now: DateTime<FixedOffset>, plain: bool, json: bool) -> Result<()> {
    use std::io::IsTerminal as _;
    if !plain && !json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        let board = dashboard(store, now)?;
        // Nothing is shown from a database that fails its check.
        store.ready()?;
        let view = crate::dashboard::View::new(crate::review::tui::palette_from_env());
        return crate::dashboard::term::run(&board, view);
    }
    let (today, history, due) = history_and_due(store, now)?;
    let stats = summarize(&history, &due, today);
    // Nothing is printed from a database that fails its check.
    store.ready()?;
    let mut out = crate::sanitize::stdout();
    if json {
        let _ = writeln!(out, "{}", crate::sanitize::to_json(&stats)?);
        return Ok(());
    }
    let _ = write!(out, "{}", text(&stats));
    Ok(())
}

fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

fn hours(minutes: f64) -> String {
    if minutes < 60.0 {
        format!("{minutes:.0} min")
    } else {
        format!("{:.1} h", minutes / 60.0)
    }
}

fn retention(r: &crate::stats::Retention) -> String {
    match r.recalled {
        Some(share) => format!(
            "{:.1}% of {}",
            share * 100.0,
            plural(r.answers, "answer", "answers")
        ),
        None => "no answers".to_owned(),
    }
}

/// Today, the reviews per day and the cards per due day: what both reports count from.
type Counted = (Day, Vec<crate::stats::DayReviews>, Vec<(Day, u32)>);

fn history_and_due(store: &Store, now: DateTime<FixedOffset>) -> Result<Counted> {
    let settings = Settings::load(store.conn())?;
    let today = Day::of(now, settings.day_rollover_hour);
    let history = crate::store::stats::reviews_per_day(
        store.conn(),
        now.offset().local_minus_utc(),
        settings.day_rollover_hour,
    )?;
    let due = crate::store::stats::due_per_day(store.conn())?;
    Ok((today, history, due))
}

/// Reads the database and builds the dashboard for `now` (what the full-screen `stats` shows).
pub fn dashboard(store: &Store, now: DateTime<FixedOffset>) -> Result<Dashboard> {
    let (today, history, due) = history_and_due(store, now)?;
    let study = super::load_study(store, &[], now)?;
    let mut decks = Vec::new();
    for (id, exam, readiness) in study.readiness() {
        let exam = exam.filter(|&e| e >= today);
        // The planner's simulation, day by day to the exam, at both paces.
        let projection = if exam.is_some() {
            super::plan::projection(store, now, Some(&id))?
                .into_iter()
                .map(|p| ProjectionPoint {
                    date: Day::from_date(p.date),
                    current_pace: p.current_pace,
                    planned_pace: p.planned_pace,
                })
                .collect()
        } else {
            Vec::new()
        };
        decks.push(DeckPanel {
            id: id.to_string(),
            projection,
            exam,
            readiness,
        });
    }
    Ok(assemble(&history, &due, today, decks))
}

/// The report as text.
fn text(s: &Stats) -> String {
    let mut t = String::new();
    if s.reviews == 0 {
        t.push_str(&format!(
            "{}: no reviews yet; start with `skilldeck review`\n",
            s.today
        ));
    } else {
        t.push_str(&format!(
            "{}: {} on {}, {} in all; streak {}\n",
            s.today,
            plural(s.reviews, "review", "reviews"),
            plural(s.days_studied, "day", "days"),
            hours(s.minutes),
            plural(s.streak, "day", "days"),
        ));
        let p = &s.last_30_days;
        t.push_str(&format!(
            "last 30 days: {} on {}, {}\n",
            plural(p.reviews, "review", "reviews"),
            plural(p.days_studied, "day", "days"),
            hours(p.minutes)
        ));
        if s.retention_all.answers == 0 {
            t.push_str(
                "true retention: none yet (it counts answers given a day or more after a card's previous review)\n",
            );
        } else {
            t.push_str(&format!(
                "true retention: {} in the last 30 days, {} in all\n  (answers a day or more after a card's previous review; Hard, Good and Easy count as recalled)\n",
                retention(&s.retention_30_days),
                retention(&s.retention_all),
            ));
        }
    }

    let most = s.forecast.iter().map(|d| d.cards).max().unwrap_or(0);
    if most == 0 {
        t.push_str(&format!(
            "\nnothing due in the next {} days\n",
            s.forecast.len()
        ));
    } else {
        t.push_str(&format!(
            "\ndue in the next {} days{}:\n",
            s.forecast.len(),
            if s.overdue > 0 {
                format!(" ({} overdue, counted today)", count(u64::from(s.overdue)))
            } else {
                String::new()
            }
        ));
    }
    for d in s.forecast.iter().filter(|_| most > 0) {
        let width = (d.cards as usize * 40).div_ceil(most as usize);
        let line = format!(
            "  {} {}  {:>7} {}",
            WEEKDAYS[weekday(d.day)],
            d.day.date().format("%m-%d"),
            count(u64::from(d.cards)),
            "█".repeat(width)
        );
        t.push_str(line.trim_end());
        t.push('\n');
    }

    let busiest = s.heatmap.iter().map(|a| a.reviews).max().unwrap_or(0);
    t.push_str(&format!(
        "\nactivity, last {} weeks (· none; ░ ▒ ▓ █ by quarters of the busiest day, {}):\n",
        s.heatmap.len().div_ceil(7),
        plural(busiest, "review", "reviews")
    ));
    for line in heatmap_lines(s) {
        t.push_str("  ");
        t.push_str(line.trim_end());
        t.push('\n');
    }
    t
}
