//! skilldeck's images on the phone: after a collection sync that sent notes, the files those
//! notes show go to the server's media folder through the media sync, each file only when the
//! server lacks it or holds other bytes under its name (compared by SHA-1, as Anki does).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::anki::sync::client::Client;
use crate::anki::sync::credentials::Credentials;
use crate::anki::sync::media;
use crate::error::{Error, Result};

/// The largest media file sent (the server refuses larger ones).
const MAX_FILE: u64 = 100 * 1024 * 1024;

/// Sends the media files `files` (name inside Anki, file on disk) the server lacks. Returns
/// (sent, already there).
pub fn push(login: &Credentials, files: &[(String, PathBuf)]) -> Result<(usize, usize)> {
    let unique: BTreeMap<&str, &PathBuf> = files.iter().map(|(n, p)| (n.as_str(), p)).collect();
    let mut client = Client::new(&login.endpoint, &login.key)?;
    let (_usn, session_key) = media::begin(&mut client)?;
    let mut client = Client::new(client.endpoint(), &session_key)?;
    let server = media::server_files(&mut client)?;
    let mut sending = Vec::new();
    let mut there = 0;
    for (name, path) in unique {
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if size > MAX_FILE {
            return Err(Error::user(format!(
                "{}: larger than the {} MiB a media file may be",
                path.display(),
                MAX_FILE / (1024 * 1024)
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let sha1 = sha1_smol::Sha1::from(&bytes).digest().to_string();
        if server.get(name) == Some(&sha1) {
            there += 1;
            continue;
        }
        sending.push((name.to_owned(), bytes));
    }
    let sent = media::upload(&mut client, &sending)?;
    Ok((sent, there))
}
