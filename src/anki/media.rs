//! The images an export carries: found from each note's Markdown, read from the deck folder
//! (they must stay inside it), named uniquely by content for Anki's flat media folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag};

use crate::deck::load::normalise_inside;
use crate::deck::parse::markdown_options;
use crate::error::{Error, Result};
use crate::store::export::{ExportDeck, ExportNote};

/// Images a note's Markdown refers to, as written.
fn image_urls(markdown: &str) -> Vec<String> {
    if !markdown.contains("![") {
        return Vec::new();
    }
    Parser::new_ext(markdown, markdown_options())
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .filter(|url| !url.contains("://") && !url.starts_with("data:"))
        .collect()
}

/// The deck's images: for each note, its image paths as written → exported names; and the
/// files to copy, by exported name.
#[derive(Debug, Default)]
pub(crate) struct Media {
    pub(crate) per_note: HashMap<i64, HashMap<String, String>>,
    pub(crate) files: Vec<(String, PathBuf)>,
}

/// Finds every image of the deck on disk and gives each a unique exported name. A missing
/// file is an error: the package would fail to import.
pub(crate) fn collect_media(deck: &ExportDeck, notes: &[ExportNote]) -> Result<Media> {
    let root = Path::new(&deck.root_path);
    let mut per_note: HashMap<i64, HashMap<String, String>> = HashMap::new();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut by_path: HashMap<PathBuf, String> = HashMap::new();
    for n in notes {
        let choices: String = n
            .choices
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for url in [&n.prompt, &n.answer, &choices]
            .into_iter()
            .flat_map(|md| image_urls(md))
        {
            let dir = Path::new(&n.source_path).parent().unwrap_or(Path::new(""));
            let Some(rel) = normalise_inside(&dir.join(&url)) else {
                return Err(Error::user(format!(
                    "{}/{}:{}: image `{url}` is outside the deck folder",
                    deck.root_path, n.source_path, n.source_line
                )));
            };
            let full = root.join(&rel);
            let name = match by_path.get(&full) {
                Some(name) => name.clone(),
                None => {
                    let bytes = std::fs::read(&full).map_err(|_| {
                        Error::user(format!(
                            "{}/{}:{}: media file `{url}` is missing on disk ({}); rebuild the deck or restore the file",
                            deck.root_path,
                            n.source_path,
                            n.source_line,
                            full.display()
                        ))
                    })?;
                    let hash = blake3::hash(&bytes).to_hex();
                    let base: String = full
                        .file_name()
                        .map(|f| {
                            f.to_string_lossy()
                                .chars()
                                .map(|c| {
                                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'
                                    {
                                        c
                                    } else {
                                        '_'
                                    }
                                })
                                .collect()
                        })
                        .unwrap_or_else(|| "file".into());
                    let name = format!("{}-{}-{base}", deck.id, &hash[..8]);
                    by_path.insert(full.clone(), name.clone());
                    files.push((name.clone(), full));
                    name
                }
            };
            per_note.entry(n.pk).or_default().insert(url, name);
        }
    }
    Ok(Media { per_note, files })
}
