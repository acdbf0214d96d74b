//! skilldeck's side of a sync: each deck's rows made by the exporter (`anki::write_rows`, so
//! the phone gets exactly what an export with scheduling carries), with the parent decks Anki
//! needs. Each deck gets deck options of its own (FSRS on its desired retention and fitted
//! parameters), never the user's Default. `outgoing` decides what of it is sent.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::anki::package::{CardRow, Col, NoteRow, RevlogRow};
use crate::anki::{ExportContext, RowSink, stable_id, write_rows};
use crate::error::{Error, Result};
use crate::sched::fsrs::Scheduler;
use crate::store::settings::Settings;
use crate::store::{export, imports, params};
use crate::types::Day;

/// Rows in memory, as the exporter makes them.
#[derive(Default)]
struct Memory {
    col: Option<Col>,
    notes: Vec<NoteRow>,
    cards: Vec<CardRow>,
    revlog: Vec<RevlogRow>,
}

impl RowSink for Memory {
    fn col(&mut self, col: &Col) -> Result<()> {
        self.col = Some(col.clone());
        Ok(())
    }
    fn notes(&mut self, rows: &[NoteRow]) -> Result<()> {
        self.notes.extend_from_slice(rows);
        Ok(())
    }
    fn cards(&mut self, rows: &[CardRow]) -> Result<()> {
        self.cards.extend_from_slice(rows);
        Ok(())
    }
    fn revlog(&mut self, rows: &[RevlogRow]) -> Result<()> {
        self.revlog.extend_from_slice(rows);
        Ok(())
    }
}

/// Everything of skilldeck's that the server's collection should hold.
#[derive(Debug, Default)]
pub struct Ours {
    /// Note types, decks and deck options by id (JSON objects, `mod` and `usn` unset).
    pub models: BTreeMap<i64, Value>,
    pub decks: BTreeMap<i64, Value>,
    pub dconf: BTreeMap<i64, Value>,
    pub tags: BTreeSet<String>,
    pub notes: Vec<NoteRow>,
    pub cards: Vec<CardRow>,
    pub revlog: Vec<RevlogRow>,
    /// Media files the notes refer to: name inside Anki, file on disk.
    pub media: Vec<(String, std::path::PathBuf)>,
}

/// The deck ids (slugs) to sync: those named, else every deck not removed.
pub fn deck_ids(conn: &Connection, named: &[String]) -> Result<Vec<String>> {
    let stored = crate::store::decks::all(conn)?;
    if named.is_empty() {
        // A removed deck is not studied, so not synced either (its cards stay on the phone
        // as they were).
        return Ok(stored
            .into_iter()
            .filter(|d| d.removed_at.is_none())
            .map(|d| d.id.to_string())
            .collect());
    }
    let all: Vec<String> = stored.into_iter().map(|d| d.id.to_string()).collect();
    for name in named {
        if !all.contains(name) {
            return Err(Error::user(format!(
                "deck `{name}` is not in the database; build it first with `skilldeck build DECK_DIR`"
            )));
        }
    }
    Ok(named.to_vec())
}

/// Makes every row of the decks `ids`, with review cards due counted from `crt` (the server
/// collection's creation time, s).
pub fn make(
    conn: &Connection,
    ids: &[String],
    crt: i64,
    now: DateTime<FixedOffset>,
) -> Result<Ours> {
    let settings = Settings::load(conn)?;
    let today = Day::of(now, settings.day_rollover_hour);
    let offset = now.offset().local_minus_utc();
    let mut ours = Ours::default();
    for id in ids {
        let deck_id = crate::types::DeckId::parse(id)
            .ok_or_else(|| Error::user(format!("`{id}` is not a deck id")))?;
        let Some(deck) = export::deck(conn, &deck_id)? else {
            continue;
        };
        let (notes, cards) = export::notes_and_cards_in(conn, deck.pk, today.0)?;
        let reviews = export::reviews(conn, deck.pk)?;
        let fitted = params::current(conn, Some(deck.pk))?;
        let retention =
            imports::deck_retention(conn, deck.pk)?.unwrap_or(settings.desired_retention);
        let scheduler = Scheduler::new(
            fitted.as_deref().unwrap_or_default(),
            retention,
            Default::default(),
        )?;
        let ctx = ExportContext {
            now_secs: now.timestamp(),
            today,
            offset_seconds: offset,
            rollover_hour: settings.day_rollover_hour,
            with_scheduling: true,
            desired_retention: scheduler.desired_retention(),
            decay: scheduler.decay(),
            creation: Some(Day::of_millis(
                crt.saturating_mul(1000),
                offset,
                settings.day_rollover_hour,
            )),
        };
        let mut rows = Memory::default();
        let (_, media) = write_rows(&mut rows, &deck, notes, cards, &reviews, &ctx)?;
        ours.media.extend(media);
        let Some(col) = rows.col else { continue };
        let dconf_id = stable_id(&format!("dconf/{}", deck.id));
        ours.dconf.insert(
            dconf_id,
            deck_options(
                dconf_id,
                &deck.name,
                &settings,
                retention,
                fitted.as_deref(),
            ),
        );
        for (id, model) in objects(&col.models)? {
            ours.models.insert(id, model);
        }
        let deck_objects = objects(&col.decks)?;
        for (id, object) in &deck_objects {
            let mut object = object.clone();
            object["conf"] = json!(dconf_id);
            ours.decks.insert(*id, object);
        }
        // Anki needs every parent of a deck: a root named `A::B` comes with a deck `A` (a
        // package's import makes it; a sync must send it).
        for (_, object) in &deck_objects {
            let name = object["name"].as_str().unwrap_or_default();
            let parts: Vec<&str> = name.split("::").collect();
            for depth in 1..parts.len() {
                let parent = parts[..depth].join("::");
                let known = ours.decks.values().any(|d| d["name"] == parent.as_str());
                if known {
                    continue;
                }
                let id = stable_id(&format!("deck/{parent}"));
                let mut deck = object.clone();
                deck["id"] = json!(id);
                deck["name"] = json!(parent);
                deck["desc"] = json!("");
                deck["conf"] = json!(dconf_id);
                ours.decks.insert(id, deck);
            }
        }
        for n in &rows.notes {
            ours.tags
                .extend(n.tags.split_whitespace().map(str::to_owned));
        }
        ours.notes.extend(rows.notes);
        ours.cards.extend(rows.cards);
        ours.revlog.extend(rows.revlog);
    }
    Ok(ours)
}

/// The objects of a `col` JSON map, by id, without `mod` and `usn`.
fn objects(text: &str) -> Result<Vec<(i64, Value)>> {
    let map: serde_json::Map<String, Value> = serde_json::from_str(text)?;
    Ok(map
        .into_iter()
        .filter_map(|(_, mut v)| {
            let id = v.get("id")?.as_i64()?;
            if let Some(o) = v.as_object_mut() {
                o.remove("mod");
                o.remove("usn");
            }
            Some((id, v))
        })
        .collect())
}

/// A deck's options in Anki: FSRS with the deck's desired retention and (once optimized) the
/// user's parameters; daily limits from skilldeck's settings.
fn deck_options(
    id: i64,
    name: &str,
    settings: &Settings,
    retention: f32,
    fitted: Option<&[f32]>,
) -> Value {
    let fitted: Vec<f64> = fitted
        .unwrap_or_default()
        .iter()
        .map(|&w| (f64::from(w) * 10_000.0).round() / 10_000.0)
        .collect();
    let (params5, params6) = if fitted.len() == 21 {
        (Vec::new(), fitted)
    } else {
        (fitted, Vec::new())
    };
    json!({
        "id": id, "name": format!("skilldeck: {}", name.replace("::", " ")), "maxTaken": 60,
        "autoplay": true, "timer": 0, "replayq": true, "dyn": false,
        "new": { "bury": false, "delays": [10.0], "initialFactor": 2500, "ints": [1, 4, 0], "order": 1,
                 "perDay": settings.new_per_day },
        "rev": { "bury": false, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": settings.max_interval,
                 "perDay": settings.reviews_per_day, "hardFactor": 1.2 },
        "lapse": { "delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0 },
        "newMix": 0, "newPerDayMinimum": 0, "interdayLearningMix": 0, "reviewOrder": 0,
        "newSortOrder": 0, "newGatherPriority": 0, "buryInterdayLearning": false,
        "fsrsWeights": [], "fsrsParams5": params5, "fsrsParams6": params6,
        "desiredRetention": (f64::from(retention) * 100.0).round() / 100.0,
        "ignoreRevlogsBeforeDate": "", "easyDaysPercentages": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "stopTimerOnAnswer": false, "secondsToShowQuestion": 0.0, "secondsToShowAnswer": 0.0,
        "questionAction": 0, "answerAction": 0, "waitForAudio": true, "sm2Retention": 0.9,
        "weightSearch": ""
    })
}
