//! Is a database file whole? Checked when an existing database is opened, before anything may
//! write to it: the file's header (blank, cut short), SQLite's `PRAGMA quick_check` of every
//! page, and the tables against those its schema version should have. A file that fails is
//! reported in plain words and never written to: no migration, no journal-mode change.

use std::fs;
use std::io::Read;
use std::path::Path;

use rusqlite::Connection;

use super::migrations;
use crate::error::Result;

/// The first 16 bytes of every SQLite database file.
pub const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What the first 100 bytes of a file say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// No file: a new database.
    New,
    /// An empty file: a new database, unless backups show there was one.
    Empty,
    /// The header of a SQLite database, and a length that fits it.
    Sqlite,
    /// Not a SQLite file at all (some other file given by mistake).
    Foreign,
    /// A SQLite database that is visibly damaged: the reason, in plain words.
    Damaged(String),
}

/// Reads the file's header: is it new, SQLite, something else, or visibly damaged?
pub fn inspect(path: &Path) -> std::io::Result<FileKind> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::New),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let mut header = Vec::with_capacity(100);
    file.by_ref().take(100).read_to_end(&mut header)?;
    // A write-ahead log with frames in it may hold pages the file does not have yet: a
    // checkpoint interrupted by a crash writes the header's new page count before the pages
    // past the file's end. SQLite reads those pages from the log, so the file is not short.
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_pending = fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    Ok(judge_header(&header, len, wal_pending))
}

/// The verdict on a header (`bytes`, up to 100 of them) of a file of `len` bytes; with
/// `wal_pending` (a log with frames beside it) the file's length proves nothing.
fn judge_header(bytes: &[u8], len: u64, wal_pending: bool) -> FileKind {
    if bytes.is_empty() {
        return FileKind::Empty;
    }
    let magic = &bytes[..bytes.len().min(16)];
    if magic != SQLITE_HEADER {
        let differing = magic
            .iter()
            .zip(SQLITE_HEADER)
            .filter(|(a, b)| a != b)
            .count()
            + (16 - magic.len());
        return if bytes.iter().all(|&b| b == 0) {
            FileKind::Damaged("its first page is blank (all zeros)".into())
        } else if differing <= 2 {
            FileKind::Damaged("its first bytes are no longer SQLite's header".into())
        } else {
            FileKind::Foreign
        };
    }
    if bytes.len() < 100 {
        return FileKind::Damaged(format!(
            "the file is cut short: {len} bytes, less than a SQLite header"
        ));
    }
    let be32 =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    // Fields with only a few possible values (SQLite's file format, section 1.3): the write and
    // read versions (1 rollback journal, 2 WAL), the payload fractions (64, 32, 32), the schema
    // format (1–4) and the text encoding (1–3), both 0 while the database has no table.
    if !matches!(bytes[18], 1 | 2)
        || !matches!(bytes[19], 1 | 2)
        || bytes[21..24] != [64, 32, 32]
        || be32(44) > 4
        || be32(56) > 3
    {
        return FileKind::Damaged("its header holds impossible values".into());
    }
    let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536u64,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        _ => return FileKind::Damaged("its header names an impossible page size".into()),
    };
    if wal_pending {
        return FileKind::Sqlite;
    }
    if len % page_size != 0 {
        return FileKind::Damaged(format!(
            "the file is cut short: {len} bytes is not a whole number of {page_size}-byte pages"
        ));
    }
    // The page count in the header is valid when the change counter matches the
    // version-valid-for number (SQLite's file format, section 1.3.7).
    let pages = u64::from(be32(28));
    if pages > 0 && be32(24) == be32(92) && len < pages * page_size {
        return FileKind::Damaged(format!(
            "the file is cut short: {len} bytes of the {} its header counts",
            pages * page_size
        ));
    }
    FileKind::Sqlite
}

/// The verdict on an open database: SQLite's page check, then the tables against those of its
/// schema version. [`FileKind::Sqlite`] means whole; an error is SQLite failing to read it at
/// all (which the caller treats as damage too).
pub fn verify(conn: &Connection, list: &[&str]) -> Result<FileKind> {
    match pages(conn)? {
        FileKind::Sqlite => tables(conn, list),
        other => Ok(other),
    }
}

/// SQLite's `PRAGMA quick_check`: every page of every table and index is read and its
/// structure checked (not the index contents against the tables, which `integrity_check`
/// adds at several times the cost).
pub fn pages(conn: &Connection) -> Result<FileKind> {
    let mut stmt = conn.prepare("PRAGMA quick_check(1)")?;
    let verdict: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(if verdict.first().map(String::as_str) == Some("ok") {
        FileKind::Sqlite
    } else {
        FileKind::Damaged("SQLite's check of its pages failed".into())
    })
}

/// The tables, indexes and columns against those the database's schema version should have
/// (a fraction of a millisecond). A version newer than `list` knows passes: the caller says so.
pub fn tables(conn: &Connection, list: &[&str]) -> Result<FileKind> {
    let version = migrations::version(conn)?;
    let Ok(version) = usize::try_from(version) else {
        return Ok(FileKind::Damaged(format!(
            "its schema version ({version}) is impossible"
        )));
    };
    if version > list.len() {
        return Ok(FileKind::Sqlite);
    }
    let mut expected = Connection::open_in_memory()?;
    migrations::migrate(&mut expected, &list[..version])?;
    Ok(if schema(conn)? == schema(&expected)? {
        FileKind::Sqlite
    } else if version == 0 {
        // Tables but no schema version: some other program's database.
        FileKind::Foreign
    } else {
        FileKind::Damaged(format!(
            "its tables are not those of a skilldeck database of schema version {version}"
        ))
    })
}

/// The tables, indexes and columns of a database, as comparable rows.
fn schema(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT m.type, m.name, m.tbl_name, p.name, p.type, p.\"notnull\", p.pk
         FROM sqlite_master m LEFT JOIN pragma_table_xinfo(m.name) p ON m.type = 'table'
         WHERE m.name NOT LIKE 'sqlite_%'
         ORDER BY m.type, m.name, p.cid",
    )?;
    let rows = stmt.query_map([], |r| {
        let mut cells = Vec::with_capacity(7);
        for i in 0..7 {
            let v: rusqlite::types::Value = r.get(i)?;
            cells.push(format!("{v:?}"));
        }
        Ok(cells.join("|"))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(page_size: u16, pages: u32, counter: u32, valid_for: u32) -> Vec<u8> {
        let mut h = vec![0u8; 100];
        h[..16].copy_from_slice(SQLITE_HEADER);
        h[16..18].copy_from_slice(&page_size.to_be_bytes());
        h[18] = 2;
        h[19] = 2;
        h[21..24].copy_from_slice(&[64, 32, 32]);
        h[44..48].copy_from_slice(&4u32.to_be_bytes());
        h[56..60].copy_from_slice(&1u32.to_be_bytes());
        h[24..28].copy_from_slice(&counter.to_be_bytes());
        h[28..32].copy_from_slice(&pages.to_be_bytes());
        h[92..96].copy_from_slice(&valid_for.to_be_bytes());
        h
    }

    #[test]
    fn headers_are_judged() {
        assert_eq!(judge_header(&[], 0, false), FileKind::Empty);
        assert_eq!(
            judge_header(&header(4096, 3, 7, 7), 3 * 4096, false),
            FileKind::Sqlite
        );
        // The page count is only trusted when the change counter says it is current.
        assert_eq!(
            judge_header(&header(4096, 9, 7, 6), 3 * 4096, false),
            FileKind::Sqlite
        );
        // A crash in the middle of a checkpoint: the header counts pages that are still only
        // in the write-ahead log, from which SQLite reads them.
        assert_eq!(
            judge_header(&header(4096, 9, 7, 7), 3 * 4096, true),
            FileKind::Sqlite
        );
        assert_eq!(
            judge_header(&header(4096, 9, 7, 7), 3 * 4096, false),
            FileKind::Damaged(
                "the file is cut short: 12288 bytes of the 36864 its header counts".into()
            )
        );
        assert_eq!(
            judge_header(&header(4096, 3, 7, 7), 3 * 4096 - 10, false),
            FileKind::Damaged(
                "the file is cut short: 12278 bytes is not a whole number of 4096-byte pages"
                    .into()
            )
        );
        assert_eq!(
            judge_header(&header(1000, 3, 7, 7), 3000, false),
            FileKind::Damaged("its header names an impossible page size".into())
        );
        assert_eq!(
            judge_header(&header(1, 1, 7, 7), 65_536, false),
            FileKind::Sqlite
        );
        assert_eq!(
            judge_header(&[0u8; 100], 4096, false),
            FileKind::Damaged("its first page is blank (all zeros)".into())
        );
        let mut odd = header(4096, 3, 7, 7);
        odd[19] = 3;
        assert_eq!(
            judge_header(&odd, 3 * 4096, false),
            FileKind::Damaged("its header holds impossible values".into())
        );
        let mut flipped = header(4096, 3, 7, 7);
        flipped[3] ^= 0x10;
        assert!(matches!(
            judge_header(&flipped, 3 * 4096, false),
            FileKind::Damaged(_)
        ));
        assert_eq!(
            judge_header(b"just some text, not a database", 30, false),
            FileKind::Foreign
        );
    }

    #[test]
    fn a_whole_database_has_no_problem_and_a_wrong_version_is_found() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations::migrate(&mut conn, migrations::MIGRATIONS).unwrap();
        assert_eq!(
            verify(&conn, migrations::MIGRATIONS).unwrap(),
            FileKind::Sqlite
        );
        conn.pragma_update(None, "user_version", 2).unwrap();
        assert_eq!(
            verify(&conn, migrations::MIGRATIONS).unwrap(),
            FileKind::Damaged(
                "its tables are not those of a skilldeck database of schema version 2".into()
            )
        );
        let foreign = Connection::open_in_memory().unwrap();
        foreign.execute_batch("CREATE TABLE t (x)").unwrap();
        assert_eq!(
            verify(&foreign, migrations::MIGRATIONS).unwrap(),
            FileKind::Foreign
        );
    }
}
