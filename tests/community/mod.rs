//! Community decks end to end: `add` (git, folder, .apkg), `decks`, `update` and `remove` on
//! real git repositories the tests make (a working repository pushing to a bare one, reached
//! through `file://`); no network.

mod add;
mod remove;
mod update;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Env;

/// Runs `git ARGS` in `dir` with a fixed identity and no user or system configuration.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Deck Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.org")
        .env("GIT_COMMITTER_NAME", "Deck Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.org")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The three notes of version 1.0.0.
pub const NOTES_1: &str = "# Pipelines\n\n\
## Which keyword starts a pipeline on a schedule? {#schedules}\n\nA `schedules:` block with a cron expression.\n\n\
## Which file holds a GitHub Actions workflow? {#workflow-file}\n\nA YAML file under `.github/workflows/`.\n\n\
## What runs a job on a self-hosted machine? {#agent}\n\nA self-hosted agent (runner).\n";

/// Version 1.1.0: `schedules` reworded, `agent` gone, `environments` new.
pub const NOTES_2: &str = "# Pipelines\n\n\
## Which keyword starts a pipeline on a schedule? {#schedules}\n\nA `schedules:` block with a cron expression (UTC).\n\n\
## Which file holds a GitHub Actions workflow? {#workflow-file}\n\nA YAML file under `.github/workflows/`.\n\n\
## What gates a deployment behind an approval? {#environments}\n\nAn environment with approvals and checks.\n";

/// A deck published in git: a working repository that pushes to a bare one.
pub struct Origin {
    pub work: PathBuf,
    pub bare: PathBuf,
}

impl Origin {
    /// Version 1.0.0 of deck `id`, committed and pushed.
    pub fn new(env: &Env, id: &str) -> Origin {
        let work = env.path_of(&format!("upstream/{id}"));
        let bare = env.path_of(&format!("upstream/{id}.git"));
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["-c", "init.defaultBranch=main", "init", "--quiet"]);
        let origin = Origin { work, bare };
        origin.write(id, "1.0.0", NOTES_1);
        git(&origin.work, &["add", "-A"]);
        git(&origin.work, &["commit", "--quiet", "-m", "1.0.0"]);
        let (work, bare) = (origin.work.to_str().unwrap(), origin.bare.to_str().unwrap());
        git(Path::new("."), &["clone", "--quiet", "--bare", work, bare]);
        git(&origin.work, &["remote", "add", "origin", bare]);
        git(&origin.work, &["fetch", "--quiet", "origin"]);
        git(&origin.work, &["branch", "--quiet", "-u", "origin/main"]);
        origin
    }

    fn write(&self, id: &str, version: &str, notes: &str) {
        std::fs::write(
            self.work.join("deck.toml"),
            format!("id = \"{id}\"\nname = \"Community {id}\"\nversion = \"{version}\"\n"),
        )
        .unwrap();
        std::fs::write(self.work.join("pipelines.md"), notes).unwrap();
    }

    /// Commits and pushes a new version.
    pub fn publish(&self, id: &str, version: &str, notes: &str) {
        self.write(id, version, notes);
        git(&self.work, &["add", "-A"]);
        git(&self.work, &["commit", "--quiet", "-m", version]);
        git(&self.work, &["push", "--quiet", "origin", "main"]);
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }
}

/// Where skilldeck keeps the decks it clones and converts for this workspace.
pub fn managed(env: &Env) -> PathBuf {
    env.path_of("subscribed")
}

/// The entries of the managed folder (a failed add must leave none behind).
pub fn managed_entries(env: &Env) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(managed(env)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Reviews of one note of one deck, from the database.
pub fn reviews_of(env: &Env, deck: &str, note: &str) -> i64 {
    env.sql()
        .query_row(
            "SELECT count(*) FROM reviews r JOIN cards c ON c.id = r.card JOIN notes n ON n.id = c.note
             JOIN decks d ON d.id = n.deck WHERE d.slug = ?1 AND n.note_id = ?2",
            [deck, note],
            |r| r.get(0),
        )
        .unwrap()
}
