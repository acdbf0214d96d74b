//! Syntax highlighting shared by the terminal view and the Anki export: syntect's bundled
//! definitions and one theme, loaded once per process on the first code block, and the names
//! decks use for languages that syntect knows by another.

use std::sync::OnceLock;

use syntect::highlighting::{Theme, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};

/// The syntax definitions and the theme.
pub struct Highlighting {
    pub syntaxes: SyntaxSet,
    pub theme: Theme,
}

/// Loads (once) and returns the highlighting data.
pub fn highlighting() -> &'static Highlighting {
    static CELL: OnceLock<Highlighting> = OnceLock::new();
    CELL.get_or_init(|| {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        let mut themes = ThemeSet::load_defaults();
        let theme = themes
            .themes
            .remove("base16-ocean.dark")
            .unwrap_or_default();
        Highlighting { syntaxes, theme }
    })
}

/// The syntax for a code block's language, if syntect has one.
pub fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    if lang.is_empty() {
        return None;
    }
    let name = match lang {
        "sh" | "shell" | "console" => "bash",
        "yml" => "yaml",
        "ps1" | "pwsh" => "powershell",
        "cs" | "csharp" => "C#",
        "js" => "javascript",
        "ts" => "typescript",
        other => other,
    };
    let h = highlighting();
    h.syntaxes
        .find_syntax_by_token(name)
        .or_else(|| h.syntaxes.find_syntax_by_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_decks_use() {
        for lang in ["yaml", "yml", "bash", "sh", "json", "csharp", "js"] {
            assert!(syntax_for(lang).is_some(), "{lang}");
        }
        assert!(syntax_for("").is_none());
        assert!(syntax_for("kusto").is_none());
    }
}
