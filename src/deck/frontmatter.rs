//! Front matter at the top of a deck's Markdown file: YAML between `---` lines or TOML between
//! `+++` lines, holding the file's default `skill` and its `tags`.

use serde::Deserialize;

use super::diagnostic::Reporter;

/// What a file's front matter may say.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// The default skill id of the file's notes.
    #[serde(default)]
    pub skill: Option<String>,
    /// Tags added to every note of the file.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Splits the front matter off `text`. Returns the front matter (default when absent or broken,
/// with the problem reported) and the byte offset where the Markdown body starts.
pub fn split(text: &str, reporter: &mut Reporter<'_>) -> (FrontMatter, usize) {
    let Some((fence, format)) = [("---", Format::Yaml), ("+++", Format::Toml)]
        .into_iter()
        .find(|(fence, _)| first_line(text) == *fence)
    else {
        return (FrontMatter::default(), 0);
    };
    let content_start = line_end(text, 0);
    let mut pos = content_start;
    while pos < text.len() {
        let end = line_end(text, pos);
        let line = text[pos..end].trim_end_matches(['\n', '\r']);
        if line == fence {
            let content = &text[content_start..pos];
            let front = parse(content, content_start, format, reporter).unwrap_or_default();
            return (front, end);
        }
        pos = end;
    }
    reporter
        .error(
            0,
            format!("front matter opened with `{fence}` is never closed"),
        )
        .hint(format!(
            "end the front matter with a line holding only `{fence}`"
        ));
    (FrontMatter::default(), text.len())
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Yaml,
    Toml,
}

fn parse(
    content: &str,
    base: usize,
    format: Format,
    reporter: &mut Reporter<'_>,
) -> Option<FrontMatter> {
    let result = match format {
        Format::Yaml if content.trim().is_empty() => return Some(FrontMatter::default()),
        Format::Yaml => serde_norway::from_str::<FrontMatter>(content).map_err(|e| {
            let offset = e.location().map_or(0, |l| l.index());
            (offset, first_sentence(&e.to_string()))
        }),
        Format::Toml => toml::from_str::<FrontMatter>(content).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            (offset, first_sentence(e.message()))
        }),
    };
    match result {
        Ok(front) => Some(front),
        Err((offset, message)) => {
            let kind = match format {
                Format::Yaml => "YAML",
                Format::Toml => "TOML",
            };
            reporter
                .error(
                    base + offset.min(content.len()),
                    format!("bad {kind} front matter: {message}"),
                )
                .hint("front matter holds `skill` (a skill id) and `tags` (a list)");
            None
        }
    }
}

/// The message without the location that the YAML/TOML libraries append.
fn first_sentence(message: &str) -> String {
    let message = message.lines().next().unwrap_or(message);
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn first_line(text: &str) -> &str {
    text[..line_end(text, 0)].trim_end_matches(['\n', '\r'])
}

/// The offset just past the end of the line starting at `pos` (including its newline).
fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (FrontMatter, usize, Vec<String>) {
        let mut r = Reporter::new("f.md", text, 0);
        let (front, start) = split(text, &mut r);
        (
            front,
            start,
            r.diagnostics.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn yaml_and_toml() {
        let (f, start, d) = run("---\nskill: yaml\ntags: [a, b]\n---\n# T\n");
        assert_eq!(f.skill.as_deref(), Some("yaml"));
        assert_eq!(f.tags, ["a", "b"]);
        assert_eq!(start, "---\nskill: yaml\ntags: [a, b]\n---\n".len());
        assert!(d.is_empty());
        let (f, _, d) = run("+++\nskill = \"yaml\"\n+++\n");
        assert_eq!(f.skill.as_deref(), Some("yaml"));
        assert!(d.is_empty());
    }

    #[test]
    fn none() {
        let (f, start, d) = run("# Title\n");
        assert_eq!((f, start), (FrontMatter::default(), 0));
        assert!(d.is_empty());
    }

    #[test]
    fn malformed_yaml_reports_line() {
        let (_, _, d) = run("---\nskill: yaml\ntags: [a, b\n---\n");
        assert_eq!(d.len(), 1);
        assert!(d[0].starts_with("f.md:"), "{}", d[0]);
        assert!(d[0].contains("bad YAML front matter"), "{}", d[0]);
    }

    #[test]
    fn unknown_key_is_an_error() {
        let (_, _, d) = run("+++\nskil = \"x\"\n+++\n");
        assert_eq!(d.len(), 1);
        assert!(
            d[0].starts_with("f.md:2:1: error: bad TOML front matter: unknown field `skil`"),
            "{}",
            d[0]
        );
    }

    #[test]
    fn unclosed() {
        let (_, _, d) = run("---\nskill: x\n");
        assert_eq!(
            d,
            [
                "f.md:1:1: error: front matter opened with `---` is never closed\n  hint: end the front matter with a line holding only `---`"
            ]
        );
    }
}
