//! The tutorial's demo Lambda functions (Rust, lambda_runtime). Not built yet: see the README's roadmap.
