//! The `skilldeck` binary: parses arguments, runs the command, prints the error chain
//! (sanitized) and returns the exit code (0 ok, 1 user error, 2 internal error).

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match skilldeck::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout and succeed; a bad argument is a user error (1).
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match skilldeck::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Messages quote deck and package text: the sanitized stream keeps escape
            // sequences in them from reaching the terminal. Each cause once: one the message
            // already quotes is not repeated.
            let mut err = skilldeck::sanitize::stderr();
            let mut printed = error.to_string();
            let _ = writeln!(err, "error: {printed}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !printed.contains(&text) {
                    let _ = writeln!(err, "  caused by: {text}");
                    printed.push_str(&text);
                }
                source = cause.source();
            }
            ExitCode::from(error.exit_code())
        }
    }
}
