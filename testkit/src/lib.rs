//! What the tests of every crate in the workspace share, so that no test file carries its own
//! copy: the emulator on an ephemeral port and an SDK config pointing at it (`aws`), Lambda
//! deployment packages ([`package`]), polling ([`eventually`]), the fuzz targets' settings
//! ([`fuzz`]) and the data recorded on real AWS under `../shared` ([`shared`]).

#[cfg(feature = "aws")]
pub mod aws;
pub mod fuzz;
pub mod package;
mod poll;
pub mod shared;

pub use poll::eventually;
