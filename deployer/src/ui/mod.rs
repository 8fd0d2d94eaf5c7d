//! Terminal output: how plans and results look to people.

pub mod batch;
pub mod console;
pub mod plan;
pub mod resume;
pub mod stack;
