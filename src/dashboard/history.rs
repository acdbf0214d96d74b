//! The dashboard's history panels (pure drawing): cards due on each of the next 30 days,
//! reviews a day over 90 days, true retention a week, and the activity heatmap, each fitted to
//! the width it gets (80 columns at least for the whole screen).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, Paragraph, Sparkline, SparklineBar};

use super::data::Dashboard;
use super::draw::{accent, panel, percent, short, spread};
use crate::review::markdown::Palette;
use crate::stats::count;

/// The body of a small chart panel: the chart area and a caption line below it.
fn chart_and_caption(frame: &mut Frame<'_>, area: Rect, title: String) -> (Rect, Rect) {
    let block = panel(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [chart, caption] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    (chart, caption)
}

pub(super) fn draw_due(frame: &mut Frame<'_>, area: Rect, d: &Dashboard, p: Palette) {
    let total: u32 = d.due.iter().map(|x| x.count).sum();
    let overdue = if d.overdue > 0 {
        format!(" ({} overdue)", count(u64::from(d.overdue)))
    } else {
        String::new()
    };
    let title = format!(
        "Due, next {} days · {} cards{overdue}",
        d.due.len(),
        count(u64::from(total))
    );
    let (chart, caption) = chart_and_caption(frame, area, title);
    let (Some(first), Some(last)) = (d.due.first(), d.due.last()) else {
        return;
    };
    let Some(busiest) = d.due.iter().max_by_key(|x| (x.count, -x.day.0)) else {
        return;
    };
    if busiest.count == 0 {
        frame.render_widget(
            Paragraph::new(format!("nothing due in the next {} days", d.due.len())),
            chart,
        );
        return;
    }
    // One to three columns a day, a gap between bars when there is room for one.
    let per_day = (chart.width / d.due.len() as u16).clamp(1, 3);
    let gap = u16::from(per_day > 1);
    let bars: Vec<Bar<'_>> = d
        .due
        .iter()
        .map(|x| Bar::new(u64::from(x.count)).text_value(""))
        .collect();
    frame.render_widget(
        BarChart::vertical(bars)
            .bar_width(per_day - gap)
            .bar_gap(gap)
            .bar_style(accent(p, Color::Magenta))
            .max(u64::from(busiest.count)),
        chart,
    );
    let width = (per_day * d.due.len() as u16).min(caption.width);
    let text = spread(
        &short(first.day),
        &format!("most {} on {}", busiest.count, short(busiest.day)),
        &short(last.day),
        width,
    );
    frame.render_widget(Paragraph::new(text), caption);
}

pub(super) fn draw_reviews(frame: &mut Frame<'_>, area: Rect, d: &Dashboard, p: Palette) {
    let total: u32 = d.reviews_per_day.iter().map(|x| x.count).sum();
    let studied = d.reviews_per_day.iter().filter(|x| x.count > 0).count();
    let title = format!(
        "Reviews a day, last {} days · {} on {studied} {}",
        d.reviews_per_day.len(),
        count(u64::from(total)),
        if studied == 1 { "day" } else { "days" }
    );
    let (chart, caption) = chart_and_caption(frame, area, title);
    let Some(first) = d.reviews_per_day.first() else {
        return;
    };
    // Whole days a column, as few as fit; columns end today.
    let per_column = d
        .reviews_per_day
        .len()
        .div_ceil(usize::from(chart.width.max(1)))
        .max(1);
    let mut columns: Vec<u64> = d
        .reviews_per_day
        .rchunks(per_column)
        .map(|days| {
            let sum: u64 = days.iter().map(|x| u64::from(x.count)).sum();
            sum.div_ceil(days.len() as u64)
        })
        .collect();
    columns.reverse();
    let width = (columns.len() as u16).min(chart.width);
    frame.render_widget(
        Sparkline::default()
            .data(columns)
            .style(accent(p, Color::Blue)),
        Rect { width, ..chart },
    );
    let busiest = d.reviews_per_day.iter().map(|x| x.count).max().unwrap_or(0);
    let middle = if per_column > 1 {
        format!("{per_column} days a column, mean; most {busiest}")
    } else {
        format!("most {busiest}")
    };
    let text = spread(&short(first.day), &middle, "today", width.max(24));
    frame.render_widget(Paragraph::new(text), caption);
}

pub(super) fn draw_retention(frame: &mut Frame<'_>, area: Rect, d: &Dashboard, p: Palette) {
    let all = &d.retention_90_days;
    let over_90 = match all.recalled {
        Some(share) => format!(
            "{} of {} in 90 days",
            percent(share),
            count(u64::from(all.answers))
        ),
        None => "none in 90 days".to_owned(),
    };
    let title = format!("True retention a week · {over_90}");
    let block = panel(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [chart, numbers, caption] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    // Four to six columns a week (room for "100"), the latest weeks that fit.
    let per_week = (inner.width / d.retention.len().max(1) as u16).clamp(4, 6);
    let fits = usize::from(inner.width / per_week).min(d.retention.len());
    let weeks = &d.retention[d.retention.len() - fits..];
    let Some(first) = weeks.first() else {
        return;
    };
    let bars: Vec<SparklineBar> = weeks
        .iter()
        .flat_map(|w| {
            let value = w.recalled.map(|r| (r * 100.0).round() as u64);
            std::iter::repeat_n(value, usize::from(per_week - 1)).chain([Some(0)])
        })
        .map(SparklineBar::from)
        .collect();
    frame.render_widget(
        Sparkline::default()
            .data(bars)
            .max(100)
            .absent_value_symbol(" ")
            .style(accent(p, Color::Green)),
        chart,
    );
    let width = usize::from(per_week);
    let figures: String = weeks
        .iter()
        .map(|w| {
            let figure = w
                .recalled
                .map_or_else(|| "·".to_owned(), |r| format!("{:.0}", r * 100.0));
            format!("{figure:<width$}")
        })
        .collect();
    frame.render_widget(Paragraph::new(figures), numbers);
    let text = spread(
        &format!("weeks from {}", short(first.start)),
        "% recalled",
        "this week",
        (fits as u16 * per_week).min(caption.width),
    );
    frame.render_widget(Paragraph::new(text), caption);
}

pub(super) fn draw_heatmap(frame: &mut Frame<'_>, area: Rect, d: &Dashboard) {
    let weeks = d
        .heatmap
        .first()
        .map_or(0, |l| l.chars().count().saturating_sub(4));
    let block = panel(format!("Activity, {weeks} weeks"));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line<'_>> = d.heatmap.iter().map(|l| Line::raw(l.as_str())).collect();
    lines.push(Line::raw(format!(
        "· none ░▒▓█ quarters of {}",
        count(u64::from(d.busiest))
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}
