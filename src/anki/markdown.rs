//! Anki field HTML → skilldeck Markdown (pure), for `import --to-markdown`. Anki decks come
//! from strangers, so this is a small, conservative converter over the tokens of html5ever's
//! spec tokenizer (which decodes every named entity and reads attributes as browsers do):
//! known tags (tables included) become Markdown, everything else becomes its text; scripts and
//! styles are dropped; characters that Markdown would read as markup are escaped, except Anki's
//! own cloze markers. Nothing a field holds can end its note: no heading, fence, rule or
//! front-matter line leaks into the deck file.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// List nesting written as indentation; deeper items stay at this depth, so hostile nesting
/// cannot make the output grow faster than the input.
const MAX_LIST_DEPTH: usize = 8;

/// Converts one field's HTML. `media` maps an image's file name to its path in the new deck
/// (`None`: not in the package, the image is dropped).
pub fn convert(html: &str, media: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let mut writer = Writer {
        out: String::with_capacity(html.len()),
        media,
        raw: false,
        lists: Vec::new(),
        link: None,
        emphasis: Vec::new(),
        pre: None,
        code: None,
        cells: 0,
        table: None,
    };
    for token in tokens(html) {
        match token {
            Token::CharacterTokens(text) => writer.text(&text),
            Token::TagToken(tag) => writer.tag(&tag),
            _ => {}
        }
    }
    writer.finish()
}

/// The tokens of `html` that carry text or tags, entities decoded. Script and style contents
/// are read as raw text (up to their end tag), as browsers read them.
fn tokens(html: &str) -> Vec<Token> {
    let tokenizer = Tokenizer::new(Collect::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    // In pieces: one buffer holds at most 4 GiB.
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = rest.len().min(1 << 20);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        input.push_back(StrTendril::from_slice(&rest[..cut]));
        rest = &rest[cut..];
    }
    // The sink never pauses for a script, so one feed reads everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.tokens.take()
}

/// Keeps the tokenizer's text and tag tokens.
#[derive(Default)]
struct Collect {
    tokens: RefCell<Vec<Token>>,
}

impl TokenSink for Collect {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let result = match &token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => match &*tag.name {
                "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                "style" => TokenSinkResult::RawData(RawKind::Rawtext),
                _ => TokenSinkResult::Continue,
            },
            _ => TokenSinkResult::Continue,
        };
        if matches!(token, Token::TagToken(_) | Token::CharacterTokens(_)) {
            self.tokens.borrow_mut().push(token);
        }
        result
    }
}

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
struct Writer<'m> {
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

impl Writer<'_> {
    /// Adds text, escaped so Markdown reads it as text (cloze markers kept).
    fn text(&mut self, text: &str) {
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
                // Code keeps its characters, on one line.
                '\n' | '\r' | '\t' | '\u{a0}' => self.out.push(' '),
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

    fn tag(&mut self, tag: &Tag) {
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
    fn finish(mut self) -> String {
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
            if content_end <= start {
                self.out.replace_range(start - marker.len()..start, "");
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
        let content = &self.out[start + 1..];
        if content.trim().is_empty() {
            self.out.truncate(start);
            return;
        }
        let ticks = longest_run(content, '`');
        if ticks == 0 {
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
        let ticks = longest_run(&self.out[start + 4..], '`');
        self.out.truncate(self.out.trim_end_matches('\n').len());
        self.out.push('\n');
        let fence = "`".repeat(ticks.max(2) + 1);
        self.out.push_str(&fence);
        self.out.replace_range(start..start + 3, &fence);
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

/// The longest run of `c` in `text`.
fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// A heading-safe one-line summary of Markdown: plain words, no braces or `#`.
pub fn summary(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // An escaped character is itself, except what a heading line cannot hold.
            '\\' => match chars.next() {
                Some('{' | '}') | None => {}
                Some(next) if next.is_whitespace() => text.push(' '),
                Some(next) if next.is_control() => {}
                Some(next) => text.push(next),
            },
            '{' | '}' | '#' | '*' | '`' | '[' | ']' | '!' | '$' => {}
            '\n' | '\t' => text.push(' '),
            c if c.is_control() => {}
            c => text.push(c),
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut line = words.join(" ");
    // Cloze markers `cN::` leave their number behind; drop the marker words.
    if line.contains("::") {
        line = line
            .split(' ')
            .map(|w| match w.find("::") {
                Some(i)
                    if w[..i].starts_with('c') && w[1..i].chars().all(|c| c.is_ascii_digit()) =>
                {
                    &w[i + 2..]
                }
                _ => w,
            })
            .collect::<Vec<_>>()
            .join(" ")
            .replace("::", " ");
    }
    if line.chars().count() > max_chars {
        line = line
            .chars()
            .take(max_chars)
            .collect::<String>()
            .trim_end()
            .to_owned()
            + "…";
    }
    line
}

/// Trims lines and collapses runs of blank lines; escapes a line that Markdown would read as a
/// rule or a setext underline; turns list indentation marks into spaces.
fn tidy(markdown: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    // Inside a code block: its fence.
    let mut fence: Option<String> = None;
    for line in markdown.lines() {
        if let Some(open) = &fence {
            let line = line.trim_end().replace('\0', " ");
            if line.len() >= open.len() && line.chars().all(|c| c == '`') {
                fence = None;
            }
            lines.push(line);
            continue;
        }
        let line = line.trim_matches([' ', '\t']);
        // A fence's info string holds no backtick (else the line is inline code).
        if line.starts_with("```") && !line.trim_start_matches('`').contains('`') {
            fence = Some("`".repeat(longest_run(line, '`')));
            lines.push(line.to_owned());
            continue;
        }
        let indent = line.len() - line.trim_start_matches('\0').len();
        let line = line.trim_matches(|c: char| c == '\0' || c == ' ' || c == '\t');
        if !line.is_empty()
            && line
                .chars()
                .all(|c| matches!(c, '-' | '=' | '*' | '_' | ' '))
        {
            lines.push(format!("\\{line}"));
            continue;
        }
        if line.is_empty() && lines.last().is_none_or(String::is_empty) {
            continue;
        }
        let indent = if line.is_empty() { 0 } else { indent };
        lines.push(format!("{}{line}", " ".repeat(indent)));
    }
    lines.join("\n").trim_end().to_owned()
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
