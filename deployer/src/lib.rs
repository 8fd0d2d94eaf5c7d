//! The `deployer` command line as a library: argument parsing, the commands, terminal output.

pub mod cli;
pub mod cmd;
pub mod error;
pub mod input;
pub mod render;
pub mod resumer;
pub mod ui;
