//! Support code for `cargo xtask`: generators of large inputs for the benchmarks.

pub mod synthetic;
