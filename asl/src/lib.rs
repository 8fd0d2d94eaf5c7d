//! Amazon States Language (JSONPath query language): a typed definition model that keeps what it
//! does not model, validation like AWS's ValidateStateMachineDefinition, GetExecutionHistory
//! events, and the resume planner behind `deployer resume`.

pub mod engine;
pub mod history;
pub mod model;
pub mod path;
pub mod resume;
pub mod validate;
