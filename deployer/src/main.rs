//! The `deployer` command line.

use clap::Parser;

fn main() {
    let cli = deployer::cli::Cli::parse();
    if let Err(err) = deployer::cmd::run(cli) {
        eprintln!("error: {err}");
        std::process::exit(err.exit_code());
    }
}
