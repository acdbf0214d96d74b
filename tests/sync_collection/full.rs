//! The full syncs, each only on the user's explicit choice, after another device replaced the
//! server's collection.

use super::{count, sync, synced};
use crate::support::{Env, SyncServer};

#[test]
fn after_another_device_replaced_the_collection_only_an_explicit_full_download_goes_on() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let phone = synced(&env, &server);
    // The phone forces a one-way sync: the server's collection is replaced (its schema
    // stamp changes), with answers skilldeck has not seen.
    phone.run(&env, &server, &["study", "4", "full-upload"]);
    let phone_answers = phone.run(&env, &server, &["dump"])["dump"]["revlog"]
        .as_array()
        .unwrap()
        .len();
    let before = env.dump();
    let run = sync(&env);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("only a full sync is possible")
            && run.stderr.contains("--full-download"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.dump(),
        before,
        "nothing changes before the user chooses"
    );
    let stdout = env.run(&["sync", "--full-download"]).ok();
    assert!(
        stdout.contains("Downloaded the server's collection"),
        "{stdout}"
    );
    assert_eq!(
        count(&env, "SELECT count(*) FROM reviews WHERE source = 'anki'") as usize,
        phone_answers
    );
    // Both sides go on with normal syncs.
    let after = phone.run(&env, &server, &["sync", "dump"]);
    assert_eq!(after["sync"]["required"], "normal");
    assert_eq!(after["dump"]["check"]["ok"], true);
    let stdout = sync(&env).ok();
    assert!(
        stdout.contains("Already in sync") || stdout.contains("pulled 0 review(s)"),
        "{stdout}"
    );
}

#[test]
fn a_full_upload_replaces_the_servers_collection_when_asked_and_phones_download_it() {
    let env = Env::new();
    let server = SyncServer::start_at(&env.now);
    let phone = synced(&env, &server);
    phone.run(&env, &server, &["study", "2", "full-upload"]);
    let run = env.run(&["sync", "--full-upload"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("every other device must then download it"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("Uploaded skilldeck's decks"),
        "{}",
        run.stdout
    );
    // The phone is told so, downloads skilldeck's collection, and Anki finds it sound.
    let tried = phone.run(&env, &server, &["sync"]);
    assert_eq!(tried["sync"]["required"], "full_needed", "{tried}");
    let got = phone.run(&env, &server, &["download", "dump"]);
    let notes = count(&env, "SELECT count(*) FROM notes WHERE retired_at IS NULL");
    assert_eq!(got["dump"]["notes"].as_array().unwrap().len() as i64, notes);
    assert_eq!(got["dump"]["check"]["ok"], true, "{}", got["dump"]["check"]);
    // Then both go on with normal syncs.
    let after = phone.run(&env, &server, &["study", "2", "sync"]);
    assert_eq!(after["sync"]["required"], "normal");
    let stdout = sync(&env).ok();
    assert!(stdout.contains("pulled 2 review(s) (2 new"), "{stdout}");
}
