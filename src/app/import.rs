//! Reviews and decks from Anki: `skilldeck import FILE` brings reviews done in Anki or
//! AnkiDroid back; `skilldeck import --to-markdown FILE DIR` turns an Anki deck into a
//! skilldeck deck.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::anki::known::{Known, OurReview};
use crate::anki::{import, read};
use crate::error::Result;
use crate::sched::card::replay;
use crate::sched::fsrs::{IntervalRules, Scheduler};
use crate::store::settings::Settings;
use crate::store::{self, Store, imports, params};
use crate::types::{Rating, Timestamp};

/// `skilldeck import FILE`: brings reviews done in Anki or AnkiDroid back. Notes are matched by
/// GUID and cards by ordinal; each review not yet known is added (source `anki`), and every
/// card that got one has its state recomputed by replaying FSRS over its whole history. One
/// transaction: a failure changes nothing.
pub fn import(store: &Store, file: &Path, now: DateTime<FixedOffset>) -> Result<()> {
    let mut package = read::Package::open(file)?;
    // A package whose media list is broken is malformed: refuse it rather than guess.
    package.media()?;
    let history = import::history(&package, now.timestamp_millis())?;
    let conn = store.conn();
    // Everything from here is read and written under the write lock, so an answer or another
    // import committed meanwhile is neither missed nor added twice.
    let tx = store::write(conn)?;
    let merged = merge(&tx, &history, now)?;
    tx.commit()?;
    let _ = writeln!(
        crate::sanitize::stdout(),
        "{}: added {} review(s) to {} card(s); skipped {} already known; {} note(s) in the file match no skilldeck note{}",
        package.name(),
        merged.added,
        merged.cards,
        merged.skipped,
        merged.unmatched_notes,
        if merged.unmatched_reviews > 0 {
            format!(
                " ({} review(s) of theirs not imported)",
                merged.unmatched_reviews
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

/// What merging an Anki history did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Reviews added.
    pub added: usize,
    /// Cards that got one, their state replayed.
    pub cards: usize,
    /// Reviews we had already.
    pub skipped: usize,
    /// Their notes that match none of ours.
    pub unmatched_notes: usize,
    /// Their reviews of cards that are not ours.
    pub unmatched_reviews: usize,
}

/// Merges the reviews of an Anki collection's `history` into ours, inside the caller's write
/// transaction. Notes are matched by GUID and cards by ordinal; each review not yet known is
/// added (source `anki`), and every card that got one has its state recomputed by replaying
/// FSRS over its whole history in time order. Shared by `import` and `sync`.
pub(crate) fn merge(
    tx: &rusqlite::Transaction<'_>,
    history: &import::History,
    now: DateTime<FixedOffset>,
) -> Result<Merged> {
    let settings = Settings::load(tx)?;

    // Ours: GUID → note, (note, ord) → card and its deck.
    let index = imports::card_index(tx)?;
    let (guid_to_note, card_of) = (&index.note_of_guid, &index.card_of);
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

    // What we know already: the Anki ids we imported, and where copies of our reviews can be.
    let mut known = Known::new(
        imports::review_keys(tx)?
            .into_iter()
            .map(|k| OurReview {
                card: k.card,
                at: k.at,
                rating: k.rating,
                anki_id: k.anki_id,
            })
            .collect(),
    );
    let (mut skipped, mut unmatched_reviews) = (0usize, 0usize);
    // The reviews to add, in their order: (our card, theirs).
    let mut adding: Vec<(i64, &import::AnkiReview)> = Vec::new();
    let mut touched: HashMap<i64, i64> = HashMap::new();
    for r in &history.reviews {
        let Some(&(card, deck)) = ours.get(&r.cid) else {
            unmatched_reviews += 1;
            continue;
        };
        if known.contains(card, r.id, r.ease) {
            skipped += 1;
            continue;
        }
        adding.push((card, r));
        known.add_id(r.id);
        touched.insert(card, deck);
    }
    let added = adding.len();

    let mut cards: Vec<(i64, i64)> = touched.iter().map(|(&c, &d)| (c, d)).collect();
    cards.sort_unstable();
    let new_elapsed = replay_cards(tx, &cards, &adding, &settings, now)?;
    for ((card, r), &days) in adding.iter().zip(&new_elapsed) {
        imports::add_anki_review(
            tx,
            &imports::AnkiAnswer {
                card: *card,
                anki_id: r.id,
                rating: r.ease,
                elapsed_days: days,
                duration_ms: r.time,
            },
        )?;
    }
    Ok(Merged {
        added,
        cards: touched.len(),
        skipped,
        unmatched_notes,
        unmatched_reviews,
    })
}

/// `skilldeck import --to-markdown FILE DIR`.
pub fn to_markdown(file: &Path, dir: &Path) -> Result<()> {
    let mut package = read::Package::open(file)?;
    let c = crate::anki::convert::to_markdown(&mut package, dir).map_err(|e| package.explain(e))?;
    let _ = writeln!(
        crate::sanitize::stdout(),
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

/// Replays every touched card (our card, its deck) over its whole history, old reviews and the
/// new ones in `adding`, with its deck's scheduler, and saves its state. Returns the new
/// reviews' elapsed days, which come out of the replay, so each new review is inserted once,
/// complete; an old review is updated only if its elapsed days changed.
fn replay_cards(
    tx: &rusqlite::Transaction<'_>,
    cards: &[(i64, i64)],
    adding: &[(i64, &import::AnkiReview)],
    settings: &Settings,
    now: DateTime<FixedOffset>,
) -> Result<Vec<u32>> {
    let mut new_of_card: HashMap<i64, Vec<usize>> = HashMap::new();
    for (k, (card, _)) in adding.iter().enumerate() {
        new_of_card.entry(*card).or_default().push(k);
    }
    let rules = IntervalRules {
        max_interval: settings.max_interval,
        fuzz: settings.fuzz,
    };
    let mut schedulers: HashMap<i64, Scheduler> = HashMap::new();
    let offset = now.offset().local_minus_utc();
    let mut new_elapsed = vec![0u32; adding.len()];
    /// Where a review of the replay comes from.
    enum Source {
        /// An old review: its row id and elapsed days.
        Old(i64, f64),
        /// A new one: its index in `adding`.
        New(usize),
    }
    for &(card, deck) in cards {
        let scheduler = match schedulers.entry(deck) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let retention = imports::deck_retention(tx, deck)?;
                let fitted = params::current(tx, Some(deck))?.unwrap_or_default();
                let retention = retention.unwrap_or(settings.desired_retention);
                e.insert(Scheduler::new(&fitted, retention, rules)?)
            }
        };
        let mut total_ms = 0;
        // Old reviews first (in time order), then the new: a stable sort by time keeps an old
        // review before a new one at the same moment, as their row ids would.
        let mut merged: Vec<(Timestamp, u8, Source)> = Vec::new();
        for old in imports::card_history(tx, card)? {
            total_ms += old.duration_ms;
            merged.push((old.at, old.rating, Source::Old(old.id, old.elapsed_days)));
        }
        for &k in new_of_card.get(&card).into_iter().flatten() {
            let r = adding[k].1;
            total_ms += r.time;
            merged.push((Timestamp::from_millis(r.id), r.ease, Source::New(k)));
        }
        merged.sort_by_key(|m| m.0);
        merged.retain(|m| Rating::from_number(i64::from(m.1)).is_some());
        let answers: Vec<(Timestamp, Rating)> = merged
            .iter()
            .filter_map(|&(at, rating, _)| Some((at, Rating::from_number(i64::from(rating))?)))
            .collect();
        let (state, elapsed) = replay(
            scheduler,
            card,
            &answers,
            offset,
            settings.day_rollover_hour,
        )?;
        for ((_, _, source), &days) in merged.iter().zip(&elapsed) {
            match *source {
                Source::Old(id, before) if before != f64::from(days) => {
                    imports::set_elapsed_days(tx, id, days)?;
                }
                Source::Old(..) => {}
                Source::New(k) => new_elapsed[k] = days,
            }
        }
        crate::store::cards::save_state(tx, card, &state, total_ms)?;
    }
    Ok(new_elapsed)
}
