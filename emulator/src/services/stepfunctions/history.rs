//! GetExecutionHistory: pages of events, oldest or newest first, with or without the execution
//! data (inputs and outputs).

use asl::history::HistoryEvent;
use serde_json::{json, Value};

use super::pagination;
use crate::error::AwsResult;

/// How GetExecutionHistory pages are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryQuery<'a> {
    /// `maxResults` (default 100, at most 1000).
    pub max_results: Option<i64>,
    /// `nextToken`.
    pub next_token: Option<&'a str>,
    /// `reverseOrder`: newest first.
    pub reverse_order: bool,
    /// `includeExecutionData` (default true): false leaves out inputs and outputs.
    pub include_execution_data: bool,
}

/// The GetExecutionHistory page for `query` of `events` (oldest first): only the page's
/// events are read and serialised, so a page costs the same however long the history is.
pub fn page(events: &[HistoryEvent], query: &HistoryQuery<'_>) -> AwsResult<Value> {
    let size = pagination::page_size(query.max_results, 100)?;
    let total = events.len();
    let from = pagination::position(query.next_token)?.min(total);
    let to = from.saturating_add(size).min(total);
    let at = |n: usize| {
        if query.reverse_order {
            &events[total - 1 - n]
        } else {
            &events[n]
        }
    };
    let next = (to < total).then(|| pagination::token(to));
    let events: Vec<Value> = (from..to)
        .map(|n| {
            let mut value = serde_json::to_value(at(n)).unwrap_or(Value::Null);
            if !query.include_execution_data {
                strip_execution_data(&mut value);
            }
            value
        })
        .collect();
    let mut reply = json!({ "events": events });
    if let Some(token) = next {
        reply["nextToken"] = Value::String(token);
    }
    Ok(reply)
}

/// Removes the inputs and outputs from an event's details (their `…Details` companions stay).
fn strip_execution_data(event: &mut Value) {
    let Some(map) = event.as_object_mut() else {
        return;
    };
    for (key, details) in map.iter_mut() {
        if !key.ends_with("EventDetails") {
            continue;
        }
        if let Some(details) = details.as_object_mut() {
            details.remove("input");
            details.remove("output");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(n: i64) -> Vec<HistoryEvent> {
        (1..=n)
            .map(|id| {
                serde_json::from_value(json!({
                    "timestamp": 1.0, "type": "PassStateEntered", "id": id, "previousEventId": id - 1,
                    "stateEnteredEventDetails": {"name": "P", "input": "{}", "inputDetails": {"truncated": false}}
                }))
                .unwrap()
            })
            .collect()
    }

    fn query(reverse: bool, data: bool) -> HistoryQuery<'static> {
        HistoryQuery {
            max_results: Some(2),
            next_token: None,
            reverse_order: reverse,
            include_execution_data: data,
        }
    }

    #[test]
    fn pages_both_ways_and_strips_data_on_request() {
        let first = page(&events(3), &query(false, true)).unwrap();
        assert_eq!(first["events"][0]["id"], 1);
        assert_eq!(
            first["events"][0]["stateEnteredEventDetails"]["input"],
            "{}"
        );
        let token = first["nextToken"].as_str().unwrap().to_string();
        let second = page(
            &events(3),
            &HistoryQuery {
                next_token: Some(&token),
                ..query(false, true)
            },
        )
        .unwrap();
        assert_eq!(second["events"].as_array().unwrap().len(), 1);
        assert!(second.get("nextToken").is_none());

        let newest = page(&events(3), &query(true, false)).unwrap();
        assert_eq!(newest["events"][0]["id"], 3);
        let details = &newest["events"][0]["stateEnteredEventDetails"];
        assert!(details.get("input").is_none());
        assert_eq!(details["name"], "P");
        assert_eq!(details["inputDetails"]["truncated"], false);
    }
}
