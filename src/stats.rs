//! Study statistics (pure): totals, the streak, true retention, the next two weeks' due
//! cards and a half-year activity heatmap, from per-day review counts and due days.

use serde::Serialize;

use crate::types::Day;

/// Reviews of one study day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayReviews {
    pub day: Day,
    pub reviews: u32,
    /// Answers given a day or more after the card's previous review (what retention counts).
    pub spaced: u32,
    /// Of those, the ones recalled (Hard, Good or Easy).
    pub recalled: u32,
    pub ms: i64,
}

/// Share of spaced answers recalled, over some days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Retention {
    pub answers: u32,
    /// `None` without a spaced answer.
    pub recalled: Option<f64>,
}

impl Retention {
    fn over<'a>(days: impl Iterator<Item = &'a DayReviews>) -> Retention {
        let (spaced, recalled) = days.fold((0, 0), |(s, r), d| (s + d.spaced, r + d.recalled));
        Retention {
            answers: spaced,
            recalled: (spaced > 0).then(|| f64::from(recalled) / f64::from(spaced)),
        }
    }
}

/// A day as its date in JSON.
fn as_date<S: serde::Serializer>(day: &Day, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(day)
}

/// Cards due on a day of the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Due {
    #[serde(serialize_with = "as_date")]
    pub day: Day,
    /// For today, overdue cards included.
    pub cards: u32,
}

/// One day of the heatmap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Activity {
    #[serde(serialize_with = "as_date")]
    pub day: Day,
    pub reviews: u32,
}

/// Everything `skilldeck stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    #[serde(serialize_with = "as_date")]
    pub today: Day,
    pub reviews: u64,
    pub minutes: f64,
    pub days_studied: u32,
    /// Consecutive study days up to today (or up to yesterday, while today is still open).
    pub streak: u32,
    pub last_30_days: Period,
    pub retention_30_days: Retention,
    pub retention_all: Retention,
    /// Cards overdue before today (counted in today's forecast too).
    pub overdue: u32,
    pub forecast: Vec<Due>,
    pub heatmap: Vec<Activity>,
}

/// Totals over a period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Period {
    pub reviews: u32,
    pub minutes: f64,
    pub days_studied: u32,
}

/// Days the forecast covers, today included.
pub const FORECAST_DAYS: i64 = 14;
/// Weeks the heatmap covers, the current one included.
pub const HEATMAP_WEEKS: i64 = 26;

/// Monday = 0 … Sunday = 6 (day 0, 1970-01-01, was a Thursday).
pub fn weekday(day: Day) -> usize {
    (day.0 + 3).rem_euclid(7) as usize
}

/// A count with thousands separated: 12,345.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The statistics of `history` (any order, one entry per day at most) and of `due`, how many
/// cards are due on each day.
pub fn summarize(history: &[DayReviews], due: &[(Day, u32)], today: Day) -> Stats {
    let mut days: Vec<DayReviews> = history.iter().copied().filter(|d| d.reviews > 0).collect();
    days.sort_by_key(|d| d.day);
    let recent = |d: &&DayReviews| d.day.0 > today.0 - 30 && d.day.0 <= today.0;

    let studied: std::collections::HashSet<i64> = days.iter().map(|d| d.day.0).collect();
    let mut streak = 0;
    let mut day = if studied.contains(&today.0) {
        today.0
    } else {
        today.0 - 1
    };
    while studied.contains(&day) {
        streak += 1;
        day -= 1;
    }

    let (forecast, overdue) = forecast(due, today, FORECAST_DAYS);

    // Whole weeks, Monday first, ending with the current week.
    let start = today.0 - weekday(today) as i64 - 7 * (HEATMAP_WEEKS - 1);
    let heatmap = (start..=today.0)
        .map(|d| Activity {
            day: Day(d),
            reviews: days
                .binary_search_by_key(&d, |r| r.day.0)
                .map_or(0, |i| days[i].reviews),
        })
        .collect();

    Stats {
        today,
        reviews: days.iter().map(|d| u64::from(d.reviews)).sum(),
        minutes: days.iter().fold(0.0, |m, d| m + d.ms as f64) / 60_000.0,
        days_studied: days.len() as u32,
        streak,
        last_30_days: Period {
            reviews: days.iter().filter(recent).map(|d| d.reviews).sum(),
            minutes: days.iter().filter(recent).fold(0.0, |m, d| m + d.ms as f64) / 60_000.0,
            days_studied: days.iter().filter(recent).count() as u32,
        },
        retention_30_days: Retention::over(days.iter().filter(recent)),
        retention_all: Retention::over(days.iter()),
        overdue,
        forecast,
        heatmap,
    }
}

/// Cards due on each of `days` days from today (overdue ones counted today), and how many of
/// them were overdue.
pub fn forecast(due: &[(Day, u32)], today: Day, days: i64) -> (Vec<Due>, u32) {
    let mut forecast: Vec<Due> = (0..days)
        .map(|i| Due {
            day: today.plus(i),
            cards: 0,
        })
        .collect();
    let mut overdue = 0;
    for &(d, cards) in due {
        let offset = d.since(today);
        if offset < 0 {
            overdue += cards;
        }
        if let Some(slot) = forecast.get_mut(offset.max(0) as usize) {
            slot.cards += cards;
        }
    }
    (forecast, overdue)
}

/// The heatmap as seven lines (Monday to Sunday), one column a week: `·` for a day without
/// reviews, then `░▒▓█` by quarters of the busiest day; days after today are blank.
pub fn heatmap_lines(stats: &Stats) -> Vec<String> {
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let busiest = stats.heatmap.iter().map(|a| a.reviews).max().unwrap_or(0);
    let glyph = |reviews: u32| match reviews {
        0 => '·',
        n if n * 4 <= busiest => '░',
        n if n * 2 <= busiest => '▒',
        n if n * 4 <= busiest * 3 => '▓',
        _ => '█',
    };
    let mut lines: Vec<String> = NAMES.iter().map(|n| format!("{n} ")).collect();
    for (i, a) in stats.heatmap.iter().enumerate() {
        lines[i % 7].push(glyph(a.reviews));
    }
    // The rest of the current week has not happened yet.
    let filled = stats.heatmap.len() % 7;
    if filled > 0 {
        for line in &mut lines[filled..] {
            line.push(' ');
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(reviews: u32, d: i64) -> DayReviews {
        DayReviews {
            day: Day(d),
            reviews,
            spaced: reviews / 2,
            recalled: reviews / 4,
            ms: i64::from(reviews) * 6_000,
        }
    }

    /// 2026-11-25, a Wednesday.
    const TODAY: Day = Day(20_782);

    #[test]
    fn the_streak_runs_up_to_today_or_yesterday() {
        let t = TODAY.0;
        let history = [day(10, t), day(4, t - 1), day(2, t - 2), day(8, t - 4)];
        assert_eq!(summarize(&history, &[], TODAY).streak, 3);
        // Today not studied yet: the streak up to yesterday still counts.
        assert_eq!(summarize(&history[1..], &[], TODAY).streak, 2);
        assert_eq!(summarize(&history[3..], &[], TODAY).streak, 0);
        assert_eq!(summarize(&[], &[], TODAY).streak, 0);
    }

    #[test]
    fn totals_periods_and_retention() {
        let t = TODAY.0;
        let history = [day(40, t - 40), day(20, t - 29), day(8, t), day(0, t - 3)];
        let s = summarize(&history, &[], TODAY);
        assert_eq!(s.reviews, 68);
        assert_eq!(s.days_studied, 3);
        assert!((s.minutes - 6.8).abs() < 1e-9);
        assert_eq!(s.last_30_days.reviews, 28);
        assert_eq!(s.last_30_days.days_studied, 2);
        // Spaced: 10 + 4 recent (recalled 5 + 2); 20 + 10 + 4 in all (recalled 10 + 5 + 2).
        assert_eq!(s.retention_30_days.answers, 14);
        assert_eq!(s.retention_30_days.recalled, Some(7.0 / 14.0));
        assert_eq!(s.retention_all.answers, 34);
        assert_eq!(s.retention_all.recalled, Some(17.0 / 34.0));
        assert_eq!(summarize(&[], &[], TODAY).retention_all.recalled, None);
    }

    #[test]
    fn overdue_cards_count_today_and_far_ones_are_left_out() {
        let t = TODAY.0;
        let due = [
            (t - 5, 2),
            (t - 1, 1),
            (t, 4),
            (t + 1, 1),
            (t + 13, 1),
            (t + 14, 9),
        ]
        .map(|(d, n)| (Day(d), n));
        let s = summarize(&[], &due, TODAY);
        assert_eq!(s.overdue, 3);
        assert_eq!(s.forecast.len(), FORECAST_DAYS as usize);
        assert_eq!(
            s.forecast[0],
            Due {
                day: TODAY,
                cards: 7
            }
        );
        assert_eq!(s.forecast[1].cards, 1);
        assert_eq!(s.forecast[13].cards, 1);
        assert_eq!(s.forecast.iter().map(|d| d.cards).sum::<u32>(), 9);
    }

    #[test]
    fn the_heatmap_is_whole_weeks_monday_first() {
        assert_eq!(weekday(Day(0)), 3, "1970-01-01 was a Thursday");
        assert_eq!(weekday(TODAY), 2, "2026-11-25 is a Wednesday");
        let t = TODAY.0;
        let history = [day(100, t), day(10, t - 1), day(60, t - 2)];
        let s = summarize(&history, &[], TODAY);
        // 25 whole weeks and Monday to Wednesday of this one.
        assert_eq!(s.heatmap.len(), 25 * 7 + 3);
        assert_eq!(weekday(s.heatmap[0].day), 0);
        assert_eq!(
            s.heatmap.last(),
            Some(&Activity {
                day: TODAY,
                reviews: 100
            })
        );
        let lines = heatmap_lines(&s);
        assert_eq!(lines.len(), 7);
        // Monday 60 (▓), Tuesday 10 (░), Wednesday 100 (█); Thursday on is still to come.
        assert!(lines[0].ends_with('▓'), "{lines:?}");
        assert!(lines[1].ends_with('░'), "{lines:?}");
        assert!(lines[2].ends_with('█'), "{lines:?}");
        assert!(lines[3].ends_with("· "), "{lines:?}");
        assert!(
            lines.iter().all(|l| l.chars().count() == 4 + 26),
            "{lines:?}"
        );
    }
}
