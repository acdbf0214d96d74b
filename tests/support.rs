//! A small builder for running the real `skilldeck` binary in tests, and fixture helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The Python that has the `anki` package (installed into .venv by ./scripts/test).
fn python() -> PathBuf {
    let path = std::env::var_os("SKILLDECK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    assert!(
        path.exists(),
        "{} is missing: run ./scripts/test, which installs the Anki library",
        path.display()
    );
    path
}

/// The fixture decks folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/decks")
}

/// Copies a directory tree (fixture decks into a temporary folder the test may edit).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A test workspace: a temporary folder with a database path inside.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub now: String,
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(self) -> String {
        assert_eq!(
            self.code, 0,
            "command failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self.stdout
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            now: "2026-11-25T09:00:00Z".into(),
        }
    }

    /// A path inside the workspace.
    pub fn path_of(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Where this workspace's `sync login` keeps its key (never the user's own config).
    pub fn credentials(&self) -> PathBuf {
        self.dir.path().join("config/sync.json")
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("skilldeck.db")
    }

    /// Copies a fixture deck into the workspace and returns its folder.
    pub fn deck(&self, name: &str) -> PathBuf {
        let to = self.dir.path().join("decks").join(name);
        copy_tree(&fixtures().join(name), &to);
        to
    }

    /// Runs `skilldeck ARGS` in the workspace with its database and clock.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// `skilldeck ARGS` as a command in the workspace, with its database, clock and sync
    /// credentials file, colours allowed: every test that starts the binary starts it so.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_skilldeck"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("SKILLDECK_DB", self.db())
            .env("SKILLDECK_NOW", &self.now)
            .env("SKILLDECK_SYNC_CREDENTIALS", self.credentials())
            .env_remove("NO_COLOR");
        cmd
    }

    /// Runs `skilldeck ARGS` with `input` on its standard input.
    pub fn run_input(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write as _;
        let mut child = self
            .command(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let written = child.stdin.take().unwrap().write_all(input.as_bytes());
        // A command that stops before reading its input (an error) closes the pipe early.
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        Run::from(child.wait_with_output().unwrap())
    }

    /// A command running the Anki library's Python with Anki's clock set to this workspace's
    /// `SKILLDECK_NOW` (libfaketime, from the Debian package installed by ./scripts/test), so
    /// reviews made in Anki and in skilldeck share one timeline whatever today's date is.
    pub fn anki_python(&self) -> Command {
        let now = chrono::DateTime::parse_from_rfc3339(&self.now)
            .unwrap()
            .with_timezone(&chrono::Utc);
        // libfaketime preloaded directly: the `faketime` wrapper's named semaphores collide
        // when many tests start it at once.
        let mut cmd = Command::new(python());
        cmd.env("LD_PRELOAD", libfaketime())
            .env("FAKETIME", now.format("@%Y-%m-%d %H:%M:%S").to_string())
            .env("TZ", "UTC");
        cmd
    }

    /// Imports packages in turn into a fresh Anki collection (on this workspace's clock) and
    /// returns Anki's account of it.
    pub fn judge(&self, packages: &[&Path], with_scheduling: bool) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/anki/judge.py");
        let mut cmd = self.anki_python();
        cmd.arg(script);
        if with_scheduling {
            cmd.arg("--with-scheduling");
        }
        let out = cmd.args(packages).output().unwrap();
        assert!(
            out.status.success(),
            "judge failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Opens the database read-only for assertions.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(self.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
    }

    /// Opens the database for writing, for a test that sets up a state by hand.
    pub fn sql_rw(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        conn
    }

    /// Every row of the tables a build writes, as text: equal dumps mean an unchanged database.
    pub fn dump(&self) -> String {
        crate::crash_trials::dump(&self.db()).unwrap()
    }
}

/// A real Anki sync server (`python -m anki.syncserver` from the Anki library) with one user,
/// `user:pass`, on a free local port; stopped when dropped. Its log (one line per call) is kept
/// in its folder.
pub struct SyncServer {
    child: std::process::Child,
    base: tempfile::TempDir,
    port: u16,
    pub endpoint: String,
}

impl SyncServer {
    /// A server on the machine's clock.
    pub fn start() -> SyncServer {
        SyncServer::launch(None)
    }

    /// A server whose clock starts at `now` (RFC 3339) and runs on from there, as a test's
    /// `SKILLDECK_NOW` says: the protocol refuses clocks more than five minutes apart.
    pub fn start_at(now: &str) -> SyncServer {
        SyncServer::launch(Some(now))
    }

    fn launch(now: Option<&str>) -> SyncServer {
        // A port the system says is free, released just before the server binds it: another
        // test may take it meanwhile, and then the server exits and another port is tried.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let base = tempfile::tempdir().unwrap();
            let child = SyncServer::spawn(base.path(), port, now);
            let mut server = SyncServer {
                child,
                base,
                port,
                endpoint: format!("http://127.0.0.1:{port}/"),
            };
            if server.wait_until_up() {
                return server;
            }
        }
        panic!("the sync server could not start on a free port");
    }

    fn spawn(base: &Path, port: u16, now: Option<&str>) -> std::process::Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(base.join("server.log"))
            .unwrap();
        let mut cmd = Command::new(python());
        if let Some(now) = now {
            // libfaketime reads the clock from a file the test moves on (`set_clock`), so the
            // server never restarts (a restart could lose its port to another test).
            write_clock(&base.join("clock"), now);
            cmd.env("LD_PRELOAD", libfaketime())
                .env("FAKETIME_TIMESTAMP_FILE", base.join("clock"))
                .env("FAKETIME_NO_CACHE", "1")
                .env_remove("FAKETIME");
        }
        cmd.args(["-m", "anki.syncserver"])
            .env("SYNC_USER1", "user:pass")
            .env("SYNC_BASE", base.join("data"))
            .env("SYNC_HOST", "127.0.0.1")
            .env("SYNC_PORT", port.to_string())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .stdin(std::process::Stdio::null())
            // The server logs each call on standard output.
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    /// Moves the server's clock to `now` (a simulated day later); it runs on from there.
    pub fn set_clock(&mut self, now: &str) {
        write_clock(&self.base.path().join("clock"), now);
    }

    /// The calls the server has answered so far (`meta`, `start`, …), in order.
    pub fn calls(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.base.path().join("server.log")).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains("finished"))
            .filter_map(|l| {
                let at = l.find("\"/sync/").or_else(|| l.find("\"/msync/"))? + 1;
                let rest = &l[at..];
                let uri = &rest[..rest.find('"')?];
                Some(uri.rsplit('/').next().unwrap_or(uri).to_owned())
            })
            .collect()
    }

    /// Polls `GET /health` until it answers 200 (a hang guard of twenty seconds: Python starts
    /// slowly on a busy machine).
    fn wait_until_up(&mut self) -> bool {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(2)))
            .build()
            .into();
        let url = format!("{}health", self.endpoint);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                // It could not bind the port (taken meanwhile).
                return false;
            }
            if agent
                .get(&url)
                .call()
                .is_ok_and(|r| r.status().as_u16() == 200)
            {
                // The answer was ours only if the server still runs.
                std::thread::sleep(std::time::Duration::from_millis(300));
                return self.child.try_wait().unwrap().is_none();
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the sync server did not answer {url} within 20 seconds");
    }
}

impl SyncServer {
    /// Stops the server and waits until its port is free.
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for SyncServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes a libfaketime clock file: an absolute start time, from which the clock runs on.
fn write_clock(file: &Path, now: &str) {
    let at = chrono::DateTime::parse_from_rfc3339(now)
        .unwrap()
        .with_timezone(&chrono::Utc);
    std::fs::write(file, at.format("@%Y-%m-%d %H:%M:%S\n").to_string()).unwrap();
}

/// libfaketime's preload library (Debian package `faketime`, installed by ./scripts/test).
fn libfaketime() -> PathBuf {
    let mut candidates = vec![PathBuf::from("/usr/lib/faketime/libfaketime.so.1")];
    if let Ok(dirs) = std::fs::read_dir("/usr/lib") {
        for dir in dirs.flatten() {
            candidates.push(dir.path().join("faketime/libfaketime.so.1"));
        }
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .expect("libfaketime.so.1 not found: install the Debian package faketime")
}

/// The hex SHA-1 of `text`, as Python computes it (the self-hosted server's host key is the
/// SHA-1 of `user:pass`).
pub fn python_sha1(text: &str) -> String {
    let out = Command::new(python())
        .args([
            "-c",
            "import hashlib, sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            text,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
