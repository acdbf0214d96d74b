//! skilldeck's side of a sync: each deck's rows made by the exporter (`anki::write_rows`, so
//! the phone gets exactly what an export with scheduling carries), then compared with what the
//! last sync sent (`sync_pushed`) so only what changed goes out. Each deck gets deck options of
//! its own (FSRS on its desired retention and fitted parameters), never the user's Default.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::anki::package::{CardRow, Col, NoteRow, RevlogRow};
use crate::anki::sync::protocol::{Changes, Chunk};
use crate::anki::{ExportContext, RowSink, stable_id, write_rows};
use crate::error::{Error, Result};
use crate::sched::fsrs::Scheduler;
use crate::store::settings::Settings;
use crate::store::{export, imports, params, sync_state};
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

/// The deck ids (slugs) to sync: those named, else all.
pub fn deck_ids(conn: &Connection, named: &[String]) -> Result<Vec<String>> {
    let all: Vec<String> = crate::store::decks::all(conn)?
        .into_iter()
        .map(|d| d.id.to_string())
        .collect();
    if named.is_empty() {
        return Ok(all);
    }
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

/// What this sync sends: the objects and rows that differ from what the last sync sent, the
/// cards of notes no longer ours (retired) suspended, and the reviews the server lacks.
#[derive(Debug, Default)]
pub struct Outgoing {
    pub changes: Changes,
    pub chunk: Chunk,
    /// (kind, id, row as recorded) to record once sent.
    pub record: Vec<(&'static str, i64, String)>,
    pub suspended: usize,
}

/// Compares `ours` with what was sent before. `usn` stamps every row and object (the
/// server's, from `meta`); `now` is their modification time.
pub fn outgoing(conn: &Connection, ours: &Ours, usn: i64, now_secs: i64) -> Result<Outgoing> {
    let mut out = Outgoing::default();
    let stamp = |mut v: Value, mod_key_ms: bool| -> Value {
        if let Some(o) = v.as_object_mut() {
            o.insert("usn".into(), json!(usn));
            o.insert(
                "mod".into(),
                json!(if mod_key_ms {
                    now_secs * 1000
                } else {
                    now_secs
                }),
            );
        }
        v
    };
    for (kind, objects) in [
        ("model", &ours.models),
        ("deck", &ours.decks),
        ("dconf", &ours.dconf),
    ] {
        let sent = sync_state::pushed(conn, kind)?;
        for (&id, object) in objects {
            let text = object.to_string();
            if sent.get(&id) == Some(&text) {
                continue;
            }
            // A note type the server holds already (the phone imported an export, or a full
            // download forgot what was sent) is left as it is there: sending it again would
            // change its schema and force every device into a full sync.
            if kind == "model" && !sent.contains_key(&id) && sync_state::has_object(conn, kind, id)?
            {
                out.record.push((kind, id, text));
                continue;
            }
            let stamped = stamp(object.clone(), false);
            match kind {
                "model" => out.changes.models.push(stamped),
                "deck" => out.changes.decks.0.push(stamped),
                _ => out.changes.decks.1.push(stamped),
            }
            out.record.push((kind, id, text));
        }
    }
    out.changes.tags = ours.tags.iter().cloned().collect();

    let sent = sync_state::pushed(conn, "note")?;
    for n in &ours.notes {
        let row = json!([
            n.id,
            n.guid,
            n.mid,
            0,
            0,
            n.tags,
            n.fields,
            n.sort_field,
            0,
            0,
            ""
        ]);
        let text = row.to_string();
        if sent.get(&n.id) == Some(&text) {
            continue;
        }
        out.chunk.notes.push(vec![
            json!(n.id),
            json!(n.guid),
            json!(n.mid),
            json!(now_secs),
            json!(usn),
            json!(n.tags),
            json!(n.fields),
            // The server computes the sort field and checksum itself.
            json!(""),
            json!(""),
            json!(0),
            json!(""),
        ]);
        out.record.push(("note", n.id, text));
    }

    let mut sent = sync_state::pushed(conn, "card")?;
    let card_row = |c: &CardRow, queue: i64| -> Value {
        json!([
            c.id, c.nid, c.did, c.ord, 0, 0, c.kind, queue, c.due, c.ivl, c.factor, c.reps,
            c.lapses, c.left, 0, 0, 0, c.data
        ])
    };
    for c in &ours.cards {
        let row = card_row(c, c.queue);
        let text = row.to_string();
        let before = sent.remove(&c.id);
        if before.as_ref() == Some(&text) {
            continue;
        }
        out.chunk.cards.push(stamp_row(row, 4, 5, now_secs, usn));
        out.record.push(("card", c.id, text));
    }
    // Cards sent before that are no longer ours (their note retired): suspended, never deleted.
    let mut gone: Vec<(i64, String)> = sent.into_iter().collect();
    gone.sort_unstable();
    for (id, text) in gone {
        let Ok(mut row) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if row.get(7).and_then(Value::as_i64) == Some(-1) {
            continue;
        }
        row[7] = json!(-1);
        let text = row.to_string();
        out.chunk.cards.push(stamp_row(row, 4, 5, now_secs, usn));
        out.record.push(("card", id, text));
        out.suspended += 1;
    }

    for r in &ours.revlog {
        if sync_state::has_revlog(conn, r.id)? {
            continue;
        }
        out.chunk.revlog.push(vec![
            json!(r.id),
            json!(r.cid),
            json!(usn),
            json!(r.ease),
            json!(r.ivl),
            json!(r.last_ivl),
            json!(r.factor),
            json!(r.time),
            json!(r.kind),
        ]);
    }
    Ok(out)
}

/// A row with its `mod` and `usn` columns filled in.
fn stamp_row(row: Value, mod_at: usize, usn_at: usize, now_secs: i64, usn: i64) -> Vec<Value> {
    let mut row = match row {
        Value::Array(a) => a,
        other => vec![other],
    };
    if let Some(m) = row.get_mut(mod_at) {
        *m = json!(now_secs);
    }
    if let Some(u) = row.get_mut(usn_at) {
        *u = json!(usn);
    }
    row
}

/// Records what was sent in the mirror of the server's collection and in `sync_pushed`.
pub fn record(conn: &Connection, out: &Outgoing) -> Result<()> {
    for (kind, id, text) in &out.record {
        sync_state::set_pushed(conn, kind, *id, text)?;
        if matches!(*kind, "model" | "deck" | "dconf") {
            sync_state::add_object(conn, kind, *id)?;
        }
    }
    for n in &out.chunk.notes {
        if let (Some(id), Some(guid)) = (n[0].as_i64(), n[1].as_str()) {
            sync_state::add_note(conn, id, guid)?;
        }
    }
    for c in &out.chunk.cards {
        if let (Some(id), Some(nid), Some(ord)) = (c[0].as_i64(), c[1].as_i64(), c[3].as_i64()) {
            sync_state::add_card(conn, id, nid, ord)?;
        }
    }
    for r in &out.chunk.revlog {
        if let Some(id) = r[0].as_i64() {
            sync_state::add_revlog(conn, id)?;
        }
    }
    Ok(())
}

/// Splits the rows into chunks of at most `size` rows each, the last marked done.
pub fn chunks(chunk: Chunk, size: usize) -> Vec<Chunk> {
    let size = size.max(1);
    let mut out = Vec::new();
    let mut current = Chunk::default();
    let mut count = 0;
    let flush = |current: &mut Chunk, out: &mut Vec<Chunk>, count: &mut usize| {
        out.push(std::mem::take(current));
        *count = 0;
    };
    for row in chunk.notes {
        current.notes.push(row);
        count += 1;
        if count == size {
            flush(&mut current, &mut out, &mut count);
        }
    }
    for row in chunk.cards {
        current.cards.push(row);
        count += 1;
        if count == size {
            flush(&mut current, &mut out, &mut count);
        }
    }
    for row in chunk.revlog {
        current.revlog.push(row);
        count += 1;
        if count == size {
            flush(&mut current, &mut out, &mut count);
        }
    }
    if count > 0 || out.is_empty() {
        out.push(current);
    }
    if let Some(last) = out.last_mut() {
        last.done = true;
    }
    out
}
