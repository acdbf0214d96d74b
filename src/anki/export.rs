//! Assembling an Anki package from a built deck (pure but for reading media files): deck tree
//! `<anki_deck>::<domain title>`, tags `<deck>::<domain>::<objective>::<skill>` plus the note's
//! own, GUIDs fixed when a note is first built, `notes.mod` = when its content last changed,
//! fixed note-type, deck, note and card ids derived from stable names, and — for a deck
//! converted from Anki — its notes under their original note types.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::Offset as _;
use pulldown_cmark::{Event, Parser, Tag};
use serde_json::json;

use super::notetypes::NoteType;
use super::package::{CardRow, Col, NoteRow, Package, RevlogRow};
use crate::deck::load::normalise_inside;
use crate::deck::parse::markdown_options;
use crate::error::{Error, Result};
use crate::sched::card::Phase;
use crate::store::export::{ExportCard, ExportDeck, ExportNote, ExportReview};
use crate::types::{Day, NoteKind};

/// An id in Anki's millisecond range derived from a name: stable across exports, and in the
/// past (2001–2023) so Anki never rewrites it as "in the future".
pub fn stable_id(name: &str) -> i64 {
    let hash = blake3::hash(name.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[..8]);
    1_000_000_000_000 + (u64::from_le_bytes(bytes) % 700_000_000_000) as i64
}

/// What the exporter needs besides the deck's rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportContext {
    /// Now, in epoch seconds.
    pub now_secs: i64,
    /// Today, as a study day.
    pub today: Day,
    /// The user's offset from UTC (seconds east) and day rollover hour.
    pub offset_seconds: i32,
    pub rollover_hour: u32,
    pub with_scheduling: bool,
    pub desired_retention: f32,
    pub decay: f32,
}

fn note_type(kind: NoteKind) -> NoteType {
    match kind {
        NoteKind::Basic => NoteType::Basic,
        NoteKind::Reversed => NoteType::Reversed,
        NoteKind::Cloze => NoteType::Cloze,
        NoteKind::Choice => NoteType::Choice,
    }
}

/// Anki tags cannot hold spaces; `::` builds a hierarchy.
fn tag_part(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

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
struct Media {
    per_note: HashMap<i64, HashMap<String, String>>,
    files: Vec<(String, PathBuf)>,
}

/// Finds every image of the deck on disk and gives each a unique exported name. A missing
/// file is an error: the package would fail to import.
fn collect_media(deck: &ExportDeck, notes: &[ExportNote]) -> Result<Media> {
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

/// Builds the package of a deck.
pub fn build_package(
    deck: &ExportDeck,
    notes: &[ExportNote],
    cards: &[ExportCard],
    reviews: &[ExportReview],
    ctx: &ExportContext,
) -> Result<Package> {
    let Media {
        per_note: media_names,
        files: media_files,
    } = collect_media(deck, notes)?;
    let root_name = deck
        .anki_deck
        .split("::")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("::");
    let root_name = if root_name.is_empty() {
        deck.name.replace("::", " ")
    } else {
        root_name
    };
    let root_id = stable_id(&format!("deck/{root_name}"));
    let deck_id = |title: &str| stable_id(&format!("deck/{root_name}::{title}"));

    // Decks: the root, and one per domain that has notes.
    let mut decks = serde_json::Map::new();
    let deck_json = |id: i64, name: &str, desc: &str| {
        json!({
            "id": id, "name": name, "desc": desc, "mod": ctx.now_secs, "usn": -1, "dyn": 0, "conf": 1,
            "collapsed": false, "browserCollapsed": false, "newToday": [0, 0], "revToday": [0, 0],
            "lrnToday": [0, 0], "timeToday": [0, 0], "extendNew": 0, "extendRev": 0
        })
    };
    decks.insert(
        root_id.to_string(),
        deck_json(root_id, &root_name, &super::html::escape(&deck.description)),
    );

    // The creation day: a day before anything the package schedules or logs.
    let earliest = cards
        .iter()
        .filter_map(|c| {
            c.state
                .due
                .into_iter()
                .chain(c.state.last_review.map(|t| day(t.millis(), ctx)))
                .min()
        })
        .min()
        .unwrap_or(ctx.today)
        .min(ctx.today)
        .plus(-1);
    let offset =
        chrono::FixedOffset::east_opt(ctx.offset_seconds).unwrap_or_else(|| chrono::Utc.fix());
    let crt = earliest.start(offset, ctx.rollover_hour).millis() / 1000;

    let mut package = Package {
        media: media_files,
        ..Package::default()
    };
    let mut note_ids: HashMap<i64, i64> = HashMap::new();
    let mut used = std::collections::HashSet::new();
    let unique = |mut id: i64, used: &mut std::collections::HashSet<i64>| {
        while !used.insert(id) {
            id += 1;
        }
        id
    };
    let mut note_decks: HashMap<i64, i64> = HashMap::new();
    let kept = KeptTypes::parse(deck.anki_json.as_deref());
    let mut models: serde_json::Map<String, serde_json::Value> = NoteType::ALL
        .iter()
        .map(|t| (t.id().to_string(), t.json()))
        .collect();
    let rendered = render_all(deck, notes, &media_names);
    for (n, mut fields) in notes.iter().zip(rendered) {
        // A note converted from Anki goes back under its original note type, so Anki updates it.
        let mut mid = note_type(n.kind).id();
        if let Some((id, model)) = kept.for_note(n) {
            mid = id;
            models
                .entry(id.to_string())
                .or_insert_with(|| model.clone());
            fields.truncate(if n.kind == NoteKind::Cloze { 3 } else { 2 });
            if n.kind == NoteKind::Cloze {
                // Text and Extra; the title was made from the text.
                fields.remove(1);
            }
        }
        let mut tags = Vec::new();
        if let (Some(d), Some(o), Some(s)) = (&n.domain, &n.objective, &n.skill) {
            tags.push(format!(
                "{}::{}::{}::{}",
                tag_part(deck.id.as_str()),
                tag_part(&d.0),
                tag_part(&o.0),
                tag_part(&s.0)
            ));
        } else {
            tags.push(tag_part(deck.id.as_str()));
        }
        tags.extend(n.tags.iter().map(|t| tag_part(t)));
        let did = match &n.domain {
            Some((_, title)) => {
                let id = deck_id(title);
                decks.entry(id.to_string()).or_insert_with(|| {
                    deck_json(
                        id,
                        &format!("{root_name}::{}", title.replace("::", "_")),
                        "",
                    )
                });
                id
            }
            None => root_id,
        };
        let id = unique(stable_id(&format!("note/{}", n.guid)), &mut used);
        note_ids.insert(n.pk, id);
        note_decks.insert(n.pk, did);
        package.notes.push(NoteRow {
            id,
            guid: n.guid.clone(),
            mid,
            modified: n.content_changed_at.millis() / 1000,
            tags: format!(" {} ", tags.join(" ")),
            sort_field: strip_tags(&n.title),
            fields,
        });
    }

    let guids: HashMap<i64, &str> = notes.iter().map(|n| (n.pk, n.guid.as_str())).collect();
    let mut card_ids: HashMap<i64, i64> = HashMap::new();
    for (position, c) in cards.iter().enumerate() {
        let (Some(&nid), Some(&did)) = (note_ids.get(&c.note), note_decks.get(&c.note)) else {
            continue;
        };
        let guid = guids.get(&c.note).copied().unwrap_or("");
        let id = unique(stable_id(&format!("card/{guid}/{}", c.ord)), &mut used);
        card_ids.insert(c.pk, id);
        package.cards.push(card_row(
            c,
            id,
            nid,
            did,
            position as i64 + 1,
            earliest,
            ctx,
        ));
    }

    if ctx.with_scheduling {
        package.revlog = revlog(reviews, &card_ids, cards, ctx);
    }

    let models: serde_json::Map<String, serde_json::Value> = NoteType::ALL
        .iter()
        .map(|t| (t.id().to_string(), t.json()))
        .collect();
    let conf = json!({
        "schedVer": 2, "sched2021": true, "creationOffset": -ctx.offset_seconds / 60, "nextPos": cards.len() + 1,
        "curDeck": root_id, "activeDecks": [root_id], "newSpread": 0, "collapseTime": 1200,
        "timeLim": 0, "estTimes": true, "dueCounts": true, "curModel": NoteType::Basic.id(), "sortType": "noteFld",
        "sortBackwards": false, "addToCur": true, "dayLearnFirst": false
    });
    let dconf = json!({ "1": {
        "id": 1, "name": "Default", "mod": 0, "usn": 0, "maxTaken": 60, "autoplay": true, "timer": 0, "replayq": true, "dyn": false,
        "new": { "delays": [1.0, 10.0], "ints": [1, 4, 0], "initialFactor": 2500, "order": 1, "perDay": 20, "bury": false },
        "rev": { "perDay": 200, "ease4": 1.3, "maxIvl": 36500, "hardFactor": 1.2, "bury": false },
        "lapse": { "delays": [10.0], "mult": 0.0, "minInt": 1, "leechFails": 8, "leechAction": 1 }
    }});
    package.col = Some(Col {
        crt,
        modified_ms: ctx.now_secs * 1000,
        conf: conf.to_string(),
        models: serde_json::Value::Object(models).to_string(),
        decks: serde_json::Value::Object(decks).to_string(),
        dconf: dconf.to_string(),
    });
    Ok(package)
}

/// The fields of every note, rendered on all cores (rendering is most of an export's work).
fn render_all(
    deck: &ExportDeck,
    notes: &[ExportNote],
    media: &HashMap<i64, HashMap<String, String>>,
) -> Vec<Vec<String>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = notes.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = notes
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|n| render_fields(deck, n, media))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

/// A note's fields as HTML, in its note type's field order.
fn render_fields(
    deck: &ExportDeck,
    n: &ExportNote,
    media_names: &HashMap<i64, HashMap<String, String>>,
) -> Vec<String> {
    let no_media = HashMap::new();
    let media = media_names.get(&n.pk).unwrap_or(&no_media);
    let render = |md: &str| super::html::render(md, media);
    let skill_path = [&n.domain, &n.objective, &n.skill]
        .iter()
        .filter_map(|p| p.as_ref().map(|(_, title)| super::html::escape(title)))
        .collect::<Vec<_>>()
        .join(" › ");
    let source = super::html::escape(&format!("{}/{}:{}", deck.id, n.source_path, n.source_line));
    match note_type(n.kind) {
        NoteType::Basic | NoteType::Reversed => {
            vec![render(&n.prompt), render(&n.answer), skill_path, source]
        }
        NoteType::Cloze => vec![
            render(&n.prompt),
            super::html::escape(&n.title),
            render(&n.answer),
            skill_path,
            source,
        ],
        NoteType::Choice => {
            let items: String = n
                .choices
                .iter()
                .map(|c| format!("<li>{}</li>", strip_p(&render(&c.text))))
                .collect();
            let correct: Vec<String> = n
                .choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.correct)
                .map(|(i, c)| {
                    format!(
                        "{}) {}",
                        char::from(b'a' + (i % 26) as u8),
                        strip_p(&render(&c.text))
                    )
                })
                .collect();
            vec![
                render(&n.prompt),
                format!("<ol class=\"options\" type=\"a\">{items}</ol>"),
                correct.join("<br>"),
                render(&n.answer),
                skill_path,
                source,
            ]
        }
    }
}

/// The original note types of a deck converted from Anki (its `anki.json`).
struct KeptTypes {
    types: HashMap<i64, serde_json::Value>,
    notes: HashMap<String, i64>,
}

impl KeptTypes {
    fn parse(json: Option<&str>) -> KeptTypes {
        let value: serde_json::Value = json
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        let types = value["note_types"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(id, model)| Some((id.parse().ok()?, model.clone())))
            .collect();
        let notes = value["notes"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(note, id)| Some((note.clone(), id.as_i64()?)))
            .collect();
        KeptTypes { types, notes }
    }

    /// The original note type of a note, when it has one that fits: two fields, and cloze
    /// exactly when the note is.
    fn for_note(&self, n: &ExportNote) -> Option<(i64, &serde_json::Value)> {
        let id = *self.notes.get(n.id.as_str())?;
        let model = self.types.get(&id)?;
        let fits = model["flds"].as_array().is_some_and(|f| f.len() == 2)
            && (model["type"].as_i64() == Some(1)) == (n.kind == NoteKind::Cloze);
        fits.then_some((id, model))
    }
}

fn day(ms: i64, ctx: &ExportContext) -> Day {
    Day::of_millis(ms, ctx.offset_seconds, ctx.rollover_hour)
}

fn strip_p(html: &str) -> String {
    let t = html.trim();
    match t.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => t.to_owned(),
    }
}

/// Text of a Markdown heading without markup, for Anki's sort field.
fn strip_tags(markdown: &str) -> String {
    if !markdown.contains(['`', '*', '_', '[', '<', '&', '\\', '$', '~']) {
        return markdown.to_owned();
    }
    Parser::new_ext(markdown, markdown_options())
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.to_string()),
            _ => None,
        })
        .collect()
}

/// A card's row: new cards in deck order; with scheduling, the FSRS state as Anki keeps it.
fn card_row(
    c: &ExportCard,
    id: i64,
    nid: i64,
    did: i64,
    position: i64,
    crt_day: Day,
    ctx: &ExportContext,
) -> CardRow {
    let new = CardRow {
        id,
        nid,
        did,
        ord: c.ord,
        modified: ctx.now_secs,
        kind: 0,
        queue: 0,
        due: position,
        ivl: 0,
        factor: 0,
        reps: 0,
        lapses: 0,
        left: 0,
        data: String::new(),
    };
    let s = &c.state;
    if !ctx.with_scheduling || s.phase == Phase::New {
        return CardRow {
            queue: if ctx.with_scheduling && c.suspended {
                -1
            } else {
                0
            },
            ..new
        };
    }
    let (Some(memory), Some(due), Some(last)) = (s.memory, s.due, s.last_review) else {
        return new;
    };
    let last_day = day(last.millis(), ctx);
    let data = json!({
        "s": (memory.stability as f64 * 10_000.0).round() / 10_000.0,
        "d": (memory.difficulty as f64 * 1000.0).round() / 1000.0,
        "dr": (ctx.desired_retention as f64 * 100.0).round() / 100.0,
        "decay": (ctx.decay as f64 * 1000.0).round() / 1000.0,
        "lrt": last.millis() / 1000,
    })
    .to_string();
    let learning_now = s.step_due.is_some() && last_day == ctx.today;
    let (kind, queue, due_value, left) = match s.phase {
        Phase::Learning if learning_now => {
            (1, 1, s.step_due.map_or(0, |t| t.millis() / 1000), 1001)
        }
        Phase::Relearning if learning_now => {
            (3, 1, s.step_due.map_or(0, |t| t.millis() / 1000), 1001)
        }
        _ => (2, 2, due.since(crt_day), 0),
    };
    let queue = if c.suspended {
        -1
    } else if c.buried {
        -3
    } else {
        queue
    };
    CardRow {
        kind,
        queue,
        due: due_value,
        ivl: due.since(last_day).max(1),
        factor: 2500,
        reps: i64::from(s.reps),
        lapses: i64::from(s.lapses),
        left,
        data,
        ..new
    }
}

/// The review log, each row's interval taken from the gap to the card's next review (or to its
/// due day, for the last one).
fn revlog(
    reviews: &[ExportReview],
    card_ids: &HashMap<i64, i64>,
    cards: &[ExportCard],
    ctx: &ExportContext,
) -> Vec<RevlogRow> {
    let due_of: HashMap<i64, Option<Day>> = cards.iter().map(|c| (c.pk, c.state.due)).collect();
    let mut by_card: HashMap<i64, Vec<&ExportReview>> = HashMap::new();
    for r in reviews {
        by_card.entry(r.card).or_default().push(r);
    }
    let mut rows = Vec::with_capacity(reviews.len());
    let mut used = std::collections::HashSet::new();
    for (card, list) in by_card {
        let Some(&cid) = card_ids.get(&card) else {
            continue;
        };
        let mut last_ivl = 0;
        for (i, r) in list.iter().enumerate() {
            let today = day(r.at.millis(), ctx);
            let next = match list.get(i + 1) {
                Some(next) => Some(day(next.at.millis(), ctx)),
                None => due_of.get(&card).copied().flatten(),
            };
            let ivl = next.map_or(0, |n| n.since(today).max(0));
            let kind = match r.before {
                Some(Phase::New | Phase::Learning) => 0,
                Some(Phase::Relearning) => 2,
                _ => 1,
            };
            let mut id = r.at.millis();
            while !used.insert(id) {
                id += 1;
            }
            rows.push(RevlogRow {
                id,
                cid,
                ease: i64::from(r.rating),
                ivl,
                last_ivl,
                factor: if kind == 0 { 0 } else { 2500 },
                time: r.duration_ms.clamp(0, 60_000),
                kind,
            });
            last_ivl = ivl;
        }
    }
    rows.sort_by_key(|r| r.id);
    rows
}
