//! The file walk: reads a deck folder (deck.toml, outline, every Markdown file below it),
//! parses each file and checks what needs the whole deck or the disk: unique ids, skills
//! against the outline, images that exist inside the deck.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::diagnostic::{Diagnostic, Severity, at};
use super::manifest::{self, Manifest};
use super::{Note, parse};
use crate::error::{Error, Result};
use crate::outline::Outline;

/// Markdown files larger than this are refused: decks come from strangers.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The file in which a deck converted from Anki keeps its original note types.
pub const ANKI_JSON: &str = "anki.json";

/// Markdown files that document a deck rather than hold notes.
const DOC_FILES: [&str; 4] = ["readme.md", "contributing.md", "changelog.md", "license.md"];

/// One Markdown file of a deck, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    /// Path relative to the deck folder, `/`-separated.
    pub path: String,
    pub size: u64,
    pub mtime_ns: i64,
}

/// What a cheap look at a deck folder finds, without reading the Markdown files.
#[derive(Debug, Clone)]
pub struct DeckScan {
    /// The folder as the user named it.
    pub root: PathBuf,
    pub manifest_text: String,
    pub outline_path: Option<String>,
    pub outline_text: Option<String>,
    /// `anki.json`: the Anki note types of a deck converted from Anki, when present.
    pub anki_json: Option<String>,
    pub files: Vec<FileStat>,
    /// Problems met on the walk (symlinks, unreadable entries).
    pub diagnostics: Vec<Diagnostic>,
}

impl DeckScan {
    /// A hash of everything the scan saw: when it is unchanged, so is the deck.
    pub fn fingerprint(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(self.manifest_text.as_bytes());
        h.update(&[0]);
        h.update(self.outline_text.as_deref().unwrap_or("").as_bytes());
        h.update(&[0]);
        h.update(self.anki_json.as_deref().unwrap_or("").as_bytes());
        h.update(&[0]);
        for file in &self.files {
            h.update(file.path.as_bytes());
            h.update(&file.size.to_le_bytes());
            h.update(&file.mtime_ns.to_le_bytes());
        }
        h.finalize().to_hex().to_string()
    }

    /// How a path inside the deck is shown in diagnostics.
    pub fn display(&self, rel: &str) -> String {
        display_path(&self.root, rel)
    }
}

/// A note with the file it came from.
#[derive(Debug, Clone)]
pub struct DeckNote {
    /// Path of the file relative to the deck folder, `/`-separated.
    pub path: String,
    pub note: Note,
}

/// A Markdown file that was read, with the hash of its bytes.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub stat: FileStat,
    pub hash: String,
    pub title: Option<String>,
}

/// A whole deck, read and parsed.
#[derive(Debug)]
pub struct Deck {
    pub scan: DeckScan,
    pub manifest: Manifest,
    pub outline: Option<Outline>,
    pub files: Vec<LoadedFile>,
    pub notes: Vec<DeckNote>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Deck {
    /// Whether any problem stops a build.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// How many errors were found.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// How many cards the notes make.
    pub fn card_count(&self) -> usize {
        self.notes.iter().map(|n| n.note.ords.len()).sum()
    }
}

fn display_path(root: &Path, rel: &str) -> String {
    let root = root.to_string_lossy();
    let root = root.trim_end_matches('/');
    if root.is_empty() || root == "." {
        rel.to_owned()
    } else {
        format!("{root}/{rel}")
    }
}

/// Looks at a deck folder: reads deck.toml and the outline, lists the Markdown files with their
/// sizes and modification times.
pub fn scan(root: &Path) -> Result<DeckScan> {
    if !root.is_dir() {
        return Err(Error::user(format!(
            "{}: no such deck folder (a deck folder holds deck.toml and Markdown files)",
            root.display()
        )));
    }
    let manifest_path = root.join("deck.toml");
    if !manifest_path.is_file() {
        return Err(Error::user(format!(
            "{}: not a deck folder: deck.toml is missing",
            root.display()
        )));
    }
    let manifest_text = read_text(&manifest_path, 1024 * 1024)?;
    let outline_key = toml::from_str::<toml::Table>(&manifest_text)
        .ok()
        .and_then(|t| t.get("outline").and_then(|v| v.as_str()).map(str::to_owned));
    let outline_path = outline_key.or_else(|| {
        root.join("outline.toml")
            .is_file()
            .then(|| "outline.toml".to_owned())
    });
    let outline_text = match &outline_path {
        Some(rel) if root.join(rel).is_file() && is_inside(rel) => {
            Some(read_text(&root.join(rel), MAX_FILE_BYTES)?)
        }
        _ => None,
    };

    let anki_path = root.join(ANKI_JSON);
    let anki_json = if anki_path.is_file() {
        Some(read_text(&anki_path, MAX_FILE_BYTES)?)
    } else {
        None
    };
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.to_path_buf());
            match e.into_io_error() {
                Some(io) => Error::io(path, io),
                None => Error::user(format!("{}: cannot walk the deck folder", path.display())),
            }
        })?;
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if !name.ends_with(".md") || DOC_FILES.contains(&name.as_str()) {
            continue;
        }
        let rel = relative(root, entry.path());
        if entry.path_is_symlink() {
            diagnostics.push(at(
                Severity::Warning,
                &display_path(root, &rel),
                1,
                1,
                "symbolic link not followed: a deck's notes must be files inside its folder",
            ));
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let meta = entry.metadata().map_err(|e| {
            Error::io(
                entry.path(),
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("metadata")),
            )
        })?;
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        files.push(FileStat {
            path: rel,
            size: meta.len(),
            mtime_ns,
        });
    }
    Ok(DeckScan {
        root: root.to_path_buf(),
        manifest_text,
        outline_path,
        outline_text,
        anki_json,
        files,
        diagnostics,
    })
}

/// Reads and parses a whole deck, with every problem found.
pub fn load(root: &Path) -> Result<Deck> {
    let scan = scan(root)?;
    load_scanned(scan)
}

/// Reads and parses a deck that was already scanned.
pub fn load_scanned(scan: DeckScan) -> Result<Deck> {
    let mut diagnostics = scan.diagnostics.clone();
    let manifest_display = scan.display("deck.toml");
    let manifest = match manifest::parse(&manifest_display, &scan.manifest_text) {
        Ok(m) => m,
        Err(d) => {
            return Err(Error::deck(d));
        }
    };
    let outline = match (&scan.outline_path, &scan.outline_text) {
        (Some(rel), Some(text)) => match Outline::parse(&scan.display(rel), text) {
            Ok(outline) => Some(outline),
            Err(problems) => {
                diagnostics.extend(problems);
                None
            }
        },
        (Some(rel), None) => {
            diagnostics.push(
                at(
                    Severity::Error,
                    &manifest_display,
                    1,
                    1,
                    format!("outline `{rel}` not found in the deck folder"),
                )
                .with_hint("`outline` is a path relative to the deck folder, e.g. `outline.toml`"),
            );
            None
        }
        _ => None,
    };

    if let Some(text) = &scan.anki_json
        && let Err(e) = serde_json::from_str::<serde_json::Value>(text)
    {
        diagnostics.push(at(
            Severity::Error,
            &scan.display(ANKI_JSON),
            e.line(),
            e.column(),
            format!("bad anki.json: {e}"),
        ));
    }
    let mut files = Vec::with_capacity(scan.files.len());
    let mut notes = Vec::new();
    let mut broken_front_matter: HashSet<String> = HashSet::new();
    for stat in &scan.files {
        let display = scan.display(&stat.path);
        if stat.size > MAX_FILE_BYTES {
            diagnostics.push(at(
                Severity::Error,
                &display,
                1,
                1,
                format!(
                    "file is {} bytes; the limit for a Markdown file is {MAX_FILE_BYTES}",
                    stat.size
                ),
            ));
            continue;
        }
        let full = scan.root.join(&stat.path);
        let bytes = fs::read(&full).map_err(|e| Error::io(&full, e))?;
        let hash = blake3::hash(&bytes).to_hex().to_string();
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                diagnostics.push(
                    at(
                        Severity::Error,
                        &display,
                        line,
                        1,
                        "file is not valid UTF-8",
                    )
                    .with_hint("save the file as UTF-8"),
                );
                continue;
            }
        };
        let parsed = parse::parse_file(&display, &text);
        diagnostics.extend(parsed.diagnostics);
        if !parsed.front_matter_ok {
            // The file's skill is unknown: calling each note skill-less would only repeat that.
            broken_front_matter.insert(stat.path.clone());
        }
        for note in parsed.notes {
            check_images(
                &scan.root,
                &stat.path,
                &display,
                &text,
                &note,
                &mut diagnostics,
            );
            notes.push(DeckNote {
                path: stat.path.clone(),
                note,
            });
        }
        files.push(LoadedFile {
            stat: stat.clone(),
            hash,
            title: parsed.title,
        });
    }

    check_ids(&scan, &notes, &mut diagnostics);
    if let Some(outline) = &outline {
        let checked = notes
            .iter()
            .filter(|n| !broken_front_matter.contains(&n.path));
        check_skills(&scan, outline, checked, &mut diagnostics);
    }
    diagnostics.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    Ok(Deck {
        scan,
        manifest,
        outline,
        files,
        notes,
        diagnostics,
    })
}

/// Every note id is unique in the deck.
fn check_ids(scan: &DeckScan, notes: &[DeckNote], diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, &DeckNote> = HashMap::with_capacity(notes.len());
    for n in notes {
        match first.get(n.note.id.as_str()) {
            Some(prev) => diagnostics.push(
                at(
                    Severity::Error,
                    &scan.display(&n.path),
                    n.note.line,
                    1,
                    format!(
                        "duplicate note id `{}`: already used at {}:{}",
                        n.note.id,
                        scan.display(&prev.path),
                        prev.note.line
                    ),
                )
                .with_hint(if n.note.explicit_id {
                    "give each note its own `{#id}`"
                } else {
                    "two notes have the same prompt: give them distinct `{#id}`s"
                }),
            ),
            None => {
                first.insert(n.note.id.as_str(), n);
            }
        }
    }
}

/// With an outline, every note names a skill the outline has.
fn check_skills<'a>(
    scan: &DeckScan,
    outline: &Outline,
    notes: impl Iterator<Item = &'a DeckNote>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for n in notes {
        let display = scan.display(&n.path);
        match &n.note.skill {
            None => diagnostics.push(
                at(
                    Severity::Error,
                    &display,
                    n.note.line,
                    1,
                    format!("note `{}` has no skill", n.note.id),
                )
                .with_hint(
                    "add `skill: ID` to the file's front matter or `skill=ID` to the heading",
                ),
            ),
            Some(skill) if outline.place(skill).is_none() => {
                let similar = outline.similar_skills(skill.as_str());
                let hint = if similar.is_empty() {
                    "skill ids are listed in the deck's outline".to_owned()
                } else {
                    format!(
                        "did you mean {}?",
                        similar
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                diagnostics.push(
                    at(
                        Severity::Error,
                        &display,
                        n.note.line,
                        1,
                        format!("unknown skill `{skill}`: the outline has no such skill"),
                    )
                    .with_hint(hint),
                );
            }
            Some(_) => {}
        }
    }
}

/// Images are local files inside the deck folder.
fn check_images(
    root: &Path,
    rel: &str,
    display: &str,
    text: &str,
    note: &Note,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for image in &note.images {
        if image.url.contains("://") || image.url.starts_with("data:") {
            continue;
        }
        let (line, column) = manifest::line_column(text, image.offset);
        let dir = Path::new(rel).parent().unwrap_or(Path::new(""));
        let target = dir.join(&image.url);
        let Some(inside) = normalise_inside(&target) else {
            diagnostics.push(
                at(
                    Severity::Error,
                    display,
                    line,
                    column,
                    format!("image `{}` is outside the deck folder", image.url),
                )
                .with_hint(
                    "keep images in the deck's media/ folder and refer to them by a relative path",
                ),
            );
            continue;
        };
        if !root.join(&inside).is_file() {
            diagnostics.push(
                at(
                    Severity::Error,
                    display,
                    line,
                    column,
                    format!(
                        "missing image `{}`: no file at {}",
                        image.url,
                        display_path(root, &inside.to_string_lossy())
                    ),
                )
                .with_hint("image paths are relative to the Markdown file"),
            );
        }
    }
}

/// The path with `.` and `..` resolved, if it stays inside its root and is relative.
pub fn normalise_inside(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn is_inside(rel: &str) -> bool {
    normalise_inside(Path::new(rel)).is_some()
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn read_text(path: &Path, limit: u64) -> Result<String> {
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > limit {
        return Err(Error::user(format!(
            "{}: file is {} bytes; the limit is {limit}",
            path.display(),
            meta.len()
        )));
    }
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::user(format!("{}: file is not valid UTF-8", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_rejects_escapes() {
        assert_eq!(
            normalise_inside(Path::new("a/../media/x.png")),
            Some(PathBuf::from("media/x.png"))
        );
        assert_eq!(normalise_inside(Path::new("../x.png")), None);
        assert_eq!(normalise_inside(Path::new("/etc/passwd")), None);
    }
}
