//! One module per command; each is thin: read input, call the library, print.

pub mod local;
pub mod render;
pub mod resume;
pub mod task;

use crate::cli::{Cli, Command, LocalCommand, RenderCommand};
use crate::error::CliResult;

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Resume(args) => resume::run(&args, cli.output),
        Command::Render(RenderCommand::Demo(args)) => render::demo(&args),
        Command::Render(RenderCommand::Resumer(args)) => render::resumer(&args),
        Command::Task(args) => task::run(&args, cli.output),
        Command::Local(LocalCommand::Serve(args)) => local::serve(&args),
    }
}
