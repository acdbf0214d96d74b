//! Parameters that follow the learner. After a review session, each deck studied is refitted
//! when enough new history has accumulated since its last automatic fit
//! ([`optimize::due_for_refit`]); the fitted parameters are kept only when they predict the
//! history better (lower log loss), as `optimize` does by hand. Kept parameters also recompute
//! every card's memory (stability, difficulty) from its history, so readiness uses them at once;
//! due days stay as they are.

use chrono::{DateTime, FixedOffset};

use crate::error::Result;
use crate::sched::card;
use crate::sched::fsrs::{IntervalRules, Scheduler, TrainingItem};
use crate::sched::optimize::{self, Fit};
use crate::store::settings::Settings;
use crate::store::{Store, params, reviews};
use crate::types::{DeckId, Rating, Timestamp};

/// Saves fitted parameters for a deck (all decks when `None`) and recomputes the memory of
/// every card in that scope from its history, in one transaction.
pub fn keep(
    store: &Store,
    deck: Option<i64>,
    fitted: &[f32],
    loss: f32,
    now: DateTime<FixedOffset>,
) -> Result<()> {
    let settings = Settings::load(store.conn())?;
    let scheduler = Scheduler::new(
        fitted,
        settings.desired_retention,
        IntervalRules {
            max_interval: settings.max_interval,
            fuzz: settings.fuzz,
        },
    )?;
    let history = reviews::history(store.conn(), deck)?;
    let tx = crate::store::write(store.conn())?;
    params::save(&tx, deck, fitted, loss, Timestamp::from(now.to_utc()))?;
    let offset = now.offset().local_minus_utc();
    for rows in history.chunk_by(|a, b| a.card == b.card) {
        let answers: Vec<(Timestamp, Rating)> = rows
            .iter()
            .filter_map(|r| Some((r.at, Rating::from_number(i64::from(r.rating))?)))
            .collect();
        let Some(first) = rows.first() else { continue };
        let (state, _) = card::replay(
            &scheduler,
            first.card,
            &answers,
            offset,
            settings.day_rollover_hour,
        )?;
        if let Some(m) = state.memory {
            params::set_memory(&tx, first.card, m.stability, m.difficulty)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Refits each deck that has enough new history; returns one line per fit made.
pub fn auto(
    store: &Store,
    decks: &[(i64, DeckId)],
    now: DateTime<FixedOffset>,
) -> Result<Vec<String>> {
    auto_with(store, decks, now, optimize::auto_fitter)
}

/// [`auto`] with the fitting step given (tests give one that fits badly).
fn auto_with(
    store: &Store,
    decks: &[(i64, DeckId)],
    now: DateTime<FixedOffset>,
    fitter: impl Fn(&[TrainingItem], &[i64], &[f32]) -> Result<Vec<f32>>,
) -> Result<Vec<String>> {
    let settings = Settings::load(store.conn())?;
    let mut lines = Vec::new();
    for (pk, id) in decks {
        let items = params::training_items(store.conn(), *pk)?;
        if !optimize::due_for_refit(items, params::last_attempt(store.conn(), *pk)?) {
            continue;
        }
        let history = reviews::history(store.conn(), Some(*pk))?;
        let current = params::current(store.conn(), Some(*pk))?;
        let fit = optimize::fit_with(
            &history,
            now.timezone(),
            settings.day_rollover_hour,
            current.as_deref(),
            |items, ids| fitter(items, ids, current.as_deref().unwrap_or(&[])),
        )?;
        params::record_attempt(store.conn(), *pk, items)?;
        lines.extend(apply(store, *pk, id, &fit, now)?);
    }
    Ok(lines)
}

/// Keeps a fit when it is better and says what happened, in one line.
fn apply(
    store: &Store,
    pk: i64,
    id: &DeckId,
    fit: &Fit,
    now: DateTime<FixedOffset>,
) -> Result<Option<String>> {
    let Fit::Done {
        old_loss,
        new_loss,
        items,
        ..
    } = fit
    else {
        return Ok(None);
    };
    Ok(Some(match fit.better() {
        Some(fitted) => {
            keep(store, Some(pk), fitted, *new_loss, now)?;
            format!(
                "{id}: FSRS parameters refitted to your history ({items} training items; log loss {old_loss:.4} → {new_loss:.4})"
            )
        }
        None => format!(
            "{id}: FSRS parameters checked against your history ({items} training items); kept the current ones (log loss {old_loss:.4}, fitted {new_loss:.4})"
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const DAY: i64 = 86_400_000;

    fn now(day: i64) -> DateTime<FixedOffset> {
        DateTime::from_timestamp_millis(day * DAY + 10 * 3_600_000)
            .unwrap()
            .fixed_offset()
    }

    /// A deck of 40 one-card notes built into a fresh in-memory database: the store, the
    /// deck's key and id, and its cards.
    fn deck() -> (Store, i64, DeckId, Vec<i64>) {
        let store = Store::open_in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("deck.toml"),
            "id = \"forty\"\nname = \"Forty\"\nversion = \"1\"\n",
        )
        .unwrap();
        let notes: String = (0..40)
            .map(|i| format!("## Question {i}? {{#q{i}}}\n\nAnswer {i}.\n\n"))
            .collect();
        std::fs::write(dir.path().join("forty.md"), format!("# Forty\n\n{notes}")).unwrap();
        super::super::compile(
            &store,
            &[PathBuf::from(dir.path())],
            Timestamp::from_millis(20_000 * DAY),
        )
        .unwrap();
        let (pk, id): (i64, String) = store
            .conn()
            .query_row("SELECT id, slug FROM decks", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let cards: Vec<i64> = store
            .conn()
            .prepare("SELECT id FROM cards ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        (store, pk, DeckId::parse(&id).unwrap(), cards)
    }

    /// Reviews every card on the given days after day 20,000 (a lapse now and then).
    fn review(store: &Store, cards: &[i64], days: &[i64]) {
        for (k, &card) in cards.iter().enumerate() {
            let mut previous: Option<i64> = store
                .conn()
                .query_row(
                    "SELECT max(reviewed_at) / 86400000 - 20000 FROM reviews WHERE card = ?1",
                    [card],
                    |r| r.get(0),
                )
                .unwrap();
            for &day in days {
                let rating = if (k as i64 + day) % 4 == 0 { 1 } else { 3 };
                let elapsed = previous.map_or(0, |p| day - p);
                store
                    .conn()
                    .execute(
                        "INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source)
                         VALUES (?1, ?2, ?3, ?4, 8000, 'terminal')",
                        rusqlite::params![card, (20_000 + day) * DAY + 10 * 3_600_000, rating, elapsed],
                    )
                    .unwrap();
                previous = Some(day);
            }
        }
    }

    fn fits(store: &Store) -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM fsrs_params", [], |r| r.get(0))
            .unwrap()
    }

    fn memory(store: &Store, card: i64) -> (Option<f64>, Option<f64>) {
        store
            .conn()
            .query_row(
                "SELECT stability, difficulty FROM cards WHERE id = ?1",
                [card],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    /// The card's memory is the replay of its history with the kept parameters.
    fn assert_memory_replayed(store: &Store, pk: i64, card: i64) {
        let kept = params::current(store.conn(), Some(pk)).unwrap().unwrap();
        let s = Scheduler::new(&kept, 0.9, IntervalRules::default()).unwrap();
        let history = reviews::history(store.conn(), Some(pk)).unwrap();
        let answers: Vec<(Timestamp, Rating)> = history
            .iter()
            .filter(|r| r.card == card)
            .map(|r| (r.at, Rating::from_number(i64::from(r.rating)).unwrap()))
            .collect();
        let (state, _) = card::replay(&s, card, &answers, 0, 4).unwrap();
        let m = state.memory.unwrap();
        let (stability, difficulty) = memory(store, card);
        assert!((stability.unwrap() - f64::from(m.stability)).abs() < 1e-3);
        assert!((difficulty.unwrap() - f64::from(m.difficulty)).abs() < 1e-3);
    }

    #[test]
    fn a_refit_comes_once_enough_history_exists_and_not_again_before_it_grows() {
        let (store, pk, id, cards) = deck();
        assert_eq!(cards.len(), 40);
        let decks = [(pk, id)];
        // First answers only: no training item.
        review(&store, &cards, &[0]);
        assert!(auto(&store, &decks, now(20_001)).unwrap().is_empty());
        // 20 second answers: too few.
        review(&store, &cards[..20], &[1]);
        assert_eq!(params::training_items(store.conn(), pk).unwrap(), 20);
        assert!(auto(&store, &decks, now(20_002)).unwrap().is_empty());
        // 40 items: a short history, so one factor on the first stabilities is fitted.
        review(&store, &cards[20..], &[1]);
        let lines = auto(&store, &decks, now(20_002)).unwrap();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "forty: FSRS parameters refitted to your history (40 training items; log loss"
            ),
            "{lines:?}"
        );
        assert_eq!(params::last_attempt(store.conn(), pk).unwrap(), 40);
        let kept = params::current(store.conn(), Some(pk)).unwrap().unwrap();
        let defaults = ::fsrs::DEFAULT_PARAMETERS;
        let factor = kept[0] / defaults[0];
        assert!((factor - 1.0).abs() > 0.01, "{kept:?}");
        for w in 1..4 {
            assert!((kept[w] / defaults[w] - factor).abs() < 1e-4, "{kept:?}");
        }
        assert_eq!(kept[4..], defaults[4..]);
        assert_memory_replayed(&store, pk, cards[0]);
        // 20 more items are not enough for another (at least 30 new are needed).
        review(&store, &cards[..20], &[3]);
        assert!(auto(&store, &decks, now(20_004)).unwrap().is_empty());
        review(&store, &cards[20..], &[3]);
        assert_eq!(auto(&store, &decks, now(20_004)).unwrap().len(), 1);
        assert_eq!(params::last_attempt(store.conn(), pk).unwrap(), 80);
        // At 200 items, FSRS's optimizer fits all parameters at once.
        review(&store, &cards, &[6, 10, 15]);
        assert_eq!(params::training_items(store.conn(), pk).unwrap(), 200);
        let lines = auto(&store, &decks, now(20_016)).unwrap();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "forty: FSRS parameters refitted to your history (200 training items; log loss"
            ),
            "{lines:?}"
        );
        assert_eq!(params::last_attempt(store.conn(), pk).unwrap(), 200);
        assert_memory_replayed(&store, pk, cards[0]);
        // 160 more items are not enough for another fit (at least 200 more are needed).
        let fitted = fits(&store);
        review(&store, &cards, &[21, 28, 36, 45]);
        assert!(auto(&store, &decks, now(20_046)).unwrap().is_empty());
        assert_eq!(fits(&store), fitted);
        review(&store, &cards, &[55]);
        assert_eq!(auto(&store, &decks, now(20_056)).unwrap().len(), 1);
    }

    #[test]
    fn a_fit_that_predicts_worse_is_not_kept() {
        let (store, pk, id, cards) = deck();
        review(&store, &cards, &[0, 1, 3, 6, 10, 15]);
        let before = memory(&store, cards[0]);
        // Parameters that say every first memory lasts years: a quarter of the answers are lapses.
        let bad = |_: &[TrainingItem], _: &[i64], _: &[f32]| -> Result<Vec<f32>> {
            let mut p = ::fsrs::DEFAULT_PARAMETERS.to_vec();
            p[..4].copy_from_slice(&[1000.0, 1000.0, 1000.0, 1000.0]);
            Ok(p)
        };
        let lines = auto_with(&store, &[(pk, id)], now(20_016), bad).unwrap();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with("forty: FSRS parameters checked against your history (200 training items); kept the current ones"),
            "{lines:?}"
        );
        assert_eq!(fits(&store), 0);
        assert_eq!(memory(&store, cards[0]), before);
        // The attempt counts: no new fit before 200 more items.
        assert_eq!(params::last_attempt(store.conn(), pk).unwrap(), 200);
    }
}
