//! The calls of a normal (incremental) collection sync, typed: what each request carries and
//! what each answer holds, in the order a sync makes them (see the design notes, "Sync"). Rows
//! travel as positional JSON arrays in the column order of Anki's tables; the objects of
//! `applyChanges` (note types, decks, deck options) are the schema-11 JSON an `.apkg` carries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::Client;
use super::wire;
use crate::error::{Error, Result};

/// What `meta` says of the server's collection.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Meta {
    /// When the collection last changed (ms).
    #[serde(rename = "mod")]
    pub modified: i64,
    /// When its schema last changed (ms): another value than last time means only a full
    /// sync is possible.
    pub scm: i64,
    /// The update sequence number rows of this sync are stamped with.
    pub usn: i64,
    /// The server's clock (s).
    pub ts: i64,
    /// A message for the user, if any.
    pub msg: String,
    /// False when the server refuses this client.
    pub cont: bool,
    /// The collection has never been synced.
    pub empty: bool,
    #[serde(rename = "mediaUsn", alias = "media_usn")]
    pub media_usn: i64,
}

/// Ids deleted on one side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Graves {
    pub cards: Vec<i64>,
    pub notes: Vec<i64>,
    pub decks: Vec<i64>,
}

impl Graves {
    pub fn is_empty(&self) -> bool {
        self.cards.is_empty() && self.notes.is_empty() && self.decks.is_empty()
    }
}

/// The objects that are not rows: note types, decks and deck options, tags; the server adds
/// its configuration and creation time when the client says it is not the newer side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Changes {
    pub models: Vec<Value>,
    /// `[decks, deck options]`.
    pub decks: (Vec<Value>, Vec<Value>),
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conf: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crt: Option<i64>,
}

/// Rows: notes `[id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data]`, cards the 18
/// columns of `cards`, reviews `[id, cid, usn, ease, ivl, lastIvl, factor, time, type]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Chunk {
    pub done: bool,
    pub notes: Vec<Vec<Value>>,
    pub cards: Vec<Vec<Value>>,
    pub revlog: Vec<Vec<Value>>,
}

/// The counts both sides compare at the end; they must be equal or the server rolls back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub cards: i64,
    pub notes: i64,
    pub revlog: i64,
    pub graves: i64,
    pub models: i64,
    pub decks: i64,
    pub dconf: i64,
}

/// The server's answer to the sanity check.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Sanity {
    status: String,
    #[serde(rename = "s")]
    server: Option<Value>,
}

/// Calls that take no arguments send an empty object.
#[derive(Serialize)]
struct Empty {}

/// One normal sync over `client`, call by call.
pub struct Session<'c> {
    client: &'c mut Client,
}

impl<'c> Session<'c> {
    pub fn new(client: &'c mut Client) -> Session<'c> {
        Session { client }
    }

    pub fn meta(&mut self) -> Result<Meta> {
        #[derive(Serialize)]
        struct Request {
            v: u32,
            cv: String,
        }
        self.client.call(
            "meta",
            &Request {
                v: wire::VERSION,
                cv: wire::client_name(),
            },
        )
    }

    /// Opens the server's transaction; returns what the server deleted since `min_usn`.
    pub fn start(&mut self, min_usn: i64) -> Result<Graves> {
        #[derive(Serialize)]
        struct Request {
            #[serde(rename = "minUsn")]
            min_usn: i64,
            lnewer: bool,
        }
        // skilldeck never claims to be the newer side: the server then sends its
        // configuration and creation time, and keeps both.
        self.client.call(
            "start",
            &Request {
                min_usn,
                lnewer: false,
            },
        )
    }

    pub fn apply_graves(&mut self, graves: &Graves) -> Result<()> {
        #[derive(Serialize)]
        struct Request<'a> {
            chunk: &'a Graves,
        }
        self.client
            .call::<Value>("applyGraves", &Request { chunk: graves })?;
        Ok(())
    }

    /// Sends ours, returns the server's.
    pub fn apply_changes(&mut self, changes: &Changes) -> Result<Changes> {
        #[derive(Serialize)]
        struct Request<'a> {
            changes: &'a Changes,
        }
        self.client.call("applyChanges", &Request { changes })
    }

    /// The server's next chunk of rows.
    pub fn chunk(&mut self) -> Result<Chunk> {
        self.client.call("chunk", &Empty {})
    }

    pub fn apply_chunk(&mut self, chunk: &Chunk) -> Result<()> {
        #[derive(Serialize)]
        struct Request<'a> {
            chunk: &'a Chunk,
        }
        self.client
            .call::<Value>("applyChunk", &Request { chunk })?;
        Ok(())
    }

    /// Compares the whole collection's counts with the server's.
    pub fn sanity_check(&mut self, counts: Counts) -> Result<()> {
        #[derive(Serialize)]
        struct Request {
            client: (Vec<i64>, i64, i64, i64, i64, i64, i64, i64),
        }
        let c = counts;
        let answer: Sanity = self.client.call(
            "sanityCheck2",
            &Request {
                client: (
                    vec![0, 0, 0],
                    c.cards,
                    c.notes,
                    c.revlog,
                    c.graves,
                    c.models,
                    c.decks,
                    c.dconf,
                ),
            },
        )?;
        if answer.status == "ok" {
            return Ok(());
        }
        Err(Error::user(format!(
            "the sync server's collection did not match skilldeck's after the merge (server: {}, skilldeck: {:?}); nothing was changed. Try again; if it happens again, run `skilldeck sync --full-download`",
            answer
                .server
                .map_or_else(|| "?".to_owned(), |s| s.to_string()),
            [
                c.cards, c.notes, c.revlog, c.graves, c.models, c.decks, c.dconf
            ]
        )))
    }

    /// Commits the server's transaction; returns the collection's new modification time.
    pub fn finish(&mut self) -> Result<i64> {
        self.client.call("finish", &Empty {})
    }

    /// The server's whole collection (a SQLite file), for a full download.
    pub fn download(&mut self) -> Result<Vec<u8>> {
        self.client.call_bytes("download", &Empty {})
    }

    /// Replaces the server's whole collection with `collection` (a SQLite file's bytes).
    pub fn upload(&mut self, collection: &[u8]) -> Result<()> {
        let answer = self.client.call_raw_body("upload", collection)?;
        let text = String::from_utf8_lossy(&answer);
        if text.trim() == "OK" {
            return Ok(());
        }
        Err(Error::user(format!(
            "the sync server did not take the upload: {}",
            crate::sanitize::sanitize(text.chars().take(200).collect::<String>().trim())
        )))
    }

    /// Cancels the server's transaction (best effort: the sync has failed already).
    pub fn abort(&mut self) {
        let _ = self.client.call::<Value>("abort", &Empty {});
    }
}
