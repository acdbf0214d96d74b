//! Writing a legacy (schema 11) `.apkg`: a SQLite `collection.anki2` (built in memory) with the
//! five tables Anki requires, a JSON media map, and the media files as numbered members. The package is written
//! under a temporary name beside the target and renamed at the end, so a crash never leaves
//! half a package.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use zip::write::SimpleFileOptions;

use crate::error::{Error, Result};

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

const SCHEMA: &str = "
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
  ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
  models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
  usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
  flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
  ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL,
  odue integer NOT NULL, odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL, ease integer NOT NULL,
  ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
";
// Anki's seven indexes are optional in a package: the importer reads every row anyway, and
// leaving them out makes the package smaller and faster to write.

/// Removes a temporary file when dropped (unless it was renamed into place).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// The rows in ascending order of their id.
fn by_id<T>(rows: &[T], id: impl Fn(&T) -> i64) -> Vec<&T> {
    let mut sorted: Vec<&T> = rows.iter().collect();
    sorted.sort_unstable_by_key(|r| id(r));
    sorted
}

/// Builds the collection database in memory.
fn collection(package: &Package) -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;",
    )?;
    conn.execute_batch(SCHEMA)?;
    let tx = conn.transaction()?;
    if let Some(col) = &package.col {
        tx.execute(
            "INSERT INTO col VALUES (1, ?1, ?2, ?2, 11, 0, 0, 0, ?3, ?4, ?5, ?6, '{}')",
            params![
                col.crt,
                col.modified_ms,
                col.conf,
                col.models,
                col.decks,
                col.dconf
            ],
        )?;
    }
    {
        let mut stmt =
            tx.prepare("INSERT INTO notes VALUES (?1, ?2, ?3, ?4, -1, ?5, ?6, ?7, 0, 0, '')")?;
        // Rows go in by id, so SQLite appends to its tables instead of splitting pages.
        for n in by_id(&package.notes, |n| n.id) {
            stmt.execute(params![
                n.id,
                n.guid,
                n.mid,
                n.modified,
                n.tags,
                n.fields,
                n.sort_field
            ])?;
        }
        let mut stmt = tx.prepare(
            "INSERT INTO cards VALUES (?1, ?2, ?3, ?4, ?5, -1, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, 0, 0, ?14)",
        )?;
        for c in by_id(&package.cards, |c| c.id) {
            stmt.execute(params![
                c.id, c.nid, c.did, c.ord, c.modified, c.kind, c.queue, c.due, c.ivl, c.factor,
                c.reps, c.lapses, c.left, c.data
            ])?;
        }
        let mut stmt =
            tx.prepare("INSERT INTO revlog VALUES (?1, ?2, -1, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        for r in by_id(&package.revlog, |r| r.id) {
            stmt.execute(params![
                r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.kind
            ])?;
        }
    }
    tx.commit()?;
    Ok(conn)
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
    let collection = collection(package)?;
    // The database's own pages, not a copy.
    let bytes = collection.serialize(rusqlite::MAIN_DB)?;

    let file = File::create(&partial.0).map_err(|e| Error::io(&partial.0, e))?;
    let mut zip = zip::ZipWriter::new(BufWriter::new(file));
    let zip_error = |e: zip::result::ZipError| {
        Error::user(format!("{}: cannot write the package: {e}", out.display()))
    };
    // Fast compression: a package is written often and read once.
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    zip.start_file("collection.anki2", deflated)
        .map_err(zip_error)?;
    zip.write_all(&bytes)
        .map_err(|e| Error::io(&partial.0, e))?;
    let map: serde_json::Map<String, serde_json::Value> = package
        .media
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (i.to_string(), serde_json::Value::String(name.clone())))
        .collect();
    zip.start_file("media", deflated).map_err(zip_error)?;
    zip.write_all(serde_json::to_string(&map)?.as_bytes())
        .map_err(|e| Error::io(&partial.0, e))?;
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (i, (_, source)) in package.media.iter().enumerate() {
        let bytes = fs::read(source).map_err(|e| Error::io(source, e))?;
        zip.start_file(i.to_string(), stored).map_err(zip_error)?;
        zip.write_all(&bytes)
            .map_err(|e| Error::io(&partial.0, e))?;
    }
    let mut writer = zip.finish().map_err(zip_error)?;
    writer.flush().map_err(|e| Error::io(&partial.0, e))?;
    writer
        .into_inner()
        .map_err(|e| Error::io(&partial.0, e.into_error()))?
        .sync_all()
        .map_err(|e| Error::io(&partial.0, e))?;
    fs::rename(&partial.0, out).map_err(|e| Error::io(out, e))?;
    Ok(())
}
