//! Renaming the states nested in a copy of a state: Step Functions wants every state name to be
//! unique in the whole definition, so the once-only copy of a resume point (with its shortcuts)
//! gets new names for everything inside it.

use std::collections::HashMap;

use super::rewrite::NameAllocator;
use crate::model::{Machine, State, StateKind};

/// What a copied state's name ends with.
pub const COPY_MARK: &str = " (resumed)";

/// The name of the once-only copy of `name` (an earlier copy's mark is not repeated).
pub fn copy_base(name: &str) -> String {
    let original = name.split(COPY_MARK).next().unwrap_or(name);
    format!("{original}{COPY_MARK}")
}

/// Gives every state nested in `state` a new name from `names`, and points every reference
/// (StartAt, Next, Choice targets and Default, Catch) at the new names.
pub fn rename_nested(state: &mut State, names: &mut NameAllocator) {
    let mut map = HashMap::new();
    for child in state.children() {
        for (_, name, _) in child.walk() {
            map.insert(name.to_string(), names.allocate(&copy_base(name)));
        }
    }
    for child in children_mut(state) {
        rename_machine(child, &map);
    }
}

fn children_mut(state: &mut State) -> Vec<&mut Machine> {
    match &mut state.kind {
        StateKind::Parallel(p) => p.branches.iter_mut().collect(),
        StateKind::Map(m) => vec![&mut m.processor],
        _ => Vec::new(),
    }
}

fn rename_machine(machine: &mut Machine, map: &HashMap<String, String>) {
    let renamed = |name: &str| map.get(name).cloned().unwrap_or_else(|| name.to_string());
    machine.start_at = renamed(&machine.start_at);
    let states = std::mem::take(&mut machine.states);
    for (name, mut state) in states {
        if let Some(next) = &mut state.next {
            *next = renamed(next);
        }
        match &mut state.kind {
            StateKind::Choice(choice) => {
                for rule in &mut choice.choices {
                    if let Some(next) = &mut rule.next {
                        *next = renamed(next);
                    }
                }
                if let Some(default) = &mut choice.default {
                    *default = renamed(default);
                }
            }
            StateKind::Task(t) => t.catch.iter_mut().for_each(|c| c.next = renamed(&c.next)),
            StateKind::Parallel(p) => p.catch.iter_mut().for_each(|c| c.next = renamed(&c.next)),
            StateKind::Map(m) => m.catch.iter_mut().for_each(|c| c.next = renamed(&c.next)),
            _ => {}
        }
        for child in children_mut(&mut state) {
            rename_machine(child, map);
        }
        machine.states.insert(renamed(&name), state);
    }
}
