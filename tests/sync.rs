//! `skilldeck sync login` and `sync logout` against a real Anki sync server (the one that ships
//! with the Anki library), never a mock: the key, the private file, wrong passwords, an
//! unreachable server.

use std::path::Path;

use crate::support::{Env, SyncServer, python_sha1};

fn login(env: &Env, endpoint: &str, password: &str) -> crate::support::Run {
    env.run_input(
        &["sync", "login", "--endpoint", endpoint, "--user", "user"],
        &format!("{password}\n"),
    )
}

fn stored(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn login_keeps_the_servers_key_in_a_private_file_and_never_prints_it() {
    let server = SyncServer::start();
    let env = Env::new();
    let run = login(&env, &server.endpoint, "pass");
    let key = python_sha1("user:pass");
    assert!(
        !run.stdout.contains(&key) && !run.stderr.contains(&key),
        "{run:?}"
    );
    assert!(!run.stdout.contains("pass\n") && !run.stderr.contains("pass\n"));
    let stdout = run.ok();
    assert!(
        stdout.contains(&format!("Logged in to {} as user", server.endpoint)),
        "{stdout}"
    );
    let file = stored(&env.credentials());
    assert_eq!(file["key"], key.as_str());
    assert_eq!(file["user"], "user");
    assert_eq!(file["endpoint"], server.endpoint.as_str());
    // The password itself is kept nowhere.
    let text = std::fs::read_to_string(env.credentials()).unwrap();
    assert!(!text.contains("\"pass\""), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(env.credentials())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Nothing went into the database: login does not open it.
    assert!(!env.db().exists());
}

#[test]
fn a_wrong_password_is_a_clear_error_and_stores_nothing() {
    let server = SyncServer::start();
    let env = Env::new();
    let run = login(&env, &server.endpoint, "wrong");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("refused the user name or password; nothing was stored"),
        "{}",
        run.stderr
    );
    assert!(!env.credentials().exists());
    // An earlier login survives a later wrong password untouched.
    login(&env, &server.endpoint, "pass").ok();
    let before = std::fs::read(env.credentials()).unwrap();
    assert_eq!(login(&env, &server.endpoint, "wrong").code, 1);
    assert_eq!(std::fs::read(env.credentials()).unwrap(), before);
}

#[test]
fn logout_removes_the_login_and_says_so() {
    let server = SyncServer::start();
    let env = Env::new();
    login(&env, &server.endpoint, "pass").ok();
    assert!(env.credentials().exists());
    let stdout = env.run(&["sync", "logout"]).ok();
    assert!(stdout.contains("Forgot the sync login of user"), "{stdout}");
    assert!(!env.credentials().exists());
    let stdout = env.run(&["sync", "logout"]).ok();
    assert_eq!(stdout.trim(), "No sync login to forget.");
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = Env::new();
    let endpoint = format!("http://127.0.0.1:{port}/");
    let run = login(&env, &endpoint, "pass");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("cannot reach the sync server at {endpoint}")),
        "{}",
        run.stderr
    );
    assert!(!env.credentials().exists());
}

#[test]
fn the_password_never_comes_from_the_command_line_and_a_bad_endpoint_is_refused() {
    let env = Env::new();
    let run = env.run(&["sync", "login", "--password", "pass"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--password"), "{}", run.stderr);
    // Piped input without --user: no way to ask for the name.
    let run = env.run_input(
        &["sync", "login", "--endpoint", "http://127.0.0.1:1/"],
        "pass\n",
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("pass --user NAME"), "{}", run.stderr);
    let run = env.run_input(
        &["sync", "login", "--endpoint", "sync.example", "--user", "u"],
        "pass\n",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("not a sync server address"),
        "{}",
        run.stderr
    );
    assert!(!env.credentials().exists());
}

#[test]
fn the_client_speaks_with_the_stored_key_and_maps_refusals() {
    use skilldeck::anki::sync::client::Client;
    use skilldeck::anki::sync::wire;
    let server = SyncServer::start();
    let meta = serde_json::json!({"v": wire::VERSION, "cv": wire::client_name()});
    // The key the server gave is what authenticated calls need: `meta` answers with the
    // collection's state (a new server's collection is empty).
    let key = python_sha1("user:pass");
    let mut client = Client::new(&server.endpoint, &key).unwrap();
    let answer: serde_json::Value = client.call("meta", &meta).unwrap();
    assert_eq!(answer["empty"], true, "{answer}");
    assert!(answer["usn"].is_i64(), "{answer}");
    // Another key: 403, told as a login to redo.
    let mut stranger = Client::new(&server.endpoint, "0000").unwrap();
    let err = stranger
        .call::<serde_json::Value>("meta", &meta)
        .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.to_string().contains("run `skilldeck sync login` again"),
        "{err}"
    );
    // Another device (another session) starts a sync: a step of ours in the middle of it is
    // refused with 409, told as a sync elsewhere to wait for.
    let mut phone = Client::new(&server.endpoint, &key).unwrap();
    let _: serde_json::Value = phone
        .call("start", &serde_json::json!({"minUsn": 0, "lnewer": false}))
        .unwrap();
    let err = client
        .call::<serde_json::Value>("chunk", &serde_json::json!({}))
        .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.to_string().contains("another device is syncing with"),
        "{err}"
    );
    let _: serde_json::Value = phone.call("abort", &serde_json::json!({})).unwrap();
    // A request the server cannot read: 400, the operation failed.
    let err = client
        .call::<serde_json::Value>("meta", &serde_json::json!({"v": "eleven"}))
        .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.to_string().contains("could not do meta"), "{err}");
}
