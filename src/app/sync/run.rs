//! One normal sync, start to finish. Everything local happens in one write transaction that is
//! committed only after the server's `finish`: a sync that fails anywhere (the server busy
//! with another device, a failed sanity check, a dropped connection, an answer that makes no
//! sense) is aborted on the server and leaves the database as it was.

use std::io::{IsTerminal as _, Write as _};

use chrono::{DateTime, FixedOffset};

use super::{ours, outgoing, theirs};
use crate::anki::sync::client::{self, Client};
use crate::anki::sync::credentials;
use crate::anki::sync::protocol::{Meta, Session};
use crate::app::import::merge;
use crate::error::{Error, Result};
use crate::store::{self, Store, sync_state};

/// How far the server's clock may be from ours, as Anki allows.
const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// Rows per `applyChunk` call.
const CHUNK_ROWS: usize = 2_000;

/// A full sync the user asked for, when only a full sync is possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    No,
    Download,
    Upload,
}

impl Full {
    pub fn from_flags(download: bool, upload: bool) -> Full {
        match (download, upload) {
            (true, _) => Full::Download,
            (false, true) => Full::Upload,
            _ => Full::No,
        }
    }
}

/// Progress lines on standard error while a sync runs, when it is a terminal.
pub(super) struct Progress {
    on: bool,
}

impl Progress {
    pub(super) fn say(&self, text: &str) {
        if self.on {
            let mut err = crate::sanitize::stderr();
            let _ = write!(err, "\r\x1b[2Ksync: {text}");
            let _ = err.flush();
        }
    }

    pub(super) fn done(&self) {
        if self.on {
            let mut err = crate::sanitize::stderr();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// What one sync did, for the closing line.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pulled_reviews: usize,
    added_reviews: usize,
    replayed_cards: usize,
    sent_notes: usize,
    sent_cards: usize,
    sent_reviews: usize,
    suspended: usize,
    /// The media files skilldeck's notes show (name inside Anki, file on disk).
    media: Vec<(String, std::path::PathBuf)>,
    /// Whether they go out after this sync: notes were sent, or the last media sync failed.
    media_due: bool,
}

/// `skilldeck sync [DECK...]`.
pub fn sync(store: &Store, decks: &[String], full: Full, now: DateTime<FixedOffset>) -> Result<()> {
    let path = credentials::path()?;
    let login = credentials::load(&path)?.ok_or_else(|| {
        Error::user("not logged in to a sync server: run `skilldeck sync login` first")
    })?;
    if let Some(warning) = client::check_transport(&login.endpoint)? {
        let _ = writeln!(crate::sanitize::stderr(), "warning: {warning}");
    }
    let conn = store.conn();
    let ids = ours::deck_ids(conn, decks)?;
    if ids.is_empty() {
        return Err(Error::user(
            "there is no deck to sync: build one first with `skilldeck build DECK_DIR`",
        ));
    }
    let progress = Progress {
        on: std::io::stderr().is_terminal(),
    };
    let mut client = Client::new(&login.endpoint, &login.key)?;
    let mut session = Session::new(&mut client);
    progress.say("asking the server what changed…");
    let meta = session.meta()?;
    if !meta.cont {
        return Err(Error::user(format!(
            "the sync server refused to sync: {}",
            if meta.msg.is_empty() {
                "no reason given"
            } else {
                &meta.msg
            }
        )));
    }
    if (meta.ts - now.timestamp()).abs() > MAX_CLOCK_SKEW_SECS {
        return Err(Error::user(format!(
            "this computer's clock is {} seconds off the sync server's; set the clock right and sync again",
            (meta.ts - now.timestamp()).abs()
        )));
    }
    let state =
        sync_state::state(conn)?.filter(|s| s.endpoint == login.endpoint && s.user == login.user);
    let replaced = state.as_ref().is_some_and(|s| s.scm != meta.scm);
    match full {
        Full::No if replaced => {
            progress.done();
            return Err(Error::user(format!(
                "the collection on {} was replaced (a full sync from another device), so only a full sync is possible now. \
                 `skilldeck sync --full-download` takes the server's collection and then sends skilldeck's decks and reviews again (nothing is lost on the server); \
                 `skilldeck sync --full-upload` would replace the server's collection with skilldeck's decks, and every other device would lose what it had not synced",
                login.endpoint
            )));
        }
        Full::Upload => {
            return super::full::upload_whole(store, session, &login, &ids, now, &progress);
        }
        Full::Download => {
            return super::full::download_then_sync(store, session, &login, &ids, now, &progress);
        }
        Full::No => {}
    }
    let mark = sync_state::local_mark(conn)?;
    if let Some(state) = &state
        && state.server_mod == meta.modified
        && state.local_mark == mark
        && state.media_usn >= 0
    {
        progress.done();
        let _ = writeln!(
            crate::sanitize::stdout(),
            "Already in sync with {}: nothing changed on either side.",
            login.endpoint
        );
        return Ok(());
    }

    let tx = store::write(conn)?;
    let result = normal(
        &tx,
        &mut session,
        &meta,
        state.as_ref(),
        &ids,
        now,
        &progress,
    );
    progress.done();
    // On failure the server's side is aborted; returning drops `tx`, which rolls ours back.
    let summary = result.inspect_err(|_| session.abort())?;
    // The server has committed; now ours. The state and the mirror are written in this same
    // transaction, so either both sides moved on or the next sync finds out what is missing.
    finish_locally(conn, tx, &login, &summary)
}

/// Records the account and the local mark, commits, and says what the sync did.
pub(super) fn finish_locally(
    conn: &rusqlite::Connection,
    tx: rusqlite::Transaction<'_>,
    login: &credentials::Credentials,
    summary: &Summary,
) -> Result<()> {
    let mut saved = sync_state::state(&tx)?.unwrap_or_default();
    saved.endpoint = login.endpoint.clone();
    saved.user = login.user.clone();
    saved.local_mark = sync_state::local_mark(&tx)?;
    sync_state::save_state(&tx, &saved)?;
    tx.commit()?;
    let s = summary;
    let _ = writeln!(
        crate::sanitize::stdout(),
        "Synced with {}: pulled {} review(s) ({} new, {} card(s) replayed); sent {} note(s), {} card state(s), {} review(s){}.",
        login.endpoint,
        s.pulled_reviews,
        s.added_reviews,
        s.replayed_cards,
        s.sent_notes,
        s.sent_cards,
        s.sent_reviews,
        if s.suspended > 0 {
            format!("; suspended {} card(s) of retired notes", s.suspended)
        } else {
            String::new()
        }
    );
    if !summary.media_due {
        return Ok(());
    }
    // Media has no transaction: the collection sync stands whatever happens here, and a
    // failure is remembered so the next sync sends the files again.
    let flag = if summary.media.is_empty() {
        0
    } else {
        match super::media::push(login, &summary.media) {
            Ok((sent, there)) => {
                let _ = writeln!(
                    crate::sanitize::stdout(),
                    "Media: sent {sent} file(s); {there} already on the server."
                );
                0
            }
            Err(e) => {
                let _ = writeln!(
                    crate::sanitize::stderr(),
                    "warning: the media files were not synced ({e}); the next `skilldeck sync` sends them"
                );
                -1
            }
        }
    };
    conn.execute("UPDATE sync_state SET media_usn = ?1 WHERE id = 1", [flag])?;
    Ok(())
}

/// The calls of a normal sync, from `start` to `finish`, with the local side written into `tx`.
pub(super) fn normal(
    tx: &rusqlite::Transaction<'_>,
    session: &mut Session<'_>,
    meta: &Meta,
    state: Option<&sync_state::State>,
    ids: &[String],
    now: DateTime<FixedOffset>,
    progress: &Progress,
) -> Result<Summary> {
    if state.is_none() {
        // Another account, or the first sync: start from nothing.
        sync_state::forget(tx)?;
    }
    let min_usn = state.map_or(0, |s| s.next_usn);
    let mut crt = state.map_or(0, |s| s.crt);
    let mut summary = Summary::default();

    let graves = session.start(min_usn)?;
    hold_for_tests();
    theirs::bury(tx, &graves)?;

    // Note types, decks and options first: they do not depend on card states or the
    // collection's creation time.
    progress.say("making skilldeck's decks…");
    let made_with = crt.max(1);
    let first = ours::make(tx, ids, made_with, now)?;
    let objects = outgoing::objects(tx, &first, meta.usn, now.timestamp())?;
    let server_changes = session.apply_changes(&objects.changes)?;
    theirs::objects(tx, &server_changes)?;
    if let Some(server_crt) = server_changes.crt {
        crt = server_crt;
    }
    outgoing::record(tx, &objects)?;

    // The server's rows.
    let mut pulled = theirs::Pulled::default();
    loop {
        progress.say(&format!(
            "receiving: {} note(s), {} card(s), {} review(s)…",
            pulled.notes,
            pulled.cards,
            pulled.reviews.len()
        ));
        let chunk = session.chunk()?;
        theirs::rows(tx, &chunk, now.timestamp_millis(), &mut pulled)?;
        if chunk.done {
            break;
        }
    }
    summary.pulled_reviews = pulled.reviews.len();
    let history = theirs::history(tx, std::mem::take(&mut pulled.reviews))?;
    let merged = merge(tx, &history, now)?;
    summary.added_reviews = merged.added;
    summary.replayed_cards = merged.cards;

    // Ours, with the merged states, due days counted from the server's creation day.
    progress.say("comparing skilldeck's notes and cards…");
    // The rows made first still hold when nothing was merged and the creation day is the one
    // they were made with.
    let rows = if merged.added == 0 && crt == made_with {
        first
    } else {
        ours::make(tx, ids, crt, now)?
    };
    let mut out = outgoing::rows(tx, &rows, meta.usn, now.timestamp())?;
    summary.sent_notes = out.chunk.notes.len();
    summary.sent_cards = out.chunk.cards.len();
    summary.sent_reviews = out.chunk.revlog.len();
    summary.suspended = out.suspended;
    summary.media_due = summary.sent_notes > 0 || state.is_some_and(|s| s.media_usn < 0);
    summary.media = rows.media;
    outgoing::record(tx, &out)?;
    let total = summary.sent_notes + summary.sent_cards + summary.sent_reviews;
    let mut sent = 0;
    for chunk in outgoing::chunks(std::mem::take(&mut out.chunk), CHUNK_ROWS) {
        progress.say(&format!("sending: {sent} of {total} row(s)…"));
        sent += chunk.notes.len() + chunk.cards.len() + chunk.revlog.len();
        session.apply_chunk(&chunk)?;
    }

    progress.say("checking…");
    session.sanity_check(sync_state::counts(tx)?)?;
    let server_mod = session.finish()?;
    sync_state::save_state(
        tx,
        &sync_state::State {
            endpoint: String::new(),
            user: String::new(),
            scm: meta.scm,
            server_mod,
            next_usn: meta.usn + 1,
            crt,
            local_mark: String::new(),
            synced_at: now.timestamp_millis(),
            media_usn: state.map_or(0, |s| s.media_usn),
        },
    )?;
    Ok(summary)
}

/// The test suite's way to stop a sync between `start` and `finish` (another device then
/// syncs): with `SKILLDECK_TEST_SYNC_HOLD=FILE`, the sync writes `FILE.started` after `start`
/// and waits, at most a minute, until FILE is gone.
fn hold_for_tests() {
    let Some(file) = std::env::var_os("SKILLDECK_TEST_SYNC_HOLD") else {
        return;
    };
    let file = std::path::PathBuf::from(file);
    let mut started = file.clone().into_os_string();
    started.push(".started");
    let _ = std::fs::write(&started, b"");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while file.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
