//! What the fuzz targets (proptest properties named `…never_panic…`) share: how many cases
//! they run, set by one environment variable, and no failure files written into the tree.
//!
//! `cargo test` runs each target a few hundred times; `cargo xtask fuzz --cases N` (CI) sets
//! `SFN_FUZZ_CASES=N` and runs them all for longer.

use proptest::test_runner::Config;

/// The environment variable that sets the number of cases every fuzz target runs.
pub const CASES_VAR: &str = "SFN_FUZZ_CASES";

/// Cases per target when [`CASES_VAR`] is not set: enough to catch the easy crashes while
/// `cargo test` stays fast.
pub const DEFAULT_CASES: u32 = 256;

/// The number of cases each target runs: [`CASES_VAR`] when it holds a number, else `fallback`
/// (a target whose cases are costly passes less than [`DEFAULT_CASES`]).
pub fn cases(fallback: u32) -> u32 {
    std::env::var(CASES_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(fallback)
}

/// The proptest configuration of a fuzz target: [`cases`], and no persistence of failures
/// (a failing case is printed, never written into the source tree).
pub fn config(fallback: u32) -> Config {
    Config {
        cases: cases(fallback),
        failure_persistence: None,
        ..Config::default()
    }
}
