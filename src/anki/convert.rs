//! `import --to-markdown`: any Anki deck → a skilldeck deck folder. Basic and cloze notes (other
//! note types by their first two fields), HTML turned into Markdown, media copied, Anki's deck
//! tree as folders and its tags as tags. Each note's id is `anki-` + the hex of its Anki GUID,
//! so a build gives it back that GUID and a re-export is the same note to Anki.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::markdown::{convert, summary};
use super::read::Package;
use crate::deck::guid::note_id_for_guid;
use crate::deck::ids::slugify;
use crate::error::{Error, Result};

/// A note type as conversion needs it.
#[derive(Debug, Clone, PartialEq)]
struct NoteTypeInfo {
    cloze: bool,
    templates: usize,
    /// The note type as schema-11 JSON, kept so a re-export can use it again.
    json: serde_json::Value,
}

fn bad(name: &str, what: impl std::fmt::Display) -> Error {
    Error::user(format!("{name}: {what}"))
}

/// Note types and deck names, from the JSON of schema 11 or the tables of later schemas.
fn structure(
    conn: &Connection,
    schema: i64,
    name: &str,
) -> Result<(HashMap<i64, NoteTypeInfo>, HashMap<i64, String>)> {
    let mut types = HashMap::new();
    let mut decks = HashMap::new();
    if schema == 11 {
        let (models, deck_json): (String, String) = conn
            .query_row("SELECT models, decks FROM col", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| {
                bad(
                    name,
                    format!("the collection is not an Anki collection: {e}"),
                )
            })?;
        let models: serde_json::Value = serde_json::from_str(&models)
            .map_err(|e| bad(name, format!("broken note types (JSON): {e}")))?;
        let deck_json: serde_json::Value = serde_json::from_str(&deck_json)
            .map_err(|e| bad(name, format!("broken decks (JSON): {e}")))?;
        for (id, m) in models.as_object().into_iter().flatten() {
            let id: i64 = id
                .parse()
                .map_err(|_| bad(name, format!("note type id `{id}` is not a number")))?;
            types.insert(
                id,
                NoteTypeInfo {
                    cloze: m["type"].as_i64() == Some(1),
                    templates: m["tmpls"].as_array().map_or(1, Vec::len),
                    json: m.clone(),
                },
            );
        }
        for (id, d) in deck_json.as_object().into_iter().flatten() {
            if let (Ok(id), Some(n)) = (id.parse::<i64>(), d["name"].as_str()) {
                decks.insert(id, n.to_owned());
            }
        }
    } else {
        let sql = |e: rusqlite::Error| {
            bad(
                name,
                format!("the collection is not an Anki collection: {e}"),
            )
        };
        let mut stmt = conn
            .prepare("SELECT id, name, mtime_secs, config FROM notetypes")
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })
            .map_err(sql)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql)?;
        let mut field_stmt = conn
            .prepare("SELECT name FROM fields WHERE ntid = ?1 ORDER BY ord")
            .map_err(sql)?;
        let mut template_stmt = conn
            .prepare("SELECT name, config FROM templates WHERE ntid = ?1 ORDER BY ord")
            .map_err(sql)?;
        for (id, type_name, mtime, config) in rows {
            // NotetypeConfig { Kind kind = 1; uint32 sort_field_idx = 2; string css = 3; ... }
            let cloze = config.first() == Some(&0x08) && config.get(1) == Some(&1);
            let css = super::read::Proto::strings(&config)
                .remove(&3)
                .unwrap_or_default();
            let fields: Vec<String> = field_stmt
                .query_map([id], |r| r.get(0))
                .map_err(sql)?
                .collect::<rusqlite::Result<_>>()
                .map_err(sql)?;
            let templates: Vec<(String, Vec<u8>)> = template_stmt
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sql)?
                .collect::<rusqlite::Result<_>>()
                .map_err(sql)?;
            let flds: Vec<serde_json::Value> = fields
                .iter()
                .enumerate()
                .map(|(ord, n)| serde_json::json!({"name": n, "ord": ord, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": []}))
                .collect();
            let tmpls: Vec<serde_json::Value> = templates
                .iter()
                .enumerate()
                .map(|(ord, (n, config))| {
                    // TemplateConfig { string q_format = 1; string a_format = 2; ... }
                    let mut strings = super::read::Proto::strings(config);
                    serde_json::json!({"name": n, "ord": ord, "qfmt": strings.remove(&1).unwrap_or_default(),
                        "afmt": strings.remove(&2).unwrap_or_default(), "bqfmt": "", "bafmt": "", "did": null, "bfont": "", "bsize": 0})
                })
                .collect();
            let json = serde_json::json!({
                "id": id, "name": type_name, "type": if cloze { 1 } else { 0 }, "mod": mtime, "usn": -1, "sortf": 0,
                "did": null, "tags": [], "vers": [], "flds": flds, "tmpls": tmpls, "css": css,
                "latexPre": "", "latexPost": "", "latexsvg": false, "req": [[0, "any", [0]]]
            });
            types.insert(
                id,
                NoteTypeInfo {
                    cloze,
                    templates: templates.len(),
                    json,
                },
            );
        }
        let mut stmt = conn.prepare("SELECT id, name FROM decks").map_err(sql)?;
        for row in stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(sql)?
        {
            let (id, n) = row.map_err(sql)?;
            decks.insert(id, n.replace('\u{1f}', "::"));
        }
    }
    Ok((types, decks))
}

/// What a conversion wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub notes: usize,
    pub cloze: usize,
    pub files: usize,
    pub media: usize,
}

/// Converts the package into a deck folder at `dir` (which must not exist or be empty). The
/// deck is written beside it first and moved into place at the end.
pub fn to_markdown(package: &mut Package, dir: &Path) -> Result<Converted> {
    if dir.exists()
        && fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::user(format!(
            "{}: the folder exists and is not empty; choose a new folder",
            dir.display()
        )));
    }
    let name = package.name().to_owned();
    let (types, deck_names) = structure(&package.collection, package.schema, &name)?;
    let sql = |e: rusqlite::Error| {
        bad(
            &name,
            format!("the collection is not an Anki collection: {e}"),
        )
    };
    // Each note's deck: the deck of its first card.
    let mut note_deck: HashMap<i64, i64> = HashMap::new();
    {
        let mut stmt = package
            .collection
            .prepare("SELECT nid, did FROM cards ORDER BY nid, ord")
            .map_err(sql)?;
        for row in stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(sql)?
        {
            let (nid, did) = row.map_err(sql)?;
            note_deck.entry(nid).or_insert(did);
        }
    }
    let notes: Vec<(i64, String, i64, String, String)> = package
        .collection
        .prepare("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id")
        .map_err(sql)?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .map_err(sql)?
        .collect::<rusqlite::Result<_>>()
        .map_err(sql)?;

    // Media: the package's files by name. Converting the notes collects the ones their
    // Markdown refers to (one pass, a set look-up per image); only those are copied.
    let media_list = package.media()?;
    let in_package: HashSet<&str> = media_list.iter().map(|(_, file)| file.as_str()).collect();
    let mut used: HashSet<&str> = HashSet::new();

    // The deck tree: folders below the common root.
    let names: Vec<&str> = note_deck
        .values()
        .filter_map(|d| deck_names.get(d))
        .map(String::as_str)
        .collect();
    let root = common_root(&names);
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut converted = Converted {
        notes: 0,
        cloze: 0,
        files: 0,
        media: 0,
    };
    // Note types with two fields can be written again as they are: remember them.
    let mut kept_types: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut kept_notes: BTreeMap<String, i64> = BTreeMap::new();
    for (nid, guid, mid, tags, fields) in &notes {
        let info = types.get(mid).cloned().unwrap_or(NoteTypeInfo {
            cloze: false,
            templates: 1,
            json: serde_json::Value::Null,
        });
        if info.json["flds"].as_array().is_some_and(|f| f.len() == 2) && info.templates <= 2 {
            kept_types.insert(mid.to_string(), info.json.clone());
            kept_notes.insert(note_id_for_guid(guid), *mid);
        }
        let deck = note_deck
            .get(nid)
            .and_then(|d| deck_names.get(d))
            .map_or("", String::as_str);
        let folder: PathBuf = deck
            .strip_prefix(&root)
            .unwrap_or(deck)
            .split("::")
            .filter(|p| !p.trim().is_empty())
            .map(slugify)
            .collect();
        // Images are relative to the Markdown file, which sits `depth` folders down.
        let up = "../".repeat(folder.components().count());
        let mut media_path = |file: &str| {
            let name = *in_package.get(file)?;
            used.insert(name);
            Some(format!("{up}media/{name}"))
        };
        let fields: Vec<&str> = fields.split('\u{1f}').collect();
        let first = convert(fields.first().copied().unwrap_or(""), &mut media_path);
        let second = convert(fields.get(1).copied().unwrap_or(""), &mut media_path);
        let file = folder.join("notes.md");
        let text = files.entry(file).or_insert_with(|| {
            let title = if deck.is_empty() {
                root.clone()
            } else {
                deck.to_owned()
            };
            format!("# {}\n\n", summary(&title, 100))
        });
        let mut attrs = vec![format!("#{}", note_id_for_guid(guid))];
        if !info.cloze && info.templates == 2 {
            attrs.push(".reversed".to_owned());
        }
        let tag_list: Vec<String> = tags
            .split_whitespace()
            .map(|t| {
                t.chars()
                    .map(|c| {
                        if c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.') {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect()
            })
            .collect();
        if !tag_list.is_empty() {
            attrs.push(format!("tags={}", tag_list.join(",")));
        }
        let heading = match summary(&first, 90) {
            s if s.is_empty() => "Note".to_owned(),
            s => s,
        };
        let _ = write!(text, "## {heading} {{{}}}\n\n", attrs.join(" "));
        if info.cloze && first.contains("{{c") {
            converted.cloze += 1;
            let _ = write!(text, "{first}\n\n");
            if !second.is_empty() {
                let _ = write!(text, "---\n\n{second}\n\n");
            }
        } else {
            // The heading holds a summary; the full prompt goes above the rule when it says more.
            if first != heading {
                let _ = write!(
                    text,
                    "{}\n\n---\n\n",
                    if first.is_empty() {
                        "(empty in Anki)"
                    } else {
                        &first
                    }
                );
            }
            let answer = if second.is_empty() {
                "*(empty in Anki)*".to_owned()
            } else {
                second
            };
            let _ = write!(text, "{answer}\n\n");
        }
        converted.notes += 1;
    }

    // Write beside the target, then move into place.
    let partial_dir = crate::partial::dir_beside(dir)?;
    let partial = partial_dir.path().to_path_buf();
    let result = (|| -> Result<()> {
        fs::create_dir_all(partial.join("media")).map_err(|e| Error::io(&partial, e))?;
        let id = match slugify(&root) {
            s if s == "note" => "imported".to_owned(),
            s => s,
        };
        let manifest = format!(
            "id = {}\nname = {}\nversion = \"1.0.0\"\ndescription = {}\nanki_deck = {}\n",
            toml_string(&id),
            toml_string(if root.is_empty() { "Imported" } else { &root }),
            toml_string(&format!(
                "Converted from {} by skilldeck",
                Path::new(&name)
                    .file_name()
                    .map_or(name.clone(), |f| f.to_string_lossy().into_owned())
            )),
            toml_string(if root.is_empty() { "Imported" } else { &root }),
        );
        fs::write(partial.join("deck.toml"), manifest).map_err(|e| Error::io(&partial, e))?;
        if !kept_notes.is_empty() {
            let anki = serde_json::json!({ "note_types": kept_types, "notes": kept_notes });
            fs::write(
                partial.join(crate::deck::load::ANKI_JSON),
                serde_json::to_string_pretty(&anki)?,
            )
            .map_err(|e| Error::io(&partial, e))?;
        }
        for (path, text) in &files {
            let full = partial.join(path);
            if let Some(parent) = full.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            fs::write(&full, text.trim_end().to_owned() + "\n").map_err(|e| Error::io(&full, e))?;
        }
        for (member, file) in &media_list {
            if !used.contains(file.as_str()) {
                continue;
            }
            if let Some(bytes) = package.media_file(member)? {
                fs::write(partial.join("media").join(file), bytes)
                    .map_err(|e| Error::io(&partial, e))?;
                converted.media += 1;
            }
        }
        if dir.exists() {
            fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
        Ok(())
    })();
    result?;
    let partial = partial_dir.keep();
    if let Err(e) = fs::rename(&partial, dir) {
        let _ = fs::remove_dir_all(&partial);
        return Err(Error::io(dir, e));
    }
    converted.files = files.len();
    Ok(converted)
}

fn toml_string(s: &str) -> String {
    let escaped: String = s
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c if c.is_control() => vec![],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// The longest deck path all names share (whole `::` components).
fn common_root(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut parts: Vec<&str> = first.split("::").collect();
    for name in &names[1..] {
        let other: Vec<&str> = name.split("::").collect();
        let same = parts.iter().zip(&other).take_while(|(a, b)| a == b).count();
        parts.truncate(same);
    }
    parts.join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots() {
        assert_eq!(common_root(&["A::B::C", "A::B", "A::B::D"]), "A::B");
        assert_eq!(common_root(&["A", "B"]), "");
    }
}
