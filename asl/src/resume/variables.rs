//! Variables (`Assign`) and JSONata in a definition: whether the plan must restore variables,
//! and which states assign them.

use crate::model::{Machine, StateKind};

/// Whether `Assign` appears in a state: on the state, on a Choice rule, or on a Catch entry.
fn assigns(state: &crate::model::State) -> bool {
    let on_rule = match &state.kind {
        StateKind::Choice(choice) => choice
            .choices
            .iter()
            .any(|r| r.extra.contains_key("Assign")),
        _ => false,
    };
    state.extra.contains_key("Assign")
        || on_rule
        || state
            .catchers()
            .iter()
            .any(|c| c.extra.contains_key("Assign"))
}

/// The states of `machine` (nested machines included) that assign variables.
pub fn assigning_states(machine: &Machine) -> Vec<String> {
    machine
        .walk()
        .into_iter()
        .filter(|(_, _, state)| assigns(state))
        .map(|(_, name, _)| name.to_string())
        .collect()
}
