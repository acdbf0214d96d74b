//! Property tests of the package reader: random bytes, a small valid package with bytes changed
//! (in the zip or in the collection inside it), and zips of random members go through
//! everything `import` and `import --to-markdown` read. None may panic or take long; every
//! refusal is a user error; a refused conversion leaves no folder, and a refused import leaves
//! the database as it was.

use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use skilldeck::anki::read::Package;

use crate::support::Env;

/// The workspace clock, in epoch milliseconds (`Env`'s `2026-11-25T09:00:00Z`).
const NOW_MS: i64 = 1_795_597_200_000;

/// How long one case may take, a generous guard: each takes milliseconds.
const CASE_LIMIT: Duration = Duration::from_secs(3);

/// A small valid package: the kinds deck, three answers, exported with scheduling, its
/// collection rewritten with 1 KiB pages so changed bytes land in what SQLite reads.
struct Fixture {
    /// The package's members other than the collection (media list and media files).
    members: Vec<(String, Vec<u8>)>,
    collection: Vec<u8>,
    package: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let env = workspace();
        let mut archive =
            zip::ZipArchive::new(fs::File::open(env.path_of("ours.apkg")).unwrap()).unwrap();
        let mut members = Vec::new();
        let mut collection = Vec::new();
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            if name == "collection.anki2" {
                collection = bytes;
            } else {
                members.push((name, bytes));
            }
        }
        let db = env.path_of("small.anki2");
        fs::write(&db, &collection).unwrap();
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch("PRAGMA page_size = 1024; VACUUM;")
            .unwrap();
        let collection = fs::read(&db).unwrap();
        assert!(collection.len() < 64 << 10, "{}", collection.len());
        let package = zipped(&with_collection(&members, collection.clone()));
        Fixture {
            members,
            collection,
            package,
        }
    })
}

/// The kinds deck built, answered three times and exported with scheduling as `ours.apkg`.
fn workspace() -> Env {
    let env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run_input(&["review", "--plain"], &"\n3\n".repeat(3))
        .ok();
    env.run(&["export", "kinds", "--with-scheduling", "-o", "ours.apkg"])
        .ok();
    env
}

fn with_collection(members: &[(String, Vec<u8>)], collection: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut all = vec![("collection.anki2".to_owned(), collection)];
    all.extend(members.iter().cloned());
    all
}

/// A zip of the members, in memory (a repeated name is left out: a zip cannot hold it twice).
fn zipped(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut seen = std::collections::HashSet::new();
    for (name, bytes) in members {
        if !seen.insert(name) {
            continue;
        }
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Bytes with some of them changed: (position, new byte), positions taken modulo the length.
fn mutated(bytes: &[u8], changes: &[(usize, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.is_empty() {
        for &(at, byte) in changes {
            let n = out.len();
            out[at % n] = byte;
        }
    }
    out
}

/// Reads everything `import` and `import --to-markdown` read, converting into `out`.
fn read_all(file: &Path, out: &Path) -> skilldeck::Result<()> {
    let mut package = Package::open(file)?;
    let media = package.media()?;
    for (member, _) in media.iter().take(20) {
        package.media_file(member)?;
    }
    skilldeck::anki::import::history(&package, NOW_MS)?;
    skilldeck::anki::convert::to_markdown(&mut package, out)
        .map(|_| ())
        .map_err(|e| package.explain(e))
}

/// Runs `read_all` on the package bytes on its own thread, bounded by `CASE_LIMIT`: a panic,
/// a hang, an internal error or a folder left by a refusal fails the case.
fn check_reader(bytes: Vec<u8>) -> std::result::Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.apkg");
    fs::write(&file, &bytes).unwrap();
    let out = dir.path().join("deck");
    let (send, receive) = mpsc::channel();
    let (file_, out_) = (file.clone(), out.clone());
    let worker = std::thread::spawn(move || {
        let result = read_all(&file_, &out_);
        let _ = send.send(result.map_err(|e| (e.to_string(), e.exit_code())));
    });
    let result = match receive.recv_timeout(CASE_LIMIT) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            return Err(TestCaseError::fail(format!(
                "still reading after {CASE_LIMIT:?}"
            )));
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = worker.join().err().map(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default()
            });
            return Err(TestCaseError::fail(format!("panicked: {panic:?}")));
        }
    };
    if let Err((message, code)) = result {
        prop_assert_eq!(code, 1, "not a user error: {}", message);
        prop_assert!(
            message.starts_with(&format!("{}: ", file.display())),
            "{}",
            message
        );
        let left: Vec<PathBuf> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| *p != file)
            .collect();
        prop_assert!(left.is_empty(), "a refusal left {:?}", left);
    }
    Ok(())
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

#[test]
fn the_fixture_reads_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.apkg");
    fs::write(&file, &fixture().package).unwrap();
    read_all(&file, &dir.path().join("deck")).unwrap();
    assert!(dir.path().join("deck/deck.toml").is_file());
}

/// Names a member may have: the ones packages use, and ones they must not.
fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("collection.anki2".to_owned()),
        Just("collection.anki21".to_owned()),
        Just("collection.anki21b".to_owned()),
        Just("meta".to_owned()),
        Just("media".to_owned()),
        Just("0".to_owned()),
        Just("../evil".to_owned()),
        "[a-z0-9./]{1,12}",
    ]
}

/// What a member may hold: random bytes, the valid collection (plain or zstd), a package
/// version, a media list.
fn member_bytes() -> impl Strategy<Value = Vec<u8>> {
    let collection = fixture().collection.clone();
    let compressed = zstd::encode_all(&collection[..], 1).unwrap();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        Just(collection),
        Just(compressed),
        (0u8..6).prop_map(|v| vec![0x08, v]),
        Just(br#"{"0": "a.png", "1": "b.png"}"#.to_vec()),
        Just(vec![0x0a, 0x07, 0x0a, 0x05, b'a', b'.', b'p', b'n', b'g']),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn random_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_reader(bytes)?;
    }

    #[test]
    fn a_package_with_changed_bytes_never_panics(
        changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)
    ) {
        check_reader(mutated(&fixture().package, &changes))?;
    }

    #[test]
    fn a_collection_with_changed_bytes_never_panics(
        changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)
    ) {
        let f = fixture();
        let collection = mutated(&f.collection, &changes);
        check_reader(zipped(&with_collection(&f.members, collection)))?;
    }

    #[test]
    fn random_members_never_panic(
        members in proptest::collection::vec((member_name(), member_bytes()), 0..5)
    ) {
        check_reader(zipped(&members))?;
    }
}

/// Through the real executable: a refused import leaves the database as it was.
#[test]
fn a_refused_import_changes_nothing() {
    let env = workspace();
    let f = fixture();
    let strategy = prop_oneof![
        proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6).prop_map(|changes| zipped(
            &with_collection(&f.members, mutated(&f.collection, &changes))
        )),
        proptest::collection::vec((member_name(), member_bytes()), 0..5)
            .prop_map(|members| zipped(&members)),
    ];
    let file = env.path_of("case.apkg");
    let path = file.to_string_lossy().into_owned();
    TestRunner::new(config(16))
        .run(&strategy, |bytes| {
            fs::write(&file, &bytes).unwrap();
            let before = env.dump();
            let run = env.run(&["import", &path]);
            prop_assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
            if run.code == 1 {
                prop_assert_eq!(env.dump(), before, "{}", run.stderr);
            }
            Ok(())
        })
        .unwrap();
}
