//! One module per command; each is thin: read input, call the library, print.

pub mod demo;
pub mod down;
pub mod local;
pub mod ls;
pub mod render;
pub mod resume;
pub mod task;
pub mod up;

use std::future::Future;

use crate::cli::{Cli, Command, DemoCommand, LocalCommand, RenderCommand};
use crate::error::{CliError, CliResult};
use crate::ui::console::Console;

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> CliResult {
    let console = Console::new(&cli.global, cli.output);
    let global = &cli.global;
    match cli.command {
        Command::Up(args) => block_on(up::run(&args, global, &console)),
        Command::Down(args) => block_on(down::run(&args, global, &console)),
        Command::Demo(DemoCommand::Up(args)) => block_on(demo::up(&args, global, &console)),
        Command::Demo(DemoCommand::Down(args)) => block_on(demo::down(&args, global, &console)),
        Command::Ls => block_on(ls::run(global, &console)),
        Command::Resume(args) => resume::run(&args, global, &console),
        Command::Render(RenderCommand::Demo(args)) => render::demo(&args),
        Command::Render(RenderCommand::Resumer(args)) => render::resumer(&args),
        Command::Task(args) => task::run(&args, cli.output),
        Command::Local(LocalCommand::Serve(args)) => local::serve(&args),
    }
}

/// Runs an AWS command on a tokio runtime.
fn block_on(command: impl Future<Output = CliResult>) -> CliResult {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?
        .block_on(command)
}
