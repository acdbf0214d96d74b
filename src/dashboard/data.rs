//! The dashboard's model (pure): everything it shows as plain data, so the drawing is a pure
//! function of it. `app::dashboard` reads the database and hands the rows to [`assemble`].

use crate::sched::readiness::Readiness;
use crate::stats::{self, DayReviews, heatmap_lines, summarize};
use crate::types::Day;

/// Days of due cards shown, today included.
pub const DUE_DAYS: i64 = 30;
/// Days of reviews shown, today included.
pub const HISTORY_DAYS: i64 = 90;
/// Weeks of true retention shown (Monday to Sunday), the current one included.
pub const RETENTION_WEEKS: i64 = 13;

/// One day of the projection: predicted weighted readiness on `date` at two paces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionPoint {
    pub date: Day,
    /// Predicted weighted recall on that day if the user keeps their recent pace (0 to 1).
    pub current_pace: f64,
    /// Predicted weighted recall on that day at the planned pace (0 to 1).
    pub planned_pace: f64,
}

/// One deck's readiness and projection.
#[derive(Debug, Clone, PartialEq)]
pub struct DeckPanel {
    pub id: String,
    /// The exam day, when set and not past.
    pub exam: Option<Day>,
    /// Per-domain readiness at the exam day (or in 30 days without one).
    pub readiness: Readiness,
    /// From today to the exam day; empty without an exam date.
    pub projection: Vec<ProjectionPoint>,
}

/// A count on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub day: Day,
    pub count: u32,
}

/// True retention over one week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekRetention {
    /// The week's Monday.
    pub start: Day,
    /// Answers given a day or more after the card's previous review.
    pub answers: u32,
    /// Share of those recalled; `None` without one.
    pub recalled: Option<f64>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub today: Day,
    pub reviews: u64,
    pub streak: u32,
    pub decks: Vec<DeckPanel>,
    /// Cards due on each of the next [`DUE_DAYS`] days, overdue ones counted today.
    pub due: Vec<DayCount>,
    pub overdue: u32,
    /// Reviews on each of the last [`HISTORY_DAYS`] days, today last.
    pub reviews_per_day: Vec<DayCount>,
    /// True retention of each of the last [`RETENTION_WEEKS`] weeks, this week last.
    pub retention: Vec<WeekRetention>,
    /// True retention over the last [`HISTORY_DAYS`] days.
    pub retention_90_days: WeekRetention,
    /// The heatmap as `skilldeck stats` prints it: seven lines, Monday first.
    pub heatmap: Vec<String>,
    /// Reviews on the heatmap's busiest day.
    pub busiest: u32,
}

/// The dashboard from per-day review counts (any order), cards per due day and the decks.
pub fn assemble(
    history: &[DayReviews],
    due: &[(Day, u32)],
    today: Day,
    decks: Vec<DeckPanel>,
) -> Dashboard {
    let summary = summarize(history, due, today);
    let (forecast, overdue) = stats::forecast(due, today, DUE_DAYS);
    let on = |day: Day| history.iter().filter(move |d| d.day == day);
    let reviews_per_day = (0..HISTORY_DAYS)
        .map(|i| {
            let day = today.plus(i - HISTORY_DAYS + 1);
            DayCount {
                day,
                count: on(day).map(|d| d.reviews).sum(),
            }
        })
        .collect();
    let retention_over = |start: Day, end: Day| {
        let (answers, recalled) = history
            .iter()
            .filter(|d| d.day >= start && d.day <= end)
            .fold((0, 0), |(a, r), d| (a + d.spaced, r + d.recalled));
        WeekRetention {
            start,
            answers,
            recalled: (answers > 0).then(|| f64::from(recalled) / f64::from(answers)),
        }
    };
    let monday = today.plus(-(stats::weekday(today) as i64));
    let retention = (0..RETENTION_WEEKS)
        .map(|i| {
            let start = monday.plus(7 * (i - RETENTION_WEEKS + 1));
            retention_over(start, start.plus(6).min(today))
        })
        .collect();
    Dashboard {
        today,
        reviews: summary.reviews,
        streak: summary.streak,
        decks,
        due: forecast
            .iter()
            .map(|d| DayCount {
                day: d.day,
                count: d.cards,
            })
            .collect(),
        overdue,
        reviews_per_day,
        retention,
        retention_90_days: retention_over(today.plus(1 - HISTORY_DAYS), today),
        heatmap: heatmap_lines(&summary),
        busiest: summary.heatmap.iter().map(|a| a.reviews).max().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-25, a Wednesday.
    const TODAY: Day = Day(20_782);

    fn day(d: i64, reviews: u32, spaced: u32, recalled: u32) -> DayReviews {
        DayReviews {
            day: TODAY.plus(d),
            reviews,
            spaced,
            recalled,
            ms: 0,
        }
    }

    #[test]
    fn windows_end_today_and_weeks_start_on_monday() {
        let history = [
            day(0, 5, 4, 3),
            day(-2, 7, 2, 2),
            day(-3, 1, 1, 0),
            day(-89, 9, 0, 0),
            day(-90, 100, 100, 0),
        ];
        let due = [(TODAY.plus(-3), 2), (TODAY, 1), (TODAY.plus(29), 4)];
        let d = assemble(&history, &due, TODAY, Vec::new());
        assert_eq!(d.due.len(), 30);
        assert_eq!(d.due[0].count, 3);
        assert_eq!(d.overdue, 2);
        assert_eq!(d.due[29].count, 4);
        assert_eq!(d.reviews_per_day.len(), 90);
        assert_eq!(
            d.reviews_per_day[89],
            DayCount {
                day: TODAY,
                count: 5
            }
        );
        assert_eq!(d.reviews_per_day[0].count, 9, "day -90 is outside");
        assert_eq!(d.reviews, 122, "the totals count every day");
        assert_eq!(d.retention.len(), 13);
        let this_week = d.retention[12];
        // Monday 11-23 to today: days 0 and -2 (4 + 2 spaced, 3 + 2 recalled).
        assert_eq!(this_week.start, TODAY.plus(-2));
        assert_eq!(this_week.answers, 6);
        assert_eq!(this_week.recalled, Some(5.0 / 6.0));
        assert_eq!(d.retention[11].answers, 1);
        assert_eq!(d.retention[11].recalled, Some(0.0));
        assert_eq!(d.retention[0].recalled, None);
        assert_eq!(d.retention_90_days.answers, 7);
        assert_eq!(d.heatmap.len(), 7);
        // The heatmap reaches back 26 weeks: day -90 is its busiest.
        assert_eq!(d.busiest, 100);
    }
}
