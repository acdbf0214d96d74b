//! For deck authors: `check --format github` (workflow commands on the broken fixture), the
//! warning for notes changed without a version bump, and `skilldeck new` (a skeleton that
//! passes `check`, with a GitHub Actions workflow that runs it).

use std::fs;

use crate::support::Env;

#[test]
fn github_format_annotates_every_error_of_the_broken_deck() {
    let env = Env::new();
    env.deck("broken");
    let text = env.run(&["check", "decks/broken"]);
    let run = env.run(&["check", "decks/broken", "--format", "github"]);
    // The same exit code and message as the text format.
    assert_eq!((run.code, text.code), (1, 1));
    assert_eq!(run.stderr, "error: 14 error(s) found\n");
    let commands: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 14, "{}", run.stdout);
    assert!(
        commands
            .iter()
            .all(|c| c.starts_with("::error file=decks/broken/"))
    );
    assert!(
        commands.contains(
            &"::error file=decks/broken/notes/unknown-skill.md,line=3,col=1::unknown skill `trigger`: the outline has no such skill%0Ahint: did you mean `triggers`?"
        ),
        "{}",
        run.stdout
    );
    // One command a line: messages carry no raw line break.
    assert_eq!(
        run.stdout.lines().count(),
        15,
        "14 commands and the summary: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("broken: 15 notes, 14 cards, 14 error(s), 0 warning(s)\n")
    );
    // Every error of the text format is there, at the same place.
    for line in text.stdout.lines().filter(|l| l.contains(": error: ")) {
        let (place, message) = line.split_once(": error: ").unwrap();
        let mut parts = place.rsplitn(3, ':');
        let (col, row, path) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let start = format!(
            "::error file={},line={row},col={col}::{}",
            path.replace(',', "%2C").replace(':', "%3A"),
            message.replace('%', "%25")
        );
        assert!(
            commands.iter().any(|c| c.starts_with(&start)),
            "{start}\n{}",
            run.stdout
        );
    }
}

#[test]
fn github_format_paths_are_relative_to_the_working_folder_and_escaped() {
    let env = Env::new();
    let deck = env.deck("kinds");
    // A file name with the characters a property must escape.
    fs::rename(deck.join("topics/basics.md"), deck.join("topics/a,b:c%.md")).unwrap();
    let absolute = deck.to_string_lossy().into_owned();
    let out = env.run(&["check", &absolute, "--format", "github"]).ok();
    assert!(
        out.starts_with("::warning file=decks/kinds/topics/a%2Cb%3Ac%25.md,line=46,col=1::note has no id; using `h-054a25c1c236`, derived from its prompt%0Ahint: "),
        "{out}"
    );
}

#[test]
fn check_warns_when_notes_changed_since_the_last_build_of_the_same_version() {
    let env = Env::new();
    let deck = env.deck("kinds");
    let warning = "changed since the last build";
    // Without a database: no warning, and still no database.
    let out = env.run(&["check", "decks/kinds"]).ok();
    assert!(!out.contains(warning), "{out}");
    assert!(!env.db().exists());
    env.run(&["build", "decks/kinds"]).ok();
    // Right after a build: nothing changed.
    let out = env.run(&["check", "decks/kinds"]).ok();
    assert!(!out.contains(warning), "{out}");
    // Edit one note, remove one, and give an id-less note an id (its derived id is gone: one
    // added, one removed).
    let basics = deck.join("topics/basics.md");
    let text = fs::read_to_string(&basics).unwrap();
    let text = text
        .replace("It turns off CI triggers", "It turns CI triggers off")
        .replace(
            "## A note without an id",
            "## A note without an id, renamed {#renamed}",
        );
    fs::write(&basics, text).unwrap();
    let choice = deck.join("topics/choice.md");
    let text = fs::read_to_string(&choice).unwrap();
    let cut = text.find("## Which of these are KQL operators?").unwrap();
    fs::write(&choice, &text[..cut]).unwrap();
    let before = fs::read(env.db()).unwrap();
    let run = env.run(&["check", "decks/kinds", "--format", "github"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("::warning file=decks/kinds/deck.toml,line=3,col=1::4 note(s) changed since the last build (1 added, 1 changed, 2 removed), but `version` is still 0.1.0%0Ahint: raise `version` before publishing"),
        "{}",
        run.stdout
    );
    // check never writes the database.
    assert!(fs::read(env.db()).unwrap() == before);
    // A new version: no warning.
    let manifest = deck.join("deck.toml");
    let toml = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, toml.replace("0.1.0", "0.2.0")).unwrap();
    let out = env.run(&["check", "decks/kinds"]).ok();
    assert!(!out.contains(warning), "{out}");
}
