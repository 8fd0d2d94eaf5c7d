//! The evaluator's integration tests, one binary: the public API, the limits, and fuzzing of the
//! parser and the evaluator. The official suite has its own binary (`tests/suite.rs`), a report.

mod api;
mod fuzz;
mod limits;
