//! The media sync (`msync/`): which files the server's media folder holds, and uploading
//! skilldeck's note images to it, at most 25 files per call in a stored zip whose `_meta` maps
//! the zip's member names to the media names. Media has no transaction: each upload stands.

use std::io::Write as _;

use serde_json::json;
use zip::write::SimpleFileOptions;

use super::client::{Client, MediaBody};
use super::wire;
use crate::error::{Error, Result};

/// Files per `uploadChanges` call, the server's limit.
pub const FILES_PER_UPLOAD: usize = 25;
/// Bytes per `uploadChanges` call, well under the server's body limit.
const BYTES_PER_UPLOAD: usize = 50 * 1024 * 1024;

/// Opens a media sync: the server's media usn and the session key later calls carry.
pub fn begin(client: &mut Client) -> Result<(i64, String)> {
    #[derive(serde::Deserialize)]
    struct Begin {
        usn: i64,
        sk: String,
    }
    let answer: Begin = client.call_media(
        "begin",
        MediaBody::Json(&json!({ "v": wire::client_name() })),
    )?;
    Ok((answer.usn, answer.sk))
}

/// Every file the server's media folder holds now: name → SHA-1 (hex), from the change list
/// since the beginning (a deleted file's last change has no SHA-1).
pub fn server_files(client: &mut Client) -> Result<std::collections::HashMap<String, String>> {
    let mut files = std::collections::HashMap::new();
    let mut last = 0i64;
    loop {
        let changes: Vec<(String, i64, Option<String>)> =
            client.call_media("mediaChanges", MediaBody::Json(&json!({ "lastUsn": last })))?;
        let Some(newest) = changes.iter().map(|c| c.1).max() else {
            return Ok(files);
        };
        if newest <= last {
            return Ok(files);
        }
        for (name, _, sha1) in changes {
            match sha1.filter(|s| !s.is_empty()) {
                Some(sha1) => files.insert(name, sha1),
                None => files.remove(&name),
            };
        }
        last = newest;
    }
}

/// Uploads `files` (name, bytes) in batches; returns how many the server took.
pub fn upload(client: &mut Client, files: &[(String, Vec<u8>)]) -> Result<usize> {
    let mut taken = 0;
    let mut batch: Vec<&(String, Vec<u8>)> = Vec::new();
    let mut bytes = 0;
    for file in files {
        if !batch.is_empty()
            && (batch.len() == FILES_PER_UPLOAD || bytes + file.1.len() > BYTES_PER_UPLOAD)
        {
            taken += upload_batch(client, &batch)?;
            batch.clear();
            bytes = 0;
        }
        bytes += file.1.len();
        batch.push(file);
    }
    if !batch.is_empty() {
        taken += upload_batch(client, &batch)?;
    }
    Ok(taken)
}

fn upload_batch(client: &mut Client, batch: &[&(String, Vec<u8>)]) -> Result<usize> {
    let zipped = (|| -> zip::result::ZipResult<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let mut meta = Vec::with_capacity(batch.len());
        for (i, (name, data)) in batch.iter().enumerate() {
            zip.start_file(i.to_string(), stored)?;
            zip.write_all(data)?;
            meta.push(json!([name, i.to_string()]));
        }
        zip.start_file("_meta", stored)?;
        zip.write_all(json!(meta).to_string().as_bytes())?;
        Ok(zip.finish()?.into_inner())
    })()
    .map_err(|e| Error::user(format!("cannot pack media files for the upload: {e}")))?;
    let (processed, _usn): (usize, i64) =
        client.call_media("uploadChanges", MediaBody::Bytes(&zipped))?;
    Ok(processed)
}
