//! Git for community decks, through the user's own `git` command: it fast-forwards, speaks
//! every transport and uses the user's credentials and ssh configuration, where a library
//! would add many crates to compile. Sources are strangers' URLs, so every call is fenced in:
//! URLs come after `--` and may not look like options, only the https, ssh, git and file
//! transports are allowed, git never prompts on the terminal, no hook runs, and whatever git
//! prints passes through the sanitizer (its progress too, shown when stderr is a terminal).

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// Transports git may use (`GIT_ALLOW_PROTOCOL`): not `ext::`, which runs commands.
const ALLOWED_PROTOCOLS: &str = "https:ssh:git:file";

/// Environment variables that would point git at another repository than the one named.
const REDIRECTING_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CONFIG_PARAMETERS",
];

/// Refuses a source git would read as an option, or one with control characters.
pub fn check_url(url: &str) -> Result<()> {
    if url.starts_with('-') {
        return Err(Error::user(format!(
            "`{url}` looks like an option, not a git URL; refused"
        )));
    }
    if url.is_empty() || url.chars().any(char::is_control) {
        return Err(Error::user(
            "the git URL is empty or holds control characters; refused",
        ));
    }
    Ok(())
}

/// A git command fenced in as the module says; `dir` is the repository (`git -C`).
fn git(dir: Option<&Path>) -> Command {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    // No hook runs: not from the user's templates, not from a clone's own folder.
    cmd.args(["-c", "core.hooksPath=/dev/null"])
        .env("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PROTOCOL_FROM_USER", "0")
        .stdin(Stdio::null());
    for var in REDIRECTING_VARS {
        cmd.env_remove(var);
    }
    cmd
}

fn not_started(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::user("the `git` command was not found: install git to add and update decks from git")
    } else {
        Error::user(format!("could not run git: {e}"))
    }
}

/// Runs a git command whose output is read (not shown); fails with git's message.
fn read(mut cmd: Command, what: &str) -> Result<String> {
    let out = cmd.output().map_err(not_started)?;
    if !out.status.success() {
        return Err(failed(what, &String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn failed(what: &str, stderr: &str) -> Error {
    let message: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = message[message.len().saturating_sub(6)..].join("\n  ");
    Error::user(format!("{what} failed: {tail}"))
}

/// Runs a git command that talks to a remote, `tail` (the arguments after its options) last:
/// its stderr is relayed sanitized while it runs when stderr is a terminal (git's progress:
/// each `\r` kept, so the counters update in place), and kept for the error message.
fn run_with_progress(mut cmd: Command, tail: &[&std::ffi::OsStr], what: &str) -> Result<()> {
    let live = std::io::stderr().is_terminal();
    cmd.arg(if live { "--progress" } else { "--quiet" })
        .args(tail);
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(not_started)?;
    let mut seen = Vec::new();
    if let Some(mut stderr) = child.stderr.take() {
        let mut buf = [0u8; 4096];
        loop {
            let n = match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if live {
                relay(&buf[..n]);
            }
            seen.extend_from_slice(&buf[..n]);
            // Keep the end only: that is where git says what went wrong.
            if seen.len() > 64 * 1024 {
                seen.drain(..seen.len() - 16 * 1024);
            }
        }
    }
    let status = child.wait().map_err(|e| Error::user(format!("git: {e}")))?;
    if !status.success() {
        let text = String::from_utf8_lossy(&seen).replace('\r', "\n");
        return Err(failed(what, &text));
    }
    Ok(())
}

/// Writes git's progress sanitized, keeping the carriage returns that redraw a line.
fn relay(bytes: &[u8]) {
    let mut err = crate::sanitize::stderr();
    for (i, piece) in bytes.split(|&b| b == b'\r').enumerate() {
        if i > 0 {
            let _ = std::io::stderr().write_all(b"\r");
        }
        let _ = err.write_all(piece);
        let _ = err.flush();
    }
}

/// Clones `url` into `dir` (which must not exist or be empty), without submodules.
pub fn clone(url: &str, dir: &Path) -> Result<()> {
    check_url(url)?;
    let mut cmd = git(None);
    cmd.args(["clone", "--no-recurse-submodules"]);
    run_with_progress(
        cmd,
        &["--".as_ref(), url.as_ref(), dir.as_os_str()],
        "git clone",
    )
}

/// Fetches the clone's remote (`origin`), without submodules.
pub fn fetch(dir: &Path) -> Result<()> {
    let mut cmd = git(Some(dir));
    cmd.args(["fetch", "--no-recurse-submodules"]);
    run_with_progress(cmd, &[], "git fetch")
}

/// Local edits in the clone: `git status` lines (changed, staged or new files), empty when
/// clean.
pub fn local_changes(dir: &Path) -> Result<Vec<String>> {
    let mut cmd = git(Some(dir));
    cmd.args(["status", "--porcelain=v1", "--untracked-files=all"]);
    Ok(read(cmd, "git status")?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The commit a revision names, or `None` when it names none (no upstream branch, say).
pub fn commit_of(dir: &Path, rev: &str) -> Result<Option<String>> {
    let mut cmd = git(Some(dir));
    cmd.args(["rev-parse", "--verify", "--quiet", "--end-of-options", rev]);
    let out = cmd.output().map_err(not_started)?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned()))
}

/// Whether `ancestor` is an ancestor of (or equal to) `of`.
pub fn is_ancestor(dir: &Path, ancestor: &str, of: &str) -> Result<bool> {
    let mut cmd = git(Some(dir));
    cmd.args(["merge-base", "--is-ancestor", ancestor, of]);
    let out = cmd.output().map_err(not_started)?;
    match out.status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(failed(
            "git merge-base",
            &String::from_utf8_lossy(&out.stderr),
        )),
    }
}

/// Moves the checked-out branch forward to `commit` (fast-forward only).
pub fn fast_forward(dir: &Path, commit: &str) -> Result<()> {
    let mut cmd = git(Some(dir));
    cmd.args(["merge", "--ff-only", "--quiet", commit]);
    read(cmd, "git merge --ff-only").map(drop)
}

/// Puts the branch back on `commit` after an update whose build failed, keeping any file
/// changed since (`reset --keep` refuses rather than lose one).
pub fn reset_keep(dir: &Path, commit: &str) -> Result<()> {
    let mut cmd = git(Some(dir));
    cmd.args(["reset", "--keep", "--quiet", commit]);
    read(cmd, "git reset --keep").map(drop)
}

/// The short form of a commit id, for messages.
pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}
