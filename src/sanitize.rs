//! Deck and package text made safe to show. Decks and Anki packages come from strangers, and
//! their text ends up in the terminal (review screen, `show`, `check`, error messages, …) and
//! in JSON read by scripts. One sanitizer drops what a terminal would act on or that would
//! disguise text — control characters (C0, DEL, C1, so every escape sequence) and bidirectional
//! controls — and every printing edge goes through it: [`stdout`] and [`stderr`] sanitize all
//! text written to them, [`to_json`] writes those characters as `\uXXXX` escapes instead.

use std::io::{self, Write};

use crate::error::Result;

/// Whether a character is a bidirectional control: the embeddings, overrides and isolates, and
/// the invisible marks (left-to-right, right-to-left, Arabic letter), which can make text read
/// differently from what it is.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Whether a character must not reach a terminal: a control character (U+0000–U+001F, U+007F,
/// U+0080–U+009F) other than a newline or tab, or a bidirectional control.
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Text with every hidden character removed (newlines kept, tabs become spaces), so no escape
/// sequence from a deck can reach the terminal.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if is_hidden(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Pretty JSON in which every hidden character is written as a `\uXXXX` escape. serde_json
/// escapes U+0000–U+001F itself; DEL, C1 and bidirectional controls it writes as they are, and
/// they can only occur inside strings, where an escape means the same character.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    let json = serde_json::to_string_pretty(value)?;
    if !json.chars().any(|c| c != '\n' && is_hidden(c)) {
        return Ok(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_hidden(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// A writer that sanitizes the text written through it. Bytes that are not UTF-8 are dropped
/// too (a lone byte 0x9B is CSI to some terminals); a character split between two writes is
/// held back until its end arrives.
pub struct Clean<W: Write> {
    inner: W,
    /// The start of a character whose remaining bytes have not been written yet.
    pending: Vec<u8>,
}

impl<W: Write> Clean<W> {
    pub fn new(inner: W) -> Clean<W> {
        Clean {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for Clean<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        let mut clean = String::with_capacity(bytes.len());
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            clean.push_str(&sanitize(chunk.valid()));
            let invalid = chunk.invalid();
            // Only the very end can be a character cut short rather than invalid.
            if chunks.peek().is_none()
                && !invalid.is_empty()
                && std::str::from_utf8(invalid).is_err_and(|e| e.error_len().is_none())
            {
                self.pending = invalid.to_vec();
            }
        }
        self.inner.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Standard output, sanitized: every command writes its human-readable output through it.
pub fn stdout() -> Clean<io::StdoutLock<'static>> {
    Clean::new(io::stdout().lock())
}

/// Standard error, sanitized: warnings, diagnostics and error messages.
pub fn stderr() -> Clean<io::StderrLock<'static>> {
    Clean::new(io::stderr().lock())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizing_removes_escape_sequences_and_controls() {
        let hostile = "red \u{1b}[31mtext\u{1b}[0m\u{7}\r\n\ttab \u{9b}31m \u{202E}evil\u{7f}\u{200f}\u{61c}\u{2067}";
        let clean = sanitize(hostile);
        assert_eq!(clean, "red [31mtext[0m\n tab 31m evil");
        assert!(!clean.chars().any(|c| c.is_control() && c != '\n'));
    }

    #[test]
    fn ordinary_text_is_kept() {
        let text = "Ünïcödé → ✓, עברית, العربية, 日本語\n  indented";
        assert_eq!(sanitize(text), text);
    }

    #[test]
    fn json_escapes_what_serde_json_leaves() {
        let value =
            serde_json::json!({ "t": "a\u{1b}[2J b\u{7f} c\u{9b} d\u{202e} e\u{2066} é\n" });
        let json = to_json(&value).unwrap();
        assert_eq!(
            json,
            "{\n  \"t\": \"a\\u001b[2J b\\u007f c\\u009b d\\u202e e\\u2066 é\\n\"\n}"
        );
        assert!(!json.chars().any(|c| c != '\n' && is_hidden(c)));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn the_writer_sanitizes_across_writes() {
        let mut out = Clean::new(Vec::new());
        let text = "é\u{1b}]0;x\u{7}ok \u{9b}1m\u{202e}".as_bytes();
        // Byte by byte: every multi-byte character is split between writes.
        for b in text {
            out.write_all(std::slice::from_ref(b)).unwrap();
        }
        // Bytes that are not UTF-8 (a raw C1 CSI) are dropped.
        out.write_all(b"\x9b2J end\n").unwrap();
        assert_eq!(String::from_utf8(out.inner).unwrap(), "é]0;xok 1m2J end\n");
    }
}
