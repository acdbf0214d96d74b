//! Export benchmark: the generated 100,000-note deck exported by skilldeck, against genanki
//! (PyPI) writing the same notes (same fields, tags and GUIDs) three ways: from the HTML
//! skilldeck rendered, and from the same Markdown through two Python Markdown libraries (see
//! benches/genanki_export.py). Each run is a fresh process timed whole, from start-up to the
//! package on disk; wall time and peak memory of each are measured in the same run. Run with
//! `cargo bench --bench export` after ./scripts/test has installed .venv. Target: at least 5×
//! faster than genanki from the same Markdown with mistune, with less peak memory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    if common::run_child_if_asked()? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let db = common::generate_and_build(dir.path(), "export.db")?;

    let ours_out = dir.path().join("skilldeck.apkg");
    let mut ours = Vec::new();
    // This machine's timings vary from run to run: the median of five.
    for _ in 0..5 {
        let (took, peak, _) = common::measure(
            &[
                "--db",
                &db.to_string_lossy(),
                "export",
                "big",
                "-o",
                &ours_out.to_string_lossy(),
            ],
            "2026-11-25T09:00:00Z",
        )?;
        ours.push((took, peak));
    }
    ours.sort_by_key(|s| s.0);
    let (our_time, our_peak) = ours[2];

    let python = std::env::var_os("SKILLDECK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/genanki_export.py");
    let run_python = |args: &[&std::ffi::OsStr]| -> Result<(Duration, String)> {
        let started = Instant::now();
        let out = Command::new(&python).arg(&script).args(args).output()?;
        let elapsed = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "genanki run failed ({}): {}",
                python.display(),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok((elapsed, String::from_utf8_lossy(&out.stdout).into_owned()))
    };
    let (_, names) = run_python(&[
        "prepare".as_ref(),
        ours_out.as_os_str(),
        dir.path().as_os_str(),
    ])?;
    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64 / 1_048_576.0)
            .unwrap_or(0.0)
    };
    let ours_secs = our_time.as_secs_f64();
    println!(
        "\n| exporting 100,000 notes (120,000 cards), each a fresh process | wall time | peak memory | package | skilldeck is |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| skilldeck export: Markdown → .apkg (median of 5) | {ours_secs:.2} s | {our_peak:.0} MiB | {:.1} MiB | |",
        size(&ours_out)
    );
    for (i, name) in names.lines().enumerate() {
        let file = dir.path().join(format!("genanki-{i}.apkg"));
        // The median of three, but for the slowest run, whose margin no noise could close.
        let runs = if name.contains("Python-Markdown") {
            1
        } else {
            3
        };
        let mut theirs = Vec::new();
        for _ in 0..runs {
            let (took, report) = run_python(&[
                "run".as_ref(),
                name.as_ref(),
                dir.path().as_os_str(),
                db.as_os_str(),
                file.as_os_str(),
            ])?;
            let report: serde_json::Value = serde_json::from_str(report.trim())?;
            let peak = report["peak_mib"].as_f64().ok_or("no peak")?;
            theirs.push((took, peak));
        }
        theirs.sort_by_key(|t| t.0);
        let (took, peak) = theirs[runs / 2];
        let secs = took.as_secs_f64();
        let runs = if runs == 1 {
            String::new()
        } else {
            format!(" (median of {runs})")
        };
        println!(
            "| genanki 0.13, {name}{runs} | {secs:.2} s | {peak:.0} MiB | {:.1} MiB | {:.1}× faster, {:.2}× the memory |",
            size(&file),
            secs / ours_secs,
            our_peak / peak
        );
    }
    Ok(())
}
