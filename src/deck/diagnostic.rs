//! Problems found in a deck, each tied to `path:line:column`, and the line index that turns byte
//! offsets into those positions.

use std::fmt;

use serde::Serialize;

/// How bad a problem is: errors stop a build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in a deck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    #[serde(skip)]
    pub severity: Severity,
    /// The file, relative to the current directory as the user named the deck.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// Adds a hint shown under the message.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the hint of a diagnostic already recorded.
    pub fn hint(&mut self, hint: impl Into<String>) {
        self.hint = Some(hint.into());
    }

    /// Whether this problem stops a build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl Diagnostic {
    /// `path:line:column: message` and the hint, without the severity: the form an error
    /// that stops a command takes (the command's own `error:` prefix says how bad it is).
    pub fn located(&self) -> String {
        let mut out = format!(
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        );
        if let Some(hint) = &self.hint {
            out.push_str("\n  hint: ");
            out.push_str(hint);
        }
        out
    }
}

impl Diagnostic {
    /// The diagnostic as a GitHub Actions workflow command (`::error file=…,line=…,col=…::…`),
    /// which shows it on the pull request's line. `path` is the file as the repository names
    /// it; the hint follows the message on a line of its own.
    pub fn workflow_command(&self, path: &str) -> String {
        let command = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = self.message.clone();
        if let Some(hint) = &self.hint {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        format!(
            "::{command} file={},line={},col={}::{}",
            escape_property(path),
            self.line,
            self.column,
            escape_data(&message)
        )
    }
}

/// Escapes the message of a workflow command: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command: as the message, and `:` and `,` too.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {label}: {}",
            self.path, self.line, self.column, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Collects the diagnostics of one file, turning byte offsets into lines and columns.
#[derive(Debug)]
pub struct Reporter<'a> {
    path: &'a str,
    text: &'a str,
    /// Byte offset at which each line starts.
    line_starts: Vec<usize>,
    /// Added to every line number (lines taken by text the parser did not see).
    line_offset: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    /// A reporter for `text`, read from `path`, whose first line is line `line_offset + 1` of the file.
    pub fn new(path: &'a str, text: &'a str, line_offset: usize) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Reporter {
            path,
            text,
            line_starts,
            line_offset,
            diagnostics: Vec::new(),
        }
    }

    /// The 1-based line and column of a byte offset in the text.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line + 1 + self.line_offset, column)
    }

    /// Records a problem at a byte offset.
    pub fn report(
        &mut self,
        severity: Severity,
        offset: usize,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let (line, column) = self.position(offset);
        self.diagnostics
            .push(at(severity, self.path, line, column, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    /// Records an error at a byte offset.
    pub fn error(&mut self, offset: usize, message: impl Into<String>) -> &mut Diagnostic {
        self.report(Severity::Error, offset, message)
    }

    /// Records a warning at a byte offset.
    pub fn warning(&mut self, offset: usize, message: impl Into<String>) -> &mut Diagnostic {
        self.report(Severity::Warning, offset, message)
    }
}

/// A diagnostic at a known position.
pub fn at(
    severity: Severity,
    path: &str,
    line: usize,
    column: usize,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic {
        severity,
        path: path.to_owned(),
        line,
        column,
        message: message.into(),
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\ncdé f\n";
        let r = Reporter::new("x.md", text, 3);
        assert_eq!(r.position(0), (4, 1));
        assert_eq!(r.position(3), (5, 1));
        let f = text.find('f').unwrap_or_default();
        assert_eq!(r.position(f), (5, 5));
    }

    #[test]
    fn display_has_path_line_column_and_hint() {
        let d = at(Severity::Error, "a.md", 2, 5, "bad").with_hint("do this");
        assert_eq!(d.to_string(), "a.md:2:5: error: bad\n  hint: do this");
    }

    #[test]
    fn workflow_commands_escape_data_and_properties() {
        let d = at(Severity::Warning, "x", 3, 7, "50% of\r\nit: a, b").with_hint("fix: it");
        assert_eq!(
            d.workflow_command("notes/a,b:c%.md"),
            "::warning file=notes/a%2Cb%3Ac%25.md,line=3,col=7::50%25 of%0D%0Ait: a, b%0Ahint: fix: it"
        );
        let e = at(Severity::Error, "x", 1, 1, "bad");
        assert_eq!(
            e.workflow_command("a.md"),
            "::error file=a.md,line=1,col=1::bad"
        );
    }
}
