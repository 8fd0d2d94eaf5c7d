//! The `deployer` command line.
fn main() {}
