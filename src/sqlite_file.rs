//! A writer of fresh SQLite database files, for exports: rowid tables whose rows arrive in
//! ascending rowid order are laid out page by page, leaves first, then the interior levels
//! above them, as the SQLite file format specifies (sqlite.org/fileformat2.html). There is no
//! journal, freelist, index or update: the file is written once and read elsewhere.
//!
//! Why not SQLite itself: inserting 220,000 rows through SQLite's VM and b-tree balancing was
//! a third of a 100,000-note export; laying out the same pages directly takes a few percent.
//! SQLite stays the judge: tests open every file this writes with real SQLite, run
//! `PRAGMA integrity_check` and read every row back, and the Anki library imports them. A file
//! that would reach the lock-byte page (1 GiB) is not written here: the caller falls back to
//! SQLite.

/// A column value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

impl<'a> Value<'a> {
    /// Text as a column of INTEGER (or NUMERIC) affinity stores it: a well-formed integer or
    /// real literal becomes a number, as SQLite would convert it on insert.
    pub fn numeric_text(text: &'a str) -> Value<'a> {
        let space = |b: u8| matches!(b, b' ' | b'\t'..=b'\r');
        // Most text fails at its first byte.
        if !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b) || space(b))
        {
            return Value::Text(text);
        }
        let t = text.trim_matches(|c: char| c.is_ascii() && space(c as u8));
        let literal = !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
            && t.bytes().any(|b| b.is_ascii_digit());
        if !literal {
            return Value::Text(text);
        }
        if let Ok(i) = t.parse::<i64>() {
            return Value::Int(i);
        }
        match t.parse::<f64>() {
            // SQLite keeps a literal too large for a double as infinity.
            Ok(r) if !r.is_nan() => {
                if r.fract() == 0.0 && r.abs() < 9.0e18 {
                    Value::Int(r as i64)
                } else {
                    Value::Real(r)
                }
            }
            _ => Value::Text(text),
        }
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(r) => ValueRef::Real(r),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

/// A table to write: its `CREATE TABLE` statement and its rows as encoded records, in
/// ascending rowid order. Rows are taken one at a time, so they need not all be in memory.
pub struct Table<'a> {
    pub name: &'a str,
    pub sql: &'a str,
    pub rows: Box<dyn Iterator<Item = (i64, Vec<u8>)> + 'a>,
    /// Roughly how many bytes the records take, to size the file's buffer once.
    pub size_hint: usize,
}

/// Why a file was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The file would reach `limit` bytes (at most the lock-byte page at 1 GiB).
    TooLarge { limit: u64 },
    /// Rowids are not strictly ascending in the named table.
    Unordered { table: String },
    /// The page size is not a power of two from 512 to 65,536.
    PageSize(u32),
    /// The schema does not fit on the first page.
    SchemaTooLarge,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::TooLarge { limit } => write!(f, "the database would pass {limit} bytes"),
            Refused::Unordered { table } => write!(f, "rows of `{table}` are not in rowid order"),
            Refused::PageSize(size) => write!(f, "{size} is not a SQLite page size"),
            Refused::SchemaTooLarge => write!(f, "the schema does not fit on the first page"),
        }
    }
}

/// The byte offset of SQLite's lock-byte page: no page may hold data there.
pub const LOCK_BYTE_OFFSET: u64 = 1 << 30;

/// Where and how a file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub page_size: u32,
    /// Files that would reach this many bytes are refused (at most `LOCK_BYTE_OFFSET`).
    pub max_bytes: u64,
    pub user_version: u32,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout {
            page_size: 65_536,
            max_bytes: LOCK_BYTE_OFFSET,
            user_version: 0,
        }
    }
}

/// Appends SQLite's variable-length integer (1–9 bytes, big-endian, 7 bits a byte; the
/// ninth byte carries 8).
pub fn put_varint(out: &mut Vec<u8>, value: u64) {
    if value <= 0x7f {
        out.push(value as u8);
        return;
    }
    if value >> 56 != 0 {
        let mut bytes = [0u8; 9];
        bytes[8] = value as u8;
        let mut rest = value >> 8;
        for b in bytes[..8].iter_mut().rev() {
            *b = (rest & 0x7f) as u8 | 0x80;
            rest >>= 7;
        }
        out.extend_from_slice(&bytes);
        return;
    }
    let mut bytes = [0u8; 8];
    let mut n = 0;
    let mut rest = value;
    while rest != 0 {
        bytes[n] = (rest & 0x7f) as u8 | 0x80;
        rest >>= 7;
        n += 1;
    }
    bytes[0] &= 0x7f;
    out.extend(bytes[..n].iter().rev());
}

fn varint_len(value: u64) -> usize {
    match value {
        0..=0x7f => 1,
        _ if value >> 56 != 0 => 9,
        _ => (64 - value.leading_zeros() as usize).div_ceil(7),
    }
}

/// The serial type of an integer and how many bytes its value takes.
fn int_type(v: i64) -> (u64, usize) {
    match v {
        0 => (8, 0),
        1 => (9, 0),
        -128..=127 => (1, 1),
        -32_768..=32_767 => (2, 2),
        -8_388_608..=8_388_607 => (3, 3),
        -2_147_483_648..=2_147_483_647 => (4, 4),
        -140_737_488_355_328..=140_737_488_355_327 => (5, 6),
        _ => (6, 8),
    }
}

/// Encodes a row as a SQLite record. An `INTEGER PRIMARY KEY` column is given as `Null`: its
/// value is the rowid.
pub fn record(values: &[Value<'_>]) -> Vec<u8> {
    let mut types = Vec::with_capacity(values.len() * 2);
    let mut body_len = 0;
    for v in values {
        let (serial, len) = match *v {
            Value::Null => (0, 0),
            Value::Int(i) => int_type(i),
            Value::Real(_) => (7, 8),
            Value::Text(t) => (13 + 2 * t.len() as u64, t.len()),
        };
        put_varint(&mut types, serial);
        body_len += len;
    }
    // The header's length counts its own varint.
    let mut header_len = types.len() + 1;
    while varint_len(header_len as u64) + types.len() != header_len {
        header_len = varint_len(header_len as u64) + types.len();
    }
    let mut out = Vec::with_capacity(header_len + body_len);
    put_varint(&mut out, header_len as u64);
    out.extend_from_slice(&types);
    for v in values {
        match *v {
            Value::Null => {}
            Value::Int(i) => {
                let (_, len) = int_type(i);
                out.extend_from_slice(&i.to_be_bytes()[8 - len..]);
            }
            Value::Real(r) => out.extend_from_slice(&r.to_bits().to_be_bytes()),
            Value::Text(t) => out.extend_from_slice(t.as_bytes()),
        }
    }
    out
}

/// The file being laid out: pages numbered from 1, each `page_size` bytes.
struct File {
    bytes: Vec<u8>,
    page_size: usize,
    limit: u64,
}

impl File {
    /// A new zeroed page; its number.
    fn page(&mut self) -> Result<u32, Refused> {
        let end = self.bytes.len() + self.page_size;
        if end as u64 > self.limit {
            return Err(Refused::TooLarge { limit: self.limit });
        }
        self.bytes.resize(end, 0);
        Ok((end / self.page_size) as u32)
    }

    fn page_mut(&mut self, number: u32) -> &mut [u8] {
        let start = (number as usize - 1) * self.page_size;
        &mut self.bytes[start..start + self.page_size]
    }
}

/// A b-tree page being filled in place: cell pointers grow from the header towards the end,
/// cell bodies from the end of the page towards the pointers.
struct Page {
    number: u32,
    /// Where the b-tree header starts: 100 on page 1, else 0.
    offset: usize,
    interior: bool,
    cells: usize,
    /// Start of the cell content area.
    content: usize,
}

impl Page {
    fn new(file: &mut File, interior: bool) -> Result<Page, Refused> {
        let number = file.page()?;
        Ok(Page::at(number, 0, interior, file.page_size))
    }

    fn at(number: u32, offset: usize, interior: bool, page_size: usize) -> Page {
        Page {
            number,
            offset,
            interior,
            cells: 0,
            content: page_size,
        }
    }

    fn header_len(&self) -> usize {
        if self.interior { 12 } else { 8 }
    }

    fn fits(&self, cell: usize) -> bool {
        self.offset + self.header_len() + 2 * (self.cells + 1) + cell <= self.content
    }

    /// Adds a cell made of `parts` (the caller has checked that it fits).
    fn push(&mut self, file: &mut File, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let pointer = self.offset + self.header_len() + 2 * self.cells;
        self.content -= len;
        let page = file.page_mut(self.number);
        let mut at = self.content;
        for part in parts {
            page[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        page[pointer..pointer + 2].copy_from_slice(&(self.content as u16).to_be_bytes());
        self.cells += 1;
    }

    /// Writes the header; `right` is the right-most child of an interior page.
    fn finish(self, file: &mut File, right: u32) {
        let h = self.offset;
        let page = file.page_mut(self.number);
        page[h] = if self.interior { 0x05 } else { 0x0d };
        page[h + 3..h + 5].copy_from_slice(&(self.cells as u16).to_be_bytes());
        // 65,536 is written as 0.
        page[h + 5..h + 7].copy_from_slice(&((self.content % 65_536) as u16).to_be_bytes());
        if self.interior {
            page[h + 8..h + 12].copy_from_slice(&right.to_be_bytes());
        }
    }
}

/// Lays out one table's b-tree; returns its root page.
fn table(file: &mut File, t: &mut Table<'_>) -> Result<u32, Refused> {
    let usable = file.page_size;
    let max_local = usable - 35;
    let min_local = (usable - 12) * 32 / 255 - 23;
    // Leaves: (page, largest rowid).
    let mut children: Vec<(u32, i64)> = Vec::new();
    let mut leaf = Page::new(file, false)?;
    let mut last_rowid: Option<i64> = None;
    let mut head = Vec::with_capacity(18);
    for (rowid, payload) in &mut t.rows {
        if last_rowid.is_some_and(|last| last >= rowid) {
            return Err(Refused::Unordered {
                table: t.name.to_owned(),
            });
        }
        head.clear();
        put_varint(&mut head, payload.len() as u64);
        put_varint(&mut head, rowid as u64);
        let local = if payload.len() <= max_local {
            payload.len()
        } else {
            let k = min_local + (payload.len() - min_local) % (usable - 4);
            if k <= max_local { k } else { min_local }
        };
        let spills = local < payload.len();
        let cell = head.len() + local + if spills { 4 } else { 0 };
        if leaf.cells > 0 && !leaf.fits(cell) {
            children.push((leaf.number, last_rowid.unwrap_or(0)));
            leaf.finish(file, 0);
            leaf = Page::new(file, false)?;
        }
        // The rest of a large payload goes to a chain of overflow pages: next page (0 at the
        // end), then data.
        let mut first = 0u32;
        if spills {
            let mut previous: Option<u32> = None;
            for chunk in payload[local..].chunks(usable - 4) {
                let page = file.page()?;
                file.page_mut(page)[4..4 + chunk.len()].copy_from_slice(chunk);
                match previous {
                    Some(p) => file.page_mut(p)[..4].copy_from_slice(&page.to_be_bytes()),
                    None => first = page,
                }
                previous = Some(page);
            }
        }
        let overflow = first.to_be_bytes();
        let tail: &[u8] = if spills { &overflow } else { &[] };
        leaf.push(file, &[&head, &payload[..local], tail]);
        last_rowid = Some(rowid);
    }
    children.push((leaf.number, last_rowid.unwrap_or(0)));
    leaf.finish(file, 0);

    // Interior levels until one page is left: each cell is (child, its largest rowid), and the
    // last child of a page is its right-most pointer.
    while children.len() > 1 {
        let groups = interior_groups(&children, usable);
        let mut parents = Vec::with_capacity(groups.len());
        for (start, end) in groups {
            let mut page = Page::new(file, true)?;
            let mut key = Vec::with_capacity(9);
            for &(child, max) in &children[start..end] {
                key.clear();
                put_varint(&mut key, max as u64);
                page.push(file, &[&child.to_be_bytes(), &key]);
            }
            let (right, max) = children[end];
            parents.push((page.number, max));
            page.finish(file, right);
        }
        children = parents;
    }
    Ok(children[0].0)
}

/// Splits children into interior pages: for each page, the range of children that get a cell,
/// the child after the range being the page's right-most pointer. Every page takes at least
/// two children.
fn interior_groups(children: &[(u32, i64)], page_size: usize) -> Vec<(usize, usize)> {
    let room = page_size - 12;
    let mut groups = Vec::new();
    let mut start = 0;
    while start < children.len() {
        let mut end = start;
        let mut used = 0;
        while end + 1 < children.len() {
            let cell = 2 + 4 + varint_len(children[end].1 as u64);
            if end > start && used + cell > room {
                break;
            }
            used += cell;
            end += 1;
        }
        // Leave no lone child for a following page.
        if children.len() - end == 2 && end > start + 1 {
            end -= 1;
        }
        groups.push((start, end));
        start = end + 1;
    }
    groups
}

/// Writes a database holding `tables` (in this order in the schema).
pub fn write(tables: Vec<Table<'_>>, layout: Layout) -> Result<Vec<u8>, Refused> {
    let size = layout.page_size;
    if !(512..=65_536).contains(&size) || !size.is_power_of_two() {
        return Err(Refused::PageSize(size));
    }
    let limit = layout.max_bytes.min(LOCK_BYTE_OFFSET);
    let hint = tables.iter().map(|t| t.size_hint).sum::<usize>() + 2 * size as usize;
    let mut file = File {
        bytes: Vec::with_capacity(hint.min(limit as usize)),
        page_size: size as usize,
        limit,
    };
    file.page()?;
    let mut schema = Page::at(1, 100, false, size as usize);
    for (i, mut t) in tables.into_iter().enumerate() {
        let root = table(&mut file, &mut t)?;
        let row = record(&[
            Value::Text("table"),
            Value::Text(t.name),
            Value::Text(t.name),
            Value::Int(i64::from(root)),
            Value::Text(t.sql),
        ]);
        let mut head = Vec::with_capacity(18);
        put_varint(&mut head, row.len() as u64);
        put_varint(&mut head, i as u64 + 1);
        if !schema.fits(head.len() + row.len()) || row.len() > size as usize - 35 {
            return Err(Refused::SchemaTooLarge);
        }
        schema.push(&mut file, &[&head, &row]);
    }
    let pages = (file.bytes.len() / size as usize) as u32;
    schema.finish(&mut file, 0);
    let first = file.page_mut(1);
    first[..16].copy_from_slice(b"SQLite format 3\0");
    // 65,536 is written as 1.
    let encoded_size = if size == 65_536 { 1 } else { size as u16 };
    first[16..18].copy_from_slice(&encoded_size.to_be_bytes());
    first[18] = 1; // file format write version: rollback journal
    first[19] = 1; // read version
    first[20] = 0; // reserved bytes per page
    first[21] = 64; // payload fractions, fixed by the format
    first[22] = 32;
    first[23] = 32;
    first[24..28].copy_from_slice(&1u32.to_be_bytes()); // change counter
    first[28..32].copy_from_slice(&pages.to_be_bytes());
    first[40..44].copy_from_slice(&1u32.to_be_bytes()); // schema cookie
    first[44..48].copy_from_slice(&4u32.to_be_bytes()); // schema format
    first[56..60].copy_from_slice(&1u32.to_be_bytes()); // UTF-8
    first[60..64].copy_from_slice(&layout.user_version.to_be_bytes());
    first[92..96].copy_from_slice(&1u32.to_be_bytes()); // version-valid-for = change counter
    first[96..100].copy_from_slice(&3_046_000u32.to_be_bytes());
    Ok(file.bytes)
}

#[cfg(test)]
#[path = "sqlite_file_tests.rs"]
mod tests;
