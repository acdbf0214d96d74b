//! Tests of the SQLite file writer, with real SQLite as the judge: every file is opened,
//! passes `PRAGMA integrity_check` and gives back exactly the rows written.

use rusqlite::Connection;

use super::*;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One generated row: (rowid, number, text).
type Row = (i64, i64, String);

const SQL: &str = "CREATE TABLE t (id integer PRIMARY KEY, n integer NOT NULL, s text NOT NULL)";

fn encode(rows: &[Row]) -> Vec<(i64, Vec<u8>)> {
    rows.iter()
        .map(|(id, n, s)| (*id, record(&[Value::Null, Value::Int(*n), Value::Text(s)])))
        .collect()
}

fn table<'a>(name: &'a str, sql: &'a str, rows: &'a [(i64, Vec<u8>)]) -> Table<'a> {
    Table {
        name,
        sql,
        rows: Box::new(rows.iter().cloned()),
        size_hint: 0,
    }
}

/// Opens `bytes` with SQLite (the directory holds the file while the connection lives).
fn open(bytes: &[u8]) -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    std::fs::write(&path, bytes).unwrap();
    let conn = Connection::open(&path).unwrap();
    (dir, conn)
}

/// A database of one table `t` holding `data`.
fn one_table(data: &[Row], layout: Layout) -> Vec<u8> {
    let encoded = encode(data);
    write(vec![table("t", SQL, &encoded)], layout).unwrap()
}

/// Opens `bytes` with SQLite, checks its integrity and reads every table back.
fn read_back(bytes: &[u8], names: &[&str]) -> Vec<Vec<Row>> {
    let (_dir, conn) = open(bytes);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    names
        .iter()
        .map(|name| {
            let mut stmt = conn
                .prepare(&format!("SELECT id, n, s FROM {name} ORDER BY id"))
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<Vec<Row>>>()
                .unwrap()
        })
        .collect()
}

fn rows(rng: &mut Rng, count: usize, max_text: u64) -> Vec<Row> {
    let mut id = -5;
    (0..count)
        .map(|_| {
            let gap = 1 << rng.below(40);
            id += 1 + rng.below(gap) as i64;
            let n = match rng.below(4) {
                0 => rng.below(3) as i64 - 1,
                1 => rng.next() as i64,
                _ => {
                    let shift = rng.below(64);
                    (rng.next() >> shift) as i64
                }
            };
            let len = rng.below(max_text + 1) as usize;
            let s: String = (0..len)
                .map(|i| {
                    if i % 61 == 60 {
                        'é'
                    } else {
                        char::from(b'a' + (i % 26) as u8)
                    }
                })
                .collect();
            (id, n, s)
        })
        .collect()
}

#[test]
fn varints_match_sqlite_encoding() {
    let cases: &[(u64, &[u8])] = &[
        (0, &[0x00]),
        (0x7f, &[0x7f]),
        (0x80, &[0x81, 0x00]),
        (0x3fff, &[0xff, 0x7f]),
        (0x4000, &[0x81, 0x80, 0x00]),
        (
            u64::MAX,
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        (
            1 << 56,
            &[0x80, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
        ),
    ];
    for (value, bytes) in cases {
        let mut out = Vec::new();
        put_varint(&mut out, *value);
        assert_eq!(&out, bytes, "{value:#x}");
        assert_eq!(varint_len(*value), bytes.len(), "{value:#x}");
    }
}

#[test]
fn random_tables_read_back_exactly_at_every_page_size() {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for page_size in [512, 1024, 4096, 65_536] {
        let small = rows(&mut rng, 3000, 300);
        let big = rows(&mut rng, 40, page_size as u64 * 5);
        let empty: Vec<Row> = Vec::new();
        let (a, b, c) = (encode(&small), encode(&big), encode(&empty));
        let sql = |name: &str| SQL.replace("TABLE t", &format!("TABLE {name}"));
        let (sa, sb, sc) = (sql("a"), sql("b"), sql("c"));
        let bytes = write(
            vec![
                table("a", &sa, &a),
                table("b", &sb, &b),
                table("c", &sc, &c),
            ],
            Layout {
                page_size,
                ..Layout::default()
            },
        )
        .unwrap();
        assert_eq!(bytes.len() % page_size as usize, 0);
        assert_eq!(
            read_back(&bytes, &["a", "b", "c"]),
            vec![small, big, empty],
            "page size {page_size}"
        );
    }
}

#[test]
fn payloads_on_every_overflow_boundary() {
    // Around the largest local payload, the smallest, and one and two overflow pages.
    let page = 512usize;
    let (max_local, min_local) = (page - 35, (page - 12) * 32 / 255 - 23);
    let mut lengths = Vec::new();
    for edge in [
        max_local,
        min_local,
        max_local + page - 4,
        min_local + page - 4,
        min_local + 2 * (page - 4),
    ] {
        lengths.extend(edge.saturating_sub(12)..edge + 4);
    }
    let data: Vec<Row> = lengths
        .iter()
        .enumerate()
        .map(|(i, len)| (i as i64 + 1, *len as i64, "x".repeat(*len)))
        .collect();
    let bytes = one_table(
        &data,
        Layout {
            page_size: 512,
            ..Layout::default()
        },
    );
    assert_eq!(read_back(&bytes, &["t"]), vec![data]);
}

#[test]
fn extreme_rowids_and_integers() {
    let data: Vec<Row> = [i64::MIN, -(1 << 56), -1, 0, 1, 127, 128, 1 << 56, i64::MAX]
        .iter()
        .map(|&id| (id, id, String::new()))
        .collect();
    let bytes = one_table(&data, Layout::default());
    assert_eq!(read_back(&bytes, &["t"]), vec![data]);
}

#[test]
fn deep_trees_keep_every_row() {
    // Tiny pages and many rows: a root over interior pages over leaves.
    let data: Vec<Row> = (1..=60_000)
        .map(|i| (i * 3, i, format!("row {i}")))
        .collect();
    let page = 512;
    let bytes = one_table(
        &data,
        Layout {
            page_size: page as u32,
            user_version: 7,
            ..Layout::default()
        },
    );
    assert_eq!(read_back(&bytes, &["t"]), vec![data]);
    let (_dir, conn) = open(&bytes);
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 7);
    // Lookups by rowid go through the interior pages.
    let found: String = conn
        .query_row("SELECT s FROM t WHERE id = ?1", [3 * 45_678], |r| r.get(0))
        .unwrap();
    assert_eq!(found, "row 45678");
    // The root is an interior page whose first child is interior too.
    let root: usize = conn
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 't'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let at = |number: usize| &bytes[(number - 1) * page..number * page];
    assert_eq!(at(root)[0], 0x05);
    let pointer = u16::from_be_bytes([at(root)[12], at(root)[13]]) as usize;
    let child = &at(root)[pointer..pointer + 4];
    let child = u32::from_be_bytes([child[0], child[1], child[2], child[3]]) as usize;
    assert_eq!(at(child)[0], 0x05);
}

#[test]
fn bad_input_is_refused() {
    let rows = encode(&[(2, 0, "a".into()), (2, 0, "b".into())]);
    assert_eq!(
        write(vec![table("t", SQL, &rows)], Layout::default()),
        Err(Refused::Unordered { table: "t".into() })
    );
    assert_eq!(
        write(
            vec![],
            Layout {
                page_size: 1000,
                ..Layout::default()
            }
        ),
        Err(Refused::PageSize(1000))
    );
    let many = encode(
        &(1..=200)
            .map(|i| (i, i, "y".repeat(100)))
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        write(
            vec![table("t", SQL, &many)],
            Layout {
                page_size: 512,
                max_bytes: 8 * 512,
                ..Layout::default()
            }
        ),
        Err(Refused::TooLarge { limit: 8 * 512 })
    );
}

#[test]
fn number_like_text_is_stored_as_sqlite_would() {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("a.db")).unwrap();
    conn.execute_batch("CREATE TABLE t (v integer)").unwrap();
    for text in [
        "42",
        " 7 ",
        "-0",
        "+3",
        "007",
        "1.5",
        "1e3",
        "2.0",
        ".5",
        "5.",
        "-1.25e-2",
        "99999999999999999999",
        "9223372036854775807",
        "9223372036854775808",
        "1e400",
        "abc",
        "12abc",
        "1-2",
        "e",
        "+",
        ".",
        "",
        "0x10",
        "1 2",
        "inf",
        "NaN",
        "１２",
    ] {
        conn.execute("DELETE FROM t", []).unwrap();
        conn.execute("INSERT INTO t VALUES (?1)", [text]).unwrap();
        let (kind, stored): (String, rusqlite::types::Value) = conn
            .query_row("SELECT typeof(v), v FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let ours = match Value::numeric_text(text) {
            Value::Int(i) => ("integer", rusqlite::types::Value::Integer(i)),
            Value::Real(r) => ("real", rusqlite::types::Value::Real(r)),
            Value::Text(t) => ("text", rusqlite::types::Value::Text(t.to_owned())),
            Value::Null => ("null", rusqlite::types::Value::Null),
        };
        assert_eq!((kind.as_str(), stored), ours, "{text:?}");
    }
}
