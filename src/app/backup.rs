//! `skilldeck backup list|restore`: the automatic daily backups of the database, listed with
//! what each holds, and one put back in place of a damaged (or unwanted) database.

use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::cli::BackupAction;
use crate::error::Result;
use crate::store::{self, backup};

/// `skilldeck backup list|restore [NAME]`. The database is not opened: it may be damaged.
pub fn backup(flag: Option<&Path>, action: BackupAction, now: DateTime<FixedOffset>) -> Result<()> {
    let db = store::default_path(flag)?;
    match action {
        BackupAction::List => list(&db, now),
        BackupAction::Restore { name } => restore(&db, name.as_deref(), now),
    }
}

/// "12 reviews, the last on 2026-11-25", or why the backup cannot be read.
fn holds(path: &Path, now: DateTime<FixedOffset>) -> String {
    match backup::contents(path) {
        Ok((0, _)) => "no reviews".into(),
        Ok((reviews, last)) => {
            let last = last
                .and_then(DateTime::from_timestamp_millis)
                .map(|t| {
                    t.with_timezone(now.offset())
                        .format(", the last on %Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default();
            format!(
                "{reviews} review{}{last}",
                if reviews == 1 { "" } else { "s" }
            )
        }
        Err(why) => format!("{why}: cannot be restored"),
    }
}

fn list(db: &Path, now: DateTime<FixedOffset>) -> Result<()> {
    let backups = backup::list(db)?;
    let mut out = std::io::stdout().lock();
    if backups.is_empty() {
        let _ = writeln!(
            out,
            "no backup of {} yet: one is made in {} after the first command that changes the database each day",
            db.display(),
            backup::dir(db).display()
        );
        return Ok(());
    }
    let _ = writeln!(
        out,
        "backups of {} in {} (newest first; one a day at most, the newest {} kept):",
        db.display(),
        backup::dir(db).display(),
        backup::KEEP
    );
    for b in &backups {
        let _ = writeln!(
            out,
            "  {}  {:>9}  {}",
            b.name,
            size(b.bytes),
            holds(&b.path, now)
        );
    }
    Ok(())
}

fn restore(db: &Path, name: Option<&str>, now: DateTime<FixedOffset>) -> Result<()> {
    let restored = backup::restore(db, name, now)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "restored {} ({}) to {}",
        restored.backup.name,
        holds(db, now),
        db.display()
    );
    if let Some(aside) = &restored.aside {
        let _ = writeln!(
            out,
            "the {} file it replaced is kept as {}",
            if restored.was_damaged {
                "damaged"
            } else {
                "previous"
            },
            aside.display()
        );
    }
    Ok(())
}

/// A file size for people: 812 KiB, 1.2 MiB.
fn size(bytes: u64) -> String {
    let kib = bytes as f64 / 1024.0;
    if kib < 1024.0 {
        format!("{kib:.0} KiB")
    } else {
        format!("{:.1} MiB", kib / 1024.0)
    }
}
