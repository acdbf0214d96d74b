//! Exporting a built deck as an Anki package: deck tree `<anki_deck>::<domain title>`, tags
//! `<deck>::<domain>::<objective>::<skill>` plus the note's own, GUIDs fixed when a note is
//! first built, `notes.mod` = when its content last changed, fixed note-type, deck, note and
//! card ids derived from stable names, and — for a deck converted from Anki — its notes under
//! their original note types (`note_rows`).
//!
//! Every id is made before anything is rendered, so each table's rows are written in id order;
//! notes are then rendered on all cores a batch at a time while the batch before is written
//! (`package`), so the deck's rendered HTML is never all in memory at once.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::Offset as _;
use rayon::prelude::*;
use serde_json::json;

use super::media::{Media, collect_media};
use super::note_rows::{KeptTypes, Outside, Shared, SkillOut, note_place, note_row, tag_part};
use super::notetypes::NoteType;
use super::package::{CardRow, Col, Collection, NoteRow, RevlogRow};
use super::scheduling::{card_row, revlog};
use crate::error::Result;
use crate::store::export::{ExportCard, ExportDeck, ExportNote, ExportReview};
use crate::types::Day;

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
    /// The collection's creation day when it is fixed elsewhere (a sync server's collection):
    /// review cards' due days count from it. `None`: the day before anything scheduled.
    pub creation: Option<Day>,
}

impl ExportContext {
    /// The study day of a moment (epoch ms), for this user.
    pub fn day(&self, ms: i64) -> Day {
        Day::of_millis(ms, self.offset_seconds, self.rollover_hour)
    }
}

/// Rows rendered (or made) at a time, on all cores. Measured on the 100,000-note deck: 1,024
/// keeps the peak lower than larger batches, at the same speed.
const BATCH: usize = 1024;

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub notes: usize,
    pub cards: usize,
    pub reviews: usize,
    pub media: usize,
}

/// Where an export's rows go: a collection file for a package, or memory for a sync. Each
/// table's rows come in ascending id order.
pub trait RowSink: Send {
    fn col(&mut self, col: &Col) -> Result<()>;
    fn notes(&mut self, rows: &[NoteRow]) -> Result<()>;
    fn cards(&mut self, rows: &[CardRow]) -> Result<()>;
    fn revlog(&mut self, rows: &[RevlogRow]) -> Result<()>;
}

impl RowSink for Collection {
    fn col(&mut self, col: &Col) -> Result<()> {
        Collection::col(self, col)
    }
    fn notes(&mut self, rows: &[NoteRow]) -> Result<()> {
        Collection::notes(self, rows)
    }
    fn cards(&mut self, rows: &[CardRow]) -> Result<()> {
        Collection::cards(self, rows)
    }
    fn revlog(&mut self, rows: &[RevlogRow]) -> Result<()> {
        Collection::revlog(self, rows)
    }
}

/// Writes the package of a deck to `out`, consuming its notes and cards.
pub fn write_package(
    out: &Path,
    deck: &ExportDeck,
    notes: Vec<ExportNote>,
    cards: Vec<ExportCard>,
    reviews: &[ExportReview],
    ctx: &ExportContext,
) -> Result<Exported> {
    let mut collection = Collection::create(out)?;
    let (exported, media_files) = write_rows(&mut collection, deck, notes, cards, reviews, ctx)?;
    collection.write_package(out, &media_files)?;
    Ok(exported)
}

/// Makes every row of a deck's collection into `sink`, consuming its notes and cards. Returns
/// what was made and the media files the notes refer to (name inside Anki, file on disk).
pub fn write_rows(
    sink: &mut impl RowSink,
    deck: &ExportDeck,
    notes: Vec<ExportNote>,
    cards: Vec<ExportCard>,
    reviews: &[ExportReview],
    ctx: &ExportContext,
) -> Result<(Exported, Vec<(String, std::path::PathBuf)>)> {
    let Media {
        per_note: media_names,
        files: media_files,
    } = collect_media(deck, &notes)?;
    let tree = DeckTree::new(deck, &notes, ctx);
    let kept = KeptTypes::parse(deck.anki_json.as_deref());
    let shared = Shared {
        deck,
        media: &media_names,
        kept: &kept,
        skills: &tree.skills,
        root: Outside {
            tag: tag_part(deck.id.as_str()),
            did: tree.root_id,
        },
    };
    let ids = Ids::assign(&shared, &notes, &cards);
    let earliest = ctx.creation.unwrap_or_else(|| creation_day(&cards, ctx));

    sink.col(&col_row(&tree, &kept, &ids, cards.len(), earliest, ctx))?;
    let mut exported = Exported {
        notes: ids.notes.len(),
        cards: ids.cards.len(),
        reviews: 0,
        media: media_files.len(),
    };
    write_cards(sink, &ids.cards, earliest, ctx)?;
    if ctx.with_scheduling {
        let card_ids: HashMap<i64, i64> = ids.cards.iter().map(|c| (c.card.pk, c.id)).collect();
        // In time order, which is id order.
        let rows = revlog(reviews, &card_ids, &cards, ctx);
        sink.revlog(&rows)?;
        exported.reviews = rows.len();
    }
    let note_ids = ids.notes;
    drop(cards);
    write_notes(sink, &shared, notes, &note_ids)?;
    Ok((exported, media_files))
}

/// The package's Anki decks — the root, and one per domain that has notes — and what every
/// note of a skill shares: its tag, its path for the Skill field, its Anki deck.
struct DeckTree {
    root_id: i64,
    decks: serde_json::Map<String, serde_json::Value>,
    skills: HashMap<String, SkillOut>,
}

impl DeckTree {
    fn new(deck: &ExportDeck, notes: &[ExportNote], ctx: &ExportContext) -> DeckTree {
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
        let deck_json = |id: i64, name: &str, desc: &str| {
            json!({
                "id": id, "name": name, "desc": desc, "mod": ctx.now_secs, "usn": -1, "dyn": 0, "conf": 1,
                "collapsed": false, "browserCollapsed": false, "newToday": [0, 0], "revToday": [0, 0],
                "lrnToday": [0, 0], "timeToday": [0, 0], "extendNew": 0, "extendRev": 0
            })
        };
        let mut decks = serde_json::Map::new();
        decks.insert(
            root_id.to_string(),
            deck_json(root_id, &root_name, &super::html::escape(&deck.description)),
        );
        let mut skills: HashMap<String, SkillOut> = HashMap::new();
        for place in notes.iter().filter_map(|n| n.place.as_deref()) {
            if skills.contains_key(&place.skill.0) {
                continue;
            }
            let title = &place.domain.1;
            let did = stable_id(&format!("deck/{root_name}::{title}"));
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
        DeckTree {
            root_id,
            decks,
            skills,
        }
    }
}

/// A card of an exported note, placed.
struct CardPlan<'c> {
    id: i64,
    /// Its place in deck order (Anki's due for new cards), from 1.
    position: i64,
    card: &'c ExportCard,
    nid: i64,
    did: i64,
}

/// Every id of the package, made before anything is rendered.
struct Ids<'c> {
    /// Each note's id, by its key.
    notes: HashMap<i64, i64>,
    /// The original Anki note types notes keep, in deck order.
    kept_types: Vec<i64>,
    /// The cards of exported notes, in deck order.
    cards: Vec<CardPlan<'c>>,
}

impl<'c> Ids<'c> {
    /// Notes in deck order, then cards, as every export numbers them. The names are hashed on
    /// all cores. Ids stay unique even if two names hash alike; the rare loser takes the next
    /// free id.
    fn assign(shared: &Shared<'_>, notes: &[ExportNote], cards: &'c [ExportCard]) -> Ids<'c> {
        let mut used = HashSet::with_capacity(notes.len() + cards.len());
        let mut unique = |mut id: i64| {
            while !used.insert(id) {
                id += 1;
            }
            id
        };
        let hashed: Vec<(i64, i64, i64)> = notes
            .par_iter()
            .map(|n| {
                let place = note_place(shared, n);
                (stable_id(&format!("note/{}", n.guid)), place.did, place.mid)
            })
            .collect();
        // Each note's id, deck and GUID, by its key.
        let mut placed: HashMap<i64, (i64, i64, &str)> = HashMap::with_capacity(notes.len());
        let mut kept_types = Vec::new();
        for (n, (hash, did, mid)) in notes.iter().zip(hashed) {
            placed.insert(n.pk, (unique(hash), did, &n.guid));
            if shared.kept.types.contains_key(&mid) {
                kept_types.push(mid);
            }
        }
        let mut cards: Vec<CardPlan<'c>> = cards
            .par_iter()
            .enumerate()
            .filter_map(|(i, card)| {
                let &(nid, did, guid) = placed.get(&card.note)?;
                Some(CardPlan {
                    id: stable_id(&format!("card/{guid}/{}", card.ord)),
                    position: i as i64 + 1,
                    card,
                    nid,
                    did,
                })
            })
            .collect();
        for c in &mut cards {
            c.id = unique(c.id);
        }
        Ids {
            notes: placed.into_iter().map(|(pk, p)| (pk, p.0)).collect(),
            kept_types,
            cards,
        }
    }
}

/// The creation day: a day before anything the package schedules or logs.
fn creation_day(cards: &[ExportCard], ctx: &ExportContext) -> Day {
    cards
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
        .plus(-1)
}

/// The `col` row: configuration, note types (ours, and the original Anki types the notes
/// keep), decks.
fn col_row(
    tree: &DeckTree,
    kept: &KeptTypes,
    ids: &Ids<'_>,
    all_cards: usize,
    earliest: Day,
    ctx: &ExportContext,
) -> Col {
    let mut models: serde_json::Map<String, serde_json::Value> = NoteType::ALL
        .iter()
        .map(|t| (t.id().to_string(), t.json()))
        .collect();
    for mid in &ids.kept_types {
        if let Some(model) = kept.types.get(mid) {
            models
                .entry(mid.to_string())
                .or_insert_with(|| model.clone());
        }
    }
    let root_id = tree.root_id;
    let conf = json!({
        "schedVer": 2, "sched2021": true, "creationOffset": -ctx.offset_seconds / 60, "nextPos": all_cards + 1,
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
    let offset =
        chrono::FixedOffset::east_opt(ctx.offset_seconds).unwrap_or_else(|| chrono::Utc.fix());
    Col {
        crt: earliest.start(offset, ctx.rollover_hour).millis() / 1000,
        modified_ms: ctx.now_secs * 1000,
        conf: conf.to_string(),
        models: serde_json::Value::Object(models).to_string(),
        decks: serde_json::Value::Object(tree.decks.clone()).to_string(),
        dconf: dconf.to_string(),
    }
}

/// The cards in id order, made a batch at a time.
fn write_cards(
    collection: &mut impl RowSink,
    plan: &[CardPlan<'_>],
    earliest: Day,
    ctx: &ExportContext,
) -> Result<()> {
    let mut order: Vec<&CardPlan<'_>> = plan.iter().collect();
    order.sort_unstable_by_key(|c| c.id);
    for batch in order.chunks(BATCH) {
        let rows: Vec<_> = batch
            .par_iter()
            .map(|c| card_row(c.card, c.id, c.nid, c.did, c.position, earliest, ctx))
            .collect();
        collection.cards(&rows)?;
    }
    Ok(())
}

/// The notes in id order: each batch is rendered on all cores while the one before is written,
/// and its Markdown freed once rendered.
fn write_notes(
    collection: &mut impl RowSink,
    shared: &Shared<'_>,
    notes: Vec<ExportNote>,
    ids: &HashMap<i64, i64>,
) -> Result<()> {
    let mut by_id: Vec<(i64, ExportNote)> = notes
        .into_iter()
        .filter_map(|n| Some((*ids.get(&n.pk)?, n)))
        .collect();
    by_id.sort_unstable_by_key(|(id, _)| *id);
    let mut by_id = by_id.into_iter();
    let mut rendered: Vec<NoteRow> = Vec::new();
    loop {
        let batch: Vec<(i64, ExportNote)> = by_id.by_ref().take(BATCH).collect();
        if batch.is_empty() && rendered.is_empty() {
            return Ok(());
        }
        let writer = &mut *collection;
        let (written, next) = rayon::join(
            move || writer.notes(&rendered),
            || {
                batch
                    .par_iter()
                    .map(|(id, n)| note_row(shared, n, *id))
                    .collect::<Vec<_>>()
            },
        );
        written?;
        rendered = next;
    }
}
