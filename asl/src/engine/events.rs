//! The history of one execution: an append-only log of [`HistoryEvent`]s with ids in order and
//! the previous-event chain Step Functions records, plus the hook that sees every event as it is
//! appended.
//!
//! ## The previous-event chain
//! Every line of work (the execution, a Parallel branch, a Map iteration) has a [`Thread`]: the
//! id its next event follows (`source`) and the id it last wrote (`last`). Writing an event
//! advances `source`, except for the closing events AWS does not chain from
//! (`MapIterationSucceeded`, `ParallelStateSucceeded`, …). A child thread starts from its
//! parent's `source`; when it ends, the parent continues from the highest id of its children.
//!
//! ## Persisting and resuming
//! An [`EventSink`] is called, under the log's lock and so in id order, for every event of every
//! execution. A store that writes each event before acknowledging it holds the whole history;
//! after a restart, [`Engine::recover`](super::Engine::recover) continues an execution from it
//! (a log that starts with the recorded events, ids continuing after the last one).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use serde_json::{Map, Value};

use super::clock::Clock;
use super::timestamp;
use crate::history::HistoryEvent;

/// Sees every history event as it is appended (to persist it, stream it, count it).
pub trait EventSink: Send + Sync {
    /// Called once per event, in id order for each execution.
    fn append(&self, execution_arn: &str, event: &HistoryEvent);
}

impl<F> EventSink for F
where
    F: Fn(&str, &HistoryEvent) + Send + Sync,
{
    fn append(&self, execution_arn: &str, event: &HistoryEvent) {
        self(execution_arn, event)
    }
}

/// Where a line of work is in the previous-event chain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Thread {
    /// The id the next event of this thread follows.
    pub source: i64,
    /// The id this thread last wrote.
    pub last: i64,
}

impl Thread {
    /// A thread that starts where this one is.
    pub fn child(&self) -> Thread {
        Thread {
            source: self.source,
            last: self.source,
        }
    }

    /// Continues after a child thread that ended.
    pub fn integrate(&mut self, child: &Thread) {
        self.source = self.source.max(child.source);
        self.last = self.last.max(child.last);
    }
}

/// The most events an execution's history holds (AWS's hard quota).
pub(crate) const MAX_HISTORY_EVENTS: usize = 25_000;

/// The cause of the failure of an execution whose history is full.
pub(crate) const HISTORY_FULL_CAUSE: &str =
    "The execution reached the maximum number of history events (25000).";

/// The append-only event log of one execution.
pub(crate) struct Recorder {
    execution_arn: String,
    clock: Arc<dyn Clock>,
    sink: Option<Arc<dyn EventSink>>,
    events: Mutex<Vec<HistoryEvent>>,
    /// Whether [`MAX_HISTORY_EVENTS`] applies (an execution's history, not a map run's log).
    limited: bool,
    /// Set once an event was refused because the history was full.
    full: AtomicBool,
    full_signal: Notify,
}

impl Recorder {
    /// A log without the history limit: a Distributed Map run's.
    pub fn new(
        execution_arn: String,
        clock: Arc<dyn Clock>,
        sink: Option<Arc<dyn EventSink>>,
    ) -> Self {
        Recorder {
            limited: false,
            ..Recorder::continuing(execution_arn, clock, sink, Vec::new())
        }
    }

    /// A log that already holds `recorded` (ids 1..=n, checked by the caller); new events
    /// continue the ids after them, and only new events go to the sink.
    pub fn continuing(
        execution_arn: String,
        clock: Arc<dyn Clock>,
        sink: Option<Arc<dyn EventSink>>,
        recorded: Vec<HistoryEvent>,
    ) -> Self {
        Recorder {
            execution_arn,
            clock,
            sink,
            events: Mutex::new(recorded),
            limited: true,
            full: AtomicBool::new(false),
            full_signal: Notify::new(),
        }
    }

    /// Whether an event was refused because the history is full: as on AWS, once 24,999
    /// events are recorded only the execution's own end may follow, and anything else ends
    /// it as failed (see [`HISTORY_FULL_CAUSE`]).
    pub fn is_full(&self) -> bool {
        self.full.load(Ordering::SeqCst)
    }

    /// Waits until the history is full.
    pub async fn filled(&self) {
        if !self.is_full() {
            self.full_signal.notified().await;
        }
    }

    /// Appends an event that follows `thread` and advances the thread; returns its id.
    pub fn add(&self, thread: &mut Thread, event_type: &str, details: Details) -> i64 {
        let id = self.append(thread.source, event_type, details);
        thread.source = id;
        thread.last = id;
        id
    }

    /// Appends an event that follows `thread` without moving the thread's source (the closing
    /// events AWS does not chain from); returns its id.
    pub fn add_closing(&self, thread: &mut Thread, event_type: &str, details: Details) -> i64 {
        let id = self.append(thread.source, event_type, details);
        thread.last = id;
        id
    }

    fn append(&self, previous: i64, event_type: &str, details: Details) -> i64 {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let id = events.len() as i64 + 1;
        let closing = matches!(
            event_type,
            "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted"
        );
        if self.limited {
            let refused = if closing {
                events.len() >= MAX_HISTORY_EVENTS
            } else {
                self.is_full() || events.len() + 1 >= MAX_HISTORY_EVENTS
            };
            if refused {
                // Event #25,000 may only end the execution: anything else fills the history.
                if !closing && !self.full.swap(true, Ordering::SeqCst) {
                    self.full_signal.notify_one();
                }
                return id;
            }
        }
        let mut map = Map::new();
        if let Some((key, body)) = details.0 {
            map.insert(key.to_string(), Value::Object(body));
        }
        let event = HistoryEvent {
            timestamp: Value::from(timestamp::epoch_seconds(self.clock.now())),
            event_type: event_type.to_string(),
            id,
            previous_event_id: previous,
            details: map,
        };
        if let Some(sink) = &self.sink {
            sink.append(&self.execution_arn, &event);
        }
        events.push(event);
        id
    }

    /// A copy of the events so far.
    pub fn snapshot(&self) -> Vec<HistoryEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What `f` makes of the events so far, read in place.
    pub fn read<T>(&self, f: impl FnOnce(&[HistoryEvent]) -> T) -> T {
        f(&self.events.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The id of the last event.
    pub fn last_id(&self) -> i64 {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len() as i64
    }
}

/// The `…EventDetails` object of an event (or none).
#[derive(Debug, Default)]
pub(crate) struct Details(Option<(&'static str, Map<String, Value>)>);

impl Details {
    /// No details object.
    pub fn none() -> Self {
        Details(None)
    }

    /// An empty details object under `key`, to fill with [`Details::with`] and friends.
    pub fn new(key: &'static str) -> Self {
        Details(Some((key, Map::new())))
    }

    /// Adds a field.
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        if let Some((_, map)) = &mut self.0 {
            map.insert(field.to_string(), value.into());
        }
        self
    }

    /// Adds a field when present.
    pub fn with_opt(self, field: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.with(field, v),
            None => self,
        }
    }

    /// Adds a JSON payload as text, with its `…Details` companion (`{"truncated": false}`).
    pub fn payload(self, field: &str, value: &Value) -> Self {
        self.with(field, value.to_string()).with(
            &format!("{field}Details"),
            serde_json::json!({"truncated": false}),
        )
    }

    /// Adds `error` and `cause` when present.
    pub fn error(self, error: Option<&str>, cause: Option<&str>) -> Self {
        self.with_opt("error", error).with_opt("cause", cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::SystemClock;

    #[test]
    fn ids_follow_threads_and_closing_events_do_not_advance() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink_seen = seen.clone();
        let sink: Arc<dyn EventSink> = Arc::new(move |arn: &str, e: &HistoryEvent| {
            sink_seen.lock().unwrap().push((arn.to_string(), e.id));
        });
        let rec = Recorder::new("arn:x".into(), Arc::new(SystemClock), Some(sink));
        let mut main = Thread::default();
        assert_eq!(rec.add(&mut main, "ExecutionStarted", Details::none()), 1);
        let mut a = main.child();
        let mut b = main.child();
        rec.add(
            &mut a,
            "PassStateEntered",
            Details::new("stateEnteredEventDetails"),
        );
        rec.add(&mut b, "PassStateEntered", Details::none());
        rec.add_closing(&mut b, "MapIterationSucceeded", Details::none());
        main.integrate(&a);
        main.integrate(&b);
        let events = rec.snapshot();
        assert_eq!(events[1].previous_event_id, 1);
        assert_eq!(events[2].previous_event_id, 1);
        assert_eq!(events[3].previous_event_id, 3);
        assert_eq!(main.source, 3);
        assert_eq!(main.last, 4);
        assert!(events[1].details.contains_key("stateEnteredEventDetails"));
        assert_eq!(seen.lock().unwrap().len(), 4);
        assert_eq!(rec.last_id(), 4);
    }
}
