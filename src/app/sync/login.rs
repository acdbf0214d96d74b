//! `skilldeck sync login` and `sync logout`: the first part of syncing with Anki's server.
//! Login asks for the password (terminal without echo, or the first line of a piped standard
//! input; never an argument, which other users could read in the process list), trades it for
//! the server's host key and keeps only the key. The password itself is never stored.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use crate::anki::sync::client::{self, ANKIWEB};
use crate::anki::sync::credentials::{self, Credentials};
use crate::cli::SyncAction;
use crate::error::{Error, Result};

/// Runs `sync login` or `sync logout`.
pub fn account(action: SyncAction) -> Result<()> {
    match action {
        SyncAction::Login { endpoint, user } => login(endpoint.as_deref(), user),
        SyncAction::Logout => logout(),
    }
}

fn login(endpoint: Option<&str>, user: Option<String>) -> Result<()> {
    let path = credentials::path()?;
    let endpoint = client::normalize_endpoint(endpoint.unwrap_or(ANKIWEB))?;
    if let Some(warning) = client::check_transport(&endpoint)? {
        let _ = writeln!(crate::sanitize::stderr(), "warning: {warning}");
    }
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let user = match user {
        Some(user) => user,
        None if interactive => ask("User name: ")?,
        None => {
            return Err(Error::user(
                "pass --user NAME when the password comes from standard input",
            ));
        }
    };
    let user = user.trim().to_owned();
    if user.is_empty() {
        return Err(Error::user("the user name is empty"));
    }
    let password = if interactive {
        rpassword::prompt_password(format!("Password for {user} at {endpoint}: "))
            .map_err(|e| Error::user(format!("cannot read the password: {e}")))?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(|e| {
            Error::user(format!("cannot read the password from standard input: {e}"))
        })?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        return Err(Error::user("the password is empty; nothing was stored"));
    }
    let (key, endpoint) = client::host_key(&endpoint, &user, &password)?;
    credentials::save(
        &path,
        &Credentials {
            endpoint: endpoint.clone(),
            user: user.clone(),
            key,
        },
    )?;
    let mut out = crate::sanitize::stdout();
    writeln!(
        out,
        "Logged in to {endpoint} as {user}. The key is kept in {} (readable only by you).",
        path.display()
    )
    .map_err(|e| Error::io("<stdout>", e))
}

/// Asks a question on the terminal and reads one line.
fn ask(question: &str) -> Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{question}")
        .and_then(|()| err.flush())
        .map_err(|e| Error::io("<stderr>", e))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("<stdin>", e))?;
    Ok(line)
}

fn logout() -> Result<()> {
    let path = credentials::path()?;
    // Who it was, if the file says; a damaged file is removed all the same.
    let who = credentials::load(&path).ok().flatten();
    let removed = credentials::remove(&path)?;
    let mut out = crate::sanitize::stdout();
    let text = match (removed, who) {
        (false, _) => "No sync login to forget.".to_owned(),
        (true, Some(c)) => format!(
            "Forgot the sync login of {} at {} (removed {}).",
            c.user,
            c.endpoint,
            path.display()
        ),
        (true, None) => format!("Forgot the sync login (removed {}).", path.display()),
    };
    writeln!(out, "{text}").map_err(|e| Error::io("<stdout>", e))
}
