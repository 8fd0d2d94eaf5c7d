//! Task: one call of an integration through the [`TaskInvoker`](crate::engine::TaskInvoker),
//! recorded as `LambdaFunction…` events for bare Lambda ARNs and as `Task…` events for
//! service integrations, with timeouts, heartbeats and task tokens.

use std::future::pending;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

use super::{StateRun, Waiting, MAX_PAYLOAD_BYTES};
use crate::engine::error::{
    Failure, STATES_DATA_LIMIT_EXCEEDED, STATES_HEARTBEAT_TIMEOUT, STATES_TIMEOUT,
};
use crate::engine::events::{Details, Thread};
use crate::engine::invoker::{classify, IntegrationPattern, ResourceKind, TaskRequest};
use crate::engine::io::Io;
use crate::engine::token::{Signal, TokenGuard};
use crate::model::TaskState;

/// Records the events of one task attempt in the family its resource calls for.
struct Events<'s, 'a> {
    s: &'s StateRun<'a>,
    kind: ResourceKind,
}

impl Events<'_, '_> {
    fn service(&self, key: &'static str) -> Details {
        match &self.kind {
            ResourceKind::LambdaFunction => Details::new(key),
            ResourceKind::Service {
                resource_type,
                resource,
            } => Details::new(key)
                .with("resourceType", resource_type.as_str())
                .with("resource", resource.as_str()),
        }
    }

    fn lambda(&self) -> bool {
        self.kind == ResourceKind::LambdaFunction
    }

    fn add(&self, thread: &mut Thread, event_type: &str, details: Details) {
        self.s.run.recorder.add(thread, event_type, details);
    }

    fn scheduled(
        &self,
        thread: &mut Thread,
        t: &TaskState,
        parameters: &Value,
        timeouts: (Option<u64>, Option<u64>),
    ) {
        let (timeout, heartbeat) = timeouts;
        if self.lambda() {
            let details = Details::new("lambdaFunctionScheduledEventDetails")
                .with("resource", t.resource.as_str())
                .payload("input", parameters)
                .with_opt("timeoutInSeconds", timeout);
            self.add(thread, "LambdaFunctionScheduled", details);
        } else {
            let details = self
                .service("taskScheduledEventDetails")
                .with("region", self.s.run.shared.region.as_str())
                .with("parameters", parameters.to_string())
                .with_opt("timeoutInSeconds", timeout)
                .with_opt("heartbeatInSeconds", heartbeat);
            self.add(thread, "TaskScheduled", details);
        }
    }

    fn started(&self, thread: &mut Thread) {
        if self.lambda() {
            self.add(thread, "LambdaFunctionStarted", Details::none());
        } else {
            let details = self.service("taskStartedEventDetails");
            self.add(thread, "TaskStarted", details);
        }
    }

    fn submitted(&self, thread: &mut Thread, output: &Value) {
        let details = self
            .service("taskSubmittedEventDetails")
            .payload("output", output);
        self.add(thread, "TaskSubmitted", details);
    }

    fn succeeded(&self, thread: &mut Thread, output: &Value) -> Result<(), Failure> {
        let text = output.to_string();
        if text.len() > MAX_PAYLOAD_BYTES {
            return Err(self.failed(
                thread,
                Failure::new(
                    STATES_DATA_LIMIT_EXCEEDED,
                    Some(format!(
                        "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                        self.s.name
                    )),
                ),
            ));
        }
        let truncated = serde_json::json!({"truncated": false});
        if self.lambda() {
            let details = Details::new("lambdaFunctionSucceededEventDetails")
                .with("output", text)
                .with("outputDetails", truncated);
            self.add(thread, "LambdaFunctionSucceeded", details);
        } else {
            let details = self
                .service("taskSucceededEventDetails")
                .with("output", text)
                .with("outputDetails", truncated);
            self.add(thread, "TaskSucceeded", details);
        }
        Ok(())
    }

    fn failed(&self, thread: &mut Thread, failure: Failure) -> Failure {
        let (event, key) = if self.lambda() {
            ("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails")
        } else {
            ("TaskFailed", "taskFailedEventDetails")
        };
        let details = self
            .service(key)
            .error(failure.error.as_deref(), failure.cause.as_deref());
        self.add(thread, event, details);
        failure
    }

    fn timed_out(&self, thread: &mut Thread, error: &str) -> Failure {
        let (event, key) = if self.lambda() {
            (
                "LambdaFunctionTimedOut",
                "lambdaFunctionTimedOutEventDetails",
            )
        } else {
            ("TaskTimedOut", "taskTimedOutEventDetails")
        };
        let details = self.service(key).with("error", error);
        self.add(thread, event, details);
        Failure::new(error, None)
    }
}

/// A positive number of seconds: literal, or read from a path.
fn seconds(
    io: &Io<'_>,
    literal: Option<u64>,
    path: &Option<String>,
    input: &Value,
    field: &str,
) -> Result<Option<u64>, Failure> {
    let Some(path) = path else {
        return Ok(literal);
    };
    let value = io.select(path, input)?;
    match value.as_u64() {
        Some(n) if n > 0 => Ok(Some(n)),
        _ => Err(Failure::runtime(format!(
            "The {field} parameter does not reference a positive integer: {path} == {value}"
        ))),
    }
}

/// A JSONata task's `Arguments` (the state input when there are none), `TimeoutSeconds` and
/// `HeartbeatSeconds` (numbers or expressions that must give positive integers).
fn jsonata_parameters(
    io: &Io<'_>,
    t: &TaskState,
    input: &Value,
) -> Result<(Value, Option<u64>, Option<u64>), Failure> {
    let context = |with_input| io.context_document(with_input);
    let states = io.states(input, None, None, &context);
    let arguments = io.jsonata("Arguments", &states)?;
    let positive = |field: &str, literal: Option<u64>| -> Result<Option<u64>, Failure> {
        let Some(value) = io.jsonata(field, &states)? else {
            return Ok(literal);
        };
        match value.as_u64() {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err(match io.jsonata_template(field) {
                Some(template) => template.wrong_type("integer", &value),
                None => Failure::query(
                    Some(field),
                    format!("The {field} field is not a positive integer"),
                ),
            }),
        }
    };
    let timeout = positive("TimeoutSeconds", t.timeout_seconds)?;
    let heartbeat = positive("HeartbeatSeconds", t.heartbeat_seconds)?;
    Ok((
        arguments.unwrap_or_else(|| input.clone()),
        timeout,
        heartbeat,
    ))
}

fn sleep_or_never(s: &StateRun<'_>, seconds: Option<u64>) -> BoxFuture<'static, ()> {
    match seconds {
        Some(secs) => s.run.shared.clock.sleep(Duration::from_secs(secs)),
        None => Box::pin(pending()),
    }
}

/// Sleeps until `seconds` after `since` (at once when that has passed), or forever.
fn sleep_until_or_never(
    s: &StateRun<'_>,
    since: SystemTime,
    seconds: Option<u64>,
) -> BoxFuture<'static, ()> {
    let clock = &s.run.shared.clock;
    match seconds {
        Some(secs) => {
            let until = since + Duration::from_secs(secs);
            clock.sleep(until.duration_since(clock.now()).unwrap_or_default())
        }
        None => Box::pin(pending()),
    }
}

/// One attempt: evaluate Parameters, call the integration, wait for its result.
pub(super) async fn attempt(
    s: &StateRun<'_>,
    t: &TaskState,
    effective: &Value,
    thread: &mut Thread,
    retry_count: u64,
) -> Result<Value, Failure> {
    let shared = &s.run.shared;
    let (kind, pattern) = classify(&t.resource);
    let mut token =
        (pattern == IntegrationPattern::WaitForTaskToken).then(|| shared.tokens.issue());
    let mut context = s.context(Some(retry_count));
    context.task_token = token.as_ref().map(|(guard, _)| guard.token());
    let (parameters, timeout, heartbeat) = {
        let io = Io {
            compiled: &shared.compiled,
            context,
            variables: &s.variables,
        };
        if s.jsonata() {
            jsonata_parameters(&io, t, effective)?
        } else {
            let parameters = match &t.parameters {
                Some(_) => io.template("Parameters", effective)?,
                None => effective.clone(),
            };
            let timeout = seconds(
                &io,
                t.timeout_seconds,
                &t.timeout_seconds_path,
                effective,
                "TimeoutSecondsPath",
            )?;
            let heartbeat = seconds(
                &io,
                t.heartbeat_seconds,
                &t.heartbeat_seconds_path,
                effective,
                "HeartbeatSecondsPath",
            )?;
            (parameters, timeout, heartbeat)
        }
    };
    let task_token = token.as_ref().map(|(guard, _)| guard.token().to_string());

    let events = Events { s, kind };
    events.scheduled(thread, t, &parameters, (timeout, heartbeat));
    // Let sibling branches schedule their tasks before this one starts, as AWS records them.
    tokio::task::yield_now().await;
    events.started(thread);

    let request = TaskRequest {
        resource: t.resource.clone(),
        parameters,
        pattern,
        task_token,
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
        credentials: t.credentials.clone(),
        execution_arn: shared.info.execution_arn.clone(),
        state_name: s.name.to_string(),
    };
    let mut deadline = sleep_or_never(s, timeout);
    let response = tokio::select! {
        response = shared.invoker.invoke(request) => response,
        () = &mut deadline => {
            if let Some((guard, _)) = token.as_mut() {
                guard.mark_timed_out();
            }
            return Err(events.timed_out(thread, STATES_TIMEOUT));
        }
    };
    let response = match response {
        Ok(response) => response,
        Err(failure) => {
            return Err(events.failed(thread, Failure::new(failure.error, failure.cause)));
        }
    };
    let Some(token) = token else {
        events.succeeded(thread, &response)?;
        return Ok(response);
    };
    events.submitted(thread, &response);
    wait_for_callback(&events, token, deadline, heartbeat, thread).await
}

/// Takes up a `.waitForTaskToken` task whose call was made before its execution was
/// interrupted: opens its token again and waits for the callback. TimeoutSeconds counts from
/// the recorded `TaskScheduled`; HeartbeatSeconds from now (heartbeats are not recorded).
pub(super) async fn recovered_wait(
    s: &StateRun<'_>,
    t: &TaskState,
    waiting: Waiting,
    thread: &mut Thread,
) -> Result<Value, Failure> {
    let (kind, _) = classify(&t.resource);
    let events = Events { s, kind };
    let token = s.run.shared.tokens.register(waiting.token);
    let deadline = sleep_until_or_never(s, waiting.scheduled_at, waiting.timeout);
    wait_for_callback(&events, token, deadline, waiting.heartbeat, thread).await
}

/// Waits for SendTaskSuccess / SendTaskFailure on the task's token, restarting the heartbeat
/// timer on SendTaskHeartbeat, until `deadline`.
async fn wait_for_callback(
    events: &Events<'_, '_>,
    token: (TokenGuard, UnboundedReceiver<Signal>),
    mut deadline: BoxFuture<'static, ()>,
    heartbeat: Option<u64>,
    thread: &mut Thread,
) -> Result<Value, Failure> {
    let (mut guard, mut signals) = token;
    loop {
        let beat = sleep_or_never(events.s, heartbeat);
        let error = tokio::select! {
            signal = signals.recv() => match signal {
                Some(Signal::Success(output)) => {
                    events.succeeded(thread, &output)?;
                    return Ok(output);
                }
                Some(Signal::Failure { error, cause }) => {
                    let failure = Failure::raised(error, cause);
                    return Err(events.failed(thread, failure));
                }
                Some(Signal::Heartbeat) => continue,
                None => return Err(Failure::runtime("the task token was closed")),
            },
            () = &mut deadline => STATES_TIMEOUT,
            () = beat => STATES_HEARTBEAT_TIMEOUT,
        };
        guard.mark_timed_out();
        return Err(events.timed_out(thread, error));
    }
}
