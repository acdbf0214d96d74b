//! The full-screen review's view: draws a [`Screen`] — header (deck, skill path, progress,
//! counts), the card (rendered Markdown, options, the answer once revealed, scrollable), the key
//! bar with each rating's interval, the help overlay and the closing summary.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, LineGauge, Paragraph, Wrap};

use super::markdown::{Palette, render};
use super::plain::summary_lines;
use super::ui::{CardScreen, Screen};
use crate::sanitize::sanitize;
use crate::types::{NoteKind, Rating};

fn accent(p: Palette, color: Color) -> Style {
    if p.color {
        Style::default().fg(color)
    } else {
        Style::default()
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, screen: &Screen) {
    let area = frame.area();
    if let Some(summary) = &screen.summary {
        draw_summary(frame, area, screen, summary);
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    draw_header(frame, header, screen);
    match &screen.card {
        Some(card) => draw_card(frame, body, card, screen.palette),
        None => frame.render_widget(Paragraph::new("nothing to review now"), body),
    }
    draw_footer(frame, footer, screen);
    if screen.help {
        draw_help(frame, area);
    }
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, s: &Screen) {
    let p = s.palette;
    let [title, path, progress] = Layout::vertical([Constraint::Length(1); 3]).areas(area);
    let title_line = Line::from(vec![
        Span::styled(
            sanitize(&s.deck),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("   {}", sanitize(&s.label)),
            accent(p, Color::DarkGray),
        ),
    ]);
    frame.render_widget(Paragraph::new(title_line), title);
    let skill = if s.path.is_empty() {
        String::new()
    } else {
        sanitize(&s.path.join(" › "))
    };
    frame.render_widget(
        Paragraph::new(Line::styled(skill, accent(p, Color::Cyan))),
        path,
    );
    let total = s.answered + s.remaining;
    let ratio = if total == 0 {
        1.0
    } else {
        s.answered as f64 / total as f64
    };
    let (new, learning, review) = s.counts;
    let counts = format!(" new {new} · learning {learning} · due {review} ");
    let width = u16::try_from(counts.chars().count()).unwrap_or(0);
    let [gauge, numbers] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(width)]).areas(progress);
    let filled = if p.color {
        Style::default().fg(Color::Green)
    } else {
        Style::default().add_modifier(Modifier::BOLD)
    };
    frame.render_widget(
        LineGauge::default()
            .ratio(ratio)
            .label(format!("{}/{}", s.answered, total))
            .filled_style(filled)
            .unfilled_style(accent(p, Color::DarkGray)),
        gauge,
    );
    frame.render_widget(Paragraph::new(counts), numbers);
}

fn card_lines(card: &CardScreen, width: u16, p: Palette) -> Vec<Line<'static>> {
    let mut lines = render(&card.front, width, p);
    if !card.options.is_empty() {
        lines.push(Line::default());
        for o in &card.options {
            let mark = match o.correct {
                Some(true) => "✓ ",
                Some(false) if o.picked => "✗ ",
                _ => "  ",
            };
            let mut style = Style::default();
            if o.picked {
                style = style.add_modifier(Modifier::REVERSED);
            }
            if let Some(correct) = o.correct {
                style = style.patch(if correct {
                    accent(p, Color::Green).add_modifier(Modifier::BOLD)
                } else {
                    accent(p, Color::Red)
                });
            }
            let mut spans = vec![
                Span::raw(mark),
                Span::styled(format!("{}) ", o.letter), style),
            ];
            for line in render(&o.text, width.saturating_sub(5), p) {
                spans.extend(
                    line.spans
                        .into_iter()
                        .map(|s| Span::styled(s.content, s.style.patch(style))),
                );
            }
            lines.push(Line::from(spans));
        }
    }
    if let Some(back) = &card.back {
        lines.push(Line::default());
        lines.push(Line::styled(
            "─".repeat(usize::from(width.clamp(3, 60))),
            accent(p, Color::DarkGray),
        ));
        lines.extend(render(back, width, p));
    }
    lines
}

fn draw_card(frame: &mut Frame<'_>, area: Rect, card: &CardScreen, p: Palette) {
    let inner = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    let lines = card_lines(card, inner.width, p);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let height = u16::try_from(paragraph.line_count(inner.width)).unwrap_or(u16::MAX);
    let max_scroll = height.saturating_sub(inner.height);
    let scroll = card.scroll.min(max_scroll);
    frame.render_widget(paragraph.scroll((scroll, 0)), inner);
    if scroll < max_scroll {
        let more = Rect {
            x: inner.x + inner.width.saturating_sub(10),
            y: inner.y + inner.height.saturating_sub(1),
            width: 10.min(inner.width),
            height: 1,
        };
        frame.render_widget(Clear, more);
        frame.render_widget(
            Paragraph::new(Line::styled(
                " ↓ more ↓",
                accent(p, Color::Yellow).add_modifier(Modifier::BOLD),
            )),
            more,
        );
    }
}

fn draw_footer(frame: &mut Frame<'_>, area: Rect, s: &Screen) {
    let p = s.palette;
    let [message, keys] = Layout::vertical([Constraint::Length(1); 2]).areas(area);
    if let Some(m) = &s.message {
        frame.render_widget(
            Paragraph::new(Line::styled(sanitize(m), accent(p, Color::Yellow))),
            message,
        );
    }
    let key = |k: &str| Span::styled(k.to_owned(), Style::default().add_modifier(Modifier::BOLD));
    let line = match &s.card {
        Some(card) if !card.ratings.is_empty() => {
            let mut spans = Vec::new();
            for (rating, interval) in &card.ratings {
                let mut style = Style::default();
                if card.suggested == Some(*rating) {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                spans.push(Span::styled(
                    format!(" {} ", rating.number()),
                    style.add_modifier(Modifier::BOLD),
                ));
                spans.push(Span::styled(
                    format!("{} {interval}  ", rating.label()),
                    style.patch(rating_colour(p, *rating)),
                ));
            }
            if card.suggested.is_some() {
                spans.push(Span::raw("Enter: suggested"));
            }
            Line::from(spans)
        }
        Some(card) if card.kind == NoteKind::Choice => Line::from(vec![
            key(" a–"),
            key(&card.options.last().map_or('a', |o| o.letter).to_string()),
            Span::raw(" choose  "),
            key("Space"),
            Span::raw(" check  "),
            key("u"),
            Span::raw(" undo  "),
            key("s"),
            Span::raw(" suspend  "),
            key("?"),
            Span::raw(" help  "),
            key("q"),
            Span::raw(" quit"),
        ]),
        _ => Line::from(vec![
            key(" Space"),
            Span::raw(" show answer  "),
            key("u"),
            Span::raw(" undo  "),
            key("e"),
            Span::raw(" edit  "),
            key("s"),
            Span::raw(" suspend  "),
            key("b"),
            Span::raw(" bury  "),
            key("?"),
            Span::raw(" help  "),
            key("q"),
            Span::raw(" quit"),
        ]),
    };
    frame.render_widget(Paragraph::new(line), keys);
}

fn rating_colour(p: Palette, r: Rating) -> Style {
    accent(
        p,
        match r {
            Rating::Again => Color::Red,
            Rating::Hard => Color::Yellow,
            Rating::Good => Color::Green,
            Rating::Easy => Color::Blue,
        },
    )
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

const HELP: [(&str, &str); 12] = [
    (
        "Space / Enter",
        "show the answer (on a choice card: check it)",
    ),
    ("1 2 3 4", "again · hard · good · easy"),
    ("a – f", "pick options of a multiple-choice card"),
    ("Enter", "take the suggested rating of a choice card"),
    ("u", "undo the last answer"),
    ("e", "edit the note in $EDITOR, then rebuild"),
    ("s", "suspend the card"),
    ("b", "bury the card until tomorrow"),
    ("↑ ↓ PgUp PgDn", "scroll a long card"),
    ("?", "this help"),
    ("q / Esc", "end the session"),
    ("Ctrl-C", "leave at once (answers are already saved)"),
];

fn draw_help(frame: &mut Frame<'_>, area: Rect) {
    let popup = centered(area, 70, HELP.len() as u16 + 4);
    frame.render_widget(Clear, popup);
    let lines: Vec<Line<'_>> = HELP
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!("{k:>14}  "),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" keys — any key closes "),
        ),
        popup,
    );
}

fn draw_summary(frame: &mut Frame<'_>, area: Rect, s: &Screen, summary: &super::session::Summary) {
    let mut lines: Vec<Line<'_>> = summary_lines(summary).into_iter().map(Line::from).collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        "press any key to leave",
        accent(s.palette, Color::DarkGray),
    ));
    let width = lines.iter().map(Line::width).max().unwrap_or(20) as u16 + 4;
    let popup = centered(area, width.max(30), lines.len() as u16 + 2);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" session done "),
        ),
        popup,
    );
}
