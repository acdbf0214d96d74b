//! Anki field HTML → skilldeck Markdown (pure), for `import --to-markdown`. Anki decks come
//! from strangers, so this is a small, conservative converter over the tokens of html5ever's
//! spec tokenizer (which decodes every named entity and reads attributes as browsers do):
//! known tags (tables included) become Markdown, everything else becomes its text; scripts and
//! styles are dropped; characters that Markdown would read as markup are escaped, except Anki's
//! own cloze markers. Nothing a field holds can end its note: no heading, fence, rule or
//! front-matter line leaks into the deck file.

mod writer;

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use writer::Writer;

/// Converts one field's HTML. `media` maps an image's file name to its path in the new deck
/// (`None`: not in the package, the image is dropped).
pub fn convert(html: &str, media: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let mut writer = Writer::new(html.len(), media);
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
    let html = defuse_crowded_tags(html);
    // In pieces: one buffer holds at most 4 GiB.
    let mut rest: &str = &html;
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

/// More attributes than any real tag has. html5ever compares each new attribute of a tag with
/// all the earlier ones (time quadratic in their number: one tag of 20,000 took seconds), so a
/// tag from a stranger with more is read as text instead.
const MAX_ATTRIBUTES: usize = 256;

/// `html` with the `<` of every tag that has more than [`MAX_ATTRIBUTES`] attributes written
/// as `&lt;`, so the tokenizer reads that tag as text. One pass; attributes are counted as runs
/// of non-space characters after white space, outside quoted values.
fn defuse_crowded_tags(html: &str) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut crowded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        let start = i;
        let (mut attributes, mut after_space, mut quote) = (0usize, false, None);
        i += 1;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'>' => break,
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b.is_ascii_whitespace() => after_space = true,
                None => {
                    if after_space {
                        attributes += 1;
                    }
                    after_space = false;
                }
            }
            i += 1;
        }
        if attributes > MAX_ATTRIBUTES {
            crowded.push(start);
        }
    }
    if crowded.is_empty() {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len() + 3 * crowded.len());
    let mut from = 0;
    for at in crowded {
        out.push_str(&html[from..at]);
        out.push_str("&lt;");
        from = at + 1;
    }
    out.push_str(&html[from..]);
    std::borrow::Cow::Owned(out)
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
mod tests;
