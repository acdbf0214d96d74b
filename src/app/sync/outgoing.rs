//! What a sync sends: skilldeck's objects and rows (from `ours`) compared with what the last
//! sync sent (`sync_pushed`), stamped with the server's usn; what was sent is then recorded in
//! the mirror of the server's collection, and the rows go out in chunks.

use serde_json::{Value, json};

use super::ours::Ours;
use crate::anki::package::CardRow;
use crate::anki::sync::protocol::{Changes, Chunk};
use crate::error::Result;
use crate::store::sync_state;
use rusqlite::Connection;

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
    let mut out = objects(conn, ours, usn, now_secs)?;
    let sent = rows(conn, ours, usn, now_secs)?;
    out.chunk = sent.chunk;
    out.record.extend(sent.record);
    out.suspended = sent.suspended;
    Ok(out)
}

/// The note types, decks and deck options that differ from what was sent (`applyChanges`).
pub fn objects(conn: &Connection, ours: &Ours, usn: i64, now_secs: i64) -> Result<Outgoing> {
    let mut out = Outgoing::default();
    let stamp = |mut v: Value| -> Value {
        if let Some(o) = v.as_object_mut() {
            o.insert("usn".into(), json!(usn));
            o.insert("mod".into(), json!(now_secs));
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
            let stamped = stamp(object.clone());
            match kind {
                "model" => out.changes.models.push(stamped),
                "deck" => out.changes.decks.0.push(stamped),
                _ => out.changes.decks.1.push(stamped),
            }
            out.record.push((kind, id, text));
        }
    }
    out.changes.tags = ours.tags.iter().cloned().collect();
    Ok(out)
}

/// The notes, card states and reviews that differ from what was sent, and the cards of notes
/// no longer ours (retired) suspended (`applyChunk`).
pub fn rows(conn: &Connection, ours: &Ours, usn: i64, now_secs: i64) -> Result<Outgoing> {
    let mut out = Outgoing::default();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_go_out_in_chunks_of_at_most_the_size_the_last_one_done() {
        let row = |i: i64| vec![json!(i)];
        let chunk = Chunk {
            done: false,
            notes: (0..3).map(row).collect(),
            cards: (0..4).map(row).collect(),
            revlog: (0..2).map(row).collect(),
        };
        let out = chunks(chunk, 4);
        let sizes: Vec<usize> = out
            .iter()
            .map(|c| c.notes.len() + c.cards.len() + c.revlog.len())
            .collect();
        assert_eq!(sizes, [4, 4, 1]);
        assert_eq!(
            out.iter().map(|c| c.done).collect::<Vec<_>>(),
            [false, false, true]
        );
        // Nothing to send is still one chunk, done.
        let empty = chunks(Chunk::default(), 4);
        assert_eq!(empty.len(), 1);
        assert!(empty[0].done && empty[0].notes.is_empty());
    }

    #[test]
    fn a_row_gets_its_mod_and_usn() {
        let row = stamp_row(json!([1, 2, 3, 0, 0, 5]), 3, 4, 1_700_000_000, 42);
        assert_eq!(
            row,
            [
                json!(1),
                json!(2),
                json!(3),
                json!(1_700_000_000),
                json!(42),
                json!(5)
            ]
        );
    }
}
