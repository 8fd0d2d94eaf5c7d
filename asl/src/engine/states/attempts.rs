//! What Task, Parallel and Map states share: InputPath, attempts under the Retry policy,
//! Catch, and ResultSelector / ResultPath / OutputPath on success.

use serde_json::Value;

use super::{map, parallel, task, Advance, StateRun, Waiting};
use crate::engine::error::Failure;
use crate::engine::events::{Details, Thread};
use crate::engine::retry::RetryBudget;
use crate::model::{Catcher, Retrier, StateKind};

/// The fields of an execution state that this loop reads.
struct Policies<'a> {
    retry: &'a [Retrier],
    catch: &'a [Catcher],
    result_selector: Option<&'a Value>,
    result_path: &'a Option<Option<String>>,
    /// The event recorded when the state gives up because its branches or iterations failed.
    failed_event: Option<&'static str>,
}

fn policies(kind: &StateKind) -> Option<Policies<'_>> {
    Some(match kind {
        StateKind::Task(t) => Policies {
            retry: &t.retry,
            catch: &t.catch,
            result_selector: t.result_selector.as_ref(),
            result_path: &t.result_path,
            failed_event: None,
        },
        StateKind::Parallel(p) => Policies {
            retry: &p.retry,
            catch: &p.catch,
            result_selector: p.result_selector.as_ref(),
            result_path: &p.result_path,
            failed_event: Some("ParallelStateFailed"),
        },
        StateKind::Map(m) => Policies {
            retry: &m.retry,
            catch: &m.catch,
            result_selector: m.result_selector.as_ref(),
            result_path: &m.result_path,
            failed_event: Some("MapStateFailed"),
        },
        _ => return None,
    })
}

/// One attempt of the state's work on its effective input (for a Task taken up while it
/// waited for its callback, the rest of that wait).
async fn attempt(
    s: &StateRun<'_>,
    effective: &Value,
    thread: &mut Thread,
    retry_count: u64,
    waiting: Option<Waiting>,
) -> Result<Value, Failure> {
    match &s.state.kind {
        StateKind::Task(t) => match waiting {
            Some(waiting) => task::recovered_wait(s, t, waiting, thread).await,
            None => task::attempt(s, t, effective, thread, retry_count).await,
        },
        StateKind::Parallel(p) => parallel::attempt(s, p, effective, thread, retry_count).await,
        StateKind::Map(m) => map::attempt(s, m, effective, thread, retry_count).await,
        _ => Err(Failure::runtime("not a Task, Parallel or Map state")),
    }
}

/// Runs a Task, Parallel or Map state on its raw input; a Task that was `waiting` for its
/// callback when its execution was interrupted goes on waiting instead of being called again.
pub(super) async fn run<'a>(
    s: &StateRun<'a>,
    input: Value,
    thread: &mut Thread,
    mut waiting: Option<Waiting>,
) -> Result<Advance<'a>, Failure> {
    let Some(p) = policies(&s.state.kind) else {
        return Err(Failure::runtime("not a Task, Parallel or Map state"));
    };
    let effective = if s.jsonata() {
        input.clone()
    } else {
        s.io(Some(0))
            .filter(&s.state.input_path, &input)?
            .into_owned()
    };
    let assigns = s.state.extra.contains_key("Assign");
    let mut budget = RetryBudget::default();
    let mut retry_count = 0;
    loop {
        let failure = match attempt(s, &effective, thread, retry_count, waiting.take()).await {
            Ok(result) => {
                let io = s.io(Some(retry_count));
                if s.jsonata() {
                    let context = |with_input| io.context_document(with_input);
                    let states = io.states(&input, Some(&result), None, &context);
                    s.assign_field(&io, "Assign", assigns, &result, Some(&states))?;
                    let output = io.jsonata("Output", &states)?;
                    return s.exit(thread, output.unwrap_or(result));
                }
                let result = match p.result_selector {
                    Some(_) => io.template("ResultSelector", &result)?,
                    None => result,
                };
                s.assign_field(&io, "Assign", assigns, &result, None)?;
                let output = io.place(p.result_path, input, result)?;
                let output = io.filter_owned(&s.state.output_path, output)?;
                return s.exit(thread, output);
            }
            Err(failure) => failure,
        };
        if let Some(delay) = budget.next_delay(p.retry, &failure) {
            s.run.shared.clock.sleep(delay).await;
            retry_count += 1;
            continue;
        }
        let failure = match failure.evaluation {
            Some(_) => s.evaluation_failed(thread, failure),
            None => failure,
        };
        // Errors of the state's own evaluation (paths, templates) end it without this event.
        if let (Some(event), false) = (p.failed_event, failure.needs_prefix) {
            s.run.recorder.add(thread, event, Details::none());
        }
        let Some((index, catcher)) = p
            .catch
            .iter()
            .enumerate()
            .find(|(_, c)| failure.matches(&c.error_equals))
        else {
            return Err(failure);
        };
        let failure = failure.in_state(s.name, s.entered_id);
        let io = s.io(Some(retry_count));
        let error_output = failure.error_output();
        let assign = format!("Catch/{index}/Assign");
        let assigns = catcher.extra.contains_key("Assign");
        let output = if s.jsonata() {
            let context = |with_input| io.context_document(with_input);
            let states = io.states(&input, None, Some(&error_output), &context);
            s.assign_field(&io, &assign, assigns, &error_output, Some(&states))?;
            io.jsonata(&format!("Catch/{index}/Output"), &states)?
                .unwrap_or_else(|| error_output.clone())
        } else {
            s.assign_field(&io, &assign, assigns, &error_output, None)?;
            io.place(&catcher.result_path, input, error_output)?
        };
        return s.exit_to(thread, output, Some(catcher.next.as_str()));
    }
}
