//! Redrive (RedriveExecution): an execution that failed, timed out or was aborted goes on in
//! place, under the same ARN, from the top-level state that did not succeed. What succeeded is
//! kept: the states before it are not run again, and when that state is a Parallel or a Map,
//! its branches and iterations that succeeded return their recorded outputs instead of running
//! (see [`Engine::redrive`](super::Engine::redrive)).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::history::{History, HistoryEvent, EXECUTION_REDRIVEN};
use crate::model::{Definition, Machine, StateKind, Transition};
use crate::resume::analysis::{Analysis, IterationOutcome};

/// What the Distributed Maps' runs produced, by map run ARN: their child executions are not
/// in the execution's history, so a redrive of the parent learns from here which of them
/// succeeded (kept in memory: after a restart, a redriven Map Run runs every item again).
#[derive(Debug, Default)]
pub(crate) struct MapRuns(Mutex<HashMap<String, MapRunRecord>>);

/// One map run's succeeded items and how often it was redriven.
#[derive(Debug, Default, Clone)]
struct MapRunRecord {
    outputs: HashMap<usize, Value>,
    redrives: u64,
}

impl MapRuns {
    /// Records how item `index` of the run `arn` ended (its output when it succeeded).
    pub fn record(&self, arn: &str, index: usize, output: Option<&Value>) {
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let run = runs.entry(arn.to_string()).or_default();
        match output {
            Some(output) => run.outputs.insert(index, output.clone()),
            None => run.outputs.remove(&index),
        };
    }

    /// The outputs of the run's items that succeeded.
    fn outputs(&self, arn: &str) -> HashMap<usize, Value> {
        let runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        runs.get(arn).map(|r| r.outputs.clone()).unwrap_or_default()
    }

    /// Counts a redrive of the run `arn`; returns its new redrive count.
    pub fn redriven(&self, arn: &str) -> u64 {
        let mut runs = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let run = runs.entry(arn.to_string()).or_default();
        run.redrives += 1;
        run.redrives
    }
}

/// What a redriven Map keeps: its iterations' outputs and, for a Distributed Map, the run
/// that goes on.
#[derive(Debug, Default)]
pub(crate) struct KeptMap {
    /// The outputs of the iterations that succeeded, by item index.
    pub iterations: HashMap<usize, Value>,
    /// The Distributed Map's run, redriven rather than started anew.
    pub map_run: Option<String>,
}

/// What the top-level state a redrive runs again keeps from the attempts before it.
#[derive(Debug, Default)]
pub(crate) struct Prior {
    /// The top-level state.
    state: String,
    /// The outputs of its Parallel branches that succeeded, by branch index.
    branches: Vec<Option<Value>>,
    /// The outputs of its Map iterations that succeeded, by item index.
    iterations: HashMap<usize, Value>,
    /// For a Distributed Map: the run it redrives.
    map_run: Option<String>,
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

    /// What the Map `state` keeps (its iterations that succeeded, its map run), once.
    pub fn map(&self, state: &str) -> KeptMap {
        self.take(state)
            .map(|p| KeptMap {
                iterations: p.iterations,
                map_run: p.map_run,
            })
            .unwrap_or_default()
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

/// What the top-level `state` (a Parallel or a Map) keeps from its last pass, which earlier
/// redrives may have continued: the branches and iterations whose latest run succeeded (a
/// Distributed Map's, from `map_runs`).
pub(crate) fn prior(
    definition: &Definition,
    recorded: &[HistoryEvent],
    state: &str,
    map_runs: &MapRuns,
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
            let map_run = spans.iter().rev().find_map(|&(from, to)| {
                history.events[from..to.min(history.events.len())]
                    .iter()
                    .rev()
                    .filter(|e| matches!(e.event_type.as_str(), "MapRunStarted" | "MapRunRedriven"))
                    .find_map(|e| e.detail_str("mapRunArn").map(str::to_string))
            });
            if let Some(arn) = map_run {
                prior.iterations = map_runs.outputs(&arn);
                prior.map_run = Some(arn);
                return Some(prior);
            }
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
