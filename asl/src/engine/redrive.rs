//! Redrive (RedriveExecution): an execution that failed, timed out or was aborted goes on in
//! place, under the same ARN, from the top-level state that did not succeed. What succeeded is
//! kept: the states before it are not run again, and when that state is a Parallel or an
//! inline Map, its branches and iterations that succeeded return their recorded outputs
//! instead of running (see [`Engine::redrive`](super::Engine::redrive)).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::history::{History, HistoryEvent};
use crate::model::{Definition, Machine, StateKind, Transition};
use crate::resume::analysis::{Analysis, IterationOutcome};

/// The history event that opens each redrive.
pub(crate) const EXECUTION_REDRIVEN: &str = "ExecutionRedriven";

/// What the top-level state a redrive runs again keeps from the attempts before it.
#[derive(Debug, Default)]
pub(crate) struct Prior {
    /// The top-level state.
    state: String,
    /// The outputs of its Parallel branches that succeeded, by branch index.
    branches: Vec<Option<Value>>,
    /// The outputs of its inline Map iterations that succeeded, by item index.
    iterations: HashMap<usize, Value>,
}

/// The kept results of one state, taken once: only the first attempt of the redriven state's
/// first entry skips what succeeded (a retry, or a later pass in a loop, runs everything).
#[derive(Debug, Default)]
pub(crate) struct Kept(Mutex<Option<Prior>>);

impl Kept {
    /// Keeps `prior` for its state.
    pub fn new(prior: Option<Prior>) -> Self {
        Kept(Mutex::new(prior))
    }

    /// The recorded outputs of the Parallel `state`'s branches that succeeded, once.
    pub fn branches(&self, state: &str) -> Vec<Option<Value>> {
        self.take(state).map(|p| p.branches).unwrap_or_default()
    }

    /// The recorded outputs of the Map `state`'s iterations that succeeded, once.
    pub fn iterations(&self, state: &str) -> HashMap<usize, Value> {
        self.take(state).map(|p| p.iterations).unwrap_or_default()
    }

    fn take(&self, state: &str) -> Option<Prior> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(|p| p.state == state) {
            slot.take()
        } else {
            None
        }
    }
}

/// How many times the recorded history was redriven.
pub(crate) fn count(recorded: &[HistoryEvent]) -> u64 {
    recorded
        .iter()
        .filter(|e| e.event_type == EXECUTION_REDRIVEN)
        .count() as u64
}

/// The time of the last redrive, if any: a redriven execution's TimeoutSeconds counts from it.
pub(crate) fn last_redrive(recorded: &[HistoryEvent]) -> Option<&HistoryEvent> {
    recorded
        .iter()
        .rev()
        .find(|e| e.event_type == EXECUTION_REDRIVEN)
}

/// What the top-level `state` (a Parallel or an inline Map) keeps from its last pass, which
/// earlier redrives may have continued: the branches and iterations whose latest run succeeded.
pub(crate) fn prior(
    definition: &Definition,
    recorded: &[HistoryEvent],
    state: &str,
) -> Option<Prior> {
    let kind = &definition.states.get(state)?.kind;
    if !matches!(kind, StateKind::Parallel(_) | StateKind::Map(_)) {
        return None;
    }
    let history = History::from_events(recorded.to_vec()).ok()?;
    let analysis = Analysis::new(&history);
    let spans = last_pass(&analysis, &history, state);
    let mut prior = Prior {
        state: state.to_string(),
        ..Prior::default()
    };
    match kind {
        StateKind::Parallel(parallel) => {
            prior.branches = parallel
                .branches
                .iter()
                .map(|branch| branch_output(branch, &history.events, &spans))
                .collect();
        }
        StateKind::Map(_) => {
            for &(entered, _) in &spans {
                for iteration in analysis.iterations(state, entered) {
                    let index = usize::try_from(iteration.index).unwrap_or(usize::MAX);
                    match (iteration.outcome, iteration.output) {
                        (IterationOutcome::Succeeded, Some(output)) => {
                            prior.iterations.insert(index, output);
                        }
                        _ => {
                            prior.iterations.remove(&index);
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Some(prior)
}

/// The spans of history positions (`[from, to)`) of the state's last pass, oldest first: its
/// last entry, and the entries before it that a redrive continued (an entry that follows an
/// `ExecutionRedriven` event continues the entry before it).
fn last_pass(analysis: &Analysis<'_>, history: &History, state: &str) -> Vec<(usize, usize)> {
    let runs = analysis.runs(state);
    let by_id = history.index_by_id();
    let end = history.events.len();
    let mut spans = Vec::new();
    for (k, run) in runs.iter().enumerate().rev() {
        let to = runs.get(k + 1).map_or(end, |next| next.entered);
        spans.push((run.entered, run.exited.map_or(to, |exited| exited + 1)));
        let entered = analysis.event(run.entered);
        let continues = by_id
            .get(&entered.previous_event_id)
            .is_some_and(|&p| history.events[p].event_type == EXECUTION_REDRIVEN);
        if !continues {
            break;
        }
    }
    spans.reverse();
    spans
}

/// A branch's output, when its latest run within `spans` ended well: the last event of its
/// own states there is the exit of a state that ends the branch.
fn branch_output(
    branch: &Machine,
    events: &[HistoryEvent],
    spans: &[(usize, usize)],
) -> Option<Value> {
    let latest = spans.iter().rev().find_map(|&(from, to)| {
        events[from..to.min(events.len())].iter().rev().find(|e| {
            e.state_name()
                .is_some_and(|n| branch.states.contains_key(n))
        })
    })?;
    let state = branch.states.get(latest.state_name()?)?;
    let ends = matches!(state.kind, StateKind::Succeed(_))
        || matches!(state.transition(), Transition::End);
    if latest.is_state_exited() && ends {
        latest.payload("output")
    } else {
        None
    }
}
