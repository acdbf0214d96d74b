//! Schema migrations, keyed by `PRAGMA user_version`. The list is append-only: an entry that
//! has shipped is never edited (a test pins each one's hash), a change is a new entry.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::Result;

/// Every migration, in order; entry `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("sql/0001_initial.sql"),
    include_str!("sql/0002_scheduler.sql"),
    include_str!("sql/0003_anki_note_types.sql"),
    include_str!("sql/0004_subscriptions.sql"),
    include_str!("sql/0005_anki_sync.sql"),
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// The database's schema version.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies every migration of `list` past the database's version, each in its own IMMEDIATE
/// transaction that reads the version again once it holds the write lock, so two processes
/// opening an old database at once migrate it once. An up-to-date database is not locked.
pub fn migrate(conn: &mut Connection, list: &[&str]) -> Result<()> {
    if version(conn)? >= list.len() as i64 {
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = version(&tx)?;
        let Some(sql) = usize::try_from(current).ok().and_then(|c| list.get(c)) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, MIGRATIONS).unwrap();
        assert_eq!(version(&conn).unwrap(), latest());
        migrate(&mut conn, MIGRATIONS).unwrap();
        assert_eq!(version(&conn).unwrap(), latest());
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 18);
    }

    /// Shipped migrations are frozen: if this fails, add a new migration instead of editing one.
    #[test]
    fn shipped_migrations_are_unchanged() {
        let pinned = [
            "9239fd618e62c17b",
            "cbeb15d5bd879e47",
            "adc3ac9940273402",
            "6644bcd8c34690da",
        ];
        assert!(MIGRATIONS.len() >= pinned.len());
        for (sql, expected) in MIGRATIONS.iter().zip(pinned) {
            let hash = blake3::hash(sql.as_bytes()).to_hex();
            assert_eq!(&hash[..16], expected, "a shipped migration was edited");
        }
    }
}
