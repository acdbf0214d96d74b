//! Files the user sees are written under a temporary name in their own folder and renamed into
//! place at the end (through `tempfile`), so a failed or killed run never leaves half a file
//! under the real name. Every temporary name has one pattern, `.NAME.PID.RANDOM.partial`
//! (`NAME` the target's file name), and sits beside its target, never elsewhere: a rename
//! across file systems would not be atomic.
//!
//! A killed run cannot remove its own partial file, so each run first removes the stale ones in
//! the folder it writes to: names of exactly this pattern (or the `.NAME.apkg.PID.partial` of
//! earlier exports) last modified more than an hour ago. A live run writes its partial file
//! without pause and finishes in seconds, so an hour-old one belongs to a run that died. Age,
//! not whether the PID is alive, decides: PIDs are reused and cannot be checked the same way
//! everywhere.

use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tempfile::{Builder, NamedTempFile, TempDir};

use crate::error::{Error, Result};

/// How old a partial file must be before another run removes it.
pub const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

const SUFFIX: &str = ".partial";
/// Random characters in a partial name (tempfile's own, so two runs never collide).
const RANDOM_LEN: usize = 6;

/// The folder `target` is written in: its parent, or the current folder.
pub fn folder_of(target: &Path) -> &Path {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn prefix_for(target: &Path) -> String {
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    format!(".{name}.{}.", std::process::id())
}

/// A builder for a partial name beside `target`, with the permissions a plain new file or
/// folder would get (tempfile's own default is owner-only).
fn builder(prefix: &str, mode: u32) -> Builder<'_, 'static> {
    let mut builder = Builder::new();
    builder.prefix(prefix).suffix(SUFFIX).rand_bytes(RANDOM_LEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // The umask still applies, as it does to `File::create`.
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}

/// Makes the folder `target` goes in, and removes stale partial files there.
fn prepare(target: &Path) -> Result<&Path> {
    let dir = folder_of(target);
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    // Once per folder and run: `ids --write` writes many files in one folder.
    static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let first = SWEPT.lock().map_or(true, |mut swept| {
        let first = !swept.iter().any(|d| d == dir);
        if first {
            swept.push(dir.to_owned());
        }
        first
    });
    if first {
        remove_stale(dir, SystemTime::now());
    }
    Ok(dir)
}

/// A new, empty partial file beside `target` (removed when dropped unless persisted).
pub fn file_beside(target: &Path) -> Result<NamedTempFile> {
    let dir = prepare(target)?;
    builder(&prefix_for(target), 0o666)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))
}

/// A new, empty partial folder beside `target` (removed when dropped unless kept).
pub fn dir_beside(target: &Path) -> Result<TempDir> {
    let dir = prepare(target)?;
    builder(&prefix_for(target), 0o777)
        .tempdir_in(dir)
        .map_err(|e| Error::io(dir, e))
}

/// Flushes a finished partial file to disk and renames it to `target`.
pub fn persist(file: NamedTempFile, target: &Path) -> Result<()> {
    file.as_file()
        .sync_all()
        .map_err(|e| Error::io(file.path(), e))?;
    file.persist(target)
        .map_err(|e| Error::io(target, e.error))?;
    Ok(())
}

/// Moves a finished partial folder to `target`, which must not exist or be an empty folder.
pub fn persist_dir(partial: TempDir, target: &Path) -> Result<()> {
    if target.is_dir() {
        fs::remove_dir(target).map_err(|e| Error::io(target, e))?;
    }
    let kept = partial.keep();
    fs::rename(&kept, target).map_err(|e| {
        let _ = fs::remove_dir_all(&kept);
        Error::io(target, e)
    })
}

/// Whether `target` is free for a new folder: absent, or an empty folder.
pub fn is_free_for_dir(target: &Path) -> bool {
    match fs::read_dir(target) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !target.exists() && fs::symlink_metadata(target).is_err(),
    }
}

/// Writes `bytes` to `target` through a partial file; an existing target keeps its
/// permissions.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = file_beside(target)?;
    file.write_all(bytes)
        .map_err(|e| Error::io(file.path(), e))?;
    if let Ok(meta) = fs::metadata(target) {
        fs::set_permissions(file.path(), meta.permissions())
            .map_err(|e| Error::io(file.path(), e))?;
    }
    persist(file, target)
}

/// Writes `bytes` to `target` through a partial file that only the user can read or write
/// (mode 0600 from its creation, on Unix), whatever the target's permissions were: for secrets.
pub fn write_private(target: &Path, bytes: &[u8]) -> Result<()> {
    let dir = prepare(target)?;
    let mut file = builder(&prefix_for(target), 0o600)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    file.write_all(bytes)
        .map_err(|e| Error::io(file.path(), e))?;
    persist(file, target)
}

/// Whether `name` is a partial name of this module's pattern: `.NAME.PID.RANDOM.partial`, or
/// `.NAME.apkg.PID.partial` as earlier versions wrote for exports.
pub fn is_partial_name(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(SUFFIX)) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let random = |s: &str| s.len() == RANDOM_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric());
    let mut parts = rest.rsplit('.');
    let (Some(last), Some(before)) = (parts.next(), parts.next()) else {
        return false;
    };
    let named = |rest: Option<&str>| rest.is_some_and(|n| !n.is_empty());
    if random(last) && digits(before) {
        named(parts.next())
    } else {
        digits(last) && before == "apkg" && named(parts.next())
    }
}

/// Removes the partial files and folders in `dir` last modified more than `STALE_AFTER` before
/// `now`. Nothing else is touched, and failures are ignored: this is tidying, and the run goes
/// on either way.
pub fn remove_stale(dir: &Path, now: SystemTime) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        if !is_partial_name(&entry.file_name()) {
            continue;
        }
        // The entry itself, not what a link points to.
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_AFTER);
        if !stale {
            continue;
        }
        let path = entry.path();
        let gone = if meta.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        if gone.is_ok() {
            removed.push(path);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_names_are_recognised_and_nothing_else() {
        for ours in [
            ".deck.apkg.1234.aB3xY9.partial",
            ".deck.apkg.1234.partial",
            ".notes.md.7.000000.partial",
            ".my deck.apkg.12.partial",
        ] {
            assert!(is_partial_name(OsStr::new(ours)), "{ours}");
        }
        for theirs in [
            "deck.apkg",
            ".partial",
            "..partial",
            ".1234.partial",
            ".1234.aB3xY9.partial",
            "deck.apkg.1234.aB3xY9.partial",
            ".deck.apkg.partial",
            ".deck.apkg.12a4.partial",
            ".deck.apkg.1234.aB3xY.partial",
            ".deck.apkg.1234.aB3-Y9.partial",
            ".deck.apkg.1234.aB3xY9.partial.bak",
            ".deck.apkg.skilldeck-tmp",
            ".my deck.12.partial",
            ".apkg.12.partial",
        ] {
            assert!(!is_partial_name(OsStr::new(theirs)), "{theirs}");
        }
    }

    #[test]
    fn a_partial_file_sits_beside_its_target_under_the_pattern() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out/sub/deck.apkg");
        let file = file_beside(&target).unwrap();
        assert_eq!(file.path().parent().unwrap(), dir.path().join("out/sub"));
        let name = file.path().file_name().unwrap();
        assert!(is_partial_name(name), "{name:?}");
        let pid = format!(".deck.apkg.{}.", std::process::id());
        assert!(name.to_string_lossy().starts_with(&pid), "{name:?}");
        let folder = dir_beside(&target).unwrap();
        assert_eq!(folder.path().parent().unwrap(), dir.path().join("out/sub"));
        assert!(is_partial_name(folder.path().file_name().unwrap()));
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_a_good_one_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("notes.md");
        fs::write(&target, "old").unwrap();
        {
            let mut file = file_beside(&target).unwrap();
            file.write_all(b"half").unwrap();
            // Dropped without persisting, as when a run fails midway.
        }
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        write_atomically(&target, b"new").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsStr::new("notes.md")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_rewritten_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("notes.md");
        fs::write(&target, "old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&target, b"new").unwrap();
        let mode = fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[test]
    fn only_stale_partial_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        for name in [
            ".deck.apkg.11.aaaaaa.partial",
            ".deck.apkg.12.partial",
            ".deck.apkg.13.bbbbbb.partial",
            "notes.md",
            ".notes.partial",
        ] {
            fs::write(p(name), "x").unwrap();
        }
        fs::create_dir(p(".imported.14.cccccc.partial")).unwrap();
        fs::write(p(".imported.14.cccccc.partial/deck.toml"), "x").unwrap();
        // Times come from this process's clock, the one compared with (a new file's time from
        // the kernel would not match a shifted clock).
        let now = SystemTime::now();
        let old = now - STALE_AFTER - Duration::from_secs(60);
        for (name, stale) in [
            (".deck.apkg.11.aaaaaa.partial", true),
            (".deck.apkg.12.partial", true),
            (".deck.apkg.13.bbbbbb.partial", false),
            ("notes.md", true),
            (".notes.partial", true),
            (".imported.14.cccccc.partial", true),
        ] {
            let file = fs::File::open(p(name)).unwrap();
            file.set_modified(if stale { old } else { now }).unwrap();
        }
        let mut removed = remove_stale(dir.path(), now);
        removed.sort();
        assert_eq!(
            removed,
            vec![
                p(".deck.apkg.11.aaaaaa.partial"),
                p(".deck.apkg.12.partial"),
                p(".imported.14.cccccc.partial"),
            ]
        );
        let mut left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec![".deck.apkg.13.bbbbbb.partial", ".notes.partial", "notes.md"]
        );
    }
}
