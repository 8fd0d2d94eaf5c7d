//! What a history says about each state: when it was entered, whether it exited, with which
//! input and output, and which state made the execution fail.

use std::collections::HashMap;

use serde_json::Value;

use super::Failure;
use crate::history::{ExecutionStatus, History, HistoryEvent};

/// One pass through a state: its `…StateEntered` event and, if it finished, its `…StateExited`.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Position of the entered event in the history.
    pub entered: usize,
    /// Position of the exited event, if the state finished.
    pub exited: Option<usize>,
}

/// The state blamed for the end of an execution, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Blame<'h> {
    /// The state's name.
    pub state: &'h str,
    /// How it ended the execution.
    pub cause: Failure,
}

/// One iteration of an inline Map, as the history records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    /// Its index in the items.
    pub index: u64,
    /// How it ended (or `Started`, if it never did).
    pub outcome: IterationOutcome,
    /// Its output, when it succeeded and the history has data.
    pub output: Option<Value>,
}

/// How a Map iteration ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IterationOutcome {
    /// Started and never ended.
    Started,
    /// MapIterationSucceeded.
    Succeeded,
    /// MapIterationFailed.
    Failed,
    /// MapIterationAborted.
    Aborted,
}

/// The facts the planner needs, gathered in one pass over the history.
pub struct Analysis<'h> {
    history: &'h History,
    runs: HashMap<&'h str, Vec<Run>>,
    by_id: HashMap<i64, usize>,
}

impl<'h> Analysis<'h> {
    /// Reads the history once.
    pub fn new(history: &'h History) -> Self {
        let mut runs: HashMap<&str, Vec<Run>> = HashMap::new();
        for (i, event) in history.events.iter().enumerate() {
            let Some(name) = event.state_name() else {
                continue;
            };
            if event.is_state_entered() {
                runs.entry(name).or_default().push(Run {
                    entered: i,
                    exited: None,
                });
            } else if let Some(run) = runs
                .get_mut(name)
                .and_then(|r| r.iter_mut().rev().find(|r| r.exited.is_none()))
            {
                run.exited = Some(i);
            }
        }
        Analysis {
            history,
            runs,
            by_id: history.index_by_id(),
        }
    }

    /// The event at a position.
    pub fn event(&self, position: usize) -> &'h HistoryEvent {
        &self.history.events[position]
    }

    /// Every state name the history mentions, in order of first entry.
    pub fn entered_names(&self) -> Vec<&'h str> {
        let mut names: Vec<(&str, usize)> = self
            .runs
            .iter()
            .filter_map(|(name, runs)| runs.first().map(|r| (*name, r.entered)))
            .collect();
        names.sort_by_key(|(_, at)| *at);
        names.into_iter().map(|(name, _)| name).collect()
    }

    /// The passes through a state, oldest first.
    pub fn runs(&self, name: &str) -> &[Run] {
        self.runs.get(name).map_or(&[], Vec::as_slice)
    }

    /// The last pass through a state that began after position `after`.
    pub fn last_run_after(&self, name: &str, after: usize) -> Option<Run> {
        self.runs(name)
            .iter()
            .rev()
            .find(|r| r.entered > after)
            .copied()
    }

    /// The last pass through a state.
    pub fn last_run(&self, name: &str) -> Option<Run> {
        self.runs(name).last().copied()
    }

    /// The input a state received on a pass.
    pub fn input_of(&self, run: Run) -> Option<Value> {
        self.event(run.entered).payload("input")
    }

    /// The output a state produced on a pass that finished.
    pub fn output_of(&self, run: Run) -> Option<Value> {
        run.exited.and_then(|i| self.event(i).payload("output"))
    }

    /// The status, error and cause of the execution.
    pub fn outcome(&self) -> (ExecutionStatus, Option<String>, Option<String>) {
        let status = self.history.status();
        let terminal = self.history.terminal_event();
        let text = |field: &str| {
            terminal
                .and_then(|e| e.detail_str(field))
                .map(str::to_string)
        };
        (status, text("error"), text("cause"))
    }

    fn previous(&self, event: &HistoryEvent) -> Option<usize> {
        match event.previous_event_id {
            0 => None,
            id => self.by_id.get(&id).copied(),
        }
    }

    /// The input the execution started with (`$$.Execution.Input`).
    pub fn execution_input(&self) -> Option<Value> {
        self.history.started_event()?.payload("input")
    }

    /// The state to blame for how the execution ended, found by walking the previousEventId
    /// chain back from the terminal event. For FAILED: the state that threw, through any Catch
    /// handler chain (however many states it ran before a Fail or the end); a Fail state
    /// reached by normal control flow is named as such. For TIMED_OUT and ABORTED: the state
    /// in progress.
    pub fn blame(&self) -> Option<Blame<'h>> {
        let terminal = self.history.terminal_event()?;
        if !matches!(self.history.status(), ExecutionStatus::Failed) {
            return self.latest_in_progress().map(|state| Blame {
                state,
                cause: Failure::InProgress,
            });
        }
        // `inside`: no normal exit seen since the last failure (or the end), so the next
        // state entered on the way back is the one that was running when the error struck.
        let mut inside = true;
        let mut caught = false;
        let mut handlers: Vec<String> = Vec::new();
        let mut fail_state: Option<&'h str> = None;
        let mut before_fail: Option<&'h str> = None;
        let mut cursor = self.previous(terminal);
        while let Some(position) = cursor {
            let event = self.event(position);
            if event.is_state_exited() {
                let name = event.state_name()?;
                let failed_before = self
                    .previous(event)
                    .is_some_and(|p| self.event(p).is_failure());
                if fail_state.is_some() && before_fail.is_none() {
                    before_fail = Some(name);
                }
                if failed_before && self.is_last_run(name, position) {
                    inside = true;
                    caught = true;
                } else {
                    inside = false;
                }
            } else if event.is_state_entered() {
                let name = event.state_name()?;
                if event.event_type == "FailStateEntered" && fail_state.is_none() {
                    fail_state = Some(name);
                    handlers.push(name.to_string());
                    inside = false;
                } else if inside {
                    let cause = if caught {
                        handlers.reverse();
                        Failure::Caught { handlers }
                    } else {
                        Failure::Uncaught
                    };
                    return Some(Blame { state: name, cause });
                } else if fail_state.is_some() {
                    handlers.push(name.to_string());
                }
            }
            cursor = self.previous(event);
        }
        match fail_state {
            Some(state) => Some(Blame {
                state,
                cause: Failure::FailState {
                    before: before_fail.map(str::to_string),
                },
            }),
            None => self.latest_in_progress().map(|state| Blame {
                state,
                cause: Failure::Uncaught,
            }),
        }
    }

    /// Whether the pass of `name` that exited at `exited` is its last pass.
    fn is_last_run(&self, name: &str, exited: usize) -> bool {
        self.runs(name)
            .last()
            .is_some_and(|r| r.exited == Some(exited))
    }

    /// How each iteration of the Map `name`, entered at position `entered`, ended (inline
    /// Maps record MapIteration… events in the execution's own history).
    pub fn iterations(&self, name: &str, entered: usize) -> Vec<Iteration> {
        let end = self
            .runs(name)
            .iter()
            .find(|r| r.entered == entered)
            .and_then(|r| r.exited)
            .unwrap_or(self.history.events.len());
        let mut out: Vec<Iteration> = Vec::new();
        for position in entered..end.min(self.history.events.len()) {
            let event = self.event(position);
            let outcome = match event.event_type.as_str() {
                "MapIterationStarted" => IterationOutcome::Started,
                "MapIterationSucceeded" => IterationOutcome::Succeeded,
                "MapIterationFailed" => IterationOutcome::Failed,
                "MapIterationAborted" => IterationOutcome::Aborted,
                _ => continue,
            };
            if event.detail_str("name") != Some(name) {
                continue;
            }
            let Some(index) = event.detail("index").and_then(Value::as_u64) else {
                continue;
            };
            let output = match outcome {
                IterationOutcome::Succeeded => self
                    .previous(event)
                    .map(|p| self.event(p))
                    .filter(|e| e.is_state_exited())
                    .and_then(|e| e.payload("output")),
                _ => None,
            };
            match out.iter_mut().find(|i| i.index == index) {
                Some(found) => {
                    found.outcome = outcome;
                    found.output = output;
                }
                None => out.push(Iteration {
                    index,
                    outcome,
                    output,
                }),
            }
        }
        out.sort_by_key(|i| i.index);
        out
    }

    /// How many items the Map entered at position `entered` had (its MapStateStarted event).
    pub fn map_length(&self, entered: usize) -> Option<u64> {
        let id = self.event(entered).id;
        self.history.events[entered..]
            .iter()
            .find(|e| e.event_type == "MapStateStarted" && e.previous_event_id == id)
            .and_then(|e| e.detail("length"))
            .and_then(Value::as_u64)
    }

    /// The variables assigned by states that exited between positions `from` and `to`, in
    /// order (later assignments win), for states in `scope`; `Err(state)` when a state's
    /// record of them was truncated.
    pub fn assigned_variables(
        &self,
        scope: &dyn Fn(&str) -> bool,
        from: usize,
        to: usize,
    ) -> Result<serde_json::Map<String, Value>, String> {
        let mut vars = serde_json::Map::new();
        for position in from..to.min(self.history.events.len()) {
            let event = self.event(position);
            if !event.is_state_exited() {
                continue;
            }
            let Some(name) = event.state_name().filter(|n| scope(n)) else {
                continue;
            };
            let truncated = event
                .detail("assignedVariablesDetails")
                .and_then(|d| d.get("truncated"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if truncated {
                return Err(name.to_string());
            }
            if let Some(Value::Object(assigned)) = event.detail("assignedVariables") {
                for (key, raw) in assigned {
                    vars.insert(key.clone(), crate::history::decode_payload(raw));
                }
            }
        }
        Ok(vars)
    }

    /// The most recently entered state that never exited: what was running when the
    /// execution stopped. Inner states are entered after their containers, so this is the
    /// innermost one.
    fn latest_in_progress(&self) -> Option<&'h str> {
        self.runs
            .iter()
            .filter_map(|(name, runs)| {
                runs.iter()
                    .filter(|r| r.exited.is_none())
                    .map(|r| (r.entered, *name))
                    .max()
            })
            .max()
            .map(|(_, name)| name)
    }
}
