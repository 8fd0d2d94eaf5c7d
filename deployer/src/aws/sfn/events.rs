//! SDK history events turned into the planner's events (the GetExecutionHistory wire shape),
//! keeping what the planner reads: ids, types, state names, payloads, errors and causes.

use asl::history::HistoryEvent;
use aws_sdk_sfn::types::HistoryEvent as SdkEvent;
use serde_json::{json, Map, Value};

/// The first `…EventDetails` member of `event` among `getter => "member"` pairs that carries
/// an error and a cause, as `(member, {"error", "cause"})`.
macro_rules! failure_details {
    ($event:expr, $($getter:ident => $member:literal),+ $(,)?) => {{
        let mut found = None;
        $(
            if found.is_none() {
                if let Some(d) = $event.$getter() {
                    found = Some(($member, error_and_cause(d.error(), d.cause())));
                }
            }
        )+
        found
    }};
}

/// The planner's form of one SDK history event.
pub fn convert(event: &SdkEvent) -> HistoryEvent {
    let mut details = Map::new();
    if let Some(d) = event.state_entered_event_details() {
        details.insert(
            "stateEnteredEventDetails".into(),
            json!({"name": d.name(), "input": d.input()}),
        );
    }
    if let Some(d) = event.state_exited_event_details() {
        let mut exited = json!({"name": d.name(), "output": d.output()});
        if let Some(assigned) = d.assigned_variables() {
            exited["assignedVariables"] = json!(assigned);
        }
        if let Some(more) = d.assigned_variables_details() {
            exited["assignedVariablesDetails"] = json!({"truncated": more.truncated()});
        }
        details.insert("stateExitedEventDetails".into(), exited);
    }
    for (name, detail) in [
        (
            "mapIterationStartedEventDetails",
            event.map_iteration_started_event_details(),
        ),
        (
            "mapIterationSucceededEventDetails",
            event.map_iteration_succeeded_event_details(),
        ),
        (
            "mapIterationFailedEventDetails",
            event.map_iteration_failed_event_details(),
        ),
        (
            "mapIterationAbortedEventDetails",
            event.map_iteration_aborted_event_details(),
        ),
    ] {
        if let Some(d) = detail {
            details.insert(name.into(), json!({"name": d.name(), "index": d.index()}));
        }
    }
    if let Some(d) = event.map_state_started_event_details() {
        details.insert(
            "mapStateStartedEventDetails".into(),
            json!({"length": d.length()}),
        );
    }
    if let Some(d) = event.execution_started_event_details() {
        details.insert(
            "executionStartedEventDetails".into(),
            json!({"input": d.input(), "roleArn": d.role_arn()}),
        );
    }
    let failure = failure_details!(event,
        execution_failed_event_details => "executionFailedEventDetails",
        execution_aborted_event_details => "executionAbortedEventDetails",
        execution_timed_out_event_details => "executionTimedOutEventDetails",
        task_failed_event_details => "taskFailedEventDetails",
        task_start_failed_event_details => "taskStartFailedEventDetails",
        task_submit_failed_event_details => "taskSubmitFailedEventDetails",
        task_timed_out_event_details => "taskTimedOutEventDetails",
        lambda_function_failed_event_details => "lambdaFunctionFailedEventDetails",
        lambda_function_schedule_failed_event_details => "lambdaFunctionScheduleFailedEventDetails",
        lambda_function_start_failed_event_details => "lambdaFunctionStartFailedEventDetails",
        lambda_function_timed_out_event_details => "lambdaFunctionTimedOutEventDetails",
        activity_failed_event_details => "activityFailedEventDetails",
        activity_schedule_failed_event_details => "activityScheduleFailedEventDetails",
        activity_timed_out_event_details => "activityTimedOutEventDetails",
        map_run_failed_event_details => "mapRunFailedEventDetails",
        evaluation_failed_event_details => "evaluationFailedEventDetails",
    );
    if let Some((member, value)) = failure {
        details.insert(member.into(), value);
    }
    HistoryEvent {
        timestamp: json!(event.timestamp().as_secs_f64()),
        event_type: event.r#type().as_str().to_string(),
        id: event.id(),
        previous_event_id: event.previous_event_id(),
        details,
    }
}

fn error_and_cause(error: Option<&str>, cause: Option<&str>) -> Value {
    let mut details = Map::new();
    if let Some(error) = error {
        details.insert("error".into(), json!(error));
    }
    if let Some(cause) = cause {
        details.insert("cause".into(), json!(cause));
    }
    Value::Object(details)
}

#[cfg(test)]
mod tests {
    use aws_sdk_sfn::primitives::DateTime;
    use aws_sdk_sfn::types::{
        ExecutionFailedEventDetails, HistoryEventType, StateEnteredEventDetails,
    };

    use super::*;

    #[test]
    fn entered_and_failed_events_keep_what_the_planner_reads() {
        let entered = SdkEvent::builder()
            .timestamp(DateTime::from_secs(10))
            .r#type(HistoryEventType::TaskStateEntered)
            .id(2)
            .previous_event_id(1)
            .state_entered_event_details(
                StateEnteredEventDetails::builder()
                    .name("Charge")
                    .input(r#"{"a":1}"#)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let converted = convert(&entered);
        assert_eq!(converted.state_name(), Some("Charge"));
        assert_eq!(converted.payload("input"), Some(json!({"a": 1})));
        assert_eq!(converted.previous_event_id, 1);

        let failed = SdkEvent::builder()
            .timestamp(DateTime::from_secs(11))
            .r#type(HistoryEventType::ExecutionFailed)
            .id(3)
            .previous_event_id(2)
            .execution_failed_event_details(
                ExecutionFailedEventDetails::builder()
                    .error("Boom")
                    .cause("why")
                    .build(),
            )
            .build()
            .unwrap();
        let converted = convert(&failed);
        assert_eq!(converted.event_type, "ExecutionFailed");
        assert_eq!(converted.detail_str("error"), Some("Boom"));
        assert_eq!(converted.detail_str("cause"), Some("why"));
    }
}
