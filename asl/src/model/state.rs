//! States: the fields every state shares and the fields of each state type.

use serde_json::{Map, Value};

use super::choice_rule::ChoiceRule;
use super::error::ParseError;
use super::fields::{kind_of, Fields, NullablePath, Writer};
use super::machine::Machine;

/// One state of a machine.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `Comment`.
    pub comment: Option<String>,
    /// `InputPath` (absent, null, or a path). Not on Fail states.
    pub input_path: NullablePath,
    /// `OutputPath` (absent, null, or a path). Not on Fail states.
    pub output_path: NullablePath,
    /// `Next` (Pass, Task, Wait, Parallel, Map).
    pub next: Option<String>,
    /// `End` (Pass, Task, Wait, Parallel, Map).
    pub end: Option<bool>,
    /// What the state's type adds.
    pub kind: StateKind,
    /// Fields this model does not know for this state type, kept verbatim.
    pub extra: Map<String, Value>,
}

/// The type-specific part of a state.
#[derive(Debug, Clone, PartialEq)]
pub enum StateKind {
    /// `"Type": "Pass"`.
    Pass(PassState),
    /// `"Type": "Task"`.
    Task(Box<TaskState>),
    /// `"Type": "Choice"`.
    Choice(ChoiceState),
    /// `"Type": "Wait"`.
    Wait(WaitState),
    /// `"Type": "Succeed"`.
    Succeed(SucceedState),
    /// `"Type": "Fail"`.
    Fail(FailState),
    /// `"Type": "Parallel"`.
    Parallel(Box<ParallelState>),
    /// `"Type": "Map"`.
    Map(Box<MapState>),
}

/// Where a state goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition<'a> {
    /// `Next`: the named state.
    Next(&'a str),
    /// `End: true`, or a terminal type (Succeed, Fail).
    End,
    /// Choice states pick their own next state.
    Choice,
}

/// A Pass state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PassState {
    /// `Parameters` payload template.
    pub parameters: Option<Value>,
    /// `Result`: a literal value.
    pub result: Option<Value>,
    /// `ResultPath`.
    pub result_path: NullablePath,
}

/// A Task state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskState {
    /// `Resource`: the ARN of the integration.
    pub resource: String,
    /// `Parameters` payload template.
    pub parameters: Option<Value>,
    /// `ResultSelector` payload template.
    pub result_selector: Option<Value>,
    /// `ResultPath`.
    pub result_path: NullablePath,
    /// `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    /// `TimeoutSecondsPath`.
    pub timeout_seconds_path: Option<String>,
    /// `HeartbeatSeconds`.
    pub heartbeat_seconds: Option<u64>,
    /// `HeartbeatSecondsPath`.
    pub heartbeat_seconds_path: Option<String>,
    /// `Credentials`, kept as written.
    pub credentials: Option<Value>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// A Choice state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChoiceState {
    /// `Choices`, evaluated in order.
    pub choices: Vec<ChoiceRule>,
    /// `Default`: where to go when no rule matches.
    pub default: Option<String>,
}

/// A Wait state: exactly one of the four fields is expected.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WaitState {
    /// `Seconds`.
    pub seconds: Option<u64>,
    /// `SecondsPath`.
    pub seconds_path: Option<String>,
    /// `Timestamp` (RFC 3339).
    pub timestamp: Option<String>,
    /// `TimestampPath`.
    pub timestamp_path: Option<String>,
}

/// A Succeed state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SucceedState {}

/// A Fail state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FailState {
    /// `Error`.
    pub error: Option<String>,
    /// `ErrorPath` (a path or an intrinsic function).
    pub error_path: Option<String>,
    /// `Cause`.
    pub cause: Option<String>,
    /// `CausePath` (a path or an intrinsic function).
    pub cause_path: Option<String>,
}

/// A Parallel state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParallelState {
    /// `Branches`: machines run side by side on the same input.
    pub branches: Vec<Machine>,
    /// `Parameters` payload template.
    pub parameters: Option<Value>,
    /// `ResultSelector` payload template.
    pub result_selector: Option<Value>,
    /// `ResultPath`.
    pub result_path: NullablePath,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// A Map state.
#[derive(Debug, Clone, PartialEq)]
pub struct MapState {
    /// The machine run for each item (`ItemProcessor`, or the older `Iterator`).
    pub processor: Machine,
    /// True when the definition used the older `Iterator` field (written back the same way).
    pub uses_iterator: bool,
    /// `ItemsPath`.
    pub items_path: Option<String>,
    /// `ItemSelector` payload template.
    pub item_selector: Option<Value>,
    /// `Parameters` payload template (the older name of ItemSelector).
    pub parameters: Option<Value>,
    /// `ResultSelector` payload template.
    pub result_selector: Option<Value>,
    /// `ResultPath`.
    pub result_path: NullablePath,
    /// `MaxConcurrency` (0 means no limit).
    pub max_concurrency: Option<u64>,
    /// `MaxConcurrencyPath`.
    pub max_concurrency_path: Option<String>,
    /// `ToleratedFailureCount`.
    pub tolerated_failure_count: Option<u64>,
    /// `ToleratedFailureCountPath`.
    pub tolerated_failure_count_path: Option<String>,
    /// `ToleratedFailurePercentage`.
    pub tolerated_failure_percentage: Option<f64>,
    /// `ToleratedFailurePercentagePath`.
    pub tolerated_failure_percentage_path: Option<String>,
    /// `ItemReader` (distributed maps), kept as written.
    pub item_reader: Option<Value>,
    /// `ItemBatcher` (distributed maps), kept as written.
    pub item_batcher: Option<Value>,
    /// `ResultWriter` (distributed maps), kept as written.
    pub result_writer: Option<Value>,
    /// `Label` (distributed maps).
    pub label: Option<String>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// One `Retry` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: Option<u64>,
    /// `MaxAttempts` (default 3).
    pub max_attempts: Option<u64>,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: Option<f64>,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy`: `FULL` or `NONE`.
    pub jitter_strategy: Option<String>,
    /// `Comment`.
    pub comment: Option<String>,
    /// Fields this model does not know, kept verbatim.
    pub extra: Map<String, Value>,
}

/// One `Catch` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `Next`.
    pub next: String,
    /// `ResultPath`.
    pub result_path: NullablePath,
    /// `Comment`.
    pub comment: Option<String>,
    /// Fields this model does not know, kept verbatim.
    pub extra: Map<String, Value>,
}

impl StateKind {
    /// The `Type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed(_) => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }
}

impl State {
    /// The `Type` name.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// Where the state goes after it succeeds.
    pub fn transition(&self) -> Transition<'_> {
        match &self.kind {
            StateKind::Choice(_) => Transition::Choice,
            StateKind::Succeed(_) | StateKind::Fail(_) => Transition::End,
            _ => match &self.next {
                Some(next) => Transition::Next(next),
                None => Transition::End,
            },
        }
    }

    /// The machines nested in this state (Parallel branches, the Map item processor).
    pub fn children(&self) -> Vec<&Machine> {
        match &self.kind {
            StateKind::Parallel(p) => p.branches.iter().collect(),
            StateKind::Map(m) => vec![&m.processor],
            _ => Vec::new(),
        }
    }

    /// The Catch entries of the state (empty for types that cannot catch).
    pub fn catchers(&self) -> &[Catcher] {
        match &self.kind {
            StateKind::Task(t) => &t.catch,
            StateKind::Parallel(p) => &p.catch,
            StateKind::Map(m) => &m.catch,
            _ => &[],
        }
    }

    /// Every state name this state may go to: Next, Choice targets and Default, Catch targets.
    pub fn successors(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if let Some(next) = &self.next {
            out.push(next);
        }
        if let StateKind::Choice(c) = &self.kind {
            out.extend(c.choices.iter().filter_map(|r| r.next.as_deref()));
            out.extend(c.default.as_deref());
        }
        out.extend(self.catchers().iter().map(|c| c.next.as_str()));
        out
    }

    /// Parses the state found at `location`.
    pub(crate) fn parse(value: &Value, location: &str) -> Result<State, ParseError> {
        let mut f = Fields::new(value, location, "a state")?;
        let type_name = match f.value("Type") {
            Some(Value::String(s)) => s,
            Some(other) => {
                return Err(ParseError::new(
                    &f.location_of("Type"),
                    format!("must be a string, found {}", kind_of(&other)),
                )
                .with_field("Type"))
            }
            None => {
                return Err(
                    ParseError::new(location, "the state needs the field 'Type'")
                        .with_field("Type"),
                )
            }
        };
        let comment = f.string("Comment")?;
        let has_io = type_name != "Fail";
        let has_flow = matches!(
            type_name.as_str(),
            "Pass" | "Task" | "Wait" | "Parallel" | "Map"
        );
        let (input_path, output_path) = if has_io {
            (
                f.nullable_path("InputPath")?,
                f.nullable_path("OutputPath")?,
            )
        } else {
            (None, None)
        };
        let (next, end) = if has_flow {
            (f.string("Next")?, f.boolean("End")?)
        } else {
            (None, None)
        };
        let kind = match type_name.as_str() {
            "Pass" => StateKind::Pass(PassState {
                parameters: f.value("Parameters"),
                result: f.value("Result"),
                result_path: f.nullable_path("ResultPath")?,
            }),
            "Task" => StateKind::Task(Box::new(TaskState {
                resource: f.required_string("Resource", "a Task state")?,
                parameters: f.value("Parameters"),
                result_selector: f.value("ResultSelector"),
                result_path: f.nullable_path("ResultPath")?,
                timeout_seconds: f.unsigned("TimeoutSeconds")?,
                timeout_seconds_path: f.string("TimeoutSecondsPath")?,
                heartbeat_seconds: f.unsigned("HeartbeatSeconds")?,
                heartbeat_seconds_path: f.string("HeartbeatSecondsPath")?,
                credentials: f.value("Credentials"),
                retry: f.array_of("Retry", Retrier::parse)?.unwrap_or_default(),
                catch: f.array_of("Catch", Catcher::parse)?.unwrap_or_default(),
            })),
            "Choice" => StateKind::Choice(ChoiceState {
                choices: f
                    .array_of("Choices", |v, loc| ChoiceRule::parse(v, loc, true))?
                    .unwrap_or_default(),
                default: f.string("Default")?,
            }),
            "Wait" => StateKind::Wait(WaitState {
                seconds: f.unsigned("Seconds")?,
                seconds_path: f.string("SecondsPath")?,
                timestamp: f.string("Timestamp")?,
                timestamp_path: f.string("TimestampPath")?,
            }),
            "Succeed" => StateKind::Succeed(SucceedState {}),
            "Fail" => StateKind::Fail(FailState {
                error: f.string("Error")?,
                error_path: f.string("ErrorPath")?,
                cause: f.string("Cause")?,
                cause_path: f.string("CausePath")?,
            }),
            "Parallel" => StateKind::Parallel(Box::new(ParallelState {
                branches: f
                    .array_of("Branches", |v, loc| {
                        Machine::parse(v, loc, "a Parallel branch")
                    })?
                    .unwrap_or_default(),
                parameters: f.value("Parameters"),
                result_selector: f.value("ResultSelector"),
                result_path: f.nullable_path("ResultPath")?,
                retry: f.array_of("Retry", Retrier::parse)?.unwrap_or_default(),
                catch: f.array_of("Catch", Catcher::parse)?.unwrap_or_default(),
            })),
            "Map" => StateKind::Map(Box::new(parse_map(&mut f, location)?)),
            other => {
                return Err(ParseError::new(
                    &f.location_of("Type"),
                    format!(
                        "unknown state type '{other}' (expected Pass, Task, Choice, Wait, \
                         Succeed, Fail, Parallel or Map)"
                    ),
                )
                .with_field("Type"))
            }
        };
        Ok(State {
            comment,
            input_path,
            output_path,
            next,
            end,
            kind,
            extra: f.rest(),
        })
    }

    /// Writes the state back as JSON, with every field it was parsed with.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::default();
        w.set("Type", Value::String(self.type_name().to_string()))
            .opt("Comment", self.comment.clone())
            .nullable("InputPath", &self.input_path);
        match &self.kind {
            StateKind::Pass(p) => {
                w.opt("Parameters", p.parameters.clone())
                    .opt("Result", p.result.clone())
                    .nullable("ResultPath", &p.result_path);
            }
            StateKind::Task(t) => {
                w.set("Resource", Value::String(t.resource.clone()))
                    .opt("Parameters", t.parameters.clone())
                    .opt("ResultSelector", t.result_selector.clone())
                    .nullable("ResultPath", &t.result_path)
                    .opt("TimeoutSeconds", t.timeout_seconds)
                    .opt("TimeoutSecondsPath", t.timeout_seconds_path.clone())
                    .opt("HeartbeatSeconds", t.heartbeat_seconds)
                    .opt("HeartbeatSecondsPath", t.heartbeat_seconds_path.clone())
                    .opt("Credentials", t.credentials.clone());
                write_error_handling(&mut w, &t.retry, &t.catch);
            }
            StateKind::Choice(c) => {
                w.set(
                    "Choices",
                    Value::Array(c.choices.iter().map(ChoiceRule::to_value).collect()),
                )
                .opt("Default", c.default.clone());
            }
            StateKind::Wait(wait) => {
                w.opt("Seconds", wait.seconds)
                    .opt("SecondsPath", wait.seconds_path.clone())
                    .opt("Timestamp", wait.timestamp.clone())
                    .opt("TimestampPath", wait.timestamp_path.clone());
            }
            StateKind::Succeed(_) => {}
            StateKind::Fail(fail) => {
                w.opt("Error", fail.error.clone())
                    .opt("ErrorPath", fail.error_path.clone())
                    .opt("Cause", fail.cause.clone())
                    .opt("CausePath", fail.cause_path.clone());
            }
            StateKind::Parallel(p) => {
                w.set(
                    "Branches",
                    Value::Array(p.branches.iter().map(Machine::to_value).collect()),
                )
                .opt("Parameters", p.parameters.clone())
                .opt("ResultSelector", p.result_selector.clone())
                .nullable("ResultPath", &p.result_path);
                write_error_handling(&mut w, &p.retry, &p.catch);
            }
            StateKind::Map(m) => write_map(&mut w, m),
        }
        w.nullable("OutputPath", &self.output_path)
            .opt("Next", self.next.clone())
            .opt("End", self.end);
        w.finish(&self.extra)
    }
}

fn parse_map(f: &mut Fields, location: &str) -> Result<MapState, ParseError> {
    let (processor_key, uses_iterator) = match (f.has("ItemProcessor"), f.has("Iterator")) {
        (true, true) => {
            return Err(ParseError::new(
                location,
                "a Map state takes either 'ItemProcessor' or 'Iterator', not both",
            )
            .with_field("ItemProcessor"))
        }
        (false, true) => ("Iterator", true),
        _ => ("ItemProcessor", false),
    };
    let processor_location = f.location_of(processor_key);
    let processor = match f.value(processor_key) {
        Some(v) => Machine::parse(&v, &processor_location, "a Map item processor")
            .map_err(|e| e.with_field(processor_key))?,
        None => {
            return Err(
                ParseError::new(location, "a Map state needs the field 'ItemProcessor'")
                    .with_field("ItemProcessor"),
            )
        }
    };
    Ok(MapState {
        processor,
        uses_iterator,
        items_path: f.string("ItemsPath")?,
        item_selector: f.value("ItemSelector"),
        parameters: f.value("Parameters"),
        result_selector: f.value("ResultSelector"),
        result_path: f.nullable_path("ResultPath")?,
        max_concurrency: f.unsigned("MaxConcurrency")?,
        max_concurrency_path: f.string("MaxConcurrencyPath")?,
        tolerated_failure_count: f.unsigned("ToleratedFailureCount")?,
        tolerated_failure_count_path: f.string("ToleratedFailureCountPath")?,
        tolerated_failure_percentage: f.number("ToleratedFailurePercentage")?,
        tolerated_failure_percentage_path: f.string("ToleratedFailurePercentagePath")?,
        item_reader: f.value("ItemReader"),
        item_batcher: f.value("ItemBatcher"),
        result_writer: f.value("ResultWriter"),
        label: f.string("Label")?,
        retry: f.array_of("Retry", Retrier::parse)?.unwrap_or_default(),
        catch: f.array_of("Catch", Catcher::parse)?.unwrap_or_default(),
    })
}

fn write_map(w: &mut Writer, m: &MapState) {
    let key = if m.uses_iterator {
        "Iterator"
    } else {
        "ItemProcessor"
    };
    w.set(key, m.processor.to_value())
        .opt("ItemsPath", m.items_path.clone())
        .opt("ItemSelector", m.item_selector.clone())
        .opt("Parameters", m.parameters.clone())
        .opt("ItemReader", m.item_reader.clone())
        .opt("ItemBatcher", m.item_batcher.clone())
        .opt("ResultWriter", m.result_writer.clone())
        .opt("Label", m.label.clone())
        .opt("MaxConcurrency", m.max_concurrency)
        .opt("MaxConcurrencyPath", m.max_concurrency_path.clone())
        .opt("ToleratedFailureCount", m.tolerated_failure_count)
        .opt(
            "ToleratedFailureCountPath",
            m.tolerated_failure_count_path.clone(),
        )
        .opt("ToleratedFailurePercentage", m.tolerated_failure_percentage)
        .opt(
            "ToleratedFailurePercentagePath",
            m.tolerated_failure_percentage_path.clone(),
        )
        .opt("ResultSelector", m.result_selector.clone())
        .nullable("ResultPath", &m.result_path);
    write_error_handling(w, &m.retry, &m.catch);
}

fn write_error_handling(w: &mut Writer, retry: &[Retrier], catch: &[Catcher]) {
    if !retry.is_empty() {
        w.set(
            "Retry",
            Value::Array(retry.iter().map(Retrier::to_value).collect()),
        );
    }
    if !catch.is_empty() {
        w.set(
            "Catch",
            Value::Array(catch.iter().map(Catcher::to_value).collect()),
        );
    }
}

impl Retrier {
    fn parse(value: &Value, location: &str) -> Result<Retrier, ParseError> {
        let mut f = Fields::new(value, location, "a Retry entry")?;
        Ok(Retrier {
            error_equals: f.strings("ErrorEquals")?.unwrap_or_default(),
            interval_seconds: f.unsigned("IntervalSeconds")?,
            max_attempts: f.unsigned("MaxAttempts")?,
            backoff_rate: f.number("BackoffRate")?,
            max_delay_seconds: f.unsigned("MaxDelaySeconds")?,
            jitter_strategy: f.string("JitterStrategy")?,
            comment: f.string("Comment")?,
            extra: f.rest(),
        })
    }

    /// Writes the entry back as JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::default();
        w.set("ErrorEquals", string_array(&self.error_equals))
            .opt("Comment", self.comment.clone())
            .opt("IntervalSeconds", self.interval_seconds)
            .opt("MaxAttempts", self.max_attempts)
            .opt("BackoffRate", self.backoff_rate)
            .opt("MaxDelaySeconds", self.max_delay_seconds)
            .opt("JitterStrategy", self.jitter_strategy.clone());
        w.finish(&self.extra)
    }
}

impl Catcher {
    fn parse(value: &Value, location: &str) -> Result<Catcher, ParseError> {
        let mut f = Fields::new(value, location, "a Catch entry")?;
        Ok(Catcher {
            error_equals: f.strings("ErrorEquals")?.unwrap_or_default(),
            next: f.required_string("Next", "a Catch entry")?,
            result_path: f.nullable_path("ResultPath")?,
            comment: f.string("Comment")?,
            extra: f.rest(),
        })
    }

    /// Writes the entry back as JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::default();
        w.set("ErrorEquals", string_array(&self.error_equals))
            .opt("Comment", self.comment.clone())
            .nullable("ResultPath", &self.result_path)
            .set("Next", Value::String(self.next.clone()));
        w.finish(&self.extra)
    }
}

fn string_array(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}
