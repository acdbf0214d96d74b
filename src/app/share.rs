//! Sharing with Anki: `skilldeck export`.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};

use crate::anki::{self, ExportContext};
use crate::error::{Error, Result};
use crate::store::settings::Settings;
use crate::store::{Store, export, params};
use crate::types::{Day, DeckId};

/// `skilldeck export DECK [-o FILE] [--with-scheduling]`.
pub fn export(
    store: &Store,
    deck: &str,
    output: Option<PathBuf>,
    with_scheduling: bool,
    now: DateTime<FixedOffset>,
) -> Result<()> {
    let id =
        DeckId::parse(deck).ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?;
    let deck = export::deck(store.conn(), &id)?.ok_or_else(|| {
        Error::user(format!(
            "deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`"
        ))
    })?;
    let out = output.unwrap_or_else(|| {
        PathBuf::from("exports").join(format!(
            "{}-{}.apkg",
            deck.id,
            deck.version.replace(['/', '\\', ' '], "_")
        ))
    });
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name == "collection.apkg" {
        return Err(Error::user(
            "refusing to write `collection.apkg`: AnkiDroid treats a file of that name as a whole-collection restore; choose another name",
        ));
    }
    if !name.ends_with(".apkg") {
        return Err(Error::user(format!(
            "{}: an Anki package must end in .apkg",
            out.display()
        )));
    }
    let settings = Settings::load(store.conn())?;
    let today = Day::of(now, settings.day_rollover_hour);
    let (notes, cards) = export::notes_and_cards(store, deck.pk, today.0)?;
    let reviews = if with_scheduling {
        export::reviews(store.conn(), deck.pk)?
    } else {
        Vec::new()
    };
    let fitted = params::current(store.conn(), Some(deck.pk))?.unwrap_or_default();
    let scheduler = crate::sched::fsrs::Scheduler::new(
        &fitted,
        settings.desired_retention,
        Default::default(),
    )?;
    let ctx = ExportContext {
        now_secs: now.timestamp(),
        today,
        offset_seconds: now.offset().local_minus_utc(),
        rollover_hour: settings.day_rollover_hour,
        with_scheduling,
        desired_retention: scheduler.desired_retention(),
        decay: scheduler.decay(),
    };
    let package = anki::build_package(&deck, notes, cards, &reviews, &ctx)?;
    drop(reviews);
    anki::package::write(&out, &package)?;
    println!(
        "{}: wrote {} ({} notes, {} cards{}, {} media file(s))",
        deck.id,
        out.display(),
        package.notes.len(),
        package.cards.len(),
        if with_scheduling {
            format!(", {} reviews", package.revlog.len())
        } else {
            String::new()
        },
        package.media.len()
    );
    Ok(())
}

/// `skilldeck import FILE`: brings reviews done in Anki or AnkiDroid back. Notes are matched by
/// GUID and cards by ordinal; each review not yet known is added (source `anki`), and every
/// card that got one has its state recomputed by replaying FSRS over its whole history. One
/// transaction: a failure changes nothing.
pub fn import(store: &Store, file: &std::path::Path, now: DateTime<FixedOffset>) -> Result<()> {
    use std::collections::{HashMap, HashSet};

    use crate::anki::{import, read};
    use crate::sched::card::replay;
    use crate::types::{Rating, Timestamp};

    let mut package = read::Package::open(file)?;
    // A package whose media list is broken is malformed: refuse it rather than guess.
    package.media()?;
    let history = import::history(&package.collection, package.name(), now.timestamp_millis())?;
    let conn = store.conn();
    let settings = Settings::load(conn)?;

    // Ours: GUID → note, (note, ord) → card and its deck.
    let mut guid_to_note: HashMap<String, i64> = HashMap::new();
    for row in conn
        .prepare("SELECT id, guid FROM notes")?
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
    {
        let (pk, guid) = row?;
        guid_to_note.insert(guid, pk);
    }
    let mut card_of: HashMap<(i64, u32), (i64, i64)> = HashMap::new();
    for row in conn
        .prepare("SELECT c.id, c.note, c.ord, n.deck FROM cards c JOIN notes n ON n.id = c.note")?
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
    {
        let (card, note, ord, deck) = row?;
        card_of.insert((note, ord), (card, deck));
    }
    let their_note: HashMap<i64, &str> = history
        .notes
        .iter()
        .map(|n| (n.id, n.guid.as_str()))
        .collect();
    let unmatched_notes = history
        .notes
        .iter()
        .filter(|n| !guid_to_note.contains_key(&n.guid))
        .count();
    // Their card → our card.
    let mut ours: HashMap<i64, (i64, i64)> = HashMap::new();
    for c in &history.cards {
        let Some(note) = their_note.get(&c.nid).and_then(|g| guid_to_note.get(*g)) else {
            continue;
        };
        if let Some(&card) = card_of.get(&(*note, c.ord)) {
            ours.insert(c.id, card);
        }
    }

    // What we know already: Anki review ids, and (card, second, rating) of every review.
    let mut known_ids: HashSet<i64> = HashSet::new();
    let mut known_at: HashSet<(i64, i64, u8)> = HashSet::new();
    for row in conn
        .prepare("SELECT card, reviewed_at, rating, anki_id FROM reviews")?
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, u8>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?
    {
        let (card, at, rating, anki_id) = row?;
        known_at.insert((card, at.div_euclid(1000), rating));
        if let Some(id) = anki_id {
            known_ids.insert(id);
        }
    }
    let (mut added, mut skipped, mut unmatched_reviews) = (0usize, 0usize, 0usize);
    let mut touched: HashMap<i64, i64> = HashMap::new();
    let tx = conn.unchecked_transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source, anki_id) VALUES (?1, ?2, ?3, 0, ?4, 'anki', ?5)",
        )?;
        for r in &history.reviews {
            let Some(&(card, deck)) = ours.get(&r.cid) else {
                unmatched_reviews += 1;
                continue;
            };
            if known_ids.contains(&r.id)
                || known_at.contains(&(card, r.id.div_euclid(1000), r.ease))
            {
                skipped += 1;
                continue;
            }
            insert.execute(rusqlite::params![card, r.id, r.ease, r.time, r.id])?;
            known_ids.insert(r.id);
            touched.insert(card, deck);
            added += 1;
        }
    }
    // Replay every card that got a review, with its deck's scheduler.
    let rules = crate::sched::fsrs::IntervalRules {
        max_interval: settings.max_interval,
        fuzz: settings.fuzz,
    };
    let mut schedulers: HashMap<i64, crate::sched::fsrs::Scheduler> = HashMap::new();
    let offset = now.offset().local_minus_utc();
    for (&card, &deck) in &touched {
        let scheduler = match schedulers.entry(deck) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let retention: Option<f32> = tx.query_row(
                    "SELECT desired_retention FROM decks WHERE id = ?1",
                    [deck],
                    |r| r.get(0),
                )?;
                let fitted = params::current(&tx, Some(deck))?.unwrap_or_default();
                let retention = retention.unwrap_or(settings.desired_retention);
                e.insert(crate::sched::fsrs::Scheduler::new(
                    &fitted, retention, rules,
                )?)
            }
        };
        let rows: Vec<(i64, Timestamp, u8, i64)> = tx
            .prepare("SELECT id, reviewed_at, rating, duration_ms FROM reviews WHERE card = ?1 ORDER BY reviewed_at, id")?
            .query_map([card], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let answers: Vec<(Timestamp, Rating)> = rows
            .iter()
            .filter_map(|(_, at, rating, _)| {
                Rating::from_number(i64::from(*rating)).map(|r| (*at, r))
            })
            .collect();
        let (state, elapsed) = replay(
            scheduler,
            card,
            &answers,
            offset,
            settings.day_rollover_hour,
        )?;
        let mut update = tx.prepare_cached("UPDATE reviews SET elapsed_days = ?2 WHERE id = ?1")?;
        for ((id, ..), days) in rows.iter().zip(&elapsed) {
            update.execute(rusqlite::params![id, days])?;
        }
        let total_ms: i64 = rows.iter().map(|r| r.3).sum();
        crate::store::cards::save_state(&tx, card, &state, total_ms)?;
    }
    tx.commit()?;
    println!(
        "{}: added {added} review(s) to {} card(s); skipped {skipped} already known; {unmatched_notes} note(s) in the file match no skilldeck note{}",
        package.name(),
        touched.len(),
        if unmatched_reviews > 0 {
            format!(" ({unmatched_reviews} review(s) of theirs not imported)")
        } else {
            String::new()
        }
    );
    Ok(())
}

/// `skilldeck import --to-markdown FILE DIR`.
pub fn to_markdown(file: &std::path::Path, dir: &std::path::Path) -> Result<()> {
    let mut package = crate::anki::read::Package::open(file)?;
    let c = crate::anki::convert::to_markdown(&mut package, dir)?;
    println!(
        "{}: converted {} note(s) ({} cloze) into {} file(s) under {}, with {} media file(s); run `skilldeck check {}`",
        package.name(),
        c.notes,
        c.cloze,
        c.files,
        dir.display(),
        c.media,
        dir.display()
    );
    Ok(())
}
