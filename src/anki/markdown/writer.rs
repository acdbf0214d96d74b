//! The Markdown writer behind `convert`: it follows the HTML's tags one by one and keeps what
//! is open (lists, links, emphasis, code, tables), so that whatever the HTML leaves unclosed or
//! misnested, the Markdown it writes is closed and stays inside its note.

use html5ever::tokenizer::{Tag, TagKind};

use super::{longest_run, tidy};

/// List nesting written as indentation; deeper items stay at this depth, so hostile nesting
/// cannot make the output grow faster than the input.
pub(super) const MAX_LIST_DEPTH: usize = 8;

/// Emphasis nested deeper than this is read as its text (so closing tags stay cheap).
const MAX_EMPHASIS: usize = 16;

/// An open list: ordered ones count their items.
struct List {
    next: Option<u64>,
}

impl List {
    /// The width of this list's item marker (`- `, `12. `): where nested content starts.
    fn indent(&self) -> usize {
        match self.next {
            None => 2,
            Some(n) => n.saturating_sub(1).max(1).to_string().len() + 2,
        }
    }
}

/// The Markdown being written and where the HTML is.
pub(super) struct Writer<'m> {
    out: String,
    media: &'m mut dyn FnMut(&str) -> Option<String>,
    /// Inside a script or style: its text is dropped.
    raw: bool,
    lists: Vec<List>,
    /// The destination of the open link, when it is kept.
    link: Option<String>,
    /// Open emphasis: the marker and where its content starts in `out`.
    emphasis: Vec<(&'static str, usize)>,
    /// Inside `<pre>`: where the opening fence starts in `out`.
    pre: Option<usize>,
    /// Inside `<code>` (not in `<pre>`): where the opening backtick is in `out`.
    code: Option<usize>,
    cells: usize,
    /// Inside a table: how many rows are done (the first becomes the header).
    table: Option<usize>,
}

impl<'m> Writer<'m> {
    pub(super) fn new(capacity: usize, media: &'m mut dyn FnMut(&str) -> Option<String>) -> Self {
        Writer {
            out: String::with_capacity(capacity),
            media,
            raw: false,
            lists: Vec::new(),
            link: None,
            emphasis: Vec::new(),
            pre: None,
            code: None,
            cells: 0,
            table: None,
        }
    }

    /// Adds text, escaped so Markdown reads it as text (cloze markers kept).
    pub(super) fn text(&mut self, text: &str) {
        if self.raw {
            return;
        }
        if self.pre.is_some() {
            let text = text.replace('\u{a0}', " ");
            self.out.extend(
                text.chars()
                    .filter(|&c| matches!(c, '\n' | '\t') || !c.is_control()),
            );
            return;
        }
        for c in text.chars() {
            match c {
                // Runs of white space are one space, as a browser shows them; code keeps its
                // other characters, on one line.
                ' ' | '\n' | '\r' | '\t' | '\u{a0}' => {
                    if !self.out.ends_with(' ') {
                        self.out.push(' ');
                    }
                }
                c if c.is_control() => {}
                c if self.code.is_some() => self.out.push(c),
                '\\' | '*' | '_' | '[' | ']' | '`' | '<' | '>' | '$' | '|' | '#' | '~' => {
                    self.out.push('\\');
                    self.out.push(c);
                }
                c => self.out.push(c),
            }
        }
    }

    pub(super) fn tag(&mut self, tag: &Tag) {
        let opening = tag.kind == TagKind::StartTag;
        let name: &str = &tag.name;
        if self.raw {
            if !opening && matches!(name, "script" | "style") {
                self.raw = false;
            }
            return;
        }
        // Inline code is one line: breaks are spaces, emphasis is dropped, blocks end it.
        if self.code.is_some() {
            match name {
                "br" | "div" | "p" => {
                    self.out.push(' ');
                    return;
                }
                "b" | "strong" | "i" | "em" => return,
                "li" | "ul" | "ol" | "table" | "tr" | "td" | "th" | "pre" | "a" | "img" => {
                    self.end_code();
                }
                _ => {}
            }
        }
        // A code block keeps its text as it is.
        if self.pre.is_some() && matches!(name, "b" | "strong" | "i" | "em") {
            return;
        }
        match (name, opening) {
            ("script" | "style", true) => self.raw = true,
            // A table row is one line: breaks inside a cell become spaces.
            ("br" | "div" | "p", _) if self.table.is_some() => self.cell_space(),
            ("br", _) => self.out.push('\n'),
            ("div" | "p", _) => self.paragraph(),
            ("b" | "strong", true) => self.open_emphasis("**"),
            ("b" | "strong", false) => self.close_emphasis("**"),
            ("i" | "em", true) => self.open_emphasis("*"),
            ("i" | "em", false) => self.close_emphasis("*"),
            ("code", true) if self.pre.is_none() && self.code.is_none() => {
                self.code = Some(self.out.len());
                self.out.push('`');
            }
            ("code", false) => self.end_code(),
            ("table", true) => {
                self.paragraph();
                self.table = Some(0);
            }
            ("table", false) => {
                self.table = None;
                self.paragraph();
            }
            ("tr", true) if self.table.is_some() => {
                self.line_start();
                self.out.push('|');
                self.cells = 0;
            }
            ("tr", false) if self.table.is_some() => self.end_row(),
            ("td" | "th", true) if self.table.is_some() => {
                self.trim_spaces();
                self.out.push_str(if self.cells == 0 { " " } else { " | " });
                self.cells += 1;
            }
            // Cells outside any table: kept apart on one line.
            ("tr", true) => self.cells = 0,
            ("tr", false) => self.out.push('\n'),
            ("td" | "th", true) => {
                if self.cells > 0 {
                    self.out.push_str(" · ");
                }
                self.cells += 1;
            }
            ("pre", true) if self.pre.is_none() => {
                self.paragraph();
                self.pre = Some(self.out.len());
                self.out.push_str("```\n");
            }
            ("pre", false) => self.end_pre(),
            ("ul", true) => self.lists.push(List { next: None }),
            ("ol", true) => {
                let start = attribute(tag, "start")
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .filter(|&n| n < 1_000_000_000)
                    .unwrap_or(1);
                self.lists.push(List { next: Some(start) });
            }
            // A nested list ends on its own line, the outer list goes on.
            ("ul" | "ol", false) => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.paragraph();
                } else {
                    self.line_start();
                }
            }
            ("li", true) => self.item(),
            ("img", _) => {
                if let Some(src) = attribute(tag, "src")
                    && let Some(path) = (self.media)(src)
                    && let Some(dest) = destination(&path)
                {
                    self.out.push_str(&format!("![]({dest})"));
                }
            }
            ("a", true) => {
                self.end_link();
                self.link = attribute(tag, "href")
                    .map(|h| h.trim_matches(|c: char| c.is_ascii_whitespace()))
                    .filter(|h| {
                        let h = h.to_ascii_lowercase();
                        ["http://", "https://", "mailto:"]
                            .iter()
                            .any(|scheme| h.starts_with(scheme) && h.len() > scheme.len())
                    })
                    .and_then(destination);
                if self.link.is_some() {
                    self.out.push('[');
                }
            }
            ("a", false) => self.end_link(),
            _ => {}
        }
    }

    /// Closes whatever the HTML left open and tidies the lines.
    pub(super) fn finish(mut self) -> String {
        self.end_code();
        self.end_pre();
        self.end_link();
        while let Some(&(marker, _)) = self.emphasis.last() {
            self.close_emphasis(marker);
        }
        tidy(&self.out)
    }

    fn item(&mut self) {
        self.line_start();
        let depth = self.lists.len().saturating_sub(1).min(MAX_LIST_DEPTH);
        let indent: usize = self.lists.iter().take(depth).map(List::indent).sum();
        // Indentation is marked with NULs (text never holds one): `tidy` trims spaces.
        self.out.extend(std::iter::repeat_n('\0', indent));
        match self.lists.last_mut() {
            Some(List { next: Some(n) }) => {
                self.out.push_str(&format!("{n}. "));
                *n = n.saturating_add(1);
            }
            _ => self.out.push_str("- "),
        }
    }

    fn open_emphasis(&mut self, marker: &'static str) {
        if self.emphasis.len() >= MAX_EMPHASIS {
            return;
        }
        self.out.push_str(marker);
        self.emphasis.push((marker, self.out.len()));
    }

    /// Closes `marker` (and what was opened inside it); an empty one is removed, and spaces
    /// before the closing marker move after it, where Markdown wants them.
    fn close_emphasis(&mut self, marker: &str) {
        let Some(at) = self.emphasis.iter().rposition(|(m, _)| *m == marker) else {
            return;
        };
        for (marker, start) in self.emphasis.split_off(at).into_iter().rev() {
            let content_end = self.out.trim_end_matches(' ').len();
            let at = start - marker.len();
            if content_end <= start && self.out.get(at..start) == Some(marker) {
                self.out.replace_range(at..start, "");
            } else {
                let spaces = self.out.len() - content_end;
                self.out.truncate(content_end);
                self.out.push_str(marker);
                self.out.push_str(&" ".repeat(spaces));
            }
        }
    }

    fn end_link(&mut self) {
        if let Some(dest) = self.link.take() {
            self.out.push_str(&format!("]({dest})"));
        }
    }

    /// Ends inline code with as many backticks as it needs to hold its own.
    fn end_code(&mut self) {
        let Some(start) = self.code.take() else {
            return;
        };
        let content = self.out.get(start + 1..).unwrap_or("");
        if content.trim().is_empty() {
            self.out.truncate(start);
            return;
        }
        let ticks = longest_run(content, '`');
        if ticks == 0 || self.out.get(start..=start) != Some("`") {
            self.out.push('`');
        } else {
            let fence = "`".repeat(ticks + 1);
            self.out
                .replace_range(start..start + 1, &format!("{fence} "));
            self.out.push(' ');
            self.out.push_str(&fence);
        }
    }

    /// Ends a code block with a fence longer than any run of backticks inside it.
    fn end_pre(&mut self) {
        let Some(start) = self.pre.take() else {
            return;
        };
        let ticks = longest_run(self.out.get(start + 4..).unwrap_or(""), '`');
        self.out.truncate(self.out.trim_end_matches('\n').len());
        self.out.push('\n');
        let fence = "`".repeat(ticks.max(2) + 1);
        self.out.push_str(&fence);
        if self.out.get(start..start + 3) == Some("```") {
            self.out.replace_range(start..start + 3, &fence);
        }
        self.paragraph();
    }

    /// A break inside a table cell: one space, the row stays one line.
    fn cell_space(&mut self) {
        if !self.out.ends_with([' ', '|']) {
            self.out.push(' ');
        }
    }

    /// Ends a table row; after the first row (the header), the delimiter row.
    fn end_row(&mut self) {
        if self.cells == 0 {
            return;
        }
        self.trim_spaces();
        self.out.push_str(" |\n");
        if self.table == Some(0) {
            self.out.push('|');
            self.out.push_str(&"---|".repeat(self.cells));
            self.out.push('\n');
        }
        self.table = self.table.map(|done| done + 1);
    }

    fn trim_spaces(&mut self) {
        self.out.truncate(self.out.trim_end_matches(' ').len());
    }

    fn line_start(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn paragraph(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\n']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
    }
}

/// An attribute's value, by its exact name (html5ever lowercases names and decodes values).
fn attribute<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|a| a.name.ns.is_empty() && &*a.name.local == name)
        .map(|a| &*a.value)
}

/// A link or image destination as Markdown reads it: bare when plain, else in `<…>` with
/// `<`, `>` and `\` escaped. `None` for one that holds a line break.
fn destination(url: &str) -> Option<String> {
    if url.is_empty() || url.contains(['\n', '\r']) {
        return None;
    }
    let url: String = url.chars().filter(|c| !c.is_control()).collect();
    if !url.contains([' ', '(', ')', '<', '>', '\\']) {
        return Some(url);
    }
    let mut dest = String::from("<");
    for c in url.chars() {
        if matches!(c, '<' | '>' | '\\') {
            dest.push('\\');
        }
        dest.push(c);
    }
    dest.push('>');
    Some(dest)
}
