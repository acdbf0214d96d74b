//! The dashboard's drawing: pure functions from the [`Dashboard`] model to a ratatui frame.
//! Here the layout, header and footer, and the top: readiness per domain beside its exam
//! weight, and the projected weighted readiness to the exam day at two paces. The bottom
//! panels (due cards, reviews, true retention, the heatmap) are in `history.rs`. Everything
//! fits 80×24; a smaller terminal gets a message to enlarge it. Series are told apart by their
//! symbols, colour only adds to them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Chart, Dataset, GraphType, LineGauge, Paragraph, Wrap,
};

use super::data::{Dashboard, DeckPanel, ProjectionPoint};
use super::{View, history};
use crate::review::markdown::Palette;
use crate::sanitize::sanitize;
use crate::stats::{count, weekday};
use crate::types::Day;

/// The smallest terminal the dashboard draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The heatmap's width: weekday names and 26 weeks.
const HEATMAP_WIDTH: u16 = 30;

/// The symbols of the two projected paces (also in the legend).
const CURRENT_MARK: &str = "•";
const PLANNED_MARK: &str = "▄";

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

pub(super) fn accent(p: Palette, color: Color) -> Style {
    if p.color {
        Style::default().fg(color)
    } else {
        Style::default()
    }
}

pub(super) fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// A panel: a titled rule across its top.
pub(super) fn panel(title: String) -> Block<'static> {
    Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(format!(" {title} "), bold()))
}

pub(super) fn short(day: Day) -> String {
    day.date().format("%m-%d").to_string()
}

pub(super) fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// `left`, `middle` and `right` spread over `width` columns (the middle dropped first, then
/// the right, when they do not fit).
pub(super) fn spread(left: &str, middle: &str, right: &str, width: u16) -> String {
    let width = usize::from(width);
    let len = |s: &str| s.chars().count();
    if len(left) + len(middle) + len(right) + 2 <= width {
        let free = width - len(left) - len(middle) - len(right);
        let before = free / 2;
        let after = free - before;
        format!(
            "{left}{}{middle}{}{right}",
            " ".repeat(before),
            " ".repeat(after)
        )
    } else if len(left) + len(right) < width {
        format!(
            "{left}{}{right}",
            " ".repeat(width - len(left) - len(right))
        )
    } else {
        left.chars().take(width).collect()
    }
}

/// Cuts `s` to `width` columns, with an ellipsis when cut.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Draws the whole dashboard.
pub fn draw(frame: &mut Frame<'_>, d: &Dashboard, view: &View) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let message = format!(
            "The dashboard needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}. Enlarge it, or press q and run `skilldeck stats --plain`.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), area);
        return;
    }
    let p = view.palette;
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let bottom_height = (body.height / 2).max(12);
    let [top, bottom] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(bottom_height)]).areas(body);
    let [readiness, projection] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)])
        .spacing(2)
        .areas(top);
    let [left, heatmap] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(HEATMAP_WIDTH)])
            .spacing(2)
            .areas(bottom);
    let [due, reviews, retention] = Layout::vertical([Constraint::Fill(1); 3]).areas(left);

    draw_header(frame, header, d);
    match d.decks.get(view.deck) {
        Some(deck) => {
            draw_readiness(frame, readiness, deck, d.today, p);
            draw_projection(frame, projection, deck, p);
        }
        None => {
            let none = "No deck yet: build one with `skilldeck build DECK_DIR`.";
            frame.render_widget(
                Paragraph::new(none)
                    .wrap(Wrap { trim: true })
                    .block(panel("Readiness".into())),
                readiness,
            );
            frame.render_widget(
                Paragraph::new("").block(panel("Projected readiness".into())),
                projection,
            );
        }
    }
    history::draw_due(frame, due, d, p);
    history::draw_reviews(frame, reviews, d, p);
    history::draw_retention(frame, retention, d, p);
    history::draw_heatmap(frame, heatmap, d);
    draw_footer(frame, footer, d, view);
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, d: &Dashboard) {
    let reviews = if d.reviews == 1 { "review" } else { "reviews" };
    let days = if d.streak == 1 { "day" } else { "days" };
    let line = Line::from(vec![
        Span::styled("skilldeck stats", bold()),
        Span::raw(format!(
            "  {} {} · {} {reviews} in all · streak {} {days}",
            WEEKDAYS[weekday(d.today)],
            d.today,
            count(d.reviews),
            d.streak,
        )),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_footer(frame: &mut Frame<'_>, area: Rect, d: &Dashboard, view: &View) {
    let mut keys = String::from("q quit");
    if d.decks.len() > 1 {
        keys.push_str(&format!(
            " · Tab next deck ({} of {})",
            view.deck + 1,
            d.decks.len()
        ));
    }
    keys.push_str(" · `skilldeck stats --plain` prints the text report");
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&keys, usize::from(area.width)), bold())),
        area,
    );
}

fn draw_readiness(frame: &mut Frame<'_>, area: Rect, deck: &DeckPanel, today: Day, p: Palette) {
    let r = &deck.readiness;
    let when = match deck.exam {
        Some(exam) => format!("exam {} ({} d)", short(exam), exam.since(today)),
        None => "no exam date".to_owned(),
    };
    let block = panel(format!("Readiness · {} · {when}", sanitize(&deck.id)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Domain name, weight, then the bar of predicted recall with its figure.
    let name_width = r
        .domains
        .iter()
        .map(|x| sanitize(&x.id).chars().count())
        .chain([8])
        .max()
        .unwrap_or(8)
        .min(usize::from(inner.width) * 2 / 5);
    let label_width = name_width as u16 + 8;
    let rows = usize::from(inner.height);
    let mut lines: Vec<(String, Option<f64>)> = vec![(
        format!(
            "{:<name_width$} {:>6}  recall on {}",
            "domain",
            "weight",
            short(r.target)
        ),
        None,
    )];
    let room = rows.saturating_sub(2);
    let shown = if r.domains.len() > room {
        room.saturating_sub(1)
    } else {
        r.domains.len()
    };
    for x in &r.domains[..shown] {
        lines.push((
            format!(
                "{:<name_width$} {:>5.1}%",
                fit(&sanitize(&x.id), name_width),
                x.weight
            ),
            Some(x.recall),
        ));
    }
    if shown < r.domains.len() {
        lines.push((
            format!(
                "… {} more (a taller terminal shows them)",
                r.domains.len() - shown
            ),
            None,
        ));
    }
    lines.push((
        format!("{:<name_width$} {:>6}", "weighted", ""),
        Some(r.weighted_recall),
    ));
    for (i, (label, share)) in lines.into_iter().take(rows).enumerate() {
        let row = Rect::new(inner.x, inner.y + i as u16, inner.width, 1);
        let weighted = label.starts_with("weighted");
        let style = if i == 0 || weighted {
            bold()
        } else {
            Style::default()
        };
        let Some(share) = share else {
            frame.render_widget(Paragraph::new(Line::styled(label, style)), row);
            continue;
        };
        let [name, bar] =
            Layout::horizontal([Constraint::Length(label_width), Constraint::Fill(1)])
                .spacing(1)
                .areas(row);
        frame.render_widget(Paragraph::new(Line::styled(label, style)), name);
        frame.render_widget(
            LineGauge::default()
                .ratio(share.clamp(0.0, 1.0))
                .label(Span::styled(format!("{:>4}", percent(share)), style))
                .filled_symbol("█")
                .unfilled_symbol("░")
                .filled_style(accent(p, Color::Green))
                .unfilled_style(accent(p, Color::DarkGray)),
            bar,
        );
    }
}

fn draw_projection(frame: &mut Frame<'_>, area: Rect, deck: &DeckPanel, p: Palette) {
    let block = panel("Projected weighted readiness".into());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (Some(first), Some(last)) = (deck.projection.first(), deck.projection.last()) else {
        let id = sanitize(&deck.id);
        let message = vec![
            Line::raw(format!("No exam date for {id}. Set one with")),
            Line::raw(format!("  skilldeck exam set {id} YYYY-MM-DD")),
            Line::raw("to see the projection to exam day."),
        ];
        frame.render_widget(Paragraph::new(message), inner);
        return;
    };
    let [legend, chart] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let current_style = accent(p, Color::Yellow);
    let planned_style = accent(p, Color::Cyan);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!("{CURRENT_MARK} current pace {}", percent(last.current_pace)),
                current_style,
            ),
            Span::raw("  "),
            Span::styled(
                format!("{PLANNED_MARK} planned pace {}", percent(last.planned_pace)),
                planned_style,
            ),
        ])),
        legend,
    );
    let points = |pace: fn(&ProjectionPoint) -> f64| -> Vec<(f64, f64)> {
        deck.projection
            .iter()
            .map(|x| (x.date.since(first.date) as f64, pace(x) * 100.0))
            .collect()
    };
    let current = points(|x| x.current_pace);
    let planned = points(|x| x.planned_pace);
    let span = last.date.since(first.date).max(1);
    let middle = first.date.plus(span / 2);
    let chart_widget = Chart::new(vec![
        // Planned first: where the two meet, the current pace's dots stay visible.
        Dataset::default()
            .marker(Marker::Bar)
            .graph_type(GraphType::Line)
            .style(planned_style)
            .data(&planned),
        Dataset::default()
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(current_style)
            .data(&current),
    ])
    .legend_position(None)
    .x_axis(Axis::default().bounds([0.0, span as f64]).labels(vec![
        short(first.date),
        short(middle),
        short(first.date.plus(span)),
    ]))
    .y_axis(
        Axis::default()
            .bounds([0.0, 100.0])
            .labels(vec!["0%", "50%", "100%"]),
    );
    frame.render_widget(chart_widget, chart);
}
