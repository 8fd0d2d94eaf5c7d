//! One module per emulated service. Each has its state and behaviour (`model.rs`) apart from its
//! wire protocol (`api.rs`); [`registry`] lists them and sends each request to its service.

pub mod cloudformation;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod lambda;
pub mod logs;
pub mod registry;
pub mod s3;
pub mod stepfunctions;
pub mod store;
pub mod sts;
