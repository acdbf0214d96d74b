//! A small blocking client for Anki's sync server: one POST per call to `{endpoint}sync/METHOD`
//! with the `anki-sync` header and a zstd JSON body (see `wire`), over `ureq` with rustls. Status
//! codes become messages that say what to do; bodies are bounded and every call times out, so a
//! silent or hostile server cannot hang skilldeck or fill its memory.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::wire;
use crate::error::{Error, Result};

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long one whole call may take, answer included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// How many `308` redirects (AnkiWeb moving an account to another host) one call follows.
const MAX_REDIRECTS: usize = 3;
/// How much of an error answer's text is read for the message.
const MAX_ERROR_TEXT: u64 = 4096;

/// AnkiWeb's endpoint, the default for `sync login`.
pub const ANKIWEB: &str = "https://sync.ankiweb.net/";

/// The body of a media call.
pub enum MediaBody<'a> {
    Json(&'a serde_json::Value),
    /// Sent as it is (zstd-compressed on the way, as every body).
    Bytes(&'a [u8]),
}

/// A connection to one sync server, for one user (or none yet) and one session.
pub struct Client {
    agent: ureq::Agent,
    endpoint: String,
    key: String,
    session: String,
}

impl std::fmt::Debug for Client {
    // The key is a password: it never reaches a log or a message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// An endpoint as the protocol needs it: an http(s) URL ending in `/`.
pub fn normalize_endpoint(endpoint: &str) -> Result<String> {
    let endpoint = endpoint.trim();
    let lower = endpoint.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    if rest.is_none_or(|host| host.is_empty() || host.starts_with('/')) {
        return Err(Error::user(format!(
            "{endpoint:?} is not a sync server address: give one like https://sync.ankiweb.net/ or http://127.0.0.1:8080/"
        )));
    }
    let mut endpoint = endpoint.to_owned();
    if !endpoint.ends_with('/') {
        endpoint.push('/');
    }
    Ok(endpoint)
}

/// Plain http is for this computer and private networks only: the key and the reviews would
/// travel readable. Returns the warning to show for such an endpoint; refuses plain http to
/// any other host. https endpoints always get their certificates verified (rustls against the
/// Mozilla roots of `webpki-roots`; there is no switch to turn that off).
pub fn check_transport(endpoint: &str) -> Result<Option<String>> {
    let lower = endpoint.trim().to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://") else {
        return Ok(None);
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    let private = host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".lan")
        || match host.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(ip)) => {
                ip.is_loopback() || ip.is_private() || ip.is_link_local()
            }
            Ok(std::net::IpAddr::V6(ip)) => {
                ip.is_loopback()
                    || (ip.segments()[0] & 0xfe00) == 0xfc00
                    || (ip.segments()[0] & 0xffc0) == 0xfe80
            }
            Err(_) => false,
        };
    if !private {
        return Err(Error::user(format!(
            "{endpoint} is plain http on a public address: the key and your reviews would travel readable by anyone on the way; use https"
        )));
    }
    Ok(Some(format!(
        "{endpoint} is plain http: the key and your reviews travel unencrypted; fine on this computer or a private network"
    )))
}

impl Client {
    /// A client for `endpoint` with the host key `key` (empty before login).
    pub fn new(endpoint: &str, key: &str) -> Result<Client> {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(CALL_TIMEOUT))
            // Redirects are followed here, with the body resent; statuses are read here too.
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(wire::client_name())
            .build()
            .into();
        Ok(Client {
            agent,
            endpoint: normalize_endpoint(endpoint)?,
            key: key.to_owned(),
            session: new_session(),
        })
    }

    /// The endpoint, after any permanent redirect the server asked for.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Calls `method` with `request` and reads the answer as `T`.
    pub fn call<T: DeserializeOwned>(
        &mut self,
        method: &str,
        request: &impl Serialize,
    ) -> Result<T> {
        let body = wire::encode(request)
            .map_err(|e| Error::user(format!("cannot encode the {method} request: {e}")))?;
        if body.len() as u64 > wire::MAX_COMPRESSED {
            return Err(Error::user(format!(
                "the {method} request is larger than the server accepts ({} MiB compressed)",
                wire::MAX_COMPRESSED / (1024 * 1024)
            )));
        }
        let answer = self.post(&format!("sync/{method}"), &body)?;
        wire::decode(&answer).map_err(|e| {
            Error::user(format!(
                "the sync server at {} gave an answer skilldeck cannot read to {method}: {e}",
                self.endpoint
            ))
        })
    }

    /// Calls `method` with `request` and returns the answer's bytes, decompressed (`download`
    /// answers with a whole collection file).
    pub fn call_bytes(&mut self, method: &str, request: &impl Serialize) -> Result<Vec<u8>> {
        let body = wire::encode(request)
            .map_err(|e| Error::user(format!("cannot encode the {method} request: {e}")))?;
        let answer = self.post(&format!("sync/{method}"), &body)?;
        wire::decompress(&answer).map_err(|e| {
            Error::user(format!(
                "the sync server at {} gave an answer skilldeck cannot read to {method}: {e}",
                self.endpoint
            ))
        })
    }

    /// Sends raw bytes (compressed on the way) to `sync/METHOD` and returns the answer's bytes,
    /// decompressed when they are zstd (`upload` answers a bare `OK`).
    pub fn call_raw_body(&mut self, method: &str, bytes: &[u8]) -> Result<Vec<u8>> {
        let body = wire::compress(bytes)
            .map_err(|e| Error::user(format!("cannot encode the {method} request: {e}")))?;
        if body.len() as u64 > wire::MAX_COMPRESSED {
            return Err(Error::user(format!(
                "the collection is larger than the server accepts ({} MiB compressed)",
                wire::MAX_COMPRESSED / (1024 * 1024)
            )));
        }
        let answer = self.post(&format!("sync/{method}"), &body)?;
        Ok(wire::decompress(&answer).unwrap_or(answer))
    }

    /// Calls the media sync's `msync/METHOD` with `body` (JSON, or the bytes of an upload's
    /// zip) and reads the `data` of its `{"data", "err"}` answer as `T`.
    pub fn call_media<T: DeserializeOwned>(
        &mut self,
        method: &str,
        body: MediaBody<'_>,
    ) -> Result<T> {
        #[derive(serde::Deserialize)]
        struct Envelope<T> {
            data: Option<T>,
            #[serde(default)]
            err: String,
        }
        let body = match body {
            MediaBody::Json(value) => wire::encode(value),
            MediaBody::Bytes(bytes) => wire::compress(bytes),
        }
        .map_err(|e| Error::user(format!("cannot encode the {method} request: {e}")))?;
        if body.len() as u64 > wire::MAX_COMPRESSED {
            return Err(Error::user(format!(
                "the {method} request is larger than the server accepts"
            )));
        }
        let answer = self.post(&format!("msync/{method}"), &body)?;
        let envelope: Envelope<T> = wire::decode(&answer).map_err(|e| {
            Error::user(format!(
                "the sync server at {} gave an answer skilldeck cannot read to {method}: {e}",
                self.endpoint
            ))
        })?;
        match envelope.data {
            Some(data) if envelope.err.is_empty() => Ok(data),
            _ => Err(Error::user(format!(
                "the sync server at {} refused the media {method}: {}",
                self.endpoint,
                if envelope.err.is_empty() {
                    "no reason given"
                } else {
                    &envelope.err
                }
            ))),
        }
    }

    /// Sends `body` to `PATH` (`sync/METHOD` or `msync/METHOD`), follows permanent redirects,
    /// and returns the raw answer of a successful call.
    fn post(&mut self, path: &str, body: &[u8]) -> Result<Vec<u8>> {
        let method = path.rsplit('/').next().unwrap_or(path);
        for _ in 0..=MAX_REDIRECTS {
            let url = format!("{}{path}", self.endpoint);
            let mut response = self
                .agent
                .post(&url)
                .header("anki-sync", wire::header(&self.key, &self.session))
                .header("content-type", "application/octet-stream")
                .send(body)
                .map_err(|e| self.unreachable(e))?;
            let status = response.status().as_u16();
            if status == 308 {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .map(|l| l.trim_end_matches(path).to_owned());
                let Some(location) = location else {
                    return Err(Error::user(format!(
                        "the sync server at {} redirected without saying where to",
                        self.endpoint
                    )));
                };
                self.endpoint = normalize_endpoint(&location)?;
                continue;
            }
            if (200..300).contains(&status) {
                return response
                    .body_mut()
                    .with_config()
                    .limit(wire::MAX_COMPRESSED)
                    .read_to_vec()
                    .map_err(|e| self.unreachable(e));
            }
            let text = response
                .body_mut()
                .with_config()
                .limit(MAX_ERROR_TEXT)
                .read_to_string()
                .unwrap_or_default();
            return Err(self.refused(method, status, text.trim()));
        }
        Err(Error::user(format!(
            "the sync server at {} redirected more than {MAX_REDIRECTS} times",
            self.endpoint
        )))
    }

    /// The error for a call that got no (complete) answer.
    fn unreachable(&self, e: ureq::Error) -> Error {
        let endpoint = &self.endpoint;
        match e {
            ureq::Error::Timeout(_) => Error::user(format!(
                "the sync server at {endpoint} did not answer within {} seconds; try again later",
                CALL_TIMEOUT.as_secs()
            )),
            ureq::Error::BodyExceedsLimit(_) => Error::user(format!(
                "the sync server at {endpoint} sent an answer larger than {} MiB",
                wire::MAX_COMPRESSED / (1024 * 1024)
            )),
            ureq::Error::Io(_) | ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                Error::user(format!("cannot reach the sync server at {endpoint}: {e}"))
            }
            other => Error::user(format!(
                "cannot talk to the sync server at {endpoint}: {other}"
            )),
        }
    }

    /// The error for a status the server answered with.
    fn refused(&self, method: &str, status: u16, text: &str) -> Error {
        let endpoint = &self.endpoint;
        // The self-hosted server often sends only the status number back: no detail then.
        let detail = if !text.chars().any(char::is_alphabetic) {
            String::new()
        } else {
            format!(" (the server said: {text})")
        };
        Error::user(match status {
            403 if method == "hostKey" => format!(
                "the sync server at {endpoint} refused the user name or password; nothing was stored"
            ),
            403 => format!(
                "the sync server at {endpoint} refused the stored login; run `skilldeck sync login` again"
            ),
            409 => format!("another device is syncing with {endpoint}; try again in a minute"),
            400 => format!("the sync server at {endpoint} could not do {method}{detail}"),
            _ => format!(
                "the sync server at {endpoint} answered {method} with status {status}{detail}"
            ),
        })
    }
}

/// A session id: any string the same for the whole of one sync, different between syncs.
fn new_session() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{}:{nanos}", std::process::id());
    blake3::hash(seed.as_bytes()).to_hex()[..8].to_owned()
}

/// Logs in: asks the server for the host key of `user` with `password`. Returns the key and
/// the endpoint (which a redirect may have changed).
pub fn host_key(endpoint: &str, user: &str, password: &str) -> Result<(String, String)> {
    #[derive(Serialize)]
    struct Login<'a> {
        u: &'a str,
        p: &'a str,
    }
    #[derive(serde::Deserialize)]
    struct Key {
        key: String,
    }
    let mut client = Client::new(endpoint, "")?;
    let answer: Key = client.call(
        "hostKey",
        &Login {
            u: user,
            p: password,
        },
    )?;
    if answer.key.is_empty() {
        return Err(Error::user(format!(
            "the sync server at {} answered the login with an empty key",
            client.endpoint()
        )));
    }
    Ok((answer.key, client.endpoint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_gets_its_slash_and_a_bad_one_is_refused() {
        assert_eq!(
            normalize_endpoint(" http://127.0.0.1:8080 ").unwrap(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(normalize_endpoint(ANKIWEB).unwrap(), ANKIWEB);
        for bad in [
            "",
            "sync.ankiweb.net",
            "ftp://host/",
            "https://",
            "http:///x",
        ] {
            let err = normalize_endpoint(bad).unwrap_err();
            assert_eq!(err.exit_code(), 1);
            assert!(
                err.to_string().contains("not a sync server address"),
                "{err}"
            );
        }
    }

    #[test]
    fn plain_http_is_for_this_computer_and_private_networks_only() {
        for private in [
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://192.168.1.20:27701/",
            "http://10.0.0.5/",
            "http://172.16.3.4/",
            "http://[::1]:8080/",
            "http://anki.local/",
        ] {
            assert!(check_transport(private).unwrap().is_some(), "{private}");
        }
        assert_eq!(check_transport("https://sync.ankiweb.net/").unwrap(), None);
        for public in [
            "http://sync.example.com/",
            "http://8.8.8.8/",
            "http://172.32.0.1/",
        ] {
            let err = check_transport(public).unwrap_err();
            assert!(err.to_string().contains("use https"), "{err}");
        }
    }

    #[test]
    fn the_key_is_not_in_the_debug_text() {
        let client = Client::new("http://127.0.0.1:1/", "s3cret-key").unwrap();
        let text = format!("{client:?}");
        assert!(!text.contains("s3cret-key"), "{text}");
        assert!(text.contains("127.0.0.1:1"), "{text}");
    }
}
