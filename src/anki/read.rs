//! Reading Anki packages (`.apkg`, `.colpkg`) from strangers: every member name is checked,
//! every read is bounded (a zip bomb stops at the limit), the collection is opened from memory
//! read-only, its tables must be plain tables and its SQL runs on a work budget (`guard`), and
//! both layouts are understood — legacy (`collection.anki2`/`.anki21`, schema 11) and current
//! (`collection.anki21b`: zstd-compressed, schema 18, protobuf media list).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rusqlite::Connection;
use zip::ZipArchive;

use super::guard::{self, Budget};
use crate::error::{Error, Result};

/// Bounds on what a package may make us read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Uncompressed bytes of one member.
    pub member: u64,
    /// Uncompressed bytes of all members read.
    pub total: u64,
    /// Members in the archive.
    pub members: usize,
    /// Rows of notes, cards and review log read in all.
    pub rows: u64,
    /// SQLite steps any collection may use, however small.
    pub base_steps: u64,
    /// SQLite steps allowed per byte of the collection, on top of `base_steps`.
    pub steps_per_byte: u64,
}

pub const LIMITS: Limits = Limits {
    member: 1 << 30,
    total: 4 << 30,
    members: 200_000,
    rows: 20_000_000,
    base_steps: 1_000_000,
    steps_per_byte: 10,
};

/// An opened package.
pub struct Package {
    zip: ZipArchive<File>,
    name: String,
    limits: Limits,
    read_so_far: u64,
    /// Whether the layout is the current one (zstd members, protobuf media list).
    pub current: bool,
    /// The collection, in memory, read-only.
    pub collection: Connection,
    /// The collection's schema version (11 or 14–18).
    pub schema: i64,
    budget: Option<Budget>,
}

fn bad(path: &str, what: impl std::fmt::Display) -> Error {
    Error::user(format!("{path}: {what}"))
}

/// Whether a member name is a plain file name (no folders, no `..`).
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['/', '\\', '\0'])
        && name != "."
        && name != ".."
        && !name.starts_with('.')
        && !name.chars().any(char::is_control)
}

impl Package {
    /// Opens a package and its collection.
    pub fn open(path: &Path) -> Result<Package> {
        Self::open_with(path, LIMITS)
    }

    pub fn open_with(path: &Path, limits: Limits) -> Result<Package> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let zip = ZipArchive::new(file)
            .map_err(|_| bad(&name, "not an Anki package: the file is not a zip archive"))?;
        if zip.len() > limits.members {
            return Err(bad(
                &name,
                format!(
                    "the package has {} members; the limit is {}",
                    zip.len(),
                    limits.members
                ),
            ));
        }
        for i in 0..zip.len() {
            let member = zip
                .name_for_index(i)
                .and_then(Result::ok)
                .map(|n| n.into_owned())
                .unwrap_or_default();
            if !safe_name(&member) {
                return Err(bad(
                    &name,
                    format!(
                        "member name `{}` is not allowed: packages hold plain file names only",
                        member.escape_debug()
                    ),
                ));
            }
        }
        let mut package = Package {
            zip,
            name,
            limits,
            read_so_far: 0,
            current: false,
            collection: Connection::open_in_memory()?,
            schema: 0,
            budget: None,
        };
        let version = match package.member_bytes("meta") {
            Ok(Some(meta)) => meta_version(&meta),
            Ok(None) => None,
            Err(e) => return Err(e),
        };
        let has = |p: &Package, m: &str| p.zip.index_for_name(m).is_some();
        let (member, zstd) = match version {
            Some(3) if has(&package, "collection.anki21b") => ("collection.anki21b", true),
            Some(v) if v > 3 || v == 0 => {
                return Err(bad(
                    &package.name,
                    format!("package format {v} is not supported (update skilldeck)"),
                ));
            }
            _ if has(&package, "collection.anki21") => ("collection.anki21", false),
            _ if has(&package, "collection.anki2") => ("collection.anki2", false),
            _ if has(&package, "collection.anki21b") => ("collection.anki21b", true),
            _ => {
                return Err(bad(
                    &package.name,
                    "not an Anki package: it holds no collection",
                ));
            }
        };
        package.current = zstd;
        let raw = package.member_bytes(member)?.unwrap_or_default();
        let mut bytes = if zstd { package.unzstd(&raw)? } else { raw };
        // A collection saved in WAL mode says so in its header (bytes 18 and 19 = 2), and an
        // in-memory copy cannot be WAL: mark it as a rollback-journal file.
        if bytes.len() < 100 || !bytes.starts_with(b"SQLite format 3\0") {
            return Err(bad(
                &package.name,
                "the collection is not a SQLite database",
            ));
        }
        bytes[18] = 1;
        bytes[19] = 1;
        let mut conn = Connection::open_in_memory()?;
        conn.deserialize_read_exact(rusqlite::MAIN_DB, &bytes[..], bytes.len(), true)
            .map_err(|_| bad(&package.name, "the collection is not a SQLite database"))?;
        let steps = limits
            .base_steps
            .saturating_add(limits.steps_per_byte.saturating_mul(bytes.len() as u64));
        drop(bytes);
        package.budget = Some(Budget::install(&conn, steps));
        package.collection = conn;
        guard::check_tables(&package.collection, &package.name, |e| package.sql_error(e))?;
        let schema: i64 = package
            .collection
            .query_row("SELECT ver FROM col", [], |r| r.get(0))
            .map_err(|e| package.sql_error(e))?;
        if !(schema == 11 || (14..=18).contains(&schema)) {
            return Err(bad(
                &package.name,
                format!("collection schema {schema} is not supported (11 and 14–18 are)"),
            ));
        }
        package.schema = schema;
        Ok(package)
    }

    /// The limits the package is read under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Translates an error of SQL on the collection: the package demanded too much work, the
    /// collection is damaged, or it is not an Anki collection.
    pub fn sql_error(&self, e: rusqlite::Error) -> Error {
        match &self.budget {
            Some(budget) if budget.spent() => budget.error(&self.name),
            _ if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ) =>
            {
                bad(&self.name, format!("the collection is damaged: {e}"))
            }
            _ => bad(
                &self.name,
                format!("the collection is not an Anki collection: {e}"),
            ),
        }
    }

    /// Replaces an error raised while reading the collection by the work-budget error when the
    /// budget ran out (SQLite was interrupted, whatever the reader made of it).
    pub fn explain(&self, e: Error) -> Error {
        match &self.budget {
            Some(budget) if budget.spent() => budget.error(&self.name),
            _ => e,
        }
    }

    /// The package's name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A member's bytes (bounded), or `None` when the package has no such member.
    pub fn member_bytes(&mut self, member: &str) -> Result<Option<Vec<u8>>> {
        let Some(index) = self.zip.index_for_name(member) else {
            return Ok(None);
        };
        let limit = self
            .limits
            .member
            .min(self.limits.total.saturating_sub(self.read_so_far));
        let name = self.name.clone();
        let entry = self
            .zip
            .by_index(index)
            .map_err(|e| bad(&name, format!("cannot read member `{member}`: {e}")))?;
        let mut bytes = Vec::new();
        entry
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| bad(&name, format!("cannot read member `{member}`: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(bad(
                &name,
                format!(
                    "member `{member}` unpacks to more than {limit} bytes; refusing it (zip bomb?)"
                ),
            ));
        }
        self.read_so_far += bytes.len() as u64;
        Ok(Some(bytes))
    }

    /// Decompresses zstd data, bounded like a member.
    fn unzstd(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let limit = self
            .limits
            .member
            .min(self.limits.total.saturating_sub(self.read_so_far));
        let decoder = zstd::stream::read::Decoder::new(data)
            .map_err(|e| bad(&self.name, format!("bad zstd data: {e}")))?;
        let mut out = Vec::new();
        decoder
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| bad(&self.name, format!("bad zstd data: {e}")))?;
        if out.len() as u64 > limit {
            return Err(bad(
                &self.name,
                format!("compressed data unpacks to more than {limit} bytes; refusing it"),
            ));
        }
        self.read_so_far += out.len() as u64;
        Ok(out)
    }

    /// The media list: (member, file name) pairs.
    pub fn media(&mut self) -> Result<Vec<(String, String)>> {
        let Some(raw) = self.member_bytes("media")? else {
            return Ok(Vec::new());
        };
        let names: Vec<(String, String)> = if self.current {
            let bytes = self.unzstd(&raw)?;
            media_entries(&bytes)
                .map_err(|e| bad(&self.name, format!("bad media list: {e}")))?
                .into_iter()
                .enumerate()
                .map(|(i, name)| (i.to_string(), name))
                .collect()
        } else {
            let map: std::collections::BTreeMap<String, String> = serde_json::from_slice(&raw)
                .map_err(|e| bad(&self.name, format!("bad media list (JSON): {e}")))?;
            map.into_iter().collect()
        };
        for (_, file) in &names {
            if !safe_name(file) {
                return Err(bad(
                    &self.name,
                    format!("media file name `{}` is not allowed", file.escape_debug()),
                ));
            }
        }
        Ok(names)
    }

    /// A media file's bytes.
    pub fn media_file(&mut self, member: &str) -> Result<Option<Vec<u8>>> {
        let Some(raw) = self.member_bytes(member)? else {
            return Ok(None);
        };
        if self.current {
            self.unzstd(&raw).map(Some)
        } else {
            Ok(Some(raw))
        }
    }
}

/// The package format version in `meta` (protobuf `PackageMetadata { version = 1 }`).
fn meta_version(bytes: &[u8]) -> Option<u64> {
    let mut r = Proto {
        data: bytes,
        pos: 0,
    };
    while let Some((field, wire)) = r.key() {
        match (field, wire) {
            (1, 0) => return r.varint(),
            _ => r.skip(wire)?,
        }
    }
    None
}

/// The names in a protobuf `MediaEntries { repeated MediaEntry entries = 1 }`, where
/// `MediaEntry { string name = 1; ... }`.
fn media_entries(bytes: &[u8]) -> std::result::Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    let mut r = Proto {
        data: bytes,
        pos: 0,
    };
    while let Some((field, wire)) = r.key() {
        if field == 1 && wire == 2 {
            let entry = r.bytes().ok_or("truncated entry")?;
            let mut e = Proto {
                data: entry,
                pos: 0,
            };
            let mut name = String::new();
            while let Some((f, w)) = e.key() {
                if f == 1 && w == 2 {
                    let raw = e.bytes().ok_or("truncated name")?;
                    name = String::from_utf8(raw.to_vec()).map_err(|_| "name is not UTF-8")?;
                } else {
                    e.skip(w).ok_or("bad field")?;
                }
            }
            out.push(name);
        } else {
            r.skip(wire).ok_or("bad field")?;
        }
    }
    Ok(out)
}

/// A minimal protobuf reader: varints, length-delimited fields, skipping.
pub(crate) struct Proto<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Proto<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Proto<'a> {
        Proto { data, pos: 0 }
    }

    /// The string fields of a message, by field number (the last one wins).
    pub(crate) fn strings(data: &'a [u8]) -> std::collections::HashMap<u64, String> {
        let mut out = std::collections::HashMap::new();
        let mut r = Proto::new(data);
        while let Some((field, wire)) = r.key() {
            if wire == 2 {
                match r.bytes() {
                    Some(b) => {
                        out.insert(field, String::from_utf8_lossy(b).into_owned());
                    }
                    None => break,
                }
            } else if r.skip(wire).is_none() {
                break;
            }
        }
        out
    }

    pub(crate) fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.data.get(self.pos)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    pub(crate) fn key(&mut self) -> Option<(u64, u64)> {
        if self.pos >= self.data.len() {
            return None;
        }
        let key = self.varint()?;
        Some((key >> 3, key & 7))
    }

    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        let end = self.pos.checked_add(len)?;
        let slice = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    pub(crate) fn skip(&mut self, wire: u64) -> Option<()> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => {
                self.pos = self.pos.checked_add(8).filter(|&p| p <= self.data.len())?;
                Some(())
            }
            2 => self.bytes().map(|_| ()),
            5 => {
                self.pos = self.pos.checked_add(4).filter(|&p| p <= self.data.len())?;
                Some(())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert!(safe_name("collection.anki2") && safe_name("12") && safe_name("x.png"));
        for bad in ["../x", "a/b", "a\\b", "..", ".hidden", ""] {
            assert!(!safe_name(bad), "{bad}");
        }
    }

    #[test]
    fn protobuf_bits() {
        assert_eq!(meta_version(&[0x08, 0x03]), Some(3));
        assert_eq!(meta_version(&[]), None);
        // entries: [{name: "a.png", size: 3}, {name: "b"}]
        let bytes = [
            0x0a, 0x09, 0x0a, 0x05, b'a', b'.', b'p', b'n', b'g', 0x10, 0x03, 0x0a, 0x03, 0x0a,
            0x01, b'b',
        ];
        assert_eq!(media_entries(&bytes).unwrap(), ["a.png", "b"]);
        assert!(media_entries(&[0x0a, 0x09, 0x0a]).is_err());
    }
}
