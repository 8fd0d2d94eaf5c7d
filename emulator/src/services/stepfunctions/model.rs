//! Step Functions' state: state machines with their versions and aliases, and executions with
//! their histories. No wire format here: `api.rs` and `executions.rs` read requests and write
//! replies; every change goes through [`Change`] so that the journal replays it exactly.

use std::collections::{BTreeMap, HashMap};

use asl::history::{ExecutionStatus, HistoryEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{AwsError, AwsResult};
use crate::services::store::Journaled;

/// What a state machine (or one of its versions, or an execution) runs: the definition and
/// the settings that go with it. A new revision id is drawn whenever one of them changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The definition text, exactly as given.
    pub definition: String,
    /// The IAM role executions run as.
    pub role_arn: String,
    /// `loggingConfiguration`, as given (or the default AWS reports).
    pub logging: Value,
    /// `tracingConfiguration`, as given (or the default AWS reports).
    pub tracing: Value,
    /// `revisionId`.
    pub revision_id: String,
    /// When this revision was made (epoch seconds).
    pub update_date: f64,
}

/// A published version: a frozen revision with a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// The version number (from 1, never reused).
    pub number: u64,
    /// What it runs.
    pub revision: Revision,
    /// `description`.
    pub description: Option<String>,
    /// When it was published.
    pub creation_date: f64,
}

/// One entry of an alias' routing configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// The version ARN.
    pub version_arn: String,
    /// Its share of executions, in percent.
    pub weight: u64,
}

/// An alias: a name that routes executions to one or two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    /// The alias name.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// Where executions go.
    pub routing: Vec<Route>,
    /// When it was created.
    pub creation_date: f64,
    /// When it was last updated.
    pub update_date: f64,
}

/// A state machine's type (journaled as AWS writes it: `STANDARD`, `EXPRESS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MachineType {
    /// Long-running executions whose history is kept.
    Standard,
    /// Short executions, run to their end by StartSyncExecution, with no history kept.
    Express,
}

impl MachineType {
    /// The names AWS accepts, in its order.
    pub const NAMES: [&'static str; 2] = ["STANDARD", "EXPRESS"];

    /// The type a name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "STANDARD" => Some(MachineType::Standard),
            "EXPRESS" => Some(MachineType::Express),
            _ => None,
        }
    }
}

/// A state machine with its versions, aliases and tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMachine {
    /// The (unqualified) ARN.
    pub arn: String,
    /// The name.
    pub name: String,
    /// `STANDARD` or `EXPRESS`.
    pub machine_type: MachineType,
    /// When it was created.
    pub creation_date: f64,
    /// What unqualified executions run.
    pub current: Revision,
    /// Tags, in the order they were first set.
    pub tags: Vec<(String, String)>,
    /// Published versions by number.
    pub versions: BTreeMap<u64, Version>,
    /// The number the next published version gets.
    pub next_version: u64,
    /// Aliases by name.
    pub aliases: BTreeMap<String, Alias>,
}

/// What CreateStateMachine asks for, its members already checked.
#[derive(Debug, Clone)]
pub struct NewMachine {
    /// The (unqualified) ARN.
    pub arn: String,
    /// The name.
    pub name: String,
    /// `STANDARD` or `EXPRESS`.
    pub machine_type: MachineType,
    /// The definition and its settings.
    pub revision: Revision,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// `Some(description)` to publish the first version too.
    pub publish: Option<Option<String>>,
}

/// What CreateStateMachine made, or found already made.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// When the machine was created.
    pub creation_date: f64,
    /// The version published (or the latest, when the machine existed), if publishing.
    pub version_arn: Option<String>,
}

impl StateMachine {
    /// Publishes the machine's current revision as a new version, unless the latest version
    /// already holds it; returns the version ARN.
    pub fn publish(&mut self, description: Option<String>, now: f64) -> String {
        if let Some(latest) = self.versions.values().next_back() {
            if latest.revision.revision_id == self.current.revision_id {
                return self.version_arn(latest.number);
            }
        }
        let number = self.next_version;
        self.next_version += 1;
        self.versions.insert(
            number,
            Version {
                number,
                revision: self.current.clone(),
                description,
                creation_date: now,
            },
        );
        self.version_arn(number)
    }

    /// The ARN of version `number`.
    pub fn version_arn(&self, number: u64) -> String {
        format!("{}:{number}", self.arn)
    }

    /// The ARN of alias `name`.
    pub fn alias_arn(&self, name: &str) -> String {
        format!("{}:{name}", self.arn)
    }

    /// The version number of a version ARN of this machine.
    pub fn version_of(&self, version_arn: &str) -> Option<u64> {
        version_arn
            .strip_prefix(self.arn.as_str())?
            .strip_prefix(':')?
            .parse()
            .ok()
            .filter(|n| self.versions.contains_key(n))
    }
}

/// What StartExecution fixed about an execution: what it runs, on what, with what input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// The execution ARN.
    pub arn: String,
    /// The execution name.
    pub name: String,
    /// The unqualified state machine ARN.
    pub state_machine_arn: String,
    /// The state machine's name.
    pub state_machine_name: String,
    /// `STANDARD` or `EXPRESS`.
    pub machine_type: MachineType,
    /// The version that ran, when started on a version or an alias.
    pub version_arn: Option<String>,
    /// The alias it was started through, if any.
    pub alias_arn: Option<String>,
    /// The exact revision it ran (DescribeStateMachineForExecution).
    pub revision: Revision,
    /// The input text, as given.
    pub input: String,
    /// When it started.
    pub start_date: f64,
}

/// Where an execution's events are: with the engine running it, or as recorded in the journal
/// (an execution from before a restart).
#[derive(Clone)]
pub enum Run {
    /// Running (or run) by this process's engine.
    Live(asl::engine::Execution),
    /// Read back from the journal.
    Recorded(Vec<HistoryEvent>),
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Run::Live(execution) => f.debug_tuple("Live").field(execution).finish(),
            Run::Recorded(events) => write!(f, "Recorded({} events)", events.len()),
        }
    }
}

/// One execution.
#[derive(Debug, Clone)]
pub struct Execution {
    /// What it runs.
    pub record: ExecutionRecord,
    /// Its events.
    pub run: Run,
}

/// How an execution stands: `RUNNING`, or how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The status.
    pub status: ExecutionStatus,
    /// The output text, when it succeeded.
    pub output: Option<String>,
    /// The error, when it failed, timed out or was stopped with one.
    pub error: Option<String>,
    /// The cause, likewise.
    pub cause: Option<String>,
    /// When it ended (epoch seconds).
    pub stop_date: Option<f64>,
}

impl Execution {
    /// Every event so far, oldest first.
    pub fn history(&self) -> Vec<HistoryEvent> {
        match &self.run {
            Run::Live(execution) => execution.history(),
            Run::Recorded(events) => events.clone(),
        }
    }

    /// What `f` makes of the events so far, read in place (no copy).
    pub fn with_history<T>(&self, f: impl FnOnce(&[HistoryEvent]) -> T) -> T {
        match &self.run {
            Run::Live(execution) => execution.with_history(f),
            Run::Recorded(events) => f(events),
        }
    }

    /// Its status and, once it ended, how.
    pub fn outcome(&self) -> Outcome {
        match &self.run {
            Run::Live(execution) => match execution.outcome() {
                Some(o) => Outcome {
                    status: o.status,
                    output: o.output.map(|v| v.to_string()),
                    error: o.error,
                    cause: o.cause,
                    stop_date: Some(crate::protocol::epoch_seconds(o.stop_date)),
                },
                None => Outcome::running(),
            },
            Run::Recorded(events) => events.last().map_or_else(Outcome::running, outcome_of),
        }
    }
}

/// The terminal event that ends an execution no engine runs.
#[derive(Debug, Clone)]
pub struct Ending {
    /// `ExecutionAborted` or `ExecutionFailed`.
    pub event_type: &'static str,
    /// Its details' key (`executionAbortedEventDetails`, …).
    pub details_key: &'static str,
    /// The error, if any.
    pub error: Option<String>,
    /// The cause, if any.
    pub cause: Option<String>,
}

impl Execution {
    /// The change that ends this execution now (`now`, epoch seconds) with `ending`'s event,
    /// after its last event.
    pub fn closing(&self, ending: Ending, now: f64) -> Change {
        let last = self.with_history(|events| events.last().map_or(0, |e| e.id));
        let mut details = Map::new();
        if let Some(error) = ending.error {
            details.insert("error".into(), Value::String(error));
        }
        if let Some(cause) = ending.cause {
            details.insert("cause".into(), Value::String(cause));
        }
        let mut fields = Map::new();
        fields.insert(ending.details_key.into(), Value::Object(details));
        Change::Event {
            execution_arn: self.record.arn.clone(),
            event: HistoryEvent {
                timestamp: serde_json::json!(now),
                event_type: ending.event_type.into(),
                id: last + 1,
                previous_event_id: last,
                details: fields,
            },
        }
    }
}

impl Outcome {
    fn running() -> Outcome {
        Outcome {
            status: ExecutionStatus::Running,
            output: None,
            error: None,
            cause: None,
            stop_date: None,
        }
    }
}

/// The outcome a history's last event tells.
fn outcome_of(last: &HistoryEvent) -> Outcome {
    let status = match last.event_type.as_str() {
        "ExecutionSucceeded" => ExecutionStatus::Succeeded,
        "ExecutionFailed" => ExecutionStatus::Failed,
        "ExecutionTimedOut" => ExecutionStatus::TimedOut,
        "ExecutionAborted" => ExecutionStatus::Aborted,
        _ => return Outcome::running(),
    };
    let text = |field: &str| last.detail_str(field).map(str::to_string);
    Outcome {
        status,
        output: text("output"),
        error: text("error"),
        cause: text("cause"),
        stop_date: last.timestamp.as_f64(),
    }
}

/// One journaled change. Each mutating operation records one, then applies it with
/// [`State::apply`], which is also what replay does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// A state machine was created or changed (its versions, aliases and tags included).
    Machine(Box<StateMachine>),
    /// A state machine was deleted.
    MachineDeleted {
        /// Its ARN.
        arn: String,
    },
    /// An execution started.
    ExecutionStarted(Box<ExecutionRecord>),
    /// An execution's history grew by one event.
    Event {
        /// The execution.
        execution_arn: String,
        /// The event.
        event: HistoryEvent,
    },
}

/// Every state machine and execution, of every region (ARNs carry the region).
#[derive(Debug, Default)]
pub struct State {
    /// State machines by unqualified ARN.
    pub machines: BTreeMap<String, StateMachine>,
    /// Executions by ARN.
    pub executions: BTreeMap<String, Execution>,
    /// Replayed events whose execution's start record comes later in the journal (the engine
    /// may journal its first events before StartExecution journals the start).
    early_events: HashMap<String, Vec<HistoryEvent>>,
}

impl Journaled for State {
    type Change = Change;

    /// Applies a change; executions started by replay are [`Run::Recorded`] (a live start is
    /// inserted with [`State::insert_live`] instead).
    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::Machine(machine) => {
                self.machines.insert(machine.arn.clone(), *machine);
            }
            Change::MachineDeleted { arn } => {
                self.machines.remove(&arn);
            }
            Change::ExecutionStarted(record) => {
                let events = self.early_events.remove(&record.arn).unwrap_or_default();
                let execution = Execution {
                    record: *record,
                    run: Run::Recorded(events),
                };
                self.executions
                    .insert(execution.record.arn.clone(), execution);
            }
            Change::Event {
                execution_arn,
                event,
            } => match self.executions.get_mut(&execution_arn) {
                Some(Execution {
                    run: Run::Recorded(events),
                    ..
                }) => events.push(event),
                Some(_) => {}
                None => self
                    .early_events
                    .entry(execution_arn)
                    .or_default()
                    .push(event),
            },
        }
        Ok(())
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        for machine in self.machines.values() {
            emit(Change::Machine(Box::new(machine.clone())));
        }
        for execution in self.executions.values() {
            emit(Change::ExecutionStarted(Box::new(execution.record.clone())));
            execution.with_history(|events| {
                for event in events {
                    emit(Change::Event {
                        execution_arn: execution.record.arn.clone(),
                        event: event.clone(),
                    });
                }
            });
        }
        let mut early: Vec<_> = self.early_events.iter().collect();
        early.sort_by_key(|(arn, _)| *arn);
        for (arn, events) in early {
            for event in events {
                emit(Change::Event {
                    execution_arn: arn.clone(),
                    event: event.clone(),
                });
            }
        }
    }
}

impl State {
    /// CreateStateMachine's rule: creating a machine that exists with the same definition,
    /// role, type, logging and tracing is idempotent (it answers with the existing machine
    /// and, when publishing, its latest version); with other settings it is
    /// `StateMachineAlreadyExists`. Returns the change to journal (none when it existed).
    pub fn create_machine(
        &self,
        new: NewMachine,
        now: f64,
    ) -> AwsResult<(Option<Change>, Created)> {
        if let Some(existing) = self.machines.get(&new.arn) {
            let same = existing.current.definition == new.revision.definition
                && existing.current.role_arn == new.revision.role_arn
                && existing.machine_type == new.machine_type
                && existing.current.logging == new.revision.logging
                && existing.current.tracing == new.revision.tracing;
            if !same {
                return Err(AwsError::new(
                    "StateMachineAlreadyExists",
                    format!("State Machine Already Exists: '{}'", new.arn),
                ));
            }
            let version_arn = new
                .publish
                .and(existing.versions.keys().next_back())
                .map(|latest| existing.version_arn(*latest));
            let created = Created {
                creation_date: existing.creation_date,
                version_arn,
            };
            return Ok((None, created));
        }
        let mut machine = StateMachine {
            arn: new.arn,
            name: new.name,
            machine_type: new.machine_type,
            creation_date: now,
            current: new.revision,
            tags: new.tags,
            versions: Default::default(),
            next_version: 1,
            aliases: Default::default(),
        };
        let version_arn = new
            .publish
            .map(|description| machine.publish(description, now));
        let created = Created {
            creation_date: now,
            version_arn,
        };
        Ok((Some(Change::Machine(Box::new(machine))), created))
    }

    /// Adds an execution this process's engine runs.
    pub fn insert_live(&mut self, record: ExecutionRecord, execution: asl::engine::Execution) {
        self.executions.insert(
            record.arn.clone(),
            Execution {
                record,
                run: Run::Live(execution),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(id: i64, event_type: &str, details: Value) -> HistoryEvent {
        let mut value = json!({"timestamp": 100.0 + id as f64, "type": event_type, "id": id, "previousEventId": id - 1});
        if let (Some(map), Some(extra)) = (value.as_object_mut(), details.as_object()) {
            map.extend(extra.clone());
        }
        serde_json::from_value(value).unwrap()
    }

    fn record(arn: &str) -> ExecutionRecord {
        ExecutionRecord {
            arn: arn.into(),
            name: "e".into(),
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
            state_machine_name: "m".into(),
            machine_type: MachineType::Standard,
            version_arn: None,
            alias_arn: None,
            revision: Revision {
                definition: "{}".into(),
                role_arn: "r".into(),
                logging: Value::Null,
                tracing: Value::Null,
                revision_id: "x".into(),
                update_date: 1.0,
            },
            input: "{}".into(),
            start_date: 1.0,
        }
    }

    #[test]
    fn replayed_executions_take_events_journaled_before_their_start() {
        let mut state = State::default();
        let arn = "arn:aws:states:us-east-1:123456789012:execution:m:e";
        let started = event(1, "ExecutionStarted", json!({}));
        state
            .apply(Change::Event {
                execution_arn: arn.into(),
                event: started,
            })
            .unwrap();
        state
            .apply(Change::ExecutionStarted(Box::new(record(arn))))
            .unwrap();
        assert_eq!(
            state.executions[arn].outcome().status,
            ExecutionStatus::Running
        );
        state
            .apply(Change::Event {
                execution_arn: arn.into(),
                event: event(
                    2,
                    "ExecutionSucceeded",
                    json!({"executionSucceededEventDetails": {"output": "{\"a\":1}"}}),
                ),
            })
            .unwrap();
        let execution = &state.executions[arn];
        assert_eq!(execution.history().len(), 2);
        let outcome = execution.outcome();
        assert_eq!(outcome.status, ExecutionStatus::Succeeded);
        assert_eq!(outcome.output.as_deref(), Some("{\"a\":1}"));
        assert_eq!(outcome.stop_date, Some(102.0));
    }

    #[test]
    fn creating_the_same_machine_again_is_idempotent() {
        let new = |definition: &str| NewMachine {
            arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
            name: "m".into(),
            machine_type: MachineType::Standard,
            revision: Revision {
                definition: definition.into(),
                role_arn: "arn:aws:iam::123456789012:role/r".into(),
                logging: json!({}),
                tracing: json!({}),
                revision_id: "r1".into(),
                update_date: 1.0,
            },
            tags: Vec::new(),
            publish: Some(None),
        };
        let mut state = State::default();
        let (change, created) = state.create_machine(new("{}"), 1.0).unwrap();
        assert!(created.version_arn.is_some_and(|arn| arn.ends_with(":m:1")));
        state.apply(change.unwrap()).unwrap();
        let (change, again) = state.create_machine(new("{}"), 2.0).unwrap();
        assert!(change.is_none());
        assert_eq!(again.creation_date, 1.0);
        assert!(again.version_arn.is_some_and(|arn| arn.ends_with(":m:1")));
        let err = state.create_machine(new("{\"x\":1}"), 3.0).unwrap_err();
        assert_eq!(err.code, "StateMachineAlreadyExists");
    }
}
