//! Assembling an Anki package from a built deck (pure but for reading media files): deck tree
//! `<anki_deck>::<domain title>`, tags `<deck>::<domain>::<objective>::<skill>` plus the note's
//! own, GUIDs fixed when a note is first built, `notes.mod` = when its content last changed,
//! fixed note-type, deck, note and card ids derived from stable names, and — for a deck
//! converted from Anki — its notes under their original note types.

use std::collections::HashMap;

use chrono::Offset as _;
use pulldown_cmark::{Event, Parser};
use serde_json::json;

use super::media::{Media, collect_media};
use super::notetypes::NoteType;
use super::package::{Col, NoteRow, Package};
use super::scheduling::{card_row, revlog};
use crate::deck::parse::markdown_options;
use crate::error::Result;
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

impl ExportContext {
    /// The study day of a moment (epoch ms), for this user.
    pub fn day(&self, ms: i64) -> Day {
        Day::of_millis(ms, self.offset_seconds, self.rollover_hour)
    }
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

/// Notes rendered at a time: each batch's Markdown is freed as its rows are made, so the deck's
/// notes and their rendered rows are never all in memory at once.
const BATCH: usize = 8192;

/// Builds the package of a deck, consuming its notes and cards.
pub fn build_package(
    deck: &ExportDeck,
    notes: Vec<ExportNote>,
    cards: Vec<ExportCard>,
    reviews: &[ExportReview],
    ctx: &ExportContext,
) -> Result<Package> {
    let Media {
        per_note: media_names,
        files: media_files,
    } = collect_media(deck, &notes)?;
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
                .chain(c.state.last_review.map(|t| ctx.day(t.millis())))
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
    let kept = KeptTypes::parse(deck.anki_json.as_deref());
    let mut models: serde_json::Map<String, serde_json::Value> = NoteType::ALL
        .iter()
        .map(|t| (t.id().to_string(), t.json()))
        .collect();

    // What every note of a skill shares: its tag, its path for the Skill field, its Anki deck.
    let mut skills: HashMap<String, SkillOut> = HashMap::new();
    for place in notes.iter().filter_map(|n| n.place.as_deref()) {
        if skills.contains_key(&place.skill.0) {
            continue;
        }
        let title = &place.domain.1;
        let did = deck_id(title);
        decks.entry(did.to_string()).or_insert_with(|| {
            deck_json(
                did,
                &format!("{root_name}::{}", title.replace("::", "_")),
                "",
            )
        });
        skills.insert(
            place.skill.0.clone(),
            SkillOut {
                tag: format!(
                    "{}::{}::{}::{}",
                    tag_part(deck.id.as_str()),
                    tag_part(&place.domain.0),
                    tag_part(&place.objective.0),
                    tag_part(&place.skill.0)
                ),
                path: [&place.domain.1, &place.objective.1, &place.skill.1]
                    .map(|t| super::html::escape(t))
                    .join(" › "),
                did,
            },
        );
    }
    let shared = Shared {
        deck,
        media: &media_names,
        kept: &kept,
        skills: &skills,
        root: Outside {
            tag: tag_part(deck.id.as_str()),
            did: root_id,
        },
    };
    // Ids stay unique even if two names hash alike; the rare loser takes the next free id.
    let mut used = std::collections::HashSet::with_capacity(notes.len() + cards.len());
    let mut unique = |mut id: i64| {
        while !used.insert(id) {
            id += 1;
        }
        id
    };
    // Each note's place in `package.notes`, and its Anki deck.
    let mut placed: HashMap<i64, (usize, i64)> = HashMap::with_capacity(notes.len());
    package.notes.reserve_exact(notes.len());
    let mut notes = notes.into_iter();
    loop {
        let batch: Vec<ExportNote> = notes.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let rows = crate::parallel::map(&batch, |n| note_row(&shared, n));
        for (n, (mut row, did)) in batch.iter().zip(rows) {
            row.id = unique(row.id);
            // A note kept under its original Anki note type brings that type along.
            if let Some(model) = kept.types.get(&row.mid) {
                models
                    .entry(row.mid.to_string())
                    .or_insert_with(|| model.clone());
            }
            placed.insert(n.pk, (package.notes.len(), did));
            package.notes.push(row);
        }
    }

    // Cards of exported notes, with their position in deck order (Anki's due for new cards).
    let kept_cards: Vec<(usize, &ExportCard, usize, i64)> = cards
        .iter()
        .enumerate()
        .filter_map(|(position, c)| {
            let &(index, did) = placed.get(&c.note)?;
            Some((position, c, index, did))
        })
        .collect();
    let note_rows = &package.notes;
    let mut card_rows = crate::parallel::map(&kept_cards, |&(position, c, index, did)| {
        let note = &note_rows[index];
        let id = stable_id(&format!("card/{}/{}", note.guid, c.ord));
        card_row(c, id, note.id, did, position as i64 + 1, earliest, ctx)
    });
    let mut card_ids: HashMap<i64, i64> = HashMap::with_capacity(card_rows.len());
    for (row, (_, c, _, _)) in card_rows.iter_mut().zip(&kept_cards) {
        row.id = unique(row.id);
        card_ids.insert(c.pk, row.id);
    }
    drop(kept_cards);
    package.cards = card_rows;

    if ctx.with_scheduling {
        package.revlog = revlog(reviews, &card_ids, &cards, ctx);
    }

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

/// What a skill's notes share in the package.
struct SkillOut {
    tag: String,
    /// Domain › objective › skill, as HTML.
    path: String,
    did: i64,
}

/// Where a note outside the outline goes.
struct Outside {
    tag: String,
    did: i64,
}

/// What every note's row is made from, besides the note.
struct Shared<'a> {
    deck: &'a ExportDeck,
    media: &'a HashMap<i64, HashMap<String, String>>,
    kept: &'a KeptTypes,
    skills: &'a HashMap<String, SkillOut>,
    root: Outside,
}

/// A note's row (its id not yet made unique) and its Anki deck.
fn note_row(shared: &Shared<'_>, n: &ExportNote) -> (NoteRow, i64) {
    let skill = n
        .place
        .as_deref()
        .and_then(|p| shared.skills.get(p.skill.0.as_str()));
    let (path, tag, did) = match skill {
        Some(s) => (s.path.as_str(), s.tag.as_str(), s.did),
        None => ("", shared.root.tag.as_str(), shared.root.did),
    };
    let mut fields = render_fields(shared, n, path);
    // A note converted from Anki goes back under its original note type, so Anki updates it.
    let mut mid = note_type(n.kind).id();
    if let Some(id) = shared.kept.for_note(n) {
        mid = id;
        fields.truncate(if n.kind == NoteKind::Cloze { 3 } else { 2 });
        if n.kind == NoteKind::Cloze {
            // Text and Extra; the title was made from the text.
            fields.remove(1);
        }
    }
    let mut tags = String::with_capacity(tag.len() + 2);
    tags.push(' ');
    tags.push_str(tag);
    for t in &n.tags {
        tags.push(' ');
        tags.push_str(&tag_part(t));
    }
    tags.push(' ');
    let row = NoteRow {
        id: stable_id(&format!("note/{}", n.guid)),
        guid: n.guid.clone(),
        mid,
        modified: n.content_changed_at.millis() / 1000,
        tags,
        sort_field: strip_tags(&n.title),
        fields: fields.join("\u{1f}"),
    };
    (row, did)
}

/// A note's fields as HTML, in its note type's field order.
fn render_fields(shared: &Shared<'_>, n: &ExportNote, skill_path: &str) -> Vec<String> {
    let no_media = HashMap::new();
    let media = shared.media.get(&n.pk).unwrap_or(&no_media);
    let render = |md: &str| super::html::render(md, media);
    let skill_path = skill_path.to_owned();
    let source = super::html::escape(&format!(
        "{}/{}:{}",
        shared.deck.id, n.source_path, n.source_line
    ));
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

    /// The id of a note's original note type, when it has one that fits: two fields, and
    /// cloze exactly when the note is.
    fn for_note(&self, n: &ExportNote) -> Option<i64> {
        let id = *self.notes.get(n.id.as_str())?;
        let model = self.types.get(&id)?;
        let fits = model["flds"].as_array().is_some_and(|f| f.len() == 2)
            && (model["type"].as_i64() == Some(1)) == (n.kind == NoteKind::Cloze);
        fits.then_some(id)
    }
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
