//! The settings commands: `exam set|clear`, `config get|set` and `optimize`.

use std::io::Write as _;

use chrono::{DateTime, FixedOffset};

use crate::cli::{ConfigAction, ExamAction};
use crate::error::{Error, Result};
use crate::store::settings::{self, Settings};
use crate::store::{Store, decks, params, reviews};
use crate::types::{Day, DeckId};

/// `skilldeck exam set|clear`.
pub fn exam(store: &Store, now: DateTime<FixedOffset>, action: ExamAction) -> Result<()> {
    let find = |deck: &str| -> Result<decks::StoredDeck> {
        let id =
            DeckId::parse(deck).ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?;
        decks::find(store.conn(), &id)?.ok_or_else(|| {
            Error::user(format!(
                "deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`"
            ))
        })
    };
    match action {
        ExamAction::Set { deck, date } => {
            let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
                Error::user(format!(
                    "`{date}` is not a date; write it as YYYY-MM-DD, e.g. 2027-01-15"
                ))
            })?;
            let settings = Settings::load(store.conn())?;
            let today = Day::of(now, settings.day_rollover_hour);
            if Day::from_date(day) < today {
                return Err(Error::user(format!(
                    "exam date {day} is in the past (today is {today})"
                )));
            }
            let stored = find(&deck)?;
            decks::set_exam(store.conn(), stored.pk, Some(day))?;
            let _ = writeln!(
                crate::sanitize::stdout(),
                "{}: exam on {day}, in {} days",
                stored.id,
                Day::from_date(day).since(today)
            );
        }
        ExamAction::Clear { deck } => {
            let stored = find(&deck)?;
            decks::set_exam(store.conn(), stored.pk, None)?;
            let _ = writeln!(
                crate::sanitize::stdout(),
                "{}: exam date cleared",
                stored.id
            );
        }
    }
    Ok(())
}

/// `skilldeck config get|set`.
pub fn config(store: &Store, action: ConfigAction) -> Result<()> {
    let mut out = crate::sanitize::stdout();
    match action {
        ConfigAction::Get { key: Some(key) } => {
            let _ = writeln!(out, "{}", settings::get(store.conn(), &key)?);
        }
        ConfigAction::Get { key: None } => {
            for key in settings::KEYS {
                let _ = writeln!(
                    out,
                    "{} = {}    # {}",
                    key.name,
                    settings::get(store.conn(), key.name)?,
                    key.help
                );
            }
        }
        ConfigAction::Set {
            key,
            value,
            deck: Some(deck),
        } => {
            if key != "desired_retention" {
                return Err(Error::user("only desired_retention can be set per deck"));
            }
            let value = settings::validate(&key, &value)?;
            let id = DeckId::parse(&deck)
                .ok_or_else(|| Error::user(format!("`{deck}` is not a deck id")))?;
            let stored = decks::find(store.conn(), &id)?.ok_or_else(|| Error::user(format!("deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`")))?;
            let retention: f64 = value.parse().map_err(|_| Error::user("bad number"))?;
            decks::set_desired_retention(store.conn(), stored.pk, Some(retention))?;
            let _ = writeln!(out, "{id}: desired_retention = {value}");
        }
        ConfigAction::Set {
            key,
            value,
            deck: None,
        } => {
            let value = settings::set(store.conn(), &key, &value)?;
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    Ok(())
}

/// `skilldeck optimize [DECK]`.
pub fn optimize(store: &Store, now: DateTime<FixedOffset>, deck: Option<&str>) -> Result<()> {
    let settings = Settings::load(store.conn())?;
    let deck = match deck {
        Some(d) => {
            let id =
                DeckId::parse(d).ok_or_else(|| Error::user(format!("`{d}` is not a deck id")))?;
            Some(decks::find(store.conn(), &id)?.ok_or_else(|| Error::user(format!("deck `{id}` is not in the database; build it first with `skilldeck build DECK_DIR`")))?)
        }
        None => None,
    };
    let pk = deck.as_ref().map(|d| d.pk);
    let history = reviews::history(store.conn(), pk)?;
    let outcome = crate::sched::optimize::fit(
        &history,
        now.timezone(),
        settings.day_rollover_hour,
        params::current(store.conn(), pk)?.as_deref(),
    )?;
    let mut out = crate::sanitize::stdout();
    let scope = deck
        .as_ref()
        .map_or_else(|| "all decks".to_owned(), |d| format!("deck {}", d.id));
    match outcome {
        crate::sched::optimize::Fit::TooLittle {
            reviews,
            items,
            needed,
        } => {
            let _ = writeln!(
                out,
                "too little history to optimize ({scope}): {reviews} review(s) give {items} training item(s); at least {needed} are needed (a card reviewed again on a later day gives one). Parameters unchanged."
            );
        }
        crate::sched::optimize::Fit::Done {
            params: fitted,
            old_loss,
            new_loss,
            items,
        } => {
            let kept = new_loss < old_loss;
            let _ = writeln!(
                out,
                "{items} training items ({scope}); log loss: current {old_loss:.4}, fitted {new_loss:.4}"
            );
            if kept {
                super::refit::keep(store, pk, &fitted, new_loss, now)?;
                let _ = writeln!(
                    out,
                    "kept the fitted parameters: they predict your history better (card memories recomputed with them)"
                );
            } else {
                let _ = writeln!(
                    out,
                    "kept the current parameters: the fitted ones do not predict your history better"
                );
            }
        }
    }
    Ok(())
}
