//! `deck.toml`: a deck's identity and description.

use serde::Deserialize;

use super::diagnostic::{Diagnostic, Severity, at};
use crate::types::DeckId;

/// The keys of `deck.toml`, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    id: String,
    name: String,
    version: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    license: String,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    outline: Option<String>,
    #[serde(default)]
    anki_deck: Option<String>,
}

/// A validated `deck.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The deck's slug; never changes once published.
    pub id: DeckId,
    pub name: String,
    pub version: String,
    pub description: String,
    pub license: String,
    pub authors: Vec<String>,
    /// Path of the outline, relative to the deck folder.
    pub outline: Option<String>,
    /// Root deck name in Anki (default: `name`).
    pub anki_deck: String,
}

/// Parses `deck.toml`; `path` is used in diagnostics.
pub fn parse(path: &str, text: &str) -> Result<Manifest, Diagnostic> {
    let raw: RawManifest = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((1, 1), |span| line_column(text, span.start));
        at(Severity::Error, path, line, column, format!("bad deck.toml: {}", e.message()))
            .with_hint("deck.toml needs `id`, `name` and `version`; it may have `description`, `license`, `authors`, `outline` and `anki_deck`")
    })?;
    let id = DeckId::parse(&raw.id).ok_or_else(|| {
        let (line, column) = text.find("id").map_or((1, 1), |i| line_column(text, i));
        at(
            Severity::Error,
            path,
            line,
            column,
            format!("deck id `{}` is not a slug", raw.id),
        )
        .with_hint("use lowercase letters, digits and `-`, e.g. `az-400`")
    })?;
    for (key, value) in [("name", &raw.name), ("version", &raw.version)] {
        if value.trim().is_empty() {
            return Err(at(
                Severity::Error,
                path,
                1,
                1,
                format!("deck.toml: `{key}` is empty"),
            ));
        }
    }
    let anki_deck = raw.anki_deck.unwrap_or_else(|| raw.name.clone());
    Ok(Manifest {
        id,
        name: raw.name,
        version: raw.version,
        description: raw.description,
        license: raw.license,
        authors: raw.authors,
        outline: raw.outline,
        anki_deck,
    })
}

/// The 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_and_defaults() {
        let m = parse(
            "deck.toml",
            "id = \"az-400\"\nname = \"AZ-400\"\nversion = \"1.0.0\"\n",
        )
        .unwrap();
        assert_eq!(m.id.as_str(), "az-400");
        assert_eq!(m.anki_deck, "AZ-400");
        assert_eq!(m.outline, None);
    }

    #[test]
    fn malformed_toml_points_at_the_problem() {
        let e = parse("d/deck.toml", "id = \"x\"\nname = \n").unwrap_err();
        assert!(e.to_string().starts_with("d/deck.toml:2:"), "{e}");
        assert!(e.message.starts_with("bad deck.toml"), "{e}");
    }

    #[test]
    fn id_must_be_a_slug() {
        let e = parse(
            "deck.toml",
            "id = \"AZ 400\"\nname = \"n\"\nversion = \"1\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "deck.toml:1:1: error: deck id `AZ 400` is not a slug\n  hint: use lowercase letters, digits and `-`, e.g. `az-400`"
        );
    }
}
