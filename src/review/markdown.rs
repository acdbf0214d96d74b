//! Markdown → styled terminal lines (pure): headings, emphasis, lists and task items, tables,
//! block quotes, inline code, code blocks highlighted by language (syntect), math shown as its
//! source, images as a labelled placeholder. Every piece of deck text is sanitized first, so no
//! control character reaches the terminal. Without colour (`NO_COLOR`), only bold, italic,
//! underline and reverse are used. Lists and block quotes nested past `MAX_NESTING` levels are
//! drawn flat, at the deepest level: an item there starts a line only when the line before it
//! holds text. Lines stay narrow and few however deeply a hostile deck nests (`- - - … x`), and
//! the work stays linear in the size of the note.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;

use crate::deck::parse::{MAX_NESTING, markdown_options};
use crate::highlight::{highlighting, syntax_for};
use crate::sanitize::sanitize;

/// How text is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    }

    fn code(self) -> Style {
        if self.color {
            Style::default().fg(Color::Yellow)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }

    fn muted(self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }
}

/// Highlights a code block into lines (a gutter marks it as code).
fn code_lines(code: &str, lang: &str, palette: Palette) -> Vec<Line<'static>> {
    let gutter = Span::styled("│ ", palette.muted());
    let plain = |line: &str| {
        Line::from(vec![
            gutter.clone(),
            Span::styled(line.to_owned(), palette.code()),
        ])
    };
    if !palette.color {
        return code.lines().map(plain).collect();
    }
    let h = highlighting();
    let Some(syntax) = syntax_for(lang) else {
        return code.lines().map(plain).collect();
    };
    let mut highlighter = HighlightLines::new(syntax, &h.theme);
    let mut out = Vec::new();
    for line in code.lines() {
        let with_newline = format!("{line}\n");
        match highlighter.highlight_line(&with_newline, &h.syntaxes) {
            Ok(regions) => {
                let mut spans = vec![gutter.clone()];
                for (style, piece) in regions {
                    let piece = piece.trim_end_matches('\n');
                    if piece.is_empty() {
                        continue;
                    }
                    let fg = style.foreground;
                    spans.push(Span::styled(
                        piece.to_owned(),
                        Style::default().fg(Color::Rgb(fg.r, fg.g, fg.b)),
                    ));
                }
                out.push(Line::from(spans));
            }
            Err(_) => out.push(plain(line)),
        }
    }
    out
}

/// Builds lines from pulldown-cmark events.
struct Renderer {
    palette: Palette,
    width: usize,
    lines: Vec<Line<'static>>,
    current: Vec<Span<'static>>,
    /// The styles of the open inline tags, each already combined with those outside it.
    styles: Vec<Style>,
    /// List nesting: `None` for bullets, `Some(n)` for the next number.
    lists: Vec<Option<u64>>,
    quote: usize,
    /// Lists and block quotes open past `MAX_NESTING` levels: drawn flat, their ends skipped.
    flat: usize,
    /// Whether the line being built holds an item marker and nothing after it yet.
    bare_marker: bool,
    code: Option<(String, String)>,
    table: Option<Table>,
    link: Option<String>,
    image: Option<String>,
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
    cell: String,
    row: Vec<String>,
    head_rows: usize,
    in_head: bool,
}

impl Renderer {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    /// Opens an inline style inside the current one.
    fn push_style(&mut self, style: Style) {
        let combined = self.style().patch(style);
        self.styles.push(combined);
    }

    fn prefix(&self) -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        for _ in 0..self.quote {
            spans.push(Span::styled("▌ ", self.palette.muted()));
        }
        spans
    }

    fn push_text(&mut self, text: &str, style: Style) {
        let text = sanitize(text);
        if let Some(table) = self.table.as_mut() {
            table.cell.push_str(&text);
            return;
        }
        if let Some(alt) = self.image.as_mut() {
            alt.push_str(&text);
            return;
        }
        for (i, piece) in text.split('\n').enumerate() {
            if i > 0 {
                self.flush();
            }
            if !piece.is_empty() {
                self.current.push(Span::styled(piece.to_owned(), style));
                self.bare_marker = false;
            }
        }
    }

    fn flush(&mut self) {
        self.bare_marker = false;
        if self.current.is_empty() {
            return;
        }
        let mut spans = self.prefix();
        spans.append(&mut self.current);
        self.lines.push(Line::from(spans));
    }

    fn blank(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|l| !l.spans.is_empty()) {
            let prefix = self.prefix();
            self.lines.push(Line::from(prefix));
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some((_, code)) = self.code.as_mut() {
                    code.push_str(&text);
                } else {
                    let style = self.style();
                    self.push_text(&text, style);
                }
            }
            Event::Code(code) => {
                let style = self.style().patch(self.palette.code());
                self.push_text(&code, style);
            }
            Event::InlineMath(math) => {
                let style = self.style().patch(self.palette.fg(Color::Cyan));
                self.push_text(&format!("${math}$"), style);
            }
            Event::DisplayMath(math) => {
                self.flush();
                let style = self.palette.fg(Color::Cyan);
                self.push_text(&format!("$${math}$$"), style);
                self.flush();
            }
            Event::SoftBreak => self.push_text(" ", Style::default()),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.blank();
                let rule = "─".repeat(self.width.clamp(3, 60));
                self.lines
                    .push(Line::from(Span::styled(rule, self.palette.muted())));
            }
            Event::TaskListMarker(checked) => {
                let mark = if checked { "[x] " } else { "[ ] " };
                self.current.push(Span::raw(mark));
                self.bare_marker = false;
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let style = self.palette.muted();
                self.push_text(&html, style);
            }
            Event::FootnoteReference(name) => {
                self.push_text(&format!("[^{name}]"), Style::default())
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.blank(),
            Tag::Heading { level, .. } => {
                self.blank();
                let mut style = Style::default().add_modifier(Modifier::BOLD);
                if level == HeadingLevel::H1 || level == HeadingLevel::H2 {
                    style = style.add_modifier(Modifier::UNDERLINED);
                }
                self.push_style(style.patch(self.palette.fg(Color::LightBlue)));
            }
            Tag::BlockQuote(_) | Tag::List(_) if self.lists.len() + self.quote >= MAX_NESTING => {
                self.flat += 1;
            }
            Tag::BlockQuote(_) => {
                self.blank();
                self.quote += 1;
            }
            Tag::CodeBlock(kind) => {
                self.blank();
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => {
                        lang.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.blank();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            // An item of a list drawn flat: on the line of the item holding it, if that is bare.
            Tag::Item if self.flat > 0 && self.bare_marker => {}
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                self.current
                    .push(Span::raw(format!("{}{marker}", "  ".repeat(depth))));
                self.bare_marker = true;
            }
            Tag::Emphasis => self.push_style(Style::default().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(Style::default().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => {
                self.push_style(Style::default().add_modifier(Modifier::CROSSED_OUT));
            }
            Tag::Link { dest_url, .. } => {
                self.link = Some(dest_url.to_string());
                self.push_style(Style::default().add_modifier(Modifier::UNDERLINED));
            }
            Tag::Image { .. } => self.image = Some(String::new()),
            Tag::Table(_) => {
                self.blank();
                self.table = Some(Table::default());
            }
            Tag::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.in_head = true;
                }
            }
            Tag::TableRow | Tag::TableCell => {}
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::BlockQuote(_) | TagEnd::List(_) if self.flat > 0 => self.flat -= 1,
            TagEnd::Paragraph => self.flush(),
            TagEnd::Heading(_) => {
                self.styles.pop();
                self.flush();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            TagEnd::CodeBlock => {
                if let Some((lang, code)) = self.code.take() {
                    let code = sanitize(&code);
                    let mut lines = code_lines(&code, &lang, self.palette);
                    for line in &mut lines {
                        let mut spans = self.prefix();
                        spans.append(&mut line.spans);
                        *line = Line::from(spans);
                    }
                    self.lines.extend(lines);
                }
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::Item => self.flush(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some(url) = self.link.take() {
                    let style = self.palette.muted();
                    self.push_text(&format!(" <{url}>"), style);
                }
            }
            TagEnd::Image => {
                if let Some(alt) = self.image.take() {
                    let label = if alt.is_empty() {
                        "[image]".to_owned()
                    } else {
                        format!("[image: {alt}]")
                    };
                    let style = self.palette.muted().add_modifier(Modifier::ITALIC);
                    self.push_text(&label, style);
                }
            }
            TagEnd::TableCell => {
                if let Some(t) = self.table.as_mut() {
                    let cell = std::mem::take(&mut t.cell);
                    t.row.push(cell.trim().to_owned());
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                    t.head_rows += 1;
                    t.in_head = false;
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = self.table.as_mut() {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.table_lines(&t);
                }
            }
            _ => {}
        }
    }

    fn table_lines(&mut self, t: &Table) {
        let columns = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0usize; columns];
        for row in &t.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        // Shrink the widest columns until the table fits.
        let total = |w: &[usize]| w.iter().sum::<usize>() + 3 * w.len().saturating_sub(1);
        while total(&widths) > self.width && widths.iter().any(|&w| w > 3) {
            if let Some(max) = widths.iter_mut().max() {
                *max -= 1;
            }
        }
        for (r, row) in t.rows.iter().enumerate() {
            let mut spans = self.prefix();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                let mut text: String = cell.chars().take(*width).collect();
                let pad = width.saturating_sub(text.chars().count());
                text.push_str(&" ".repeat(pad));
                let style = if r < t.head_rows {
                    Style::default().add_modifier(Modifier::BOLD)
                } else {
                    Style::default()
                };
                if i > 0 {
                    spans.push(Span::styled(" │ ", self.palette.muted()));
                }
                spans.push(Span::styled(text, style));
            }
            self.lines.push(Line::from(spans));
            if r + 1 == t.head_rows {
                let rule = widths
                    .iter()
                    .map(|w| "─".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("─┼─");
                let mut spans = self.prefix();
                spans.push(Span::styled(rule, self.palette.muted()));
                self.lines.push(Line::from(spans));
            }
        }
    }
}

/// Renders Markdown into lines for a body `width` columns wide.
pub fn render(markdown: &str, width: u16, palette: Palette) -> Vec<Line<'static>> {
    let mut r = Renderer {
        palette,
        width: usize::from(width.max(10)),
        lines: Vec::new(),
        current: Vec::new(),
        styles: Vec::new(),
        lists: Vec::new(),
        quote: 0,
        flat: 0,
        bare_marker: false,
        code: None,
        table: None,
        link: None,
        image: None,
    };
    for event in Parser::new_ext(markdown, markdown_options()) {
        r.event(event);
    }
    r.flush();
    while r.lines.first().is_some_and(|l| l.spans.is_empty()) {
        r.lines.remove(0);
    }
    r.lines
}

/// The lines as plain text, for tests and for measuring.
pub fn plain_text(lines: &[Line<'_>]) -> String {
    lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONO: Palette = Palette { color: false };

    #[test]
    fn blocks_render_readably() {
        let md = "Some *emphasis*, **bold** and `code`.\n\n- one\n- [x] done\n  1. nested\n\n> quoted\n\n| a | b |\n|---|---|\n| long cell | x |\n\n![diagram](media/x.png) and $S$.\n\n```yaml\ntrigger: none\n```\n";
        let text = plain_text(&render(md, 60, MONO));
        assert_eq!(
            text,
            "Some emphasis, bold and code.\n\n• one\n• [x] done\n  1. nested\n\n▌ quoted\n\na         │ b\n──────────┼──\nlong cell │ x\n\n[image: diagram] and $S$.\n\n│ trigger: none"
        );
    }

    #[test]
    fn code_is_highlighted_in_colour() {
        let lines = render("```yaml\nkey: value\n```\n", 60, Palette { color: true });
        assert_eq!(plain_text(&lines), "│ key: value");
        let colours: std::collections::HashSet<_> =
            lines[0].spans.iter().filter_map(|s| s.style.fg).collect();
        assert!(colours.len() >= 2, "{lines:?}");
    }

    #[test]
    fn no_colour_means_no_colour() {
        let lines = render("# T\n\n`x` and ```\n```yaml\nk: v\n```\n", 60, MONO);
        assert!(
            lines
                .iter()
                .flat_map(|l| &l.spans)
                .all(|s| s.style.fg.is_none() && s.style.bg.is_none())
        );
    }

    #[test]
    fn escape_sequences_never_come_through() {
        let md = "Hi \u{1b}[2J\u{1b}]0;title\u{7} there\n\n```\n\u{1b}[31mred\n```\n";
        let text = plain_text(&render(md, 60, Palette { color: true }));
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }

    /// `levels` levels of one kind of block, nested on one line around an `x`.
    fn nested(unit: &str, levels: usize) -> String {
        format!("{}x\n", unit.repeat(levels))
    }

    #[test]
    fn nesting_past_the_limit_is_drawn_flat() {
        let shallow = plain_text(&render(&nested("- ", 3), 60, MONO));
        assert_eq!(shallow, "• \n  • \n    • x");
        let lines = plain_text(&render(&nested("- ", MAX_NESTING + 4), 60, MONO));
        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines.len(), MAX_NESTING, "{lines:#?}");
        assert_eq!(
            lines[MAX_NESTING - 1],
            format!("{}• x", "  ".repeat(MAX_NESTING - 1))
        );
        let quotes = plain_text(&render(&nested("> ", MAX_NESTING + 4), 60, MONO));
        assert_eq!(quotes, format!("{}x", "▌ ".repeat(MAX_NESTING)));
        // Items past the limit that hold text each keep a line, at the deepest level.
        let md = format!(
            "{}a\n{}  - b\n",
            "- ".repeat(MAX_NESTING + 2),
            " ".repeat(2 * (MAX_NESTING + 2))
        );
        let text = plain_text(&render(&md, 80, MONO));
        let indent = "  ".repeat(MAX_NESTING - 1);
        assert!(
            text.ends_with(&format!("{indent}• a\n{indent}• b")),
            "{text}"
        );
    }

    /// A hang guard: the review drew 10,000 nested levels in time and memory growing with the
    /// square of the depth (minutes, gigabytes). Timings are in `benches/review.rs`.
    #[test]
    fn ten_thousand_levels_render_at_once_in_few_narrow_lines() {
        for unit in ["- ", "1. ", "> ", "> - 1. "] {
            let md = nested(unit, 10_000);
            let started = std::time::Instant::now();
            let lines = render(&md, 76, Palette { color: true });
            let took = started.elapsed();
            assert!(
                lines.len() <= 2 * MAX_NESTING,
                "{unit:?}: {} lines",
                lines.len()
            );
            let widest = lines.iter().map(Line::width).max().unwrap_or(0);
            assert!(widest <= 4 * MAX_NESTING + 4, "{unit:?}: {widest} columns");
            assert!(plain_text(&lines).ends_with('x'), "{unit:?}");
            assert!(took.as_secs_f64() < 2.0, "{unit:?}: {took:?}");
        }
        // Nested emphasis costs no more than flat text.
        let md = format!("{}x{}\n", "*a ".repeat(10_000), " b*".repeat(10_000));
        let started = std::time::Instant::now();
        let text = plain_text(&render(&md, 76, MONO));
        assert!(text.contains("a x b"), "{text}");
        assert!(started.elapsed().as_secs_f64() < 2.0);
    }

    #[test]
    fn wide_tables_shrink_to_fit() {
        let md = "| a | b |\n|---|---|\n| aaaaaaaaaaaaaaaaaaaa | bbbbbbbbbbbbbbbbbbbbbbb |\n";
        let lines = render(md, 20, MONO);
        assert!(lines.iter().all(|l| l.width() <= 20), "{lines:?}");
    }
}
