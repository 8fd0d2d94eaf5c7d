//! Where each state lives in a definition: its chain of enclosing states and branches.

use std::collections::HashMap;

use crate::model::{Machine, StateKind};

/// One step down into a nested machine: the enclosing state and which of its machines
/// (the branch index for Parallel, 0 for a Map's item processor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enclosing<'a> {
    /// The enclosing Parallel or Map state.
    pub state: &'a str,
    /// The branch index (always 0 inside a Map).
    pub branch: usize,
}

/// Where a state lives.
#[derive(Debug, Clone)]
pub struct Location<'a> {
    /// Enclosing states from the top level inwards (empty for a top-level state).
    pub parents: Vec<Enclosing<'a>>,
}

impl<'a> Location<'a> {
    /// The top-level state that contains this one (or this one, at the top level).
    pub fn top_level(&self, own_name: &'a str) -> &'a str {
        self.parents.first().map_or(own_name, |p| p.state)
    }
}

/// Every state of a definition by name. Step Functions requires state names to be unique in
/// the whole definition, nested machines included, so a name is an address.
pub struct StateIndex<'a> {
    by_name: HashMap<&'a str, Location<'a>>,
}

impl<'a> StateIndex<'a> {
    /// Indexes every state of `machine` and of the machines nested in it.
    pub fn new(machine: &'a Machine) -> Self {
        let mut by_name = HashMap::new();
        index_into(machine, &mut Vec::new(), &mut by_name);
        StateIndex { by_name }
    }

    /// Looks a state up by name.
    pub fn get(&self, name: &str) -> Option<&Location<'a>> {
        self.by_name.get(name)
    }

    /// Whether the definition has a state of that name.
    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }
}

fn index_into<'a>(
    machine: &'a Machine,
    parents: &mut Vec<Enclosing<'a>>,
    out: &mut HashMap<&'a str, Location<'a>>,
) {
    for (name, state) in &machine.states {
        out.entry(name.as_str()).or_insert_with(|| Location {
            parents: parents.clone(),
        });
        let children: Vec<&Machine> = match &state.kind {
            StateKind::Parallel(p) => p.branches.iter().collect(),
            StateKind::Map(m) => vec![&m.processor],
            _ => continue,
        };
        for (branch, child) in children.into_iter().enumerate() {
            parents.push(Enclosing {
                state: name.as_str(),
                branch,
            });
            index_into(child, parents, out);
            parents.pop();
        }
    }
}
