//! One module per command; each is thin: read input, call the library, print.

pub mod local;
pub mod resume;

use crate::cli::{Cli, Command, LocalCommand};
use crate::error::CliResult;

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Resume(args) => resume::run(&args, cli.output),
        Command::Local(LocalCommand::Serve(args)) => local::serve(&args),
    }
}
