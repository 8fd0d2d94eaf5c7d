//! The `deployer` command line as a library: argument parsing, the commands, terminal output.

pub mod adopt;
pub mod aws;
pub mod cli;
pub mod cmd;
pub mod demo;
pub mod error;
pub mod input;
pub mod interrupt;
pub mod named;
pub mod operation;
pub mod render;
pub mod resumer;
pub mod snippets;
pub mod stacks;
pub mod strategy;
pub mod ui;
