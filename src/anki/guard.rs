//! What a stranger's collection may make SQLite do. A package is a whole SQLite database, and
//! SQLite runs whatever its schema says: a `notes` that is a view (a recursive one never ends)
//! or a column computed on every read would turn reading into work of the author's choosing.
//! So the tables skilldeck reads must be plain tables, and all SQL on the collection runs on a
//! step budget that grows with the collection's size: past it, SQLite is interrupted and the
//! package refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Tables every collection has and skilldeck reads.
const REQUIRED: [&str; 4] = ["col", "notes", "cards", "revlog"];
/// Tables of later schemas that `import --to-markdown` reads when they are there.
const OPTIONAL: [&str; 4] = ["notetypes", "fields", "templates", "decks"];

/// SQLite virtual-machine steps between two calls of the progress handler.
const STEPS_PER_CALL: u64 = 100;

/// The work budget of one collection: `steps` SQLite steps in all, shared by every query.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    steps: u64,
    spent: Arc<AtomicBool>,
}

impl Budget {
    /// Installs a budget of `steps` steps on `conn`.
    pub(crate) fn install(conn: &Connection, steps: u64) -> Budget {
        let spent = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&spent);
        let calls = steps / STEPS_PER_CALL + 1;
        let mut called = 0u64;
        conn.progress_handler(
            STEPS_PER_CALL as i32,
            Some(move || {
                called += 1;
                if called > calls {
                    flag.store(true, Ordering::Relaxed);
                    return true;
                }
                false
            }),
        );
        Budget { steps, spent }
    }

    /// Whether SQLite was interrupted because the budget ran out.
    pub(crate) fn spent(&self) -> bool {
        self.spent.load(Ordering::Relaxed)
    }

    /// The error for a package that used up its budget.
    pub(crate) fn error(&self, name: &str) -> Error {
        Error::user(format!(
            "{name}: the package demanded too much work (more than {} SQLite steps); refusing it",
            self.steps
        ))
    }
}

/// Checks that every table skilldeck reads is a plain table: not a view, not a virtual table,
/// without computed columns or triggers. `sql` translates SQLite's own errors.
pub(crate) fn check_tables(
    conn: &Connection,
    name: &str,
    sql: impl Fn(rusqlite::Error) -> Error,
) -> Result<()> {
    let mut entries = conn
        .prepare(
            "SELECT type, name, rootpage, coalesce(sql, '') FROM sqlite_master
             WHERE name = ?1 COLLATE NOCASE OR (type = 'trigger' AND tbl_name = ?1 COLLATE NOCASE)",
        )
        .map_err(&sql)?;
    let mut computed = conn
        .prepare("SELECT count(*) FROM pragma_table_xinfo(?1) WHERE hidden IN (2, 3)")
        .map_err(&sql)?;
    let refuse = |table: &str, what: &str| {
        Error::user(format!(
            "{name}: the collection's `{table}` {what}; refusing it (a package may hold plain tables only)"
        ))
    };
    for (table, required) in REQUIRED
        .iter()
        .map(|t| (*t, true))
        .chain(OPTIONAL.iter().map(|t| (*t, false)))
    {
        let rows: Vec<(String, String, i64, String)> = entries
            .query_map([table], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(&sql)?
            .collect::<rusqlite::Result<_>>()
            .map_err(&sql)?;
        if rows.is_empty() {
            if required {
                return Err(Error::user(format!(
                    "{name}: the collection is not an Anki collection (no `{table}` table)"
                )));
            }
            continue;
        }
        for (kind, _, rootpage, text) in &rows {
            match kind.as_str() {
                "table" if *rootpage > 0 && !starts_with_words(text, "CREATE VIRTUAL") => {}
                "table" => return Err(refuse(table, "is a virtual table")),
                "view" => return Err(refuse(table, "is a view, not a table")),
                "trigger" => return Err(refuse(table, "has a trigger")),
                other => return Err(refuse(table, &format!("is an {other}, not a table"))),
            }
        }
        if rows.len() > 1 {
            return Err(refuse(table, "is defined more than once"));
        }
        let n: i64 = computed.query_row([table], |r| r.get(0)).map_err(&sql)?;
        if n > 0 {
            return Err(refuse(table, "has computed columns"));
        }
    }
    Ok(())
}

/// Whether `text` starts with the words of `prefix`, in any case and spacing.
fn starts_with_words(text: &str, prefix: &str) -> bool {
    let mut words = text.split_whitespace();
    prefix
        .split_whitespace()
        .all(|p| words.next().is_some_and(|w| w.eq_ignore_ascii_case(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(extra: &str) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE col (id integer PRIMARY KEY, ver integer);
             CREATE TABLE notes (id integer PRIMARY KEY, guid text);
             CREATE TABLE cards (id integer PRIMARY KEY, nid integer, ord integer);
             CREATE TABLE revlog (id integer PRIMARY KEY, cid integer);",
        )
        .unwrap();
        conn.execute_batch(extra).unwrap();
        conn
    }

    fn check(conn: &Connection) -> std::result::Result<(), String> {
        check_tables(conn, "p.apkg", |e| Error::user(e.to_string())).map_err(|e| e.to_string())
    }

    #[test]
    fn plain_tables_pass() {
        assert_eq!(check(&collection("")), Ok(()));
        assert_eq!(
            check(&collection(
                "CREATE TABLE decks (id integer PRIMARY KEY, name text); CREATE VIEW other AS SELECT 1;"
            )),
            Ok(())
        );
    }

    #[test]
    fn substitutes_are_refused() {
        let cases = [
            (
                "DROP TABLE notes; CREATE VIEW notes AS SELECT 1 AS id, 'g' AS guid;",
                "the collection's `notes` is a view, not a table",
            ),
            (
                "DROP TABLE cards; CREATE VIEW CARDS AS SELECT 1 AS id, 1 AS nid, 0 AS ord;",
                "the collection's `cards` is a view, not a table",
            ),
            (
                "CREATE VIEW decks AS SELECT 1 AS id;",
                "the collection's `decks` is a view, not a table",
            ),
            (
                "CREATE TRIGGER t AFTER INSERT ON revlog BEGIN SELECT 1; END;",
                "the collection's `revlog` has a trigger",
            ),
            (
                "DROP TABLE notes; CREATE TABLE notes (id integer PRIMARY KEY, g text, guid text AS (g || g));",
                "the collection's `notes` has computed columns",
            ),
            (
                "DROP TABLE col; CREATE VIRTUAL TABLE col USING fts5(ver);",
                "the collection's `col` is a virtual table",
            ),
        ];
        for (sql, message) in cases {
            assert_eq!(
                check(&collection(sql)),
                Err(format!(
                    "p.apkg: {message}; refusing it (a package may hold plain tables only)"
                )),
                "{sql}"
            );
        }
        assert_eq!(
            check(&collection("DROP TABLE revlog;")),
            Err("p.apkg: the collection is not an Anki collection (no `revlog` table)".to_owned())
        );
    }

    #[test]
    fn the_budget_interrupts_endless_queries() {
        let conn = Connection::open_in_memory().unwrap();
        let budget = Budget::install(&conn, 100_000);
        let endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r";
        let err = conn.query_row(endless, [], |r| r.get::<_, i64>(0));
        assert!(err.is_err());
        assert!(budget.spent());
        assert_eq!(
            budget.error("p.apkg").to_string(),
            "p.apkg: the package demanded too much work (more than 100000 SQLite steps); refusing it"
        );
    }

    #[test]
    fn a_budget_is_enough_for_ordinary_work() {
        let conn = Connection::open_in_memory().unwrap();
        let budget = Budget::install(&conn, 10_000_000);
        let n: i64 = conn
            .query_row(
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10000) SELECT count(*) FROM r",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 10000);
        assert!(!budget.spent());
    }
}
