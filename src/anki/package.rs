//! Writing a legacy (schema 11) `.apkg`: a SQLite `collection.anki2` with the five tables Anki
//! requires, written by SQLite itself into a partial file beside the package (no journal, no
//! syncing: the file is scratch until it is zipped), rows in id order through cached
//! statements in one transaction; then the zip (`zip`'s `ZipWriter`) of that collection
//! deflated, a JSON media map, and the media files as numbered members. The package is written
//! as a partial file beside the target and renamed at the end (`crate::partial`), so a crash
//! never leaves half a package; identical rows give identical bytes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use tempfile::NamedTempFile;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::error::{Error, Result};
use crate::partial;

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

/// The five tables of a schema-11 collection, in schema order. Anki's seven indexes are
/// optional in a package: the importer reads every row anyway, and leaving them out makes the
/// package smaller and faster to write.
const TABLES: [&str; 5] = [
    "CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
  ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
  models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL)",
    "CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
  usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
  flags integer NOT NULL, data text NOT NULL)",
    "CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
  ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL,
  odue integer NOT NULL, odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL)",
    "CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL, ease integer NOT NULL,
  ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL)",
    "CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL)",
];

/// The rows, with the columns every exported row shares written in: `usn` -1 (not synced),
/// no flags, no original deck. `sfld` has integer affinity, so SQLite stores a number-like sort
/// field as a number, as Anki's own files do.
const INSERT_COL: &str =
    "INSERT INTO col VALUES (1, ?1, ?2, ?2, 11, 0, 0, 0, ?3, ?4, ?5, ?6, '{}')";
const INSERT_NOTE: &str = "INSERT INTO notes VALUES (?1, ?2, ?3, ?4, -1, ?5, ?6, ?7, 0, 0, '')";
const INSERT_CARD: &str = "INSERT INTO cards VALUES
  (?1, ?2, ?3, ?4, ?5, -1, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, 0, 0, ?14)";
const INSERT_REVLOG: &str = "INSERT INTO revlog VALUES (?1, ?2, -1, ?3, ?4, ?5, ?6, ?7, ?8)";

/// A collection being filled: a SQLite database in a partial file beside the package, inside
/// one transaction. Rows of each table should come in ascending id order (SQLite then appends
/// to full pages instead of splitting them).
pub struct Collection {
    conn: Connection,
    file: NamedTempFile,
}

impl Collection {
    /// An empty collection beside the package `target`.
    pub fn create(target: &Path) -> Result<Collection> {
        let file = partial::file_beside(target)?;
        let conn = Connection::open(file.path())?;
        // Scratch: nothing to roll back to and nothing to survive a crash.
        conn.execute_batch(
            "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             PRAGMA locking_mode = EXCLUSIVE;",
        )?;
        for sql in TABLES {
            conn.execute_batch(sql)?;
        }
        conn.execute_batch("BEGIN")?;
        Ok(Collection { conn, file })
    }

    pub fn col(&mut self, c: &Col) -> Result<()> {
        self.conn
            .prepare_cached(INSERT_COL)?
            .execute(rusqlite::params![
                c.crt,
                c.modified_ms,
                c.conf,
                c.models,
                c.decks,
                c.dconf
            ])?;
        Ok(())
    }

    pub fn notes(&mut self, rows: &[NoteRow]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(INSERT_NOTE)?;
        for n in rows {
            stmt.execute(rusqlite::params![
                n.id,
                n.guid,
                n.mid,
                n.modified,
                n.tags,
                n.fields,
                n.sort_field
            ])?;
        }
        Ok(())
    }

    pub fn cards(&mut self, rows: &[CardRow]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(INSERT_CARD)?;
        for c in rows {
            stmt.execute(rusqlite::params![
                c.id, c.nid, c.did, c.ord, c.modified, c.kind, c.queue, c.due, c.ivl, c.factor,
                c.reps, c.lapses, c.left, c.data
            ])?;
        }
        Ok(())
    }

    pub fn revlog(&mut self, rows: &[RevlogRow]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(INSERT_REVLOG)?;
        for r in rows {
            stmt.execute(rusqlite::params![
                r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.kind
            ])?;
        }
        Ok(())
    }

    /// Commits the collection and returns its file, whole (a full upload sends it as it is).
    pub fn into_file(self) -> Result<NamedTempFile> {
        let Collection { conn, file } = self;
        conn.execute_batch("COMMIT")?;
        conn.close().map_err(|(_, e)| e)?;
        Ok(file)
    }

    /// Commits the collection and writes the package to `target` with `media` (name inside
    /// Anki, file on disk).
    pub fn write_package(self, target: &Path, media: &[(String, PathBuf)]) -> Result<()> {
        let Collection { conn, file } = self;
        conn.execute_batch("COMMIT")?;
        conn.close().map_err(|(_, e)| e)?;
        let mut collection = file.reopen().map_err(|e| Error::io(file.path(), e))?;
        let size = collection
            .metadata()
            .map_err(|e| Error::io(file.path(), e))?
            .len();
        write_zip(target, &mut collection, size, media)
    }
}

/// Members carry no real time (1980-01-01, the earliest a zip holds) and Unix permissions
/// 0644 wherever the package is made, so the same rows give the same bytes.
fn member_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(0o644)
}

/// Zip64 records for a member of `size` bytes: from 2 GiB, so that even a member that grows
/// when deflated fits.
fn large(size: u64) -> bool {
    size >= zip::ZIP64_BYTES_THR / 2
}

/// Writes the zip: the collection deflated (the fast level: the collection is mostly HTML,
/// which compresses well at any level), the media map, the media files stored (images are
/// compressed already).
fn write_zip(
    target: &Path,
    collection: &mut impl io::Read,
    size: u64,
    media: &[(String, PathBuf)],
) -> Result<()> {
    let package = partial::file_beside(target)?;
    let failed = |e: io::Error| Error::io(package.path(), e);
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, package.as_file()));
    let deflated = member_options()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1));
    let stored = member_options().compression_method(CompressionMethod::Stored);
    zip.start_file("collection.anki2", deflated.large_file(large(size)))
        .map_err(|e| failed(e.into()))?;
    io::copy(collection, &mut zip).map_err(failed)?;
    let map: serde_json::Map<String, serde_json::Value> = media
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (i.to_string(), serde_json::Value::String(name.clone())))
        .collect();
    zip.start_file("media", deflated)
        .map_err(|e| failed(e.into()))?;
    zip.write_all(serde_json::to_string(&map)?.as_bytes())
        .map_err(failed)?;
    for (i, (_, source)) in media.iter().enumerate() {
        let mut file = File::open(source).map_err(|e| Error::io(source, e))?;
        let len = file.metadata().map_err(|e| Error::io(source, e))?.len();
        zip.start_file(i.to_string(), stored.large_file(large(len)))
            .map_err(|e| failed(e.into()))?;
        io::copy(&mut file, &mut zip).map_err(|e| Error::io(source, e))?;
    }
    zip.finish()
        .map_err(|e| failed(e.into()))?
        .flush()
        .map_err(failed)?;
    partial::persist(package, target)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io::{Cursor, Read};

    use super::*;

    fn sample_col() -> Col {
        Col {
            crt: 1_700_000_000,
            modified_ms: 1_700_000_000_123,
            conf: "{\"schedVer\":2}".into(),
            models: "{}".into(),
            decks: "{}".into(),
            dconf: "{}".into(),
        }
    }

    fn note(id: i64, sort_field: &str, fields: String) -> NoteRow {
        NoteRow {
            id,
            guid: format!("g{id}"),
            mid: 42,
            modified: 1_700_000_000,
            tags: " deck::a::b ".into(),
            fields,
            sort_field: sort_field.into(),
        }
    }

    fn card(id: i64, nid: i64) -> CardRow {
        CardRow {
            id,
            nid,
            did: 7,
            ord: 1,
            modified: 1_700_000_000,
            kind: 2,
            queue: 2,
            due: 300,
            ivl: 3,
            factor: 0,
            reps: 2,
            lapses: 1,
            left: 0,
            data: "{\"s\":3.1}".into(),
        }
    }

    /// Writes a package of three notes (one over a 64 KiB page), two cards, a review and an
    /// image.
    fn write_sample(target: &Path, image: &Path) -> Result<()> {
        let mut c = Collection::create(target)?;
        c.col(&sample_col())?;
        c.notes(&[
            note(10, "12", "<p>Q</p>\u{1f}<p>A</p>".into()),
            note(11, "1.5", "<p>long</p>".repeat(12_000)),
        ])?;
        c.notes(&[note(12, "Question é", "x\u{1f}y".into())])?;
        c.cards(&[card(20, 10), card(21, 11)])?;
        c.revlog(&[RevlogRow {
            id: 30,
            cid: 20,
            ease: 3,
            ivl: 3,
            last_ivl: -600,
            factor: 2500,
            time: 5_000,
            kind: 1,
        }])?;
        c.write_package(target, &[("deck-abc-image.png".into(), image.to_owned())])
    }

    fn members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut member = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                member.read_to_end(&mut data).unwrap();
                (member.name().unwrap().into_owned(), data)
            })
            .collect()
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_package_holds_the_rows_as_sqlite_stores_them() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("image.png");
        fs::write(&image, b"\x89PNG not really").unwrap();
        let target = dir.path().join("out/deck.apkg");
        write_sample(&target, &image).unwrap();
        // Only the package is left beside it: no partial file, no scratch collection.
        assert_eq!(names_in(&dir.path().join("out")), vec!["deck.apkg"]);

        let members = members(&fs::read(&target).unwrap());
        let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["collection.anki2", "media", "0"]);
        assert_eq!(members[1].1, b"{\"0\":\"deck-abc-image.png\"}");
        assert_eq!(members[2].1, b"\x89PNG not really");

        let db = dir.path().join("collection.anki2");
        fs::write(&db, &members[0].1).unwrap();
        let conn = Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let tables: Vec<String> = conn
            .prepare("SELECT type || ' ' || name FROM sqlite_master ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            tables,
            ["col", "notes", "cards", "revlog", "graves"].map(|t| format!("table {t}"))
        );
        let col: (i64, i64, i64, i64, i64, String, String) = conn
            .query_row(
                "SELECT id, crt, mod, scm, ver, conf, tags FROM col",
                [],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(
            col,
            (
                1,
                1_700_000_000,
                1_700_000_000_123,
                1_700_000_000_123,
                11,
                "{\"schedVer\":2}".into(),
                "{}".into()
            )
        );
        // A number-like sort field is stored as a number, as SQLite's integer affinity does.
        let notes: Vec<(i64, String, String, i64, i64, usize)> = conn
            .prepare(
                "SELECT id, guid, typeof(sfld), usn, csum, length(flds) FROM notes ORDER BY id",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            notes,
            vec![
                (10, "g10".into(), "integer".into(), -1, 0, 17),
                (11, "g11".into(), "real".into(), -1, 0, 132_000),
                (12, "g12".into(), "text".into(), -1, 0, 3),
            ]
        );
        let cards: Vec<(i64, i64, i64, i64, i64, String)> = conn
            .prepare("SELECT id, nid, usn, lapses, odid, data FROM cards ORDER BY id")
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            cards,
            vec![
                (20, 10, -1, 1, 0, "{\"s\":3.1}".into()),
                (21, 11, -1, 1, 0, "{\"s\":3.1}".into())
            ]
        );
        let revlog: (i64, i64, i64, i64, i64) = conn
            .query_row("SELECT id, cid, usn, lastIvl, type FROM revlog", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        assert_eq!(revlog, (30, 20, -1, -600, 1));
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("image.png");
        fs::write(&image, b"image").unwrap();
        write_sample(&dir.path().join("a.apkg"), &image).unwrap();
        write_sample(&dir.path().join("b/b.apkg"), &image).unwrap();
        let (a, b) = (
            fs::read(dir.path().join("a.apkg")).unwrap(),
            fs::read(dir.path().join("b/b.apkg")).unwrap(),
        );
        assert!(!a.is_empty());
        assert!(a == b, "two packages of the same rows differ");
    }

    #[test]
    fn the_scratch_collection_sits_beside_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out/deck.apkg");
        let c = Collection::create(&target).unwrap();
        assert_eq!(c.file.path().parent().unwrap(), dir.path().join("out"));
        assert!(partial::is_partial_name(c.file.path().file_name().unwrap()));
        drop(c);
        assert!(names_in(&dir.path().join("out")).is_empty());
    }

    #[test]
    fn a_failed_package_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("deck.apkg");
        let gone = dir.path().join("gone.png");
        let err = write_sample(&target, &gone).unwrap_err();
        assert!(
            err.to_string().starts_with(&gone.display().to_string()),
            "{err}"
        );
        assert!(
            names_in(dir.path()).is_empty(),
            "{:?}",
            names_in(dir.path())
        );
    }
}
