//! Wait: sleeps for `Seconds` / `SecondsPath` after the state's entry, or until `Timestamp` /
//! `TimestampPath`, on the engine's clock (in JSONata, `Seconds` and `Timestamp` may be
//! expressions); then assigns its `Assign`.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::{Advance, StateRun};
use crate::engine::error::Failure;
use crate::engine::events::Thread;
use crate::engine::timestamp;
use crate::model::WaitState;

pub(super) async fn run<'a>(
    s: &StateRun<'a>,
    wait: &WaitState,
    input: Value,
    thread: &mut Thread,
) -> Result<Advance<'a>, Failure> {
    if s.jsonata() {
        return run_jsonata(s, wait, input, thread).await;
    }
    let io = s.io(None);
    let effective = io.filter_owned(&s.state.input_path, input)?;
    // Seconds count from the state's entry, so a Wait taken up after a restart only sleeps
    // for what is left.
    let until = if let Some(seconds) = wait.seconds {
        s.entered_at + Duration::from_secs(seconds)
    } else if let Some(path) = &wait.seconds_path {
        let value = io.select(path, &effective)?;
        s.entered_at + Duration::from_secs(seconds_at(path, &value)?)
    } else {
        let (text, field) = match (&wait.timestamp, &wait.timestamp_path) {
            (Some(text), _) => (Value::String(text.clone()), None),
            (None, Some(path)) => (io.select(path, &effective)?.into_owned(), Some(path)),
            (None, None) => (Value::Null, None),
        };
        let until = text.as_str().and_then(timestamp::parse).ok_or_else(|| {
            let shown = match &text {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Failure::runtime(match field {
                Some(path) => format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {shown}"
                ),
                None => format!(
                    "The Timestamp parameter is not a valid ISO-8601 extended offset date-time format string: {shown}"
                ),
            })
        })?;
        timestamp::to_system_time(until)
    };
    sleep_until(s, until).await;
    let assigns = s.state.extra.contains_key("Assign");
    s.assign_field(&io, "Assign", assigns, &effective, None)?;
    let output = io.filter_owned(&s.state.output_path, effective)?;
    s.exit(thread, output)
}

/// Sleeps on the engine's clock until `until` (not at all when it has passed).
async fn sleep_until(s: &StateRun<'_>, until: SystemTime) {
    let clock = &s.run.shared.clock;
    let duration = until.duration_since(clock.now()).unwrap_or(Duration::ZERO);
    if !duration.is_zero() {
        clock.sleep(duration).await;
    }
}

/// A JSONata Wait: `Seconds` (a number or an expression) or `Timestamp` (a string or an
/// expression), then `Assign` and `Output`.
async fn run_jsonata<'a>(
    s: &StateRun<'a>,
    wait: &WaitState,
    input: Value,
    thread: &mut Thread,
) -> Result<Advance<'a>, Failure> {
    let io = s.io(None);
    let context = |with_input| io.context_document(with_input);
    let states = io.states(&input, None, None, &context);
    let until = if let Some(seconds) = wait.seconds {
        s.entered_at + Duration::from_secs(seconds)
    } else if let Some(value) = io.jsonata("Seconds", &states)? {
        match value.as_u64() {
            Some(seconds) => s.entered_at + Duration::from_secs(seconds),
            None => {
                return Err(match io.jsonata_template("Seconds") {
                    Some(t) => t.wrong_type("integer", &value),
                    None => Failure::query(Some("Seconds"), "The Seconds field is not an integer"),
                })
            }
        }
    } else {
        let value = io.jsonata("Timestamp", &states)?.unwrap_or(Value::Null);
        let parsed = value.as_str().and_then(timestamp::parse).ok_or_else(|| {
            let shown = match &value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Failure::query(
                Some("Timestamp"),
                format!(
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {shown}"
                ),
            )
        })?;
        timestamp::to_system_time(parsed)
    };
    sleep_until(s, until).await;
    let assigns = s.state.extra.contains_key("Assign");
    s.assign_field(&io, "Assign", assigns, &input, Some(&states))?;
    let output = io.jsonata("Output", &states)?;
    s.exit(thread, output.unwrap_or(input))
}

/// The whole, non-negative number of seconds a `SecondsPath` selected.
fn seconds_at(path: &str, value: &Value) -> Result<u64, Failure> {
    match value {
        Value::Number(n) if n.is_u64() => Ok(n.as_u64().unwrap_or_default()),
        Value::Number(n) if n.is_i64() => Err(Failure::runtime(format!(
            "The SecondsPath parameter references a negative value: {path} == {n}"
        ))),
        other => Err(Failure::runtime(format!(
            "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
            match other {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            }
        ))),
    }
}
