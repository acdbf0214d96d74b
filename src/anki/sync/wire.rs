//! The bytes of Anki's sync protocol (version 11), apart from the HTTP around them: the
//! `anki-sync` header's JSON, and bodies as zstd-compressed JSON. Pure functions, so the
//! encoding is tested without a server; `client` sends what these make.

use std::io::Read as _;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The one protocol version skilldeck speaks (servers accept 8 to 11).
pub const VERSION: u32 = 11;

/// The most a response body may hold once decompressed (the server's own limit per request).
pub const MAX_UNCOMPRESSED: u64 = 300 * 1024 * 1024;

/// The most a body may hold compressed, either way (the server's own limit per request).
pub const MAX_COMPRESSED: u64 = 100 * 1024 * 1024;

/// zstd's level for what we send: the default, fast and small enough for JSON.
const LEVEL: i32 = 0;

/// The `anki-sync` header's value: `{"v":11,"k":KEY,"c":CLIENT,"s":SESSION}`. `key` is empty
/// before login; `session` is any string kept for the whole of one sync.
pub fn header(key: &str, session: &str) -> String {
    #[derive(Serialize)]
    struct Header<'a> {
        v: u32,
        k: &'a str,
        c: String,
        s: &'a str,
    }
    let header = Header {
        v: VERSION,
        k: key,
        c: client_name(),
        s: session,
    };
    // Serializing strings and a number cannot fail; an empty object would be refused by the
    // server with a clear status, never silently accepted.
    serde_json::to_string(&header).unwrap_or_default()
}

/// How skilldeck names itself to the server: `skilldeck,VERSION,OS`.
pub fn client_name() -> String {
    format!(
        "skilldeck,{},{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    )
}

/// A request body: `value` as JSON, zstd-compressed.
pub fn encode(value: &impl Serialize) -> Result<Vec<u8>, String> {
    let json = serde_json::to_vec(value).map_err(|e| e.to_string())?;
    zstd::encode_all(json.as_slice(), LEVEL).map_err(|e| e.to_string())
}

/// A request body of raw bytes (a media upload's zip), compressed as every body is.
pub fn compress(bytes: &[u8]) -> Result<Vec<u8>, String> {
    zstd::encode_all(bytes, LEVEL).map_err(|e| e.to_string())
}

/// Decompresses a response body, refusing one that would grow past [`MAX_UNCOMPRESSED`].
pub fn decompress(body: &[u8]) -> Result<Vec<u8>, String> {
    decompress_at_most(body, MAX_UNCOMPRESSED)
}

/// Decompresses `body`, refusing one that would grow past `limit` bytes.
fn decompress_at_most(body: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let decoder = zstd::stream::read::Decoder::new(body).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    decoder
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("the answer is not zstd data ({e})"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "the answer is larger than {} MiB once decompressed",
            limit / (1024 * 1024)
        ));
    }
    Ok(out)
}

/// A response body read as JSON of type `T`.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let json = decompress(body)?;
    serde_json::from_slice(&json).map_err(|e| format!("the answer is not the JSON expected ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_body_survives_compression_and_is_zstd() {
        let value = json!({"u": "user", "p": "pässword \"quoted\""});
        let body = encode(&value).unwrap();
        // zstd's frame magic number, little-endian.
        assert_eq!(&body[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        let back: Value = decode(&body).unwrap();
        assert_eq!(back, value);
        // What another zstd implementation would read: the plain JSON.
        let plain = zstd::decode_all(body.as_slice()).unwrap();
        assert_eq!(plain, serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn the_header_names_version_key_client_and_session_in_order() {
        let header = header("k3y", "s1");
        let expected = format!(
            r#"{{"v":11,"k":"k3y","c":"skilldeck,{},{}","s":"s1"}}"#,
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS
        );
        assert_eq!(header, expected);
        let parsed: Value = serde_json::from_str(&header).unwrap();
        assert_eq!(parsed["v"], 11);
    }

    #[test]
    fn a_body_that_is_not_zstd_or_not_json_is_refused() {
        let err = decode::<Value>(b"not zstd at all").unwrap_err();
        assert!(err.contains("not zstd"), "{err}");
        let text = zstd::encode_all(&b"OK"[..], 0).unwrap();
        let err = decode::<Value>(&text).unwrap_err();
        assert!(err.contains("not the JSON expected"), "{err}");
    }

    #[test]
    fn a_body_that_grows_past_the_limit_is_refused() {
        // Zeros compress about ten-thousand-fold: a small body that would fill memory.
        let limit = 2 * 1024 * 1024;
        let big = vec![0u8; limit + 1];
        let body = zstd::encode_all(big.as_slice(), 1).unwrap();
        assert!(body.len() < 64 * 1024);
        let err = decompress_at_most(&body, limit as u64).unwrap_err();
        assert!(err.contains("larger than 2 MiB"), "{err}");
        // Exactly the limit passes.
        let body = zstd::encode_all(&big[..limit], 1).unwrap();
        assert_eq!(
            decompress_at_most(&body, limit as u64).unwrap().len(),
            limit
        );
    }
}
