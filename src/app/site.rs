//! `skilldeck export DECK --format html -o DIR`: the deck as a static site. Made from the deck's
//! folder (named, or found through the database, which is only read), so what the site shows
//! is what `check` sees; a deck with errors is refused. Written as a partial folder beside DIR
//! and renamed into place, so a failed export leaves no half site.

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::coverage::Coverage;
use super::print_diagnostics;
use crate::anki::media::collect_media;
use crate::deck::load::{self, Deck};
use crate::error::{Error, Result};
use crate::site::{MEDIA_DIR, STYLESHEET, STYLESHEET_NAME, Site};
use crate::store::export::{ExportDeck, ExportNote, SkillPlace};
use crate::store::notes::ChoiceRecord;
use crate::store::{self, Store, decks};
use crate::types::{DeckId, Timestamp};

/// The file that marks a folder as a site skilldeck wrote, which a later export may replace.
const MARKER: &str = ".skilldeck-site";

/// `skilldeck export DECK --format html [-o DIR]`.
pub fn export_site(
    db: Option<&Path>,
    deck: &str,
    output: Option<PathBuf>,
    with_scheduling: bool,
) -> Result<()> {
    if with_scheduling {
        return Err(Error::user(
            "--with-scheduling is for Anki packages; a site shows the notes only",
        ));
    }
    let dir = deck_folder(db, deck)?;
    let deck = load::load(&dir)?;
    if deck.has_errors() {
        print_diagnostics(&deck.diagnostics, false);
        return Err(Error::DeckHasErrors {
            deck: deck.manifest.id.to_string(),
            errors: deck.error_count(),
        });
    }
    let out = output.unwrap_or_else(|| {
        PathBuf::from("exports").join(format!(
            "{}-{}-site",
            deck.manifest.id,
            deck.manifest.version.replace(['/', '\\', ' '], "_")
        ))
    });
    let replacing = !crate::partial::is_free_for_dir(&out);
    if replacing && !out.join(MARKER).is_file() {
        return Err(Error::user(format!(
            "{}: already exists and is not a site skilldeck wrote; choose a new or empty folder",
            out.display()
        )));
    }
    let (export_deck, notes) = export_rows(&dir, &deck);
    let media = collect_media(&export_deck, &notes)?;
    let in_site: HashMap<i64, HashMap<String, String>> = media
        .per_note
        .iter()
        .map(|(pk, urls)| {
            let urls = urls
                .iter()
                .map(|(url, name)| (url.clone(), format!("{MEDIA_DIR}/{name}")))
                .collect();
            (*pk, urls)
        })
        .collect();
    let coverage = deck
        .outline
        .as_ref()
        .map(|o| Coverage::of(o, &deck.notes))
        .unwrap_or_default();
    let site = Site {
        manifest: &deck.manifest,
        outline: deck.outline.as_ref(),
        coverage: &coverage,
        notes: &notes,
        media: &in_site,
        cards: deck.card_count(),
    };
    let pages = site.pages();

    let partial = crate::partial::dir_beside(&out)?;
    let root = partial.path();
    let write = |rel: &str, bytes: &[u8]| -> Result<()> {
        let path = root.join(rel);
        fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
    };
    for (name, html) in &pages {
        write(name, html.as_bytes())?;
    }
    write(STYLESHEET_NAME, STYLESHEET.as_bytes())?;
    // GitHub Pages serves the folder as it is, without Jekyll.
    write(".nojekyll", b"")?;
    write(
        MARKER,
        b"A site written by `skilldeck export --format html`.\n",
    )?;
    if !media.files.is_empty() {
        let media_dir = root.join(MEDIA_DIR);
        fs::create_dir(&media_dir).map_err(|e| Error::io(&media_dir, e))?;
        for (name, source) in &media.files {
            let target = media_dir.join(name);
            fs::copy(source, &target).map_err(|e| Error::io(source, e))?;
        }
    }
    if replacing {
        replace(partial, &out)?;
    } else {
        crate::partial::persist_dir(partial, &out)?;
    }
    let _ = writeln!(
        crate::sanitize::stdout(),
        "{}: wrote the site {} ({} pages, {} notes, {} media file(s)); open {}",
        deck.manifest.id,
        out.display(),
        pages.len(),
        notes.len(),
        media.files.len(),
        out.join("index.html").display()
    );
    Ok(())
}

/// The deck's folder: DECK itself when it holds deck.toml, else the folder the database last
/// built the deck `DECK` from.
fn deck_folder(db: Option<&Path>, deck: &str) -> Result<PathBuf> {
    let path = Path::new(deck);
    if path.join("deck.toml").is_file() {
        return Ok(path.to_path_buf());
    }
    let not_found = || {
        Error::user(format!(
            "`{deck}` is neither a deck folder (one holding deck.toml) nor a deck in the database"
        ))
    };
    let id = DeckId::parse(deck).ok_or_else(not_found)?;
    let store = Store::open_read_only(&store::default_path(db)?)?.ok_or_else(not_found)?;
    let found = decks::find(store.conn(), &id)?.ok_or_else(not_found)?;
    let dir = PathBuf::from(&found.root_path);
    if !dir.join("deck.toml").is_file() {
        return Err(Error::user(format!(
            "deck `{id}`: its folder {} is gone; name the deck's folder instead",
            found.root_path
        )));
    }
    Ok(dir)
}

/// The loaded deck in the rows the Anki export renders from, so both render alike.
fn export_rows(dir: &Path, deck: &Deck) -> (ExportDeck, Vec<ExportNote>) {
    let m = &deck.manifest;
    let export_deck = ExportDeck {
        pk: 0,
        id: m.id.clone(),
        name: m.name.clone(),
        version: m.version.clone(),
        description: m.description.clone(),
        anki_deck: m.anki_deck.clone(),
        root_path: dir.to_string_lossy().into_owned(),
        anki_json: None,
    };
    let mut places: HashMap<&str, Arc<SkillPlace>> = HashMap::new();
    if let Some(outline) = &deck.outline {
        for domain in &outline.domains {
            for objective in &domain.objectives {
                for skill in &objective.skills {
                    places.insert(
                        skill.id.as_str(),
                        Arc::new(SkillPlace {
                            domain: (domain.id.clone(), domain.title.clone()),
                            objective: (objective.id.clone(), objective.title.clone()),
                            skill: (skill.id.clone(), skill.title.clone()),
                        }),
                    );
                }
            }
        }
    }
    let notes = deck
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| ExportNote {
            pk: i as i64,
            id: n.note.id.clone(),
            guid: String::new(),
            kind: n.note.kind,
            title: n.note.title.clone(),
            prompt: n.note.prompt.clone(),
            answer: n.note.answer.clone(),
            choices: n.note.choices.iter().map(ChoiceRecord::from).collect(),
            tags: n.note.tags.clone(),
            place: n
                .note
                .skill
                .as_ref()
                .and_then(|s| places.get(s.as_str()).cloned()),
            source_path: n.path.clone(),
            source_line: n.note.line as i64,
            content_changed_at: Timestamp::from_millis(0),
        })
        .collect();
    (export_deck, notes)
}

/// Puts a new site in place of the one a previous export wrote: the old one is moved aside
/// first and removed after, so the folder's name never holds half a site.
fn replace(partial: tempfile::TempDir, out: &Path) -> Result<()> {
    let aside = crate::partial::dir_beside(out)?;
    let aside_path = aside.keep();
    fs::remove_dir(&aside_path).map_err(|e| Error::io(&aside_path, e))?;
    fs::rename(out, &aside_path).map_err(|e| Error::io(out, e))?;
    let kept = partial.keep();
    if let Err(e) = fs::rename(&kept, out) {
        let _ = fs::rename(&aside_path, out);
        let _ = fs::remove_dir_all(&kept);
        return Err(Error::io(out, e));
    }
    fs::remove_dir_all(&aside_path).map_err(|e| Error::io(&aside_path, e))
}
