//! Amazon States Language (JSONPath and JSONata query languages, workflow variables): a typed
//! definition model that keeps what it does not model, validation like AWS's
//! ValidateStateMachineDefinition, the interpreter, GetExecutionHistory events, and the resume
//! planner behind `deployer resume`.

pub mod engine;
pub mod history;
pub mod model;
pub mod path;
pub mod resume;
pub mod validate;
mod validate_expressions;
