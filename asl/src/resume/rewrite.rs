//! The pieces the planner adds to a definition: the entry Choice that goes to the resume point
//! only in the resumed execution, Pass states that stand in for data or work already done, and
//! the clean-ups (unreachable states) that keep the result valid.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::model::{
    ChoiceRule, ChoiceState, Comparison, Condition, Machine, Operator, PassState, State, StateKind,
};

/// Longest state name Step Functions accepts.
const MAX_STATE_NAME: usize = 80;
/// How every state the planner adds begins its Comment.
pub const ADDED_BY: &str = "Added by sfn-resume";
/// How the entry Choice's Comment begins (it is found again to resume a resumed run).
pub const ENTRY_MARK: &str = "Added by sfn-resume: entry";

/// The query language a state is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// JSONPath (the default).
    JsonPath,
    /// JSONata.
    Jsonata,
}

impl Lang {
    /// The language of a machine (`QueryLanguage` at its top).
    pub fn of_machine(machine: &Machine) -> Lang {
        Lang::from_field(machine.query_language.as_deref(), Lang::JsonPath)
    }

    /// The language of a state in a machine written in `machine`.
    pub fn of_state(state: &State, machine: Lang) -> Lang {
        Lang::from_field(
            state.extra.get("QueryLanguage").and_then(Value::as_str),
            machine,
        )
    }

    fn from_field(field: Option<&str>, default: Lang) -> Lang {
        match field {
            Some("JSONata") => Lang::Jsonata,
            Some("JSONPath") => Lang::JsonPath,
            _ => default,
        }
    }
}

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

/// A Choice state that goes to `target` only in the execution named `execution_name` and to
/// `otherwise` in every other one, so the copy started plainly runs from its original start.
/// The test reads the context object, never the workflow's data.
pub fn entry_choice(execution_name: &str, target: &str, otherwise: &str, lang: Lang) -> State {
    let condition = match lang {
        Lang::JsonPath => Condition::Compare(Comparison {
            variable: "$$.Execution.Name".to_string(),
            operator: Operator::StringEquals,
            operand: Value::String(execution_name.to_string()),
        }),
        Lang::Jsonata => Condition::Jsonata(Value::String(format!(
            "{{% $states.context.Execution.Name = {} %}}",
            jsonata_string(execution_name)
        ))),
    };
    choice(
        format!(
            "{ENTRY_MARK}: goes to '{target}' in the resumed execution '{execution_name}', \
             else runs from '{otherwise}'"
        ),
        vec![(condition, target.to_string())],
        otherwise,
    )
}

/// A Choice state with one rule per `(condition, next)` and a default.
pub fn choice(comment: String, rules: Vec<(Condition, String)>, otherwise: &str) -> State {
    let choices = rules
        .into_iter()
        .map(|(condition, next)| ChoiceRule {
            condition,
            next: Some(next),
            comment: None,
            extra: Map::new(),
        })
        .collect();
    let kind = StateKind::Choice(ChoiceState {
        choices,
        default: Some(otherwise.to_string()),
    });
    let mut state = plain_state(comment, kind, None);
    state.end = None;
    state
}

/// A JSONata string literal.
pub fn jsonata_string(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// A Pass state that outputs `value` exactly (any JSON type) and goes to `next` (or ends its
/// machine): `Result` in JSONPath, `Output` in JSONata. `variables`, if any, are assigned.
pub fn recorded_value(
    comment: String,
    value: Value,
    next: Option<String>,
    lang: Lang,
    variables: &Map<String, Value>,
) -> State {
    let mut state = match lang {
        Lang::JsonPath => plain_state(
            comment,
            StateKind::Pass(PassState {
                result: Some(value),
                ..PassState::default()
            }),
            next,
        ),
        Lang::Jsonata => {
            let mut state = plain_state(comment, StateKind::Pass(PassState::default()), next);
            state.extra.insert("Output".into(), value);
            state
        }
    };
    if !variables.is_empty() {
        state
            .extra
            .insert("Assign".into(), Value::Object(variables.clone()));
    }
    state
}

/// A Pass state that outputs the field `field` of its input and goes to `next`.
pub fn unwrap_field(comment: String, field: &str, next: String, lang: Lang) -> State {
    match lang {
        Lang::JsonPath => {
            let mut state = plain_state(comment, StateKind::Pass(PassState::default()), Some(next));
            state.input_path = Some(Some(format!("$.{field}")));
            state
        }
        Lang::Jsonata => {
            let mut state = plain_state(comment, StateKind::Pass(PassState::default()), Some(next));
            state.extra.insert(
                "Output".into(),
                Value::String(format!("{{% $states.input.{field} %}}")),
            );
            state
        }
    }
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

/// Drops the states of `machine` (not of nested machines) that its start cannot reach.
pub fn prune(machine: &mut Machine) {
    let keep = reachable(machine, &machine.start_at);
    machine.states.retain(|name, _| keep.contains(name));
}
