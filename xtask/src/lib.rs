//! Support code for `cargo xtask`: generators of large inputs and the workloads of the
//! benchmarks, and the summary table of the interpreter benchmarks.

pub mod summary;
pub mod synthetic;
pub mod workloads;
