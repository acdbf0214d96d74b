//! A hostile deck (tests/fixtures/decks/hostile: escape sequences, C1 controls and
//! bidirectional overrides in its names, titles, headings, answers, options, tags and a file
//! name) through every command that prints: the bytes written to stdout and stderr hold none of
//! them, text output keeps the visible rest, and JSON keeps them as `\uXXXX` escapes.

use std::io::Write as _;
use std::process::Stdio;

use serde_json::Value;

use crate::support::Env;

/// A file name a terminal would act on, given to a file of the hostile deck.
const HOSTILE_FILE: &str = "topics/name \u{1b}]0;pwned\u{7} \u{9b}31m \u{202e}.md";

/// What a run wrote, as bytes.
struct Raw {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs `skilldeck ARGS` in the workspace, with `input` on stdin, keeping the output's bytes.
fn run_raw(env: &Env, args: &[&str], input: &str) -> Raw {
    let mut child = env
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Raw {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// The first thing in `bytes` a terminal would act on or that disguises text, with where it is:
/// a C0 control but newline (ESC among them), DEL, a C1 control (UTF-8 `C2 80`–`C2 9F`), a
/// bidirectional control, or bytes that are not UTF-8 (a lone `9B` is CSI to some terminals).
fn first_danger(bytes: &[u8]) -> Option<String> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Some(format!("not UTF-8 at byte {}", e.valid_up_to()));
    }
    const BIDI: [&[u8]; 12] = [
        "\u{061C}".as_bytes(),
        "\u{200E}".as_bytes(),
        "\u{200F}".as_bytes(),
        "\u{202A}".as_bytes(),
        "\u{202B}".as_bytes(),
        "\u{202C}".as_bytes(),
        "\u{202D}".as_bytes(),
        "\u{202E}".as_bytes(),
        "\u{2066}".as_bytes(),
        "\u{2067}".as_bytes(),
        "\u{2068}".as_bytes(),
        "\u{2069}".as_bytes(),
    ];
    for (i, &b) in bytes.iter().enumerate() {
        let what = if (b < 0x20 && b != b'\n') || b == 0x7f {
            Some(format!("control byte {b:#04x}"))
        } else if b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)) {
            Some(format!("C1 control U+00{:02X}", bytes[i + 1]))
        } else {
            BIDI.iter()
                .find(|seq| bytes[i..].starts_with(seq))
                .map(|seq| format!("bidirectional control {seq:02x?}"))
        };
        if let Some(what) = what {
            let from = i.saturating_sub(40);
            let context = String::from_utf8_lossy(&bytes[from..(i + 40).min(bytes.len())]);
            return Some(format!("{what} at byte {i}, in {context:?}"));
        }
    }
    None
}

/// Runs a command, asserts its exit code and that neither stream holds anything dangerous;
/// returns stdout and stderr as text.
#[track_caller]
fn safe_run(env: &Env, args: &[&str], input: &str, code: i32) -> (String, String) {
    let raw = run_raw(env, args, input);
    for (name, bytes) in [("stdout", &raw.stdout), ("stderr", &raw.stderr)] {
        if let Some(danger) = first_danger(bytes) {
            panic!("skilldeck {args:?} wrote a {danger} to {name}");
        }
    }
    let (stdout, stderr) = (
        String::from_utf8(raw.stdout).unwrap(),
        String::from_utf8(raw.stderr).unwrap(),
    );
    assert_eq!(raw.code, code, "skilldeck {args:?}:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

/// The hostile fixture deck, plus a file whose name holds escape sequences, built.
fn hostile(env: &Env) {
    let deck = env.deck("hostile");
    std::fs::write(
        deck.join(HOSTILE_FILE),
        "---\nskill: csi\n---\n## In a badly named file {#named-file}\n\nIts answer.\n\n## Id-less in a badly named file\n\nAnother answer.\n",
    )
    .unwrap();
}

#[test]
fn no_output_of_a_hostile_deck_carries_escape_sequences() {
    let env = Env::new();
    hostile(&env);
    let (out, err) = safe_run(&env, &["check", "decks/hostile"], "", 0);
    assert!(
        out.contains("unknown class `.sneaky[2J` ignored") && out.contains("name ]0;pwned 31m .md"),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
    let (out, _) = safe_run(&env, &["check", "--format", "json", "decks/hostile"], "", 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"unknown class `.sneaky\u{1b}[2J` ignored"),
        "JSON keeps the text, escaped: {messages:?}"
    );

    let (out, _) = safe_run(&env, &["build", "decks/hostile"], "", 0);
    assert!(out.starts_with("hostile: 6 notes"), "{out}");
    let (out, _) = safe_run(&env, &["ids", "decks/hostile"], "", 0);
    assert!(out.contains("name ]0;pwned 31m .md: "), "{out}");

    let (out, _) = safe_run(&env, &["show", "clear-screen"], "", 0);
    assert!(
        out.contains("Clear [2J the screen ]0;pwned")
            && out.contains("tags:    plain, biditag")
            && out.contains("reverses text with an isolate here."),
        "{out}"
    );
    let (out, _) = safe_run(&env, &["show", "--json", "clear-screen"], "", 0);
    let note: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        note["title"],
        "Clear \u{1b}[2J the screen \u{1b}]0;pwned\u{7}"
    );
    assert_eq!(note["tags"][1], "bidi\u{202e}tag");
    for id in ["choice-escapes", "cloze-escapes", "named-file"] {
        safe_run(&env, &["show", id], "", 0);
        let (out, _) = safe_run(&env, &["show", "--json", id], "", 0);
        serde_json::from_str::<Value>(&out).unwrap();
    }
    let (out, _) = safe_run(&env, &["show", "named-file"], "", 0);
    assert!(
        out.contains("source:  topics/name ]0;pwned 31m .md:4"),
        "{out}"
    );

    // Every card, answered in line mode: `b` picks an option or reveals, `3` rates.
    let (out, _) = safe_run(&env, &["review", "--plain"], &"b\n3\n".repeat(12), 0);
    assert!(out.contains("card hostile/clear-screen#0"), "{out}");
    assert!(out.contains("Attack [2J2J domain"), "{out}");
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["stats"],
        &["stats", "--json"],
    ] {
        let (out, _) = safe_run(&env, args, "", 0);
        if args.contains(&"--json") {
            serde_json::from_str::<Value>(&out).unwrap();
        }
    }
}

#[test]
fn error_messages_quoting_hostile_text_are_sanitized() {
    let env = Env::new();
    hostile(&env);
    std::fs::write(
        env.path_of("decks/hostile/topics/broken.md"),
        "---\nskill: csi\n---\n## Typo {#typo skill=os\u{1b}]0;pwned\u{7}c}\n\nAnswer.\n\n## Bad tag {#bad-tag tags=a\u{1b}[2Jb}\n\nAnswer.\n\n## Bad id {#Bad\u{9b}2J}\n\nAnswer.\n",
    )
    .unwrap();
    let (out, _) = safe_run(&env, &["check", "decks/hostile"], "", 1);
    assert!(
        out.contains("unknown skill `os]0;pwnedc`")
            && out.contains("tag `a[2Jb` is not valid")
            && out.contains("note id `Bad2J` is not valid"),
        "{out}"
    );
    let (out, _) = safe_run(&env, &["check", "--format", "json", "decks/hostile"], "", 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 3, "{report}");
    let (_, err) = safe_run(&env, &["build", "decks/hostile"], "", 1);
    assert!(err.contains("unknown skill `os]0;pwnedc`"), "{err}");

    // A deck id and the user's own arguments, quoted back in error messages.
    let evil = env.path_of("decks/evil");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(
        evil.join("deck.toml"),
        "id = \"evil\\u001b]0;pwned\\u0007\"\nname = \"Evil\"\nversion = \"1\"\n",
    )
    .unwrap();
    let (_, err) = safe_run(&env, &["build", "decks/evil"], "", 1);
    assert!(
        err.contains("deck id `evil]0;pwned` is not a slug"),
        "{err}"
    );
    let (_, err) = safe_run(&env, &["show", "\u{1b}]0;pwned\u{7}\u{202e}"], "", 1);
    assert!(err.starts_with("error: "), "{err}");
    let (_, err) = safe_run(&env, &["import", "missing \u{1b}[2J\u{9b}1m.apkg"], "", 1);
    assert!(err.contains("missing [2J1m.apkg"), "{err}");
    let (_, err) = safe_run(&env, &["ids", "decks/\u{1b}[2J"], "", 1);
    assert!(err.starts_with("error: "), "{err}");
}
