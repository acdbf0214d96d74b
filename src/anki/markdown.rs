//! Anki field HTML → skilldeck Markdown (pure), for `import --to-markdown`. Anki decks come
//! from strangers, so this is a small, conservative converter: known tags (tables included)
//! become Markdown, everything else becomes its text; scripts and styles are dropped; characters that Markdown
//! would read as markup are escaped, except Anki's own cloze markers.

/// Converts one field's HTML. `media` maps an image's file name to its path in the new deck.
pub fn convert(html: &str, media: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    let mut lists: Vec<Option<usize>> = Vec::new();
    let mut link: Option<String> = None;
    let mut pre = false;
    let mut code = false;
    let mut cells = 0usize;
    // Inside a table: how many rows are done (the first becomes the header).
    let mut table: Option<usize> = None;
    while !rest.is_empty() {
        if let Some(end) = skip_until {
            match find_ci(rest, end) {
                Some(i) => {
                    rest = &rest[i + end.len()..];
                    skip_until = None;
                }
                None => break,
            }
            continue;
        }
        let Some(open) = rest.find('<') else {
            push_text(&mut out, rest, pre || code);
            break;
        };
        push_text(&mut out, &rest[..open], pre || code);
        rest = &rest[open..];
        // A `<` that does not start a tag is text.
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            push_text(&mut out, "&lt;", pre || code);
            rest = &rest[1..];
            continue;
        }
        let Some(close) = rest.find('>') else {
            push_text(&mut out, rest, pre || code);
            break;
        };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("script", false) => skip_until = Some("</script>"),
            ("style", false) => skip_until = Some("</style>"),
            // A table row is one line: breaks inside a cell become spaces.
            ("br" | "div" | "p", _) if table.is_some() => cell_space(&mut out),
            ("br", _) => out.push('\n'),
            ("div" | "p", _) => paragraph(&mut out),
            ("b" | "strong", _) => out.push_str("**"),
            ("i" | "em", _) => out.push('*'),
            ("code", _) if !pre => {
                out.push('`');
                code = !closing;
            }
            ("table", false) => {
                paragraph(&mut out);
                table = Some(0);
            }
            ("table", true) => {
                table = None;
                paragraph(&mut out);
            }
            ("tr", false) if table.is_some() => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push('|');
                cells = 0;
            }
            ("tr", true) if table.is_some() => end_row(&mut out, &mut table, cells),
            ("td" | "th", false) if table.is_some() => {
                out.truncate(out.trim_end_matches(' ').len());
                out.push_str(if cells == 0 { " " } else { " | " });
                cells += 1;
            }
            // Cells outside any table: kept apart on one line.
            ("tr", false) => cells = 0,
            ("tr", true) => out.push('\n'),
            ("td" | "th", false) => {
                if cells > 0 {
                    out.push_str(" · ");
                }
                cells += 1;
            }
            ("pre", false) => {
                paragraph(&mut out);
                out.push_str("```\n");
                pre = true;
            }
            ("pre", true) => {
                if !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("```");
                pre = false;
                paragraph(&mut out);
            }
            ("ul", false) => lists.push(None),
            ("ol", false) => lists.push(Some(1)),
            ("ul" | "ol", true) => {
                lists.pop();
                paragraph(&mut out);
            }
            ("li", false) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                let depth = lists.len().saturating_sub(1);
                out.push_str(&"  ".repeat(depth));
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            ("img", _) => {
                if let Some(src) = attribute(tag, "src")
                    && let Some(path) = media(&src)
                {
                    out.push_str(&format!("![]({path})"));
                }
            }
            ("a", false) => {
                link = attribute(tag, "href")
                    .filter(|h| h.starts_with("http://") || h.starts_with("https://"));
                if link.is_some() {
                    out.push('[');
                }
            }
            ("a", true) => {
                if let Some(href) = link.take() {
                    out.push_str(&format!("]({href})"));
                }
            }
            _ => {}
        }
    }
    tidy(&out)
}

/// A break inside a table cell: one space, the row stays one line.
fn cell_space(out: &mut String) {
    if !out.ends_with([' ', '|']) {
        out.push(' ');
    }
}

/// Ends a table row of `cells` cells; after the first row (the header), the delimiter row.
fn end_row(out: &mut String, rows: &mut Option<usize>, cells: usize) {
    if cells == 0 {
        return;
    }
    out.truncate(out.trim_end_matches(' ').len());
    out.push_str(" |\n");
    if *rows == Some(0) {
        out.push('|');
        out.push_str(&"---|".repeat(cells));
        out.push('\n');
    }
    *rows = rows.map(|done| done + 1);
}

/// A heading-safe one-line summary of Markdown: plain words, no braces or `#`.
pub fn summary(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    text.push(next);
                }
            }
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

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(needle)
}

fn paragraph(out: &mut String) {
    let trimmed = out.trim_end_matches([' ', '\n']).len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push_str("\n\n");
    }
}

/// An attribute's value from a tag's source (`src="x"`, `src='x'` or `src=x`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag[at..];
    let value = match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next()?,
        _ => rest
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()?,
    };
    Some(decode(value))
}

/// Decodes the HTML entities Anki writes.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Adds text, decoded and escaped so Markdown reads it as text (cloze markers kept).
fn push_text(out: &mut String, html_text: &str, pre: bool) {
    let text = decode(html_text);
    if pre {
        out.push_str(&text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '[' | ']' | '`' | '<' | '>' | '$' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Trims lines and collapses runs of blank lines; escapes a line that Markdown would read as a
/// rule or a setext underline.
fn tidy(markdown: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        let line = if in_code {
            line.trim_end().to_owned()
        } else {
            line.trim().to_owned()
        };
        if !in_code && !line.is_empty() && line.chars().all(|c| c == '-' || c == '=' || c == ' ') {
            lines.push(format!("\\{line}"));
            continue;
        }
        if line.is_empty() && lines.last().is_some_and(String::is_empty) {
            continue;
        }
        lines.push(line);
    }
    lines.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(html: &str) -> String {
        convert(html, &|name| Some(format!("media/{name}")))
    }

    #[test]
    fn common_anki_html() {
        assert_eq!(
            md("What is <b>Azure</b> <i>DevOps</i>?"),
            "What is **Azure** *DevOps*?"
        );
        assert_eq!(
            md("line one<br>line two<div>para</div>"),
            "line one\nline two\n\npara"
        );
        assert_eq!(md("<ul><li>a</li><li>b</li></ul>"), "- a\n- b");
        assert_eq!(
            md("<img src=\"chart.png\"> &amp; &lt;tag&gt;"),
            "![](media/chart.png) & \\<tag\\>"
        );
        assert_eq!(
            md("<a href=\"https://x.io\">x</a> <a href=\"javascript:1\">y</a>"),
            "[x](https://x.io) y"
        );
        assert_eq!(md("<pre>a < b\n  c</pre>"), "```\na < b\n  c\n```");
        assert_eq!(
            md("A {{c1::stage}} has {{c2::jobs::hint}}"),
            "A {{c1::stage}} has {{c2::jobs::hint}}"
        );
        assert_eq!(
            md("costs $5 *now*<script>alert(1)</script>"),
            "costs \\$5 \\*now\\*"
        );
        assert_eq!(md("<div>---</div>"), "\\---");
        assert_eq!(md("<code>${{ x }}</code> and $y"), "`${{ x }}` and \\$y");
        assert_eq!(
            md("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"),
            "| a | b |\n|---|---|\n| 1 | 2 |"
        );
        // Breaks inside cells stay on the row; a pipe in a cell is escaped; text follows.
        assert_eq!(
            md(
                "<p>Before</p><table><thead><tr><td>x<br>y</td><td>a|b</td></tr></thead><tbody><tr><td><div>1</div></td><td></td></tr></tbody></table>After"
            ),
            "Before\n\n| x y | a\\|b |\n|---|---|\n| 1 | |\n\nAfter"
        );
        // Stray cells outside a table keep the old form.
        assert_eq!(md("<tr><td>a</td><td>b</td></tr>"), "a · b");
    }

    #[test]
    fn summaries_are_heading_safe() {
        assert_eq!(
            summary("A {{c1::stage}} has {{c2::jobs::hint}}", 80),
            "A stage has jobs hint"
        );
        assert_eq!(summary("**bold** `code` #tag", 80), "bold code tag");
        assert_eq!(
            summary("word ".repeat(30).as_str(), 20),
            "word word word word…"
        );
    }
}
