//! skilldeck's four Anki note types — Basic, Basic+reversed, Cloze, Choice — with ids, field
//! ids and template ids derived from stable names (never from the clock), so every export of
//! every deck matches the same note types on re-import. Changing a field list is a schema
//! change in Anki: bump `VERSION` only with a migration plan.

use serde_json::{Value, json};

use super::stable_id;

/// The note types' modification time (epoch s): fixed, raised when templates or CSS change,
/// so Anki updates them in place on re-import.
pub const MODIFIED: i64 = 1_795_000_000;

/// One of the four note types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteType {
    Basic,
    Reversed,
    Cloze,
    Choice,
}

impl NoteType {
    pub const ALL: [NoteType; 4] = [
        NoteType::Basic,
        NoteType::Reversed,
        NoteType::Cloze,
        NoteType::Choice,
    ];

    /// The name shown in Anki.
    pub fn name(self) -> &'static str {
        match self {
            NoteType::Basic => "skilldeck Basic",
            NoteType::Reversed => "skilldeck Basic+reversed",
            NoteType::Cloze => "skilldeck Cloze",
            NoteType::Choice => "skilldeck Choice",
        }
    }

    /// The note type's id.
    pub fn id(self) -> i64 {
        stable_id(&format!("notetype/{}", self.name()))
    }

    /// Field names, in order.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            NoteType::Basic | NoteType::Reversed => &["Front", "Back", "Skill", "Source"],
            NoteType::Cloze => &["Text", "Title", "Extra", "Skill", "Source"],
            NoteType::Choice => &[
                "Question",
                "Options",
                "Correct",
                "Explanation",
                "Skill",
                "Source",
            ],
        }
    }

    /// Templates: (name, question, answer).
    fn templates(self) -> Vec<(&'static str, String, String)> {
        let meta = "<div class=\"meta\">{{Skill}}<br>{{Source}}</div>";
        match self {
            NoteType::Basic => vec![(
                "Card 1",
                "<div class=\"front\">{{Front}}</div>".into(),
                format!("{{{{FrontSide}}}}\n<hr id=\"answer\">\n<div class=\"back\">{{{{Back}}}}</div>\n{meta}"),
            )],
            NoteType::Reversed => vec![
                (
                    "Card 1",
                    "<div class=\"front\">{{Front}}</div>".into(),
                    format!("{{{{FrontSide}}}}\n<hr id=\"answer\">\n<div class=\"back\">{{{{Back}}}}</div>\n{meta}"),
                ),
                (
                    "Card 2",
                    "<div class=\"front\">{{Back}}</div>".into(),
                    format!("{{{{FrontSide}}}}\n<hr id=\"answer\">\n<div class=\"back\">{{{{Front}}}}</div>\n{meta}"),
                ),
            ],
            NoteType::Cloze => vec![(
                "Cloze",
                "{{#Title}}<div class=\"title\">{{Title}}</div>{{/Title}}\n<div class=\"front\">{{cloze:Text}}</div>".into(),
                format!("{{{{#Title}}}}<div class=\"title\">{{{{Title}}}}</div>{{{{/Title}}}}\n<div class=\"front\">{{{{cloze:Text}}}}</div>\n{{{{#Extra}}}}<hr id=\"answer\"><div class=\"back\">{{{{Extra}}}}</div>{{{{/Extra}}}}\n{meta}"),
            )],
            NoteType::Choice => vec![(
                "Choice",
                "<div class=\"front\">{{Question}}</div>\n<div class=\"options\">{{Options}}</div>".into(),
                format!("{{{{FrontSide}}}}\n<hr id=\"answer\">\n<div class=\"correct\">{{{{Correct}}}}</div>\n<div class=\"back\">{{{{Explanation}}}}</div>\n{meta}"),
            )],
        }
    }

    /// The note type as Anki's schema-11 JSON.
    pub fn json(self) -> Value {
        let id = self.id();
        let fields: Vec<Value> = self
            .fields()
            .iter()
            .enumerate()
            .map(|(ord, name)| {
                json!({
                    "name": name, "ord": ord, "sticky": false, "rtl": false, "font": "Arial", "size": 20,
                    "media": [], "description": "", "plainText": false, "collapsed": false,
                    "excludeFromSearch": false, "id": stable_id(&format!("{}/field/{name}", self.name())), "tag": null,
                    "preventDeletion": false
                })
            })
            .collect();
        let templates: Vec<Value> = self
            .templates()
            .into_iter()
            .enumerate()
            .map(|(ord, (name, qfmt, afmt))| {
                json!({
                    "name": name, "ord": ord, "qfmt": qfmt, "afmt": afmt, "bqfmt": "", "bafmt": "",
                    "did": null, "bfont": "", "bsize": 0, "id": stable_id(&format!("{}/template/{name}", self.name()))
                })
            })
            .collect();
        let req: Vec<Value> = (0..templates.len())
            .map(|ord| json!([ord, "any", [ord]]))
            .collect();
        json!({
            "id": id,
            "name": self.name(),
            "type": if self == NoteType::Cloze { 1 } else { 0 },
            "mod": MODIFIED,
            "usn": -1,
            "sortf": 0,
            "did": null,
            "tags": [],
            "vers": [],
            "flds": fields,
            "tmpls": templates,
            "css": CSS,
            "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
            "latexPost": "\\end{document}",
            "latexsvg": false,
            "req": req,
        })
    }
}

/// Styles that read well in light and night mode on desktop and AnkiDroid. Code blocks carry
/// their own inline colours on a dark background, which reads in both modes.
pub const CSS: &str = r#".card {
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 18px;
  line-height: 1.45;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
  max-width: 46em;
  margin: 0 auto;
  padding: 0 0.6em;
}
.nightMode.card, .night_mode .card, .card.night_mode { color: #e6edf3; background-color: #1e1f22; }
.title { font-weight: 600; color: #57606a; margin-bottom: 0.4em; }
.nightMode .title, .night_mode .title { color: #9da7b3; }
code { font-family: "JetBrains Mono", Menlo, Consolas, monospace; font-size: 0.9em; background: rgba(127, 127, 127, 0.15); padding: 0.1em 0.3em; border-radius: 4px; }
pre.code { font-family: "JetBrains Mono", Menlo, Consolas, monospace; font-size: 0.8em; line-height: 1.35; padding: 0.7em 0.9em; border-radius: 6px; overflow-x: auto; white-space: pre; }
pre.code.plain { background-color: #2b303b; color: #c0c5ce; }
pre.code code { background: none; padding: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid rgba(127, 127, 127, 0.4); padding: 0.25em 0.6em; }
blockquote { margin: 0.5em 0; padding-left: 0.8em; border-left: 3px solid rgba(127, 127, 127, 0.5); }
img { max-width: 100%; height: auto; }
.cloze { font-weight: 700; color: #0969da; }
.nightMode .cloze, .night_mode .cloze { color: #58a6ff; }
ol.options { list-style-type: lower-alpha; padding-left: 1.6em; }
ol.options li { margin: 0.25em 0; }
.correct { font-weight: 600; color: #1a7f37; }
.nightMode .correct, .night_mode .correct { color: #3fb950; }
.meta { margin-top: 1.2em; font-size: 0.75em; color: #6e7781; }
.nightMode .meta, .night_mode .meta { color: #8b949e; }
hr#answer { border: none; border-top: 1px solid rgba(127, 127, 127, 0.4); margin: 1em 0; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let ids: Vec<i64> = NoteType::ALL.iter().map(|t| t.id()).collect();
        assert_eq!(
            ids,
            NoteType::ALL.iter().map(|t| t.id()).collect::<Vec<_>>()
        );
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), 4);
        let json = NoteType::Choice.json();
        assert_eq!(json["flds"].as_array().unwrap().len(), 6);
        assert_eq!(json["id"], NoteType::Choice.id());
        assert_eq!(NoteType::Cloze.json()["type"], 1);
    }
}
