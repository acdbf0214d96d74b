//! Writing a legacy (schema 11) `.apkg`: a SQLite `collection.anki2` (laid out in memory) with
//! the five tables Anki requires, a JSON media map, and the media files as numbered members,
//! zipped by `zip_out` (deflating on all cores). The package is written under a temporary name
//! beside the target and renamed at the end, so a crash never leaves half a package.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::parallel;
use crate::sqlite_file::{self, Layout, Refused, Table, Value};
use crate::zip_out::ZipOut;

/// The `col` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Col {
    pub crt: i64,
    pub modified_ms: i64,
    pub conf: String,
    pub models: String,
    pub decks: String,
    pub dconf: String,
}

/// A `notes` row.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteRow {
    pub id: i64,
    pub guid: String,
    pub mid: i64,
    pub modified: i64,
    pub tags: String,
    /// The fields, joined by U+001F as Anki stores them.
    pub fields: String,
    pub sort_field: String,
}

/// A `cards` row.
#[derive(Debug, Clone, PartialEq)]
pub struct CardRow {
    pub id: i64,
    pub nid: i64,
    pub did: i64,
    pub ord: u32,
    pub modified: i64,
    pub kind: i64,
    pub queue: i64,
    pub due: i64,
    pub ivl: i64,
    pub factor: i64,
    pub reps: i64,
    pub lapses: i64,
    pub left: i64,
    pub data: String,
}

/// A `revlog` row.
#[derive(Debug, Clone, PartialEq)]
pub struct RevlogRow {
    pub id: i64,
    pub cid: i64,
    pub ease: i64,
    pub ivl: i64,
    pub last_ivl: i64,
    pub factor: i64,
    pub time: i64,
    pub kind: i64,
}

/// Everything a package holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Package {
    pub col: Option<Col>,
    pub notes: Vec<NoteRow>,
    pub cards: Vec<CardRow>,
    pub revlog: Vec<RevlogRow>,
    /// Media: (name inside Anki, file on disk).
    pub media: Vec<(String, PathBuf)>,
}

/// The five tables of a schema-11 collection, in schema order. Anki's seven indexes are
/// optional in a package: the importer reads every row anyway, and leaving them out makes the
/// package smaller and faster to write.
const TABLES: [(&str, &str); 5] = [
    (
        "col",
        "CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
  ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
  models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL)",
    ),
    (
        "notes",
        "CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
  usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
  flags integer NOT NULL, data text NOT NULL)",
    ),
    (
        "cards",
        "CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
  ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL,
  odue integer NOT NULL, odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL)",
    ),
    (
        "revlog",
        "CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL, ease integer NOT NULL,
  ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL)",
    ),
    (
        "graves",
        "CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL)",
    ),
];

fn col_values(c: &Col) -> [Value<'_>; 13] {
    use Value::{Int, Text};
    [
        Int(1),
        Int(c.crt),
        Int(c.modified_ms),
        Int(c.modified_ms),
        Int(11),
        Int(0),
        Int(0),
        Int(0),
        Text(&c.conf),
        Text(&c.models),
        Text(&c.decks),
        Text(&c.dconf),
        Text("{}"),
    ]
}

fn note_values(n: &NoteRow) -> [Value<'_>; 11] {
    use Value::{Int, Text};
    [
        Int(n.id),
        Text(&n.guid),
        Int(n.mid),
        Int(n.modified),
        Int(-1),
        Text(&n.tags),
        Text(&n.fields),
        // `sfld` has integer affinity: a number-like sort field is stored as a number.
        Value::numeric_text(&n.sort_field),
        Int(0),
        Int(0),
        Text(""),
    ]
}

fn card_values(c: &CardRow) -> [Value<'_>; 18] {
    use Value::{Int, Text};
    [
        Int(c.id),
        Int(c.nid),
        Int(c.did),
        Int(i64::from(c.ord)),
        Int(c.modified),
        Int(-1),
        Int(c.kind),
        Int(c.queue),
        Int(c.due),
        Int(c.ivl),
        Int(c.factor),
        Int(c.reps),
        Int(c.lapses),
        Int(c.left),
        Int(0),
        Int(0),
        Int(0),
        Text(&c.data),
    ]
}

fn revlog_values(r: &RevlogRow) -> [Value<'_>; 9] {
    use Value::Int;
    [
        Int(r.id),
        Int(r.cid),
        Int(-1),
        Int(r.ease),
        Int(r.ivl),
        Int(r.last_ivl),
        Int(r.factor),
        Int(r.time),
        Int(r.kind),
    ]
}

/// Removes a temporary file when dropped (unless it was renamed into place).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A table's rows as SQLite records in ascending id order, encoded on all cores a batch at a
/// time (so only a batch of records is in memory at once). The id (the first value) is the
/// rowid, so its `INTEGER PRIMARY KEY` column is stored as NULL.
fn records<'a, T: Sync, const N: usize>(
    rows: &'a [T],
    values: fn(&T) -> [Value<'_>; N],
) -> Box<dyn Iterator<Item = (i64, Vec<u8>)> + 'a> {
    let id = move |row: &T| match values(row)[0] {
        Value::Int(id) => id,
        _ => 0,
    };
    let mut sorted: Vec<(i64, &T)> = rows.iter().map(|row| (id(row), row)).collect();
    sorted.sort_unstable_by_key(|(id, _)| *id);
    let encode = move |&(id, row): &(i64, &T)| {
        let mut v = values(row);
        v[0] = Value::Null;
        (id, sqlite_file::record(&v))
    };
    Box::new((0..sorted.len()).step_by(8192).flat_map(move |start| {
        let end = (start + 8192).min(sorted.len());
        parallel::map(&sorted[start..end], encode)
    }))
}

/// The collection database file. Laid out directly (`sqlite_file`), or by SQLite itself for a
/// collection that would pass 1 GiB (or `layout.max_bytes`).
fn collection(package: &Package, layout: Layout) -> Result<Vec<u8>> {
    let fields: usize = package
        .notes
        .iter()
        .map(|n| n.fields.len() + n.tags.len() + n.guid.len() + n.sort_field.len() + 48)
        .sum();
    let hints = [
        package
            .col
            .as_ref()
            .map_or(0, |c| c.models.len() + c.decks.len() + 4096),
        fields,
        package.cards.iter().map(|c| c.data.len() + 48).sum(),
        package.revlog.len() * 40,
        0,
    ];
    let rows = [
        records(package.col.as_slice(), col_values),
        records(&package.notes, note_values),
        records(&package.cards, card_values),
        records(&package.revlog, revlog_values),
        Box::new(std::iter::empty()),
    ];
    let tables: Vec<Table<'_>> = TABLES
        .iter()
        .zip(rows)
        .zip(hints)
        .map(|((&(name, sql), rows), size_hint)| Table {
            name,
            sql,
            rows,
            size_hint,
        })
        .collect();
    match sqlite_file::write(tables, layout) {
        Ok(bytes) => Ok(bytes),
        Err(Refused::TooLarge { .. }) => collection_by_sqlite(package),
        Err(e) => Err(Error::user(format!(
            "cannot lay out the Anki collection: {e}"
        ))),
    }
}

/// The collection database built by SQLite in memory, row by row.
fn collection_by_sqlite(package: &Package) -> Result<Vec<u8>> {
    let mut conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;",
    )?;
    for (_, sql) in TABLES {
        conn.execute_batch(sql)?;
    }
    let tx = conn.transaction()?;
    fn insert<T, const N: usize>(
        tx: &rusqlite::Transaction<'_>,
        table: &str,
        rows: &[T],
        values: fn(&T) -> [Value<'_>; N],
    ) -> Result<()> {
        let marks = vec!["?"; N].join(", ");
        let mut stmt = tx.prepare(&format!("INSERT INTO {table} VALUES ({marks})"))?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(values(row)))?;
        }
        Ok(())
    }
    insert(&tx, "col", package.col.as_slice(), col_values)?;
    insert(&tx, "notes", &package.notes, note_values)?;
    insert(&tx, "cards", &package.cards, card_values)?;
    insert(&tx, "revlog", &package.revlog, revlog_values)?;
    tx.commit()?;
    Ok(conn.serialize(rusqlite::MAIN_DB)?.to_vec())
}

/// Writes the package to `out` (through a temporary file and a rename).
pub fn write(out: &Path, package: &Package) -> Result<()> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let name = out
        .file_name()
        .map_or_else(|| "deck.apkg".into(), |n| n.to_string_lossy().into_owned());
    let pid = std::process::id();
    let partial = TempFile(dir.join(format!(".{name}.{pid}.partial")));
    let bytes = collection(package, Layout::default())?;

    let file = File::create(&partial.0).map_err(|e| Error::io(&partial.0, e))?;
    let written = |e| Error::io(&partial.0, e);
    let mut zip = ZipOut::new(BufWriter::new(file));
    zip.add_deflated("collection.anki2", &bytes)
        .map_err(written)?;
    drop(bytes);
    let map: serde_json::Map<String, serde_json::Value> = package
        .media
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (i.to_string(), serde_json::Value::String(name.clone())))
        .collect();
    zip.add_deflated("media", serde_json::to_string(&map)?.as_bytes())
        .map_err(written)?;
    // Images are compressed already.
    for (i, (_, source)) in package.media.iter().enumerate() {
        let bytes = fs::read(source).map_err(|e| Error::io(source, e))?;
        zip.add_stored(&i.to_string(), &bytes).map_err(written)?;
    }
    let mut writer = zip.finish().map_err(written)?;
    writer.flush().map_err(written)?;
    writer
        .into_inner()
        .map_err(|e| written(e.into_error()))?
        .sync_all()
        .map_err(written)?;
    fs::rename(&partial.0, out).map_err(|e| Error::io(out, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of every table, with SQLite's storage class of each value.
    fn dump(bytes: &[u8]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.anki2");
        fs::write(&path, bytes).unwrap();
        let conn = Connection::open(&path).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let mut out = Vec::new();
        for (name, _) in TABLES {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {name} ORDER BY rowid"))
                .unwrap();
            let columns = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let values: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", row.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect();
                out.push(format!("{name}: {}", values.join(" | ")));
            }
        }
        out
    }

    fn sample(notes: usize) -> Package {
        let long = "<p>long</p>".repeat(12_000);
        Package {
            col: Some(Col {
                crt: 1_700_000_000,
                modified_ms: 1_700_000_000_123,
                conf: "{\"schedVer\":2}".into(),
                models: "{}".into(),
                decks: "{}".into(),
                dconf: "{}".into(),
            }),
            // Ids out of order, sort fields that look like numbers, a field over 64 KiB.
            notes: (0..notes)
                .map(|i| NoteRow {
                    id: 1_600_000_000_000 + ((i * 7919) % notes) as i64,
                    guid: format!("g{i}"),
                    mid: 42,
                    modified: 1_700_000_000,
                    tags: " deck::a::b generated ".into(),
                    fields: if i == 3 {
                        long.clone()
                    } else {
                        format!("<p>Question {i}</p>\u{1f}<p>Answer é {i}</p>")
                    },
                    sort_field: match i % 4 {
                        0 => format!("{i}"),
                        1 => format!("{i}.5"),
                        2 => "1e3".into(),
                        _ => format!("Question {i}"),
                    },
                })
                .collect(),
            cards: (0..notes * 2)
                .map(|i| CardRow {
                    id: 1_650_000_000_000 - i as i64,
                    nid: 1_600_000_000_000 + (i / 2) as i64,
                    did: 7,
                    ord: (i % 2) as u32,
                    modified: 1_700_000_000,
                    kind: 2,
                    queue: 2,
                    due: 300 + i as i64,
                    ivl: 3,
                    factor: 0,
                    reps: 2,
                    lapses: 0,
                    left: 0,
                    data: "{\"s\":3.1,\"d\":5.0}".into(),
                })
                .collect(),
            revlog: (0..notes)
                .map(|i| RevlogRow {
                    id: 1_690_000_000_000 + i as i64 * 1000,
                    cid: 1_650_000_000_000 - i as i64,
                    ease: 3,
                    ivl: 3,
                    last_ivl: -600,
                    factor: 0,
                    time: 5_000,
                    kind: 1,
                })
                .collect(),
            media: Vec::new(),
        }
    }

    #[test]
    fn the_direct_layout_holds_what_sqlite_would_store() {
        for notes in [0, 1, 5_000] {
            let package = sample(notes);
            let ours = collection(&package, Layout::default()).unwrap();
            let sqlite = collection_by_sqlite(&package).unwrap();
            let (ours, sqlite) = (dump(&ours), dump(&sqlite));
            assert_eq!(ours.len(), 1 + notes * 4);
            assert_eq!(ours, sqlite, "{notes} notes");
        }
    }

    #[test]
    fn a_collection_past_the_size_limit_is_built_by_sqlite() {
        let package = sample(2_000);
        let small = Layout {
            max_bytes: 4 * 65_536,
            ..Layout::default()
        };
        assert!(matches!(
            sqlite_file::write(
                vec![Table {
                    name: "notes",
                    sql: TABLES[1].1,
                    rows: records(&package.notes, note_values),
                    size_hint: 0,
                }],
                small
            ),
            Err(Refused::TooLarge { .. })
        ));
        let bytes = collection(&package, small).unwrap();
        assert!(bytes.len() as u64 > small.max_bytes);
        assert_eq!(dump(&bytes), dump(&collection_by_sqlite(&package).unwrap()));
    }
}
