//! The typed model of an Amazon States Language definition (JSONPath query language).
//!
//! Every state type and field that Step Functions documents for the JSONPath query language is
//! modelled; anything else found in a definition (newer fields, JSONata fields, comments in odd
//! places) is kept verbatim in an `extra` map and written back unchanged, because the resume
//! planner rewrites users' definitions and must never drop what it does not understand.
//!
//! Parse with [`Definition::from_json`] or [`Definition::from_value`]; write back with
//! [`Definition::to_value`]. Parsing errors name the state and the field.

mod choice;
mod error;
mod fields;
mod machine;
mod state;

pub use choice::{ChoiceRule, Comparison, Condition, Operator};
pub use error::ParseError;
pub use machine::{Definition, Machine};
pub use state::{
    Catcher, ChoiceState, FailState, MapState, ParallelState, PassState, Retrier, State, StateKind,
    SucceedState, TaskState, Transition, WaitState,
};
