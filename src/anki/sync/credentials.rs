//! The sync login kept between runs: endpoint, user name and host key, in a JSON file only the
//! user can read (written through `partial::write_private`). The host key is as good as the
//! password for the server, so it lives here and nowhere else: never in the database (which
//! backups copy and users share), never on the command line, never printed.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The environment variable that moves the file (tests use it; so may a user with two accounts).
pub const PATH_VAR: &str = "SKILLDECK_SYNC_CREDENTIALS";

/// A stored sync login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub endpoint: String,
    pub user: String,
    pub key: String,
}

impl std::fmt::Debug for Credentials {
    // The key never reaches a log or a message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("endpoint", &self.endpoint)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Where the login is kept: `$SKILLDECK_SYNC_CREDENTIALS`, else `sync.json` in the platform's
/// config folder (`~/.config/skilldeck/sync.json` on Linux).
pub fn path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(PATH_VAR).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "skilldeck")
        .map(|dirs| dirs.config_dir().join("sync.json"))
        .ok_or_else(|| {
            Error::user(format!(
                "cannot find a home directory for the sync login; set {PATH_VAR} to a file path"
            ))
        })
}

/// Stores `credentials` at `path`, readable and writable by the user alone.
pub fn save(path: &Path, credentials: &Credentials) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(credentials)?;
    json.push(b'\n');
    crate::partial::write_private(path, &json)
}

/// The login stored at `path`, or `None` when there is none.
pub fn load(path: &Path) -> Result<Option<Credentials>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|_| {
        Error::user(format!(
            "{}: not a skilldeck sync login; run `skilldeck sync logout`, then `skilldeck sync login`",
            path.display()
        ))
    })
}

/// Removes the login at `path`; whether there was one.
pub fn remove(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_round_trips_and_its_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/sync.json");
        assert_eq!(load(&path).unwrap(), None);
        let login = Credentials {
            endpoint: "http://127.0.0.1:1/".into(),
            user: "me".into(),
            key: "k3y".into(),
        };
        save(&path, &login).unwrap();
        assert_eq!(load(&path).unwrap(), Some(login.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            // Even over a file anyone could read.
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            save(&path, &login).unwrap();
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{login:?}").contains("k3y"));
        assert!(remove(&path).unwrap());
        assert!(!remove(&path).unwrap());
        assert_eq!(load(&path).unwrap(), None);
    }
}
