//! Remembers the database file as skilldeck last left it, so the page check (half a second on
//! a 113 MiB database) runs only when something else may have touched the file. The stamp is
//! what the file system says about the file — size, inode, modification and change times —
//! written to `backups/.<db name>.checked` after a command that found nothing wrong. The change
//! time cannot be set by any program, so a file written by anything since (a copy, a sync
//! tool, a failing disk's driver, a test flipping a bit) no longer matches and is checked.

use std::fs;
use std::path::{Path, PathBuf};

use super::backup;

/// Where the stamp of `db` is kept.
fn path_of(db: &Path) -> PathBuf {
    let name = db.file_name().map_or_else(
        || "skilldeck.db".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    backup::dir(db).join(format!(".{name}.checked"))
}

/// What the file system says about the file now.
fn describe(db: &Path) -> Option<String> {
    let meta = fs::metadata(db).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        Some(format!(
            "{} {} {} {}.{} {}.{}",
            meta.len(),
            meta.dev(),
            meta.ino(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        let modified = meta.modified().ok()?;
        Some(format!("{} {modified:?}", meta.len()))
    }
}

/// Whether the file is exactly as skilldeck last left it after finding nothing wrong.
pub fn unchanged(db: &Path) -> bool {
    match (fs::read_to_string(path_of(db)), describe(db)) {
        (Ok(stamp), Some(now)) => stamp == now,
        _ => false,
    }
}

/// Records the file as it is now as whole (after a command that found nothing wrong and has
/// closed its connection). A failure only means the next command checks again.
pub fn remember(db: &Path) {
    let Some(now) = describe(db) else {
        return;
    };
    let target = path_of(db);
    let partial = target.with_extension(format!("{}.partial", std::process::id()));
    let written = fs::create_dir_all(backup::dir(db))
        .and_then(|()| fs::write(&partial, now))
        .and_then(|()| fs::rename(&partial, &target));
    if written.is_err() {
        let _ = fs::remove_file(&partial);
    }
}

/// Forgets the stamp: the next command checks the file.
pub fn forget(db: &Path) {
    let _ = fs::remove_file(path_of(db));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_file_no_longer_matches() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        fs::write(&db, b"one").unwrap();
        assert!(!unchanged(&db));
        remember(&db);
        assert!(unchanged(&db));
        assert!(dir.path().join("backups/.x.db.checked").exists());
        // Same size, same content even: written again, it is another file to the stamp.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&db, b"one").unwrap();
        assert!(!unchanged(&db));
        remember(&db);
        forget(&db);
        assert!(!unchanged(&db));
    }
}
