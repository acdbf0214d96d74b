//! The full syncs, each only on the user's explicit choice. `--full-download`: when only a full
//! sync is possible (the server's collection was replaced), skilldeck takes the server's whole
//! collection as its new picture of the server: every id it holds (for the sanity check's counts), its reviews merged into ours as
//! `import` merges them, what skilldeck sent forgotten (so the normal sync that follows sends
//! skilldeck's decks again). Nothing on the server is lost. The collection file comes from a
//! stranger too: it is opened read-only, as plain tables, on a work budget.

use std::io::{IsTerminal as _, Write as _};

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OpenFlags};

use serde_json::{Value, json};

use super::run::{Progress, finish_locally, normal};
use super::{ours, outgoing};
use crate::anki::import::{AnkiCard, AnkiNote, AnkiReview, History};
use crate::anki::package::{Col, Collection};
use crate::anki::sync::credentials;
use crate::anki::sync::protocol::Session;
use crate::app::import::merge;
use crate::error::{Error, Result};
use crate::store::{self, Store, sync_state};
use crate::types::Day;

/// Most SQLite steps reading the downloaded collection may take, per byte of it.
const STEPS_PER_BYTE: u64 = 10;

/// Downloads the server's collection and makes it skilldeck's picture of the server, inside
/// `tx`. Returns the state a normal sync continues from.
pub fn download(
    tx: &rusqlite::Transaction<'_>,
    session: &mut Session<'_>,
    now: DateTime<FixedOffset>,
) -> Result<sync_state::State> {
    let bytes = session.download()?;
    let file = tempfile::NamedTempFile::new().map_err(|e| Error::io("<temporary file>", e))?;
    std::fs::write(file.path(), &bytes).map_err(|e| Error::io(file.path(), e))?;
    let bad = |e: rusqlite::Error| {
        Error::user(format!(
            "the collection the sync server sent cannot be read ({e}); nothing was changed"
        ))
    };
    let col =
        Connection::open_with_flags(file.path(), OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(bad)?;
    // Anki's collation for names; only its order matters, never used to write.
    col.create_collation("unicase", |a: &str, b: &str| {
        a.to_lowercase().cmp(&b.to_lowercase())
    })
    .map_err(bad)?;
    let budget = 1_000_000 + bytes.len() as u64 * STEPS_PER_BYTE;
    let steps = std::cell::Cell::new(0u64);
    col.progress_handler(
        1000,
        Some(move || {
            steps.set(steps.get() + 1000);
            steps.get() > budget
        }),
    );
    drop(bytes);

    sync_state::forget(tx)?;
    let (scm, modified, usn, crt): (i64, i64, i64, i64) = col
        .query_row("SELECT scm, mod, usn, crt FROM col", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(bad)?;
    let mut history = History::default();
    {
        let mut stmt = col.prepare("SELECT id, guid FROM notes").map_err(bad)?;
        let mut rows = stmt.query([]).map_err(bad)?;
        while let Some(r) = rows.next().map_err(bad)? {
            let (id, guid): (i64, String) = (r.get(0).map_err(bad)?, r.get(1).map_err(bad)?);
            sync_state::add_note(tx, id, &guid)?;
            history.notes.push(AnkiNote { id, guid });
        }
        let mut stmt = col.prepare("SELECT id, nid, ord FROM cards").map_err(bad)?;
        let mut rows = stmt.query([]).map_err(bad)?;
        while let Some(r) = rows.next().map_err(bad)? {
            let (id, nid, ord): (i64, i64, i64) = (
                r.get(0).map_err(bad)?,
                r.get(1).map_err(bad)?,
                r.get(2).map_err(bad)?,
            );
            sync_state::add_card(tx, id, nid, ord)?;
            if let Ok(ord) = u32::try_from(ord) {
                history.cards.push(AnkiCard { id, nid, ord });
            }
        }
        let mut stmt = col
            .prepare("SELECT id, cid, ease, time, type FROM revlog ORDER BY id")
            .map_err(bad)?;
        let mut rows = stmt.query([]).map_err(bad)?;
        while let Some(r) = rows.next().map_err(bad)? {
            let row: [i64; 5] = [
                r.get(0).map_err(bad)?,
                r.get(1).map_err(bad)?,
                r.get(2).map_err(bad)?,
                r.get(3).map_err(bad)?,
                r.get(4).map_err(bad)?,
            ];
            sync_state::add_revlog(tx, row[0])?;
            if (1..=4).contains(&row[2]) && (0..4).contains(&row[4]) && row[3] >= 0 {
                history.reviews.push(AnkiReview {
                    id: row[0],
                    cid: row[1],
                    ease: row[2] as u8,
                    time: row[3].min(3_600_000),
                });
            }
        }
        let mut stmt = col.prepare("SELECT oid, type FROM graves").map_err(bad)?;
        let mut rows = stmt.query([]).map_err(bad)?;
        while let Some(r) = rows.next().map_err(bad)? {
            let (oid, kind): (i64, i64) = (r.get(0).map_err(bad)?, r.get(1).map_err(bad)?);
            tx.execute(
                "INSERT OR IGNORE INTO sync_graves (oid, kind) VALUES (?1, ?2)",
                (oid, kind),
            )?;
        }
        for (table, kind) in [
            ("notetypes", "model"),
            ("decks", "deck"),
            ("deck_config", "dconf"),
        ] {
            let mut stmt = col
                .prepare(&format!("SELECT id FROM {table}"))
                .map_err(bad)?;
            let mut rows = stmt.query([]).map_err(bad)?;
            while let Some(r) = rows.next().map_err(bad)? {
                sync_state::add_object(tx, kind, r.get(0).map_err(bad)?)?;
            }
        }
    }
    let merged = merge(tx, &history, now)?;
    let _ = writeln!(
        crate::sanitize::stdout(),
        "Downloaded the server's collection: {} note(s), {} card(s); {} review(s) of skilldeck's cards added.",
        history.notes.len(),
        history.cards.len(),
        merged.added
    );
    Ok(sync_state::State {
        scm,
        server_mod: modified,
        next_usn: usn,
        crt,
        ..Default::default()
    })
}

/// `skilldeck sync --full-upload`: replaces the server's collection with one holding
/// skilldeck's decks only (made by the exporter, as a package's collection is), then records
/// that the server holds exactly that. Returns the state the next normal sync starts from.
pub fn upload(
    tx: &rusqlite::Transaction<'_>,
    session: &mut Session<'_>,
    ids: &[String],
    now: DateTime<FixedOffset>,
) -> Result<sync_state::State> {
    let settings = crate::store::settings::Settings::load(tx)?;
    let offset = now.offset().local_minus_utc();
    let today = Day::of(now, settings.day_rollover_hour);
    // The creation day: before every review, so every due day counts up from it.
    let first: Option<i64> =
        tx.query_row("SELECT min(reviewed_at) FROM reviews", [], |r| r.get(0))?;
    let created = first
        .map(|ms| Day::of_millis(ms, offset, settings.day_rollover_hour))
        .unwrap_or(today)
        .min(today)
        .plus(-1);
    let crt = created
        .start(*now.offset(), settings.day_rollover_hour)
        .millis()
        / 1000;
    let ours = ours::make(tx, ids, crt, now)?;

    let dir = tempfile::tempdir().map_err(|e| Error::io("<temporary folder>", e))?;
    let mut collection = Collection::create(&dir.path().join("collection.anki2"))?;
    collection.col(&col_row(&ours, crt, now))?;
    let mut notes = ours.notes.clone();
    notes.sort_unstable_by_key(|n| n.id);
    collection.notes(&notes)?;
    let mut cards = ours.cards.clone();
    cards.sort_unstable_by_key(|c| c.id);
    collection.cards(&cards)?;
    let mut revlog = ours.revlog.clone();
    revlog.sort_unstable_by_key(|r| r.id);
    collection.revlog(&revlog)?;
    let file = collection.into_file()?;
    let bytes = std::fs::read(file.path()).map_err(|e| Error::io(file.path(), e))?;
    session.upload(&bytes)?;

    // The server now holds exactly what was sent.
    sync_state::forget(tx)?;
    let sent = outgoing::outgoing(tx, &ours, 0, now.timestamp())?;
    outgoing::record(tx, &sent)?;
    sync_state::add_object(tx, "deck", 1)?;
    sync_state::add_object(tx, "dconf", 1)?;
    let meta = session.meta()?;
    Ok(sync_state::State {
        scm: meta.scm,
        server_mod: meta.modified,
        next_usn: meta.usn,
        crt,
        synced_at: now.timestamp_millis(),
        // The media files go with the next sync.
        media_usn: -1,
        ..Default::default()
    })
}

/// The `col` row of an uploaded collection: skilldeck's note types, decks and options, and
/// Anki's Default deck and options (a collection always has them).
fn col_row(ours: &ours::Ours, crt: i64, now: DateTime<FixedOffset>) -> Col {
    let stamp = |mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            o.insert("mod".into(), json!(now.timestamp()));
            o.insert("usn".into(), json!(0));
        }
        v
    };
    let map = |objects: &std::collections::BTreeMap<i64, Value>| -> serde_json::Map<String, Value> {
        objects
            .iter()
            .map(|(id, v)| (id.to_string(), stamp(v.clone())))
            .collect()
    };
    let mut decks = map(&ours.decks);
    decks.insert(
        "1".into(),
        json!({
            "id": 1, "name": "Default", "desc": "", "mod": now.timestamp(), "usn": 0, "dyn": 0, "conf": 1,
            "collapsed": false, "browserCollapsed": false, "newToday": [0, 0], "revToday": [0, 0],
            "lrnToday": [0, 0], "timeToday": [0, 0], "extendNew": 0, "extendRev": 0
        }),
    );
    let mut dconf = map(&ours.dconf);
    let mut default = ours
        .dconf
        .values()
        .next()
        .cloned()
        .unwrap_or_else(|| json!({}));
    default["id"] = json!(1);
    default["name"] = json!("Default");
    dconf.insert("1".into(), stamp(default));
    let first_deck = ours.decks.keys().next().copied().unwrap_or(1);
    Col {
        crt,
        modified_ms: now.timestamp_millis(),
        conf: json!({
            "schedVer": 2, "sched2021": true, "creationOffset": -now.offset().local_minus_utc() / 60,
            "nextPos": ours.cards.len() + 1, "curDeck": first_deck, "activeDecks": [first_deck],
            "newSpread": 0, "collapseTime": 1200, "timeLim": 0, "estTimes": true, "dueCounts": true,
            "sortType": "noteFld", "sortBackwards": false, "addToCur": true, "dayLearnFirst": false
        })
        .to_string(),
        models: Value::Object(map(&ours.models)).to_string(),
        decks: Value::Object(decks).to_string(),
        dconf: Value::Object(dconf).to_string(),
    }
}

/// `--full-download`: the server's collection becomes skilldeck's picture of the server, then a
/// normal sync sends skilldeck's decks; all in one local transaction.
pub(super) fn download_then_sync(
    store: &Store,
    mut session: Session<'_>,
    login: &credentials::Credentials,
    ids: &[String],
    now: DateTime<FixedOffset>,
    progress: &Progress,
) -> Result<()> {
    let tx = store::write(store.conn())?;
    progress.say("downloading the server's collection…");
    let result = download(&tx, &mut session, now).and_then(|state| {
        // The download moved the server's usn on: ask again.
        let meta = session.meta()?;
        normal(&tx, &mut session, &meta, Some(&state), ids, now, progress)
    });
    progress.done();
    // On failure the server's side is aborted; returning drops `tx`, which rolls ours back.
    let summary = result.inspect_err(|_| session.abort())?;
    finish_locally(store.conn(), tx, login, &summary)
}

/// `--full-upload`: the server's collection is replaced by skilldeck's decks, after a warning
/// of what that costs (and a question, on a terminal).
pub(super) fn upload_whole(
    store: &Store,
    mut session: Session<'_>,
    login: &credentials::Credentials,
    ids: &[String],
    now: DateTime<FixedOffset>,
    progress: &Progress,
) -> Result<()> {
    let _ = writeln!(
        crate::sanitize::stderr(),
        "warning: a full upload replaces the whole collection on {}: the user's other Anki decks there are gone from it, and every other device must then download it and loses what it had not synced",
        login.endpoint
    );
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let _ = write!(crate::sanitize::stderr(), "Replace it? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            return Err(Error::user("nothing was uploaded"));
        }
    }
    let tx = store::write(store.conn())?;
    progress.say("uploading skilldeck's decks as the whole collection…");
    let result = upload(&tx, &mut session, ids, now);
    progress.done();
    let state = result?;
    let mut saved = state;
    saved.endpoint = login.endpoint.clone();
    saved.user = login.user.clone();
    saved.local_mark = sync_state::local_mark(&tx)?;
    sync_state::save_state(&tx, &saved)?;
    tx.commit()?;
    let _ = writeln!(
        crate::sanitize::stdout(),
        "Uploaded skilldeck's decks as the whole collection on {}; other devices must now download it.",
        login.endpoint
    );
    Ok(())
}
