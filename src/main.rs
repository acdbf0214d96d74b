//! The `skilldeck` binary: parses arguments, runs the command, prints the error chain and
//! returns the exit code (0 ok, 1 user error, 2 internal error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = skilldeck::cli::Cli::parse();
    match skilldeck::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::from(error.exit_code())
        }
    }
}
