//! The deployer's integration tests, one binary: the real `deployer` binary and the library
//! against an in-process emulator, checked with the real aws-sdk clients.

mod common;
mod demo_cmd;
mod demo_stack;
mod flag_world;
mod local_serve;
mod prompt;
mod render_cli;
mod resume_batch;
mod resume_cli;
mod resume_jsonata;
mod resume_live;
mod resume_scenarios;
mod resume_strategy;
mod resumer_stack;
mod scenario_world;
mod up_down;
