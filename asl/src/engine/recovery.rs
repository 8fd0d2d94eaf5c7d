//! Taking an execution up again from its recorded history: how it ended, or which top-level
//! state it was in and how to go on (see [`Engine::recover`](super::Engine::recover) for the
//! semantics).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::context::StateContext;
use super::error::{Failure, STATES_NO_CHOICE_MATCHED};
use super::events::Thread;
use super::invoker::{classify, IntegrationPattern};
use super::io::Io;
use super::lifecycle::{Begin, ExecutionOutcome, Launch, Point, Recovered};
use super::run::Shared;
use super::states::{pick_choice, Pickup, Waiting};
use super::token::find_tokens;
use super::variables::Scope;
use super::{timestamp, EngineError};
use crate::history::{ExecutionStatus, HistoryEvent};
use crate::model::{Catcher, Definition, State, StateKind, Transition};

/// The time of an event: epoch seconds (as the engine records them) or an ISO 8601 string.
pub(crate) fn event_time(event: &HistoryEvent) -> Option<SystemTime> {
    match &event.timestamp {
        Value::Number(n) => {
            let seconds = n.as_f64().filter(|s| *s >= 0.0)?;
            Some(UNIX_EPOCH + Duration::try_from_secs_f64(seconds).ok()?)
        }
        Value::String(text) => timestamp::parse(text).map(timestamp::to_system_time),
        _ => None,
    }
}

/// Checks that `recorded` is a history this engine can continue: ids 1..=n in order, each
/// following an earlier event, starting with `ExecutionStarted`.
pub(crate) fn check(recorded: &[HistoryEvent]) -> Result<(), EngineError> {
    let invalid = |why: String| Err(EngineError::InvalidHistory(why));
    if let Some(first) = recorded.first() {
        if first.event_type != "ExecutionStarted" {
            return invalid(format!(
                "the first event is {}, not ExecutionStarted",
                first.event_type
            ));
        }
    }
    for (position, event) in recorded.iter().enumerate() {
        let id = position as i64 + 1;
        if event.id != id {
            return invalid(format!("event #{id} has the id {}", event.id));
        }
        if !(0..id).contains(&event.previous_event_id) {
            return invalid(format!(
                "event #{id} follows #{}, which is not an earlier event",
                event.previous_event_id
            ));
        }
    }
    Ok(())
}

/// How the recorded history goes on: nothing to run when it ends the execution, otherwise
/// the top-level state to take up or to run next. `recorded` is checked and not empty.
pub(crate) fn plan(
    shared: &Shared,
    definition: &Definition,
    recorded: &[HistoryEvent],
    started_at: SystemTime,
) -> Launch {
    let now = shared.clock.now();
    let time_of = |e: &HistoryEvent| event_time(e).unwrap_or(now);
    let last_id = recorded.len() as i64;
    if let Some(outcome) = recorded.last().and_then(|last| ended(last, time_of(last))) {
        return Launch::Ended(outcome);
    }
    // The last top-level `…StateEntered` and, when that state exited, its `…StateExited`
    // (state names are unique in a definition, so a name tells a top-level state).
    let mut entered = None;
    let mut exited = None;
    for (position, event) in recorded.iter().enumerate() {
        match event.state_name() {
            Some(name) if definition.states.contains_key(name) => {
                if event.is_state_entered() {
                    entered = Some(position);
                    exited = None;
                } else {
                    exited = Some(position);
                }
            }
            _ => {}
        }
    }
    let top_level = entered.and_then(|at| {
        let event = &recorded[at];
        let (name, state) = definition.states.get_key_value(event.state_name()?)?;
        Some((at, event, name, state))
    });
    let Some((at, entered, name, state)) = top_level else {
        // Nothing but ExecutionStarted: the run begins at StartAt, following no event.
        let point = Point::State {
            name: definition.start_at.clone(),
            input: shared.info.input.clone(),
            pickup: None,
        };
        let thread = Thread {
            source: 0,
            last: last_id,
        };
        return Launch::Run(Begin::Recovered(Recovered {
            started_at,
            thread,
            point,
            variables: Scope::default(),
            redriven: None,
        }));
    };
    let input = entered.payload("input").unwrap_or(Value::Null);
    let variables = recorded_variables(definition, recorded);
    let point = match exited {
        None => Point::State {
            name: name.clone(),
            input,
            pickup: Some(Pickup {
                entered_id: entered.id,
                entered_at: time_of(entered),
                waiting: waiting(state, entered, &recorded[at + 1..], &time_of),
            }),
        },
        Some(exit) => {
            let output = recorded[exit].payload("output").unwrap_or(Value::Null);
            let context = StateContext {
                execution: &shared.info,
                state_name: name,
                entered_time: &timestamp::format(time_of(entered)),
                retry_count: None,
                task_token: None,
                map_item: None,
            };
            let io = Io {
                compiled: &shared.compiled,
                context,
                variables: &variables,
            };
            match next_after(&io, state, input, &recorded[at + 1..exit], &output) {
                Ok(Some(next)) => Point::State {
                    name: next.to_string(),
                    input: output,
                    pickup: None,
                },
                Ok(None) => Point::Ended(Ok(output)),
                Err(failure) => Point::Ended(Err(failure)),
            }
        }
    };
    let thread = Thread {
        source: last_id,
        last: last_id,
    };
    Launch::Run(Begin::Recovered(Recovered {
        started_at,
        thread,
        point,
        variables,
        redriven: None,
    }))
}

/// The top-level variables the recorded history assigned: the `assignedVariables` of the
/// top-level states' `…StateExited` events, in order (values are JSON texts).
fn recorded_variables(definition: &Definition, recorded: &[HistoryEvent]) -> Scope {
    let mut values = serde_json::Map::new();
    for event in recorded {
        let top_level = event
            .state_name()
            .is_some_and(|name| definition.states.contains_key(name));
        if !top_level || event.is_state_entered() {
            continue;
        }
        let assigned = event.detail("assignedVariables").and_then(Value::as_object);
        for (name, text) in assigned.into_iter().flatten() {
            values.insert(name.clone(), crate::history::decode_payload(text));
        }
    }
    Scope::with(values)
}

/// The outcome an `Execution…` terminal event records, if `last` is one.
fn ended(last: &HistoryEvent, stop_date: SystemTime) -> Option<ExecutionOutcome> {
    let status = match last.event_type.as_str() {
        "ExecutionSucceeded" => ExecutionStatus::Succeeded,
        "ExecutionFailed" => ExecutionStatus::Failed,
        "ExecutionTimedOut" => ExecutionStatus::TimedOut,
        "ExecutionAborted" => ExecutionStatus::Aborted,
        _ => return None,
    };
    let text = |field| last.detail_str(field).map(str::to_string);
    Some(ExecutionOutcome {
        status,
        output: match status {
            ExecutionStatus::Succeeded => last.payload("output"),
            _ => None,
        },
        error: text("error"),
        cause: text("cause"),
        stop_date,
    })
}

/// The callback a `.waitForTaskToken` task was waiting for, when the events of its state
/// (`span`, after its `TaskStateEntered`) end with `TaskSubmitted` and its token is found in
/// the recorded Parameters of its last `TaskScheduled` (a token its state input already held,
/// handed on from elsewhere, is not its own).
fn waiting(
    state: &State,
    entered: &HistoryEvent,
    span: &[HistoryEvent],
    time_of: &dyn Fn(&HistoryEvent) -> SystemTime,
) -> Option<Waiting> {
    let StateKind::Task(task) = &state.kind else {
        return None;
    };
    let (_, pattern) = classify(&task.resource);
    if pattern != IntegrationPattern::WaitForTaskToken || span.last()?.event_type != "TaskSubmitted"
    {
        return None;
    }
    let scheduled = span
        .iter()
        .rev()
        .find(|e| e.event_type == "TaskScheduled")?;
    let seconds = |field| scheduled.detail(field).and_then(Value::as_u64);
    let input = entered.detail_str("input").unwrap_or_default();
    Some(Waiting {
        token: find_tokens(scheduled.detail_str("parameters")?)
            .find(|token| !input.contains(token))?
            .to_string(),
        scheduled_at: time_of(scheduled),
        timeout: seconds("timeoutInSeconds"),
        heartbeat: seconds("heartbeatInSeconds"),
    })
}

/// Where the machine went after `state` exited with `output`: the Choice rule that matches its
/// recorded input, the Catch that caught its error (when the event before its exit, the last
/// of `span`, is not a `…Succeeded` one), otherwise its Next (`None`: the end).
fn next_after<'d>(
    io: &Io<'_>,
    state: &'d State,
    input: Value,
    span: &[HistoryEvent],
    output: &Value,
) -> Result<Option<&'d str>, Failure> {
    if let StateKind::Choice(choice) = &state.kind {
        let effective = io.filter_owned(&state.input_path, input)?;
        return match pick_choice(choice, &effective, io)? {
            Some(next) => Ok(Some(next)),
            None => Err(Failure::new(STATES_NO_CHOICE_MATCHED, None)),
        };
    }
    let catchers: &[Catcher] = match &state.kind {
        StateKind::Task(t) => &t.catch,
        StateKind::Parallel(p) => &p.catch,
        StateKind::Map(m) => &m.catch,
        _ => &[],
    };
    let succeeded = span
        .last()
        .is_some_and(|e| e.event_type.ends_with("Succeeded"));
    if !succeeded {
        if let Some(catcher) = catcher_taken(io, catchers, span, output) {
            return Ok(Some(&catcher.next));
        }
    }
    Ok(match state.transition() {
        Transition::Next(next) => Some(next),
        Transition::End | Transition::Choice => None,
    })
}

/// Which Catch entry caught the state's error: the first that handles the error the state's
/// last error event names; else the first whose ResultPath holds an `Error` it handles in
/// the output; else the first.
fn catcher_taken<'c>(
    io: &Io<'_>,
    catchers: &'c [Catcher],
    span: &[HistoryEvent],
    output: &Value,
) -> Option<&'c Catcher> {
    let handles = |c: &Catcher, error: &str| Failure::new(error, None).matches(&c.error_equals);
    let recorded = span.iter().rev().find_map(|e| e.detail_str("error"));
    let placed = |c: &Catcher| {
        let value = match &c.result_path {
            Some(None) => return None,
            None => output.clone(),
            Some(path) => io.select(path.as_ref()?, output).ok()?.into_owned(),
        };
        value.get("Error")?.as_str().map(str::to_string)
    };
    recorded
        .and_then(|error| catchers.iter().find(|c| handles(c, error)))
        .or_else(|| {
            catchers
                .iter()
                .find(|c| placed(c).is_some_and(|error| handles(c, &error)))
        })
        .or(catchers.first())
}
