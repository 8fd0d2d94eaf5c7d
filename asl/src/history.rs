//! Execution histories in the GetExecutionHistory wire format (camelCase JSON).
//!
//! A history can be read from one page (`{"events": [...]}`), from several pages (a JSON array
//! of pages, or pages written one after another as the AWS CLI's `--no-paginate` loop does), or
//! from a bare array of events; pages may come oldest first or in `reverseOrder`. Events are
//! sorted by id and de-duplicated. Event types this crate does not know are kept as they are.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One history event, exactly as GetExecutionHistory returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    /// When it happened: epoch seconds (JSON protocol) or an ISO 8601 string (AWS CLI output).
    pub timestamp: Value,
    /// The event type, such as `TaskStateEntered`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event id, from 1.
    pub id: i64,
    /// The id of the event this one follows in its thread (0 for none).
    #[serde(default)]
    pub previous_event_id: i64,
    /// The `…EventDetails` object (and any other field), kept as written.
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

/// Reads an event field by field (no buffering, unlike `#[serde(flatten)]`): a history can
/// hold 25,000 events with payloads of kilobytes each.
impl<'de> Deserialize<'de> for HistoryEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = HistoryEvent;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a history event object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<HistoryEvent, A::Error> {
                let mut timestamp = None;
                let mut event_type = None;
                let mut id = None;
                let mut previous_event_id = 0;
                let mut details = Map::new();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "timestamp" => timestamp = Some(map.next_value()?),
                        "type" => event_type = Some(map.next_value()?),
                        "id" => id = Some(map.next_value()?),
                        "previousEventId" => previous_event_id = map.next_value()?,
                        _ => {
                            details.insert(key.into_owned(), map.next_value()?);
                        }
                    }
                }
                use serde::de::Error;
                Ok(HistoryEvent {
                    timestamp: timestamp.ok_or_else(|| A::Error::missing_field("timestamp"))?,
                    event_type: event_type.ok_or_else(|| A::Error::missing_field("type"))?,
                    id: id.ok_or_else(|| A::Error::missing_field("id"))?,
                    previous_event_id,
                    details,
                })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// How an execution ended, judged from its last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Still running (no terminal event yet).
    Running,
    /// `ExecutionSucceeded`.
    Succeeded,
    /// `ExecutionFailed`.
    Failed,
    /// `ExecutionTimedOut`.
    TimedOut,
    /// `ExecutionAborted`.
    Aborted,
}

impl ExecutionStatus {
    /// The status as Step Functions spells it (`FAILED`, `TIMED_OUT`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }
}

/// A history that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The text is not JSON, or not in the GetExecutionHistory shape.
    #[error("the history is not valid GetExecutionHistory JSON: {0}")]
    Malformed(String),
    /// No events at all.
    #[error("the history has no events")]
    Empty,
}

impl HistoryEvent {
    /// True for `…StateEntered` events.
    pub fn is_state_entered(&self) -> bool {
        self.event_type.ends_with("StateEntered")
    }

    /// True for `…StateExited` events.
    pub fn is_state_exited(&self) -> bool {
        self.event_type.ends_with("StateExited")
    }

    /// True for events that report an error (`TaskFailed`, `LambdaFunctionTimedOut`,
    /// `ParallelStateFailed`, …).
    pub fn is_failure(&self) -> bool {
        let t = self.event_type.as_str();
        t.ends_with("Failed") || t.ends_with("TimedOut")
    }

    /// The single `…EventDetails` object of the event, if it has one.
    pub fn details_object(&self) -> Option<&Map<String, Value>> {
        self.details
            .iter()
            .find(|(k, _)| k.ends_with("EventDetails"))
            .and_then(|(_, v)| v.as_object())
    }

    /// A field of the event's details object.
    pub fn detail(&self, field: &str) -> Option<&Value> {
        self.details_object().and_then(|d| d.get(field))
    }

    /// A string field of the event's details object.
    pub fn detail_str(&self, field: &str) -> Option<&str> {
        self.detail(field).and_then(Value::as_str)
    }

    /// The state name of a `…StateEntered` / `…StateExited` event.
    pub fn state_name(&self) -> Option<&str> {
        if self.is_state_entered() || self.is_state_exited() {
            self.detail_str("name")
        } else {
            None
        }
    }

    /// A JSON payload field (`input`, `output`) decoded: Step Functions sends payloads as JSON
    /// text; a payload that is not JSON text is returned as a JSON string.
    pub fn payload(&self, field: &str) -> Option<Value> {
        self.detail(field).map(decode_payload)
    }
}

/// The event type RedriveExecution records (`executionRedrivenEventDetails.redriveCount`).
pub const EXECUTION_REDRIVEN: &str = "ExecutionRedriven";

/// How many times the history was redriven (its `ExecutionRedriven` events).
pub fn redrive_count(events: &[HistoryEvent]) -> u64 {
    events
        .iter()
        .filter(|e| e.event_type == EXECUTION_REDRIVEN)
        .count() as u64
}

/// The last redrive, if any: a redriven execution's TimeoutSeconds counts from it, and
/// DescribeExecution's `redriveDate` is its time.
pub fn last_redrive(events: &[HistoryEvent]) -> Option<&HistoryEvent> {
    events
        .iter()
        .rev()
        .find(|e| e.event_type == EXECUTION_REDRIVEN)
}

/// Decodes a payload as recorded in a history: JSON text becomes its value; a value that is
/// already structured (as in normalised recordings) is returned as it is.
pub fn decode_payload(raw: &Value) -> Value {
    match raw {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| raw.clone()),
        other => other.clone(),
    }
}

/// A whole execution history, oldest event first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// The events, sorted by id, without duplicates.
    pub events: Vec<HistoryEvent>,
}

#[derive(Deserialize)]
struct Page {
    events: Vec<HistoryEvent>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Document {
    Page(Page),
    Pages(Vec<Page>),
    Events(Vec<HistoryEvent>),
}

impl History {
    /// Reads a history from GetExecutionHistory JSON: one page, an array of pages, pages one
    /// after another, or an array of events; in any order.
    pub fn from_json(text: &str) -> Result<History, HistoryError> {
        // The common case, one GetExecutionHistory page, is read straight into events.
        if let Ok(page) = serde_json::from_str::<Page>(text) {
            return History::from_events(page.events);
        }
        let mut events = Vec::new();
        let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        for document in stream {
            let document = document.map_err(|e| HistoryError::Malformed(e.to_string()))?;
            let document: Document = serde_json::from_value(document).map_err(|_| {
                HistoryError::Malformed(
                    "expected an object with an \"events\" array (the output of \
                     GetExecutionHistory), an array of such pages, or an array of events"
                        .to_string(),
                )
            })?;
            match document {
                Document::Page(page) => events.extend(page.events),
                Document::Pages(pages) => events.extend(pages.into_iter().flat_map(|p| p.events)),
                Document::Events(list) => events.extend(list),
            }
        }
        History::from_events(events)
    }

    /// Builds a history from events in any order.
    pub fn from_events(mut events: Vec<HistoryEvent>) -> Result<History, HistoryError> {
        if events.is_empty() {
            return Err(HistoryError::Empty);
        }
        events.sort_by_key(|e| e.id);
        events.dedup_by_key(|e| e.id);
        Ok(History { events })
    }

    /// How the execution ended.
    pub fn status(&self) -> ExecutionStatus {
        match self.events.last().map(|e| e.event_type.as_str()) {
            Some("ExecutionSucceeded") => ExecutionStatus::Succeeded,
            Some("ExecutionFailed") => ExecutionStatus::Failed,
            Some("ExecutionTimedOut") => ExecutionStatus::TimedOut,
            Some("ExecutionAborted") => ExecutionStatus::Aborted,
            _ => ExecutionStatus::Running,
        }
    }

    /// The terminal event, if the execution has ended.
    pub fn terminal_event(&self) -> Option<&HistoryEvent> {
        match self.status() {
            ExecutionStatus::Running => None,
            _ => self.events.last(),
        }
    }

    /// The `ExecutionStarted` event.
    pub fn started_event(&self) -> Option<&HistoryEvent> {
        self.events
            .iter()
            .find(|e| e.event_type == "ExecutionStarted")
    }

    /// An index from event id to position in [`History::events`].
    pub fn index_by_id(&self) -> HashMap<i64, usize> {
        self.events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id, i))
            .collect()
    }

    /// Writes the history as one GetExecutionHistory page.
    pub fn to_value(&self) -> Value {
        serde_json::json!({ "events": self.events })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, prev: i64, event_type: &str) -> Value {
        serde_json::json!({"timestamp": 1.5, "type": event_type, "id": id, "previousEventId": prev})
    }

    #[test]
    fn reads_one_page_many_pages_and_reverse_order() {
        let one = serde_json::json!({"events": [event(1, 0, "ExecutionStarted"), event(2, 1, "ExecutionSucceeded")]});
        let h = History::from_json(&one.to_string()).unwrap();
        assert_eq!(h.events.len(), 2);
        assert_eq!(h.status(), ExecutionStatus::Succeeded);

        let pages = serde_json::json!([
            {"events": [event(3, 2, "ExecutionFailed"), event(2, 1, "PassStateEntered")], "nextToken": "x"},
            {"events": [event(1, 0, "ExecutionStarted")]}
        ]);
        let h = History::from_json(&pages.to_string()).unwrap();
        let ids: Vec<i64> = h.events.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert_eq!(h.status(), ExecutionStatus::Failed);

        let stream = format!(
            "{}\n{}",
            serde_json::json!({"events": [event(2, 1, "X"), event(1, 0, "ExecutionStarted")]}),
            serde_json::json!({"events": [event(2, 1, "X"), event(3, 2, "ExecutionAborted")]})
        );
        let h = History::from_json(&stream).unwrap();
        assert_eq!(h.events.len(), 3, "overlapping pages are de-duplicated");
        assert_eq!(h.status(), ExecutionStatus::Aborted);
    }

    #[test]
    fn keeps_unknown_event_types_and_fields() {
        let raw = serde_json::json!({"events": [
            {"timestamp": "2024-01-01T00:00:00Z", "type": "SomethingNew", "id": 1, "previousEventId": 0,
             "somethingNewEventDetails": {"a": 1}}
        ]});
        let h = History::from_json(&raw.to_string()).unwrap();
        assert_eq!(h.events[0].event_type, "SomethingNew");
        assert_eq!(h.events[0].detail("a"), Some(&serde_json::json!(1)));
        assert_eq!(h.to_value()["events"][0], raw["events"][0]);
        assert_eq!(h.status(), ExecutionStatus::Running);
    }

    #[test]
    fn decodes_payloads() {
        let raw = serde_json::json!({"timestamp": 1, "type": "PassStateEntered", "id": 2, "previousEventId": 1,
            "stateEnteredEventDetails": {"name": "P", "input": "{\"a\": [1]}"}});
        let e: HistoryEvent = serde_json::from_value(raw).unwrap();
        assert_eq!(e.state_name(), Some("P"));
        assert_eq!(e.payload("input"), Some(serde_json::json!({"a": [1]})));
        assert_eq!(
            decode_payload(&Value::String("not json".into())),
            Value::String("not json".into())
        );
    }

    #[test]
    fn rejects_what_is_not_a_history() {
        assert!(matches!(
            History::from_json("{"),
            Err(HistoryError::Malformed(_))
        ));
        assert!(matches!(
            History::from_json("{\"States\": {}}"),
            Err(HistoryError::Malformed(_))
        ));
        assert!(matches!(
            History::from_json("{\"events\": []}"),
            Err(HistoryError::Empty)
        ));
    }
}
