//! A generated deck of 100,000 notes of every kind, shared by the benchmarks.

use std::fmt::Write as _;
use std::path::Path;

pub const NOTES: usize = 100_000;
pub const NOTES_PER_FILE: usize = 100;
const DOMAINS: usize = 5;
const SKILLS_PER_DOMAIN: usize = 10;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The bundled AZ-400 deck, loaded, with its domains as the queue weighs them.
#[allow(dead_code)]
pub fn az400() -> Result<(
    skilldeck::deck::load::Deck,
    Vec<skilldeck::sched::queue::DomainInput>,
)> {
    let deck = skilldeck::deck::load::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/decks/az-400"
    )))?;
    let outline = deck
        .outline
        .as_ref()
        .ok_or("the AZ-400 deck has no outline")?;
    let coverage = skilldeck::app::coverage::Coverage::of(outline, &deck.notes);
    let domains = outline
        .domains
        .iter()
        .zip(&coverage.domains)
        .map(|(d, c)| skilldeck::sched::queue::DomainInput {
            weight: d.weight(),
            notes: c.notes,
        })
        .collect();
    Ok((deck, domains))
}

/// Generates the deck in `dir/big` and builds it into `dir/<db_name>`; returns the database path.
#[allow(dead_code)]
pub fn generate_and_build(dir: &Path, db_name: &str) -> Result<std::path::PathBuf> {
    let deck = dir.join("big");
    let db = dir.join(db_name);
    generate(&deck)?;
    let args = [
        "skilldeck",
        "--db",
        &db.to_string_lossy(),
        "build",
        &deck.to_string_lossy(),
    ];
    skilldeck::app::run(<skilldeck::cli::Cli as clap::Parser>::parse_from(args))?;
    Ok(db)
}

/// Set in a benchmark's child process to the command it runs, one argument a line.
const CHILD_VAR: &str = "SKILLDECK_BENCH_CHILD";

/// In a child process started by `measure`: runs its command, prints the peak memory, and
/// returns true (the benchmark's `main` then returns). In the benchmark itself: false.
#[allow(dead_code)]
pub fn run_child_if_asked() -> Result<bool> {
    let Ok(args) = std::env::var(CHILD_VAR) else {
        return Ok(false);
    };
    let cli = <skilldeck::cli::Cli as clap::Parser>::parse_from(
        std::iter::once("skilldeck").chain(args.lines()),
    );
    skilldeck::app::run(cli)?;
    println!("{}", peak_kib());
    Ok(true)
}

/// Runs `skilldeck ARGS` in a fresh process (the benchmark binary itself, as a child) with the
/// clock at `now`; returns its wall time, peak memory in MiB and what it printed.
#[allow(dead_code)]
pub fn measure(args: &[&str], now: &str) -> Result<(std::time::Duration, f64, String)> {
    let started = std::time::Instant::now();
    let output = std::process::Command::new(std::env::current_exe()?)
        .env(CHILD_VAR, args.join("\n"))
        .env("SKILLDECK_NOW", now)
        .output()?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
    }
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (printed, peak) = stdout.trim_end().rsplit_once('\n').unwrap_or(("", &stdout));
    let peak: f64 = peak.trim().parse().map_err(|_| "no peak line")?;
    Ok((elapsed, peak / 1024.0, printed.to_owned()))
}

/// This process's peak resident memory so far, in KiB (VmHWM; 0 where /proc is missing).
#[allow(dead_code)]
pub fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
}

/// Writes a deck of `NOTES` notes of every kind, spread over the outline's skills.
pub fn generate(root: &Path) -> Result<()> {
    std::fs::create_dir_all(root)?;
    std::fs::write(
        root.join("deck.toml"),
        "id = \"big\"\nname = \"Big\"\nversion = \"1.0.0\"\n",
    )?;
    let mut outline = String::new();
    for d in 0..DOMAINS {
        let _ = write!(
            outline,
            "[[domain]]\nid = \"domain-{d}\"\ntitle = \"Domain {d}\"\nweight_min = 15\nweight_max = 25\n\n[[domain.objective]]\nid = \"objective-{d}\"\ntitle = \"Objective {d}\"\nskills = ["
        );
        for s in 0..SKILLS_PER_DOMAIN {
            let _ = write!(
                outline,
                "{{ id = \"skill-{d}-{s}\", title = \"Skill {d} {s}\" }},"
            );
        }
        outline.push_str("]\n\n");
    }
    std::fs::write(root.join("outline.toml"), outline)?;

    let files = NOTES / NOTES_PER_FILE;
    for f in 0..files {
        let d = f % DOMAINS;
        let s = (f / DOMAINS) % SKILLS_PER_DOMAIN;
        let dir = root.join(format!("d{d}"));
        std::fs::create_dir_all(&dir)?;
        let mut text = format!("---\nskill: skill-{d}-{s}\ntags: [generated]\n---\n# File {f}\n\n");
        for n in 0..NOTES_PER_FILE {
            let id = f * NOTES_PER_FILE + n;
            let _ = match n % 10 {
                0 | 1 => write!(
                    text,
                    "## Which option is right for case {id}? {{#n-{id}}}\n\n- [ ] Wrong option one\n- [x] Right option for {id}\n- [ ] Wrong option two\n\n---\n\nThe right option fits because of reason {id}; the others do not.\n\n"
                ),
                2 => write!(
                    text,
                    "## Cloze {id} {{#n-{id}}}\n\nA pipeline has {{{{c1::stages}}}}, a stage has {{{{c2::jobs::plural}}}} ({id}).\n\n"
                ),
                3 => write!(
                    text,
                    "## Term {id} {{#n-{id} .reversed}}\n\nDefinition of term {id}.\n\n"
                ),
                4 => write!(
                    text,
                    "## What does snippet {id} do? {{#n-{id}}}\n\n```yaml\ntrigger:\n  branches:\n    include: [main]\n```\n\n---\n\nAnswer {id} explains the snippet.\n\n"
                ),
                _ => write!(
                    text,
                    "## Question number {id} about *something* {{#n-{id}}}\n\nAnswer {id} with `code` and a [link](https://example.com).\n\n"
                ),
            };
        }
        std::fs::write(dir.join(format!("s{s}-{f}.md")), text)?;
    }
    Ok(())
}

/// Gives every card a review history and a matching state: about `reviews` reviews in all,
/// spread over the last 120 days, with due days around today. Written with plain SQL in one
/// transaction; the learner is a simple seeded model, not a replay.
#[allow(dead_code)]
pub fn add_history(db: &Path, reviews: usize, now: &str) -> Result<usize> {
    const DAY_MS: i64 = 86_400_000;
    let mut conn = rusqlite::Connection::open(db)?;
    let tx = conn.transaction()?;
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM cards ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let today = chrono::DateTime::parse_from_rfc3339(now)?.timestamp_millis() / DAY_MS;
    let per_card = reviews / ids.len();
    let extra = reviews % ids.len();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    {
        let mut review = tx.prepare("INSERT INTO reviews (card, reviewed_at, rating, elapsed_days, duration_ms, source) VALUES (?1, ?2, ?3, ?4, ?5, 'terminal')")?;
        let mut state = tx.prepare(
            "UPDATE cards SET state = 'review', stability = ?2, difficulty = ?3, due = ?4, last_review = ?5, reps = ?6, review_ms = ?7 WHERE id = ?1",
        )?;
        for (i, &card) in ids.iter().enumerate() {
            let n = per_card + usize::from(i < extra);
            let mut day = today - 200 + (next() % 10) as i64;
            let mut gap = 1i64;
            let mut last = day;
            for _ in 0..n {
                if day >= today {
                    break;
                }
                let rating = if next() % 10 == 0 { 1 } else { 3 };
                review.execute(rusqlite::params![
                    card,
                    day * DAY_MS + 36_000_000,
                    rating,
                    gap,
                    8000
                ])?;
                last = day;
                gap = if rating == 1 { 1 } else { (gap * 2).min(30) };
                day += gap;
            }
            let stability = (gap as f64) * (0.8 + (next() % 40) as f64 / 100.0);
            // Due days spread from ten days ago to seven weeks ahead: about one card in six is due.
            let due = today - 10 + (next() % 60) as i64;
            state.execute(rusqlite::params![
                card,
                stability,
                5.0,
                due,
                last * DAY_MS + 36_000_000,
                n as i64,
                8000 * n as i64
            ])?;
        }
    }
    tx.commit()?;
    Ok(ids.len())
}
