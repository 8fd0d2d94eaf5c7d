//! What a history says about each state: when it was entered, whether it exited, with which
//! input and output, and which state made the execution fail.

use std::collections::HashMap;

use serde_json::Value;

use crate::history::{ExecutionStatus, History, HistoryEvent};

/// One pass through a state: its `…StateEntered` event and, if it finished, its `…StateExited`.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Position of the entered event in the history.
    pub entered: usize,
    /// Position of the exited event, if the state finished.
    pub exited: Option<usize>,
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

    /// The state whose error ended the execution (or, for TIMED_OUT and ABORTED, the state in
    /// progress), found by walking the previousEventId chain back from the terminal event.
    /// Through a Catch into a Fail state it is the state that threw, not the Fail state.
    pub fn failed_state(&self) -> Option<&'h str> {
        let terminal = self.history.terminal_event()?;
        let status = self.history.status();
        let mut cursor = self.previous(terminal);
        while let Some(position) = cursor {
            let event = self.event(position);
            if event.is_state_entered() {
                if event.event_type == "FailStateEntered" {
                    if let Some(thrower) = self.caught_error_before(event) {
                        cursor = Some(thrower);
                        continue;
                    }
                }
                let name = event.state_name()?;
                let in_progress = matches!(status, ExecutionStatus::Failed)
                    || self.runs(name).last().is_some_and(|r| r.exited.is_none());
                if in_progress {
                    return Some(name);
                }
                break;
            }
            cursor = self.previous(event);
        }
        self.latest_in_progress()
    }

    /// When `fail_entered` was reached through a Catch (the event before it is the catching
    /// state's exit, which itself follows a failure), the position of that failure event.
    fn caught_error_before(&self, fail_entered: &HistoryEvent) -> Option<usize> {
        let exited = self.previous(fail_entered)?;
        if !self.event(exited).is_state_exited() {
            return None;
        }
        let failure = self.previous(self.event(exited))?;
        self.event(failure).is_failure().then_some(failure)
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
