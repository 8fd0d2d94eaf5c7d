//! Terminal output: how plans and results look to people.

pub mod plan;
