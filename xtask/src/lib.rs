//! Support code for `cargo xtask`: the demo (the tutorial end to end), the Lambda packages,
//! generators of large inputs and the workloads of the benchmarks, and the summary table of
//! the interpreter benchmarks, the fuzz targets' run (`fuzz`), and the layering checks
//! (`tidy`).

pub mod demo;
pub mod fuzz;
pub mod lambdas;
pub mod summary;
pub mod synthetic;
pub mod tidy;
pub mod workloads;
pub mod workspace;
