//! Crash trials: the real `skilldeck` binary is killed (SIGKILL) at a random moment of
//! `review`, `build`, `export` and `import`, and the database and the files it wrote are
//! checked afterwards. Shared by the short version in the test suite (`tests/crash.rs`) and
//! the long one (`cargo bench --bench crash`, hundreds of trials).
//!
//! What each trial checks:
//! - **review**: every answer the session acknowledged (the next card or the summary was
//!   printed after it) is stored, at most one more (the answer in flight), and every card's
//!   `reps` equals its number of stored reviews;
//! - **build** and **import**: the database is exactly as before or exactly as after a
//!   complete run, never in between, and a run after the crash completes it;
//! - **export**: the package is absent or byte-identical to a complete export, nothing but our
//!   own temporary-file pattern is left beside it, and the next export succeeds.
//!
//! Every trial also runs SQLite's `integrity_check` on the database.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The clock every trial runs on.
const NOW: &str = "2026-11-25T09:00:00Z";

/// The command a trial kills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Review,
    Build,
    Export,
    Import,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Review, Kind::Build, Kind::Export, Kind::Import];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Review => "review",
            Kind::Build => "build",
            Kind::Export => "export",
            Kind::Import => "import",
        }
    }
}

/// What the trials of one kind found.
#[derive(Debug, Default)]
pub struct Tally {
    pub trials: usize,
    /// Trials where the process was killed before it finished.
    pub killed: usize,
    /// Answers acknowledged before the kill (review), summed over trials.
    pub acknowledged: usize,
    /// Trials that left the old state, and that left the new one (build, import, export).
    pub old: usize,
    pub new: usize,
    /// Temporary files left beside an export by a kill.
    pub leftovers: usize,
    /// Every broken promise, described.
    pub failures: Vec<String>,
}

/// A prepared workspace: the AZ-400 deck, a built database and the reference results.
pub struct Bench {
    bin: PathBuf,
    root: PathBuf,
    /// Database with the deck built, nothing studied (new_per_day raised so a session is long).
    fresh_db: PathBuf,
    /// The same after a whole review session: the history the phone package carries.
    studied_db: PathBuf,
    /// The deck with edits, for build trials, and the dumps before and after building it.
    edited_deck: PathBuf,
    build_old: String,
    build_new: String,
    /// The phone's package, and the dump of `fresh_db` after importing it.
    package: PathBuf,
    import_new: String,
    /// A complete `export --with-scheduling` of `studied_db`.
    export_bytes: Vec<u8>,
    /// How long each complete command took, to spread the kill moments over.
    durations: [Duration; 4],
}

/// A small deterministic random source (splitmix64), so a seed repeats a run exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A duration in `[0, max]`.
    fn upto(&mut self, max: Duration) -> Duration {
        let micros = max.as_micros().max(1) as u64;
        Duration::from_micros(self.next() % (micros + 1))
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Every row of the tables skilldeck writes, as text: equal dumps mean equal databases.
pub fn dump(db: &Path) -> Result<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut out = String::new();
    for table in [
        "decks",
        "domains",
        "objectives",
        "skills",
        "source_files",
        "notes",
        "cards",
        "reviews",
        "subscriptions",
        "sync_state",
        "sync_notes",
        "sync_cards",
        "sync_revlog",
        "sync_graves",
        "sync_objects",
        "sync_pushed",
    ] {
        // Tables of a later schema are missing from an older database.
        let exists: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if !exists {
            continue;
        }
        // Ordered by the first two columns (one-column tables by their one).
        let width = conn
            .prepare(&format!("SELECT * FROM {table}"))?
            .column_count();
        let order = if width > 1 { "1, 2" } else { "1" };
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            // `table:` then the cells, `|` between them.
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                let value: rusqlite::types::Value = row.get(i)?;
                cells.push(format!("{value:?}"));
            }
            out.push_str(table);
            out.push(':');
            out.push_str(&cells.join("|"));
            out.push('\n');
        }
    }
    Ok(out)
}

/// SQLite's own verdict on the file.
fn integrity(db: &Path) -> Result<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
}

/// Reviews per card against the card's `reps`: the cards where they differ.
fn reps_mismatches(db: &Path) -> Result<Vec<String>> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare(
        "SELECT c.id, c.reps, (SELECT count(*) FROM reviews r WHERE r.card = c.id) AS n
         FROM cards c WHERE c.reps != n",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "card {}: reps {} but {} reviews",
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?
        ))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn review_count(db: &Path) -> Result<usize> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(conn.query_row("SELECT count(*) FROM reviews", [], |r| r.get::<_, i64>(0))? as usize)
}

impl Bench {
    /// Prepares a workspace under `root` for the binary `bin`, with the deck at `deck`.
    pub fn new(bin: &Path, deck: &Path, root: &Path) -> Result<Bench> {
        let deck_copy = root.join("deck");
        copy_tree(deck, &deck_copy)?;
        let mut bench = Bench {
            bin: bin.to_path_buf(),
            root: root.to_path_buf(),
            fresh_db: root.join("fresh.db"),
            studied_db: root.join("studied.db"),
            edited_deck: root.join("edited"),
            build_old: String::new(),
            build_new: String::new(),
            package: root.join("phone.apkg"),
            import_new: String::new(),
            export_bytes: Vec::new(),
            durations: [Duration::ZERO; 4],
        };
        let deck_arg = deck_copy.to_string_lossy().into_owned();
        bench.ok(&bench.fresh_db, &["build", &deck_arg])?;
        bench.ok(&bench.fresh_db, &["config", "set", "fuzz", "off"])?;
        bench.ok(&bench.fresh_db, &["config", "set", "new_per_day", "1000"])?;
        bench.ok(
            &bench.fresh_db,
            &["config", "set", "reviews_per_day", "9999"],
        )?;
        checkpoint(&bench.fresh_db)?;

        // A whole review session, timed, gives the history the other trials use.
        fs::copy(&bench.fresh_db, &bench.studied_db)?;
        let started = Instant::now();
        let (mut child, lines) = bench.spawn_review(&bench.studied_db)?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let acked = drive_review(&mut stdin, &lines, None)?;
        drop(stdin);
        child.wait()?;
        bench.durations[0] = started.elapsed();
        if acked < 100 {
            return Err(format!("the review session answered only {acked} cards").into());
        }

        // Build: the deck with every file's last note changed and a file added.
        copy_tree(&deck_copy, &bench.edited_deck)?;
        edit_deck(&bench.edited_deck)?;
        bench.build_old = dump(&bench.fresh_db)?;
        let built = root.join("built.db");
        fs::copy(&bench.fresh_db, &built)?;
        let edited = bench.edited_deck.to_string_lossy().into_owned();
        bench.durations[1] = bench.timed(&built, &["build", &edited])?;
        bench.build_new = dump(&built)?;
        if bench.build_new == bench.build_old {
            return Err("the edited deck built to the same database".into());
        }

        // Export: the phone's package, twice, to know a complete file.
        let package = bench.package.to_string_lossy().into_owned();
        bench.durations[2] = bench.timed(
            &bench.studied_db,
            &["export", "az-400", "--with-scheduling", "-o", &package],
        )?;
        bench.export_bytes = fs::read(&bench.package)?;

        // Import: the package into the fresh database.
        let imported = root.join("imported.db");
        fs::copy(&bench.fresh_db, &imported)?;
        bench.durations[3] = bench.timed(&imported, &["import", &package])?;
        bench.import_new = dump(&imported)?;
        if bench.import_new == dump(&bench.fresh_db)? {
            return Err("the import changed nothing".into());
        }
        Ok(bench)
    }

    /// How long a complete run of each kind took while preparing.
    pub fn duration(&self, kind: Kind) -> Duration {
        self.durations[kind as usize]
    }

    fn command(&self, db: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .current_dir(&self.root)
            .env("SKILLDECK_DB", db)
            .env("SKILLDECK_NOW", NOW)
            .env_remove("NO_COLOR");
        cmd
    }

    fn ok(&self, db: &Path, args: &[&str]) -> Result<String> {
        let out = self.command(db, args).stdin(Stdio::null()).output()?;
        if !out.status.success() {
            return Err(format!(
                "skilldeck {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn timed(&self, db: &Path, args: &[&str]) -> Result<Duration> {
        let started = Instant::now();
        self.ok(db, args)?;
        Ok(started.elapsed())
    }

    fn spawn_review(&self, db: &Path) -> Result<(Child, mpsc::Receiver<String>)> {
        let mut child = self
            .command(db, &["review", "--plain"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok((child, rx))
    }

    /// Runs one trial of `kind` in `dir`, killing the process at a moment drawn from `rng`.
    pub fn trial(&self, kind: Kind, dir: &Path, rng: &mut Rng, tally: &mut Tally) -> Result<()> {
        fs::create_dir_all(dir)?;
        tally.trials += 1;
        // Kill moments spread over the whole run and a little past it.
        let delay = rng.upto(self.duration(kind).mul_f64(1.2));
        match kind {
            Kind::Review => self.review_trial(dir, delay, tally),
            Kind::Build => self.state_trial(kind, dir, delay, tally),
            Kind::Import => self.state_trial(kind, dir, delay, tally),
            Kind::Export => self.export_trial(dir, delay, tally),
        }
    }

    fn review_trial(&self, dir: &Path, delay: Duration, tally: &mut Tally) -> Result<()> {
        let db = dir.join("review.db");
        fs::copy(&self.fresh_db, &db)?;
        let (mut child, lines) = self.spawn_review(&db)?;
        // Standard input stays open until the kill: closing it would end the session cleanly.
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let acked = drive_review(&mut stdin, &lines, Some(Instant::now() + delay))?;
        if child.try_wait()?.is_none() {
            child.kill()?;
            tally.killed += 1;
        }
        child.wait()?;
        drop(stdin);
        tally.acknowledged += acked;
        let stored = review_count(&db)?;
        if stored < acked || stored > acked + 1 {
            tally.failures.push(format!(
                "review: {acked} answers acknowledged, {stored} stored"
            ));
        }
        for problem in reps_mismatches(&db)? {
            tally.failures.push(format!("review: {problem}"));
        }
        self.check_integrity("review", &db, tally)
    }

    fn state_trial(
        &self,
        kind: Kind,
        dir: &Path,
        delay: Duration,
        tally: &mut Tally,
    ) -> Result<()> {
        let db = dir.join("state.db");
        fs::copy(&self.fresh_db, &db)?;
        let edited = self.edited_deck.to_string_lossy().into_owned();
        let package = self.package.to_string_lossy().into_owned();
        let args: Vec<&str> = match kind {
            Kind::Build => vec!["build", &edited],
            _ => vec!["import", &package],
        };
        let (old, new) = match kind {
            Kind::Build => (self.build_old.clone(), self.build_new.clone()),
            _ => (self.build_old.clone(), self.import_new.clone()),
        };
        let mut child = self
            .command(&db, &args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.kill_after(&mut child, delay, tally)?;
        let name = kind.name();
        let after = dump(&db)?;
        if after == old {
            tally.old += 1;
        } else if after == new {
            tally.new += 1;
        } else {
            tally.failures.push(format!(
                "{name}: the database is neither as before nor as after"
            ));
        }
        self.check_integrity(name, &db, tally)?;
        // The same command again completes the work.
        self.ok(&db, &args)?;
        if dump(&db)? != new {
            tally
                .failures
                .push(format!("{name}: a run after the crash did not complete it"));
        }
        Ok(())
    }

    fn export_trial(&self, dir: &Path, delay: Duration, tally: &mut Tally) -> Result<()> {
        let out = dir.join("out");
        fs::create_dir_all(&out)?;
        let target = out.join("az-400.apkg");
        let target_arg = target.to_string_lossy().into_owned();
        let args = ["export", "az-400", "--with-scheduling", "-o", &target_arg];
        let mut child = self
            .command(&self.studied_db, &args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.kill_after(&mut child, delay, tally)?;
        match fs::read(&target) {
            Ok(bytes) if bytes == self.export_bytes => tally.new += 1,
            Ok(_) => tally
                .failures
                .push("export: the package differs from a complete export".into()),
            Err(_) => tally.old += 1,
        }
        for entry in fs::read_dir(&out)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name == "az-400.apkg" {
                continue;
            }
            // A temporary file of the interrupted export, in the folder the user named.
            tally.leftovers += 1;
        }
        for entry in fs::read_dir(&self.root)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.contains(".partial") || name.contains(".tmp") {
                tally.failures.push(format!(
                    "export: a temporary file outside the target folder: {name}"
                ));
            }
        }
        self.ok(&self.studied_db, &args)?;
        if fs::read(&target)? != self.export_bytes {
            tally
                .failures
                .push("export: the export after the crash differs".into());
        }
        self.check_integrity("export", &self.studied_db, tally)
    }

    fn kill_after(&self, child: &mut Child, delay: Duration, tally: &mut Tally) -> Result<()> {
        let deadline = Instant::now() + delay;
        while Instant::now() < deadline {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if child.try_wait()?.is_none() {
            child.kill()?;
            tally.killed += 1;
        }
        child.wait()?;
        Ok(())
    }

    fn check_integrity(&self, name: &str, db: &Path, tally: &mut Tally) -> Result<()> {
        let verdict = integrity(db)?;
        if verdict != "ok" {
            tally
                .failures
                .push(format!("{name}: integrity_check says {verdict}"));
        }
        Ok(())
    }
}

/// Forces the WAL into the main file, so copying the file copies the whole database.
fn checkpoint(db: &Path) -> Result<()> {
    let conn = rusqlite::Connection::open(db)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Changes the last note of every Markdown file and adds a file of new notes.
fn edit_deck(deck: &Path) -> Result<()> {
    let mut files = Vec::new();
    let mut stack = vec![deck.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md")
                && path.file_name().is_some_and(|n| n != "README.md")
            {
                files.push(path);
            }
        }
    }
    for path in &files {
        let mut text = fs::read_to_string(path)?;
        text.push_str("\nThis line was added after the first build.\n");
        fs::write(path, text)?;
    }
    let skill = first_skill(deck)?;
    let mut extra = format!("---\nskill: {skill}\n---\n# Added after the first build\n");
    for i in 0..50 {
        extra.push_str(&format!(
            "\n## Added question {i} {{#added-{i}}}\n\nAdded answer {i}.\n"
        ));
    }
    fs::write(deck.join("added.md"), extra)?;
    Ok(())
}

/// The first skill id of the deck's outline.
fn first_skill(deck: &Path) -> Result<String> {
    let outline = fs::read_to_string(deck.join("outline.toml"))?;
    let value: toml::Value = toml::from_str(&outline)?;
    value["domain"][0]["objective"][0]["skills"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the outline has no skill".into())
}

/// Answers cards as they come (letters for a choice, Enter to reveal, a rating from a fixed
/// pattern) until the session ends or `deadline` passes; returns the answers acknowledged,
/// that is followed by the next card or the session's end.
fn drive_review(
    stdin: &mut impl Write,
    lines: &mpsc::Receiver<String>,
    deadline: Option<Instant>,
) -> Result<usize> {
    const RATINGS: [&str; 7] = ["3", "1", "3", "4", "2", "3", "3"];
    let mut sent = 0usize;
    let mut acked = 0usize;
    loop {
        let wait = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) => left,
                None => break,
            },
            None => Duration::from_secs(60),
        };
        let line = match lines.recv_timeout(wait) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) if deadline.is_some() => break,
            Err(mpsc::RecvTimeoutError::Timeout) => return Err("the review stalled".into()),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // The session ended: every answer sent was taken.
                acked = sent;
                break;
            }
        };
        if line.starts_with("card ") {
            acked = sent;
        }
        let reply = if line.starts_with("choose:") {
            Some("a")
        } else if line.starts_with("reveal:") {
            Some("")
        } else if line.starts_with("rate:") {
            sent += 1;
            Some(RATINGS[sent % RATINGS.len()])
        } else {
            None
        };
        if let Some(reply) = reply {
            // A write after the process died is the kill racing us: stop there.
            if writeln!(stdin, "{reply}")
                .and_then(|()| stdin.flush())
                .is_err()
            {
                break;
            }
        }
    }
    Ok(acked)
}
