//! asl's integration tests, one binary: the engine run through its public API with a fake task
//! invoker, its restart recovery, the resume planner's round trips, runtime errors worded as
//! AWS words them, and fuzzing of whole definitions.

mod common;
mod engine;
mod engine_recovery;
mod fixture_history;
mod fuzz;
mod resume_roundtrip;
mod runtime_errors;
mod variables;
