//! asl's integration tests, one binary: the engine run through its public API with a fake task
//! invoker, its restart recovery, and the resume planner's round trips.

mod common;
mod engine;
mod engine_recovery;
mod fixture_history;
mod resume_roundtrip;
mod runtime_errors;
mod variables;
