//! The demo functions' tests, one binary: each function run by the emulator's Lambda as AWS runs
//! it, and the tutorial's state machine calling them.

mod common;
mod functions;
mod state_machine;
