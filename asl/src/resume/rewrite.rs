//! The pieces the planner adds to a definition: the `GoToState` Choice that jumps to the
//! resume point when the input says so, and Pass states that stand in for work already done.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::model::{
    ChoiceRule, ChoiceState, Comparison, Condition, Machine, Operator, PassState, State, StateKind,
};

/// Longest state name Step Functions accepts.
const MAX_STATE_NAME: usize = 80;

/// Hands out state names that no state of the definition uses yet.
pub struct NameAllocator {
    taken: HashSet<String>,
}

impl NameAllocator {
    /// Starts from every name used in `machine`, nested machines included.
    pub fn new(machine: &Machine) -> Self {
        NameAllocator {
            taken: machine
                .walk()
                .into_iter()
                .map(|(_, name, _)| name.to_string())
                .collect(),
        }
    }

    /// `base` if free, else `base_2`, `base_3`, … (kept within the 80-character limit).
    pub fn allocate(&mut self, base: &str) -> String {
        let base = truncate(base, MAX_STATE_NAME - 4);
        let mut candidate = base.to_string();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

fn truncate(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn comparison(variable: &str, operator: Operator) -> ChoiceRule {
    ChoiceRule {
        condition: Condition::Compare(Comparison {
            variable: variable.to_string(),
            operator,
            operand: Value::Bool(true),
        }),
        next: None,
        comment: None,
        extra: Map::new(),
    }
}

fn plain_state(comment: String, kind: StateKind, next: Option<String>) -> State {
    State {
        comment: Some(comment),
        input_path: None,
        output_path: None,
        end: next.is_none().then_some(true),
        next,
        kind,
        extra: Map::new(),
    }
}

/// A Choice state that goes to `target` when the value at `flag` is present and `true`, and
/// to `otherwise` in every other case (so the machine still runs normally).
pub fn go_to_state(flag: &str, target: &str, otherwise: &str) -> State {
    let rule = ChoiceRule {
        condition: Condition::And(vec![
            comparison(flag, Operator::IsPresent),
            comparison(flag, Operator::BooleanEquals),
        ]),
        next: Some(target.to_string()),
        comment: None,
        extra: Map::new(),
    };
    let kind = StateKind::Choice(ChoiceState {
        choices: vec![rule],
        default: Some(otherwise.to_string()),
    });
    let comment = format!(
        "Added by sfn-resume: goes to '{target}' when {flag} is true, else runs from '{otherwise}'"
    );
    let mut state = plain_state(comment, kind, None);
    state.end = None;
    state
}

/// A Pass state that outputs `value` and goes to `next` (or ends its machine).
pub fn recorded_value(comment: String, value: Value, next: Option<String>) -> State {
    let kind = StateKind::Pass(PassState {
        result: Some(value),
        ..PassState::default()
    });
    plain_state(comment, kind, next)
}

/// Makes `first` the machine's start state, listing the new states before the others.
pub fn prepend_states(machine: &mut Machine, first: String, new_states: Vec<(String, State)>) {
    let mut states: IndexMap<String, State> = new_states.into_iter().collect();
    states.extend(std::mem::take(&mut machine.states));
    machine.states = states;
    machine.start_at = first;
}

/// States of `machine` that can be reached from `from` (itself included).
pub fn reachable(machine: &Machine, from: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(state) = machine.states.get(&name) {
            todo.extend(state.successors().into_iter().map(str::to_string));
        }
    }
    seen
}
