//! What a sync costs, as the user waits for it: the whole `skilldeck sync` process against the
//! real Anki sync server (`python -m anki.syncserver` from the project's venv, on this machine),
//! for the first sync of the AZ-400 deck to an empty account, and for a sync with nothing
//! changed (only `meta`). Each is run on a fresh account and database, several times; the
//! median is reported. Goals: under 3 s and under 300 ms.
//! Run with `cargo bench --bench sync` (set `SKILLDECK_PYTHON` to the venv's python, as
//! ./scripts/test does).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const ROUNDS: usize = 5;

fn python() -> PathBuf {
    std::env::var_os("SKILLDECK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A server with one user on a free port; killed when dropped.
struct Server {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server(base: &Path) -> Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(python())
        .args(["-m", "anki.syncserver"])
        .env("SYNC_USER1", "user:pass")
        .env("SYNC_BASE", base)
        .env("SYNC_HOST", "127.0.0.1")
        .env("SYNC_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let endpoint = format!("http://127.0.0.1:{port}/");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("the sync server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Server { child, endpoint })
}

fn skilldeck(dir: &Path, args: &[&str], input: Option<&str>) -> Result<Duration> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_skilldeck"));
    cmd.args(args)
        .env("SKILLDECK_DB", dir.join("db.sqlite"))
        .env("SKILLDECK_SYNC_CREDENTIALS", dir.join("sync.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        use std::io::Write as _;
        stdin.write_all(text.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let took = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "skilldeck {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(took)
}

fn main() -> Result<()> {
    let deck = Path::new(env!("CARGO_MANIFEST_DIR")).join("decks/az-400");
    let deck = deck.to_str().ok_or("deck path")?;
    let (mut first, mut again) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let dir = tempfile::tempdir()?;
        let server = server(&dir.path().join("server"))?;
        skilldeck(dir.path(), &["build", deck], None)?;
        skilldeck(
            dir.path(),
            &[
                "sync",
                "login",
                "--endpoint",
                &server.endpoint,
                "--user",
                "user",
            ],
            Some("pass\n"),
        )?;
        first.push(skilldeck(dir.path(), &["sync"], None)?);
        again.push(skilldeck(dir.path(), &["sync"], None)?);
    }
    println!(
        "first sync of AZ-400 (whole process): median {:.0} ms (runs: {:?})",
        median(first.clone()).as_secs_f64() * 1000.0,
        first.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
    );
    println!(
        "sync with nothing changed (whole process): median {:.0} ms (runs: {:?})",
        median(again.clone()).as_secs_f64() * 1000.0,
        again.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
    );
    Ok(())
}
