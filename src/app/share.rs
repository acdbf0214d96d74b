//! Sharing with Anki: `skilldeck export`.

use std::io::Write as _;
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
        creation: None,
    };
    let written = anki::write_package(&out, &deck, notes, cards, &reviews, &ctx)?;
    let _ = writeln!(
        crate::sanitize::stdout(),
        "{}: wrote {} ({} notes, {} cards{}, {} media file(s))",
        deck.id,
        out.display(),
        written.notes,
        written.cards,
        if with_scheduling {
            format!(", {} reviews", written.reviews)
        } else {
            String::new()
        },
        written.media
    );
    Ok(())
}
