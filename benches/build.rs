//! Build benchmark: generates a deck of 100,000 notes and measures a cold build, a no-change
//! rebuild, a rebuild after editing one file, and `check`, each in a fresh child process so
//! its peak memory (VmHWM) is its own. Run with `cargo bench --bench build`.
//!
//! Targets on a 2-core machine: cold build under 2 s, no-change rebuild under 100 ms, peak
//! memory under 300 MiB.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser as _;

const NOTES: usize = 100_000;
const NOTES_PER_FILE: usize = 100;
const DOMAINS: usize = 5;
const SKILLS_PER_DOMAIN: usize = 10;
const CHILD_VAR: &str = "SKILLDECK_BENCH_CHILD";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    if let Ok(args) = std::env::var(CHILD_VAR) {
        return child(&args);
    }
    // `cargo bench` passes `--bench`; ignore every argument.
    let dir = tempfile::tempdir()?;
    let deck = dir.path().join("big");
    let started = Instant::now();
    generate(&deck)?;
    println!(
        "generated {NOTES} notes in {} files in {:.2?}",
        NOTES / NOTES_PER_FILE,
        started.elapsed()
    );

    let mut colds = Vec::new();
    let mut db = PathBuf::new();
    for run in 0..3 {
        db = dir.path().join(format!("cold-{run}.db"));
        colds.push(measure("build", &deck, &db)?);
    }
    let rebuilds = (0..5)
        .map(|_| measure("build", &deck, &db))
        .collect::<Result<Vec<_>>>()?;
    let edited = deck.join("d0/s0-0.md");
    let text = std::fs::read_to_string(&edited)?;
    std::fs::write(&edited, text.replacen("Answer 0 ", "Changed answer 0 ", 1))?;
    let one_edit = measure("build", &deck, &db)?;
    let check = measure("check", &deck, &db)?;

    println!();
    println!("| measurement (100,000 notes) | wall time | peak memory |");
    println!("|---|---|---|");
    report("cold build (median of 3)", &median(colds));
    report("no-change rebuild (median of 5)", &median(rebuilds));
    report("rebuild after editing 1 file", &one_edit);
    report("check", &check);
    Ok(())
}

struct Sample {
    time: Duration,
    peak_kib: u64,
}

fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by_key(|s| s.time);
    let mid = samples.len() / 2;
    samples.swap_remove(mid)
}

fn report(name: &str, s: &Sample) {
    println!(
        "| {name} | {:.1} ms | {:.1} MiB |",
        s.time.as_secs_f64() * 1000.0,
        s.peak_kib as f64 / 1024.0
    );
}

/// Runs one command in a child process (this same binary) and reads back its figures.
fn measure(command: &str, deck: &Path, db: &Path) -> Result<Sample> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .env(
            CHILD_VAR,
            format!("{command}\n{}\n{}", deck.display(), db.display()),
        )
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut lines = stdout.lines().rev();
    let peak_kib = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or("no peak memory line")?;
    let micros: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or("no time line")?;
    Ok(Sample {
        time: Duration::from_micros(micros),
        peak_kib,
    })
}

/// In the child: run the command through the library, as the binary does, then print the
/// wall time in microseconds and the peak resident memory in KiB.
fn child(args: &str) -> Result<()> {
    let mut parts = args.lines();
    let (command, deck, db) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let started = Instant::now();
    let cli = skilldeck::cli::Cli::parse_from(["skilldeck", "--db", db, command, deck]);
    skilldeck::app::run(cli)?;
    let micros = started.elapsed().as_micros();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    println!("{micros}\n{peak}");
    Ok(())
}

/// Writes a deck of `NOTES` notes of every kind, spread over the outline's skills.
fn generate(root: &Path) -> Result<()> {
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
