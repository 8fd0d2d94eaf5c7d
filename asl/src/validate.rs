//! Validation of state machine definitions, like AWS Step Functions'
//! `ValidateStateMachineDefinition` and the `InvalidDefinition` error of `CreateStateMachine`.
//!
//! [`validate_json`] takes the definition text as given to the API; [`validate`] takes a parsed
//! [`Definition`]. Both report every problem they find (never only the first), each as a
//! [`Diagnostic`] with AWS's code, a message worded like AWS's, and a location such as
//! `/States/Foo/Next` or `/States/P/Branches[0]/States/X/Catch[1]/Next`. [`is_valid`] tells whether
//! the definition would be accepted (warnings do not count), and
//! [`invalid_definition_message`] formats the errors the way `CreateStateMachine` words its
//! `InvalidDefinition` exception.
//!
//! # Locations
//! Locations follow what AWS returns, not strict JSON Pointer: array items are written `[i]`
//! (`/States/C/Choices[0]/Next`), names are not escaped (`/States/a/b` for a state named `a/b`),
//! the root is `/`, and a problem of the definition as a whole (no terminal state, oversized, not
//! JSON) has an empty location, which [`Diagnostic`]'s `Display` prints as `null`, as AWS does.
//!
//! # What AWS does that this module follows (with how sure we are)
//! - Unknown or misplaced fields (a `Retry` on a Pass state, `TimeoutSeconds` on a Parallel
//!   state, `_comment` in a Catch entry) are errors worded `Field 'X' is not supported`, located at
//!   the object that holds them (messages reported from real deployments).
//! - A state is "not reachable" (`MISSING_TRANSITION_TARGET`, located at the state) when no state
//!   of its machine transitions to it and it is not the `StartAt` state: AWS does not report the
//!   states downstream of an unreachable one (recorded CloudFormation error). States that do have
//!   incoming transitions but only from a closed loop nothing enters are reported here as a
//!   warning, so they do not make the definition invalid.
//! - `MISSING_END_STATE` ("Workflow has no terminal state", no location) is reported when the
//!   top-level machine has no terminal state at all (End, Succeed or Fail); reachability is then
//!   not reported for that machine. A Parallel branch or Map processor with no terminal state is
//!   reported as a warning: third-party measurements say AWS accepts it, which is unsure.
//! - A reachable state from which no path leads to a terminal state (an infinite loop with no
//!   exit) is accepted by AWS as long as the machine has a terminal state somewhere; it is reported
//!   as a `MISSING_END_STATE` warning naming the state.
//! - State names are unique across the whole definition, nested branches and processors included
//!   (`DUPLICATE_STATE_NAME`, reported at every occurrence after the first in document order, and
//!   also for a name repeated inside one `States` object, which JSON parsers otherwise silently
//!   collapse). Names longer than 80 characters are `INVALID_STATE_NAME`.
//! - JSONata-era fields are accepted where AWS accepts them: `QueryLanguage` on states, `Assign`
//!   (both languages), `Output`, `Arguments`, `Items` and Choice `Condition` in JSONata states.
//!   As on AWS, a JSONata-only field on a JSONPath state (and a JSONPath-only field such as
//!   `InputPath` on a JSONata state) is an error located at the state. JSONata expressions in
//!   numeric fields (`"Seconds": "{% ... %}"`) are accepted by [`validate_json`] even though the
//!   typed model cannot hold them.
//!
//! # Where this module is stricter or looser than AWS may be
//! - JSONPath syntax is checked lightly: paths start with `$`; `ResultPath` and the `…Path`
//!   fields that must select one node must be reference paths (`.name`, `['name']`, `[0]` steps
//!   only). Timestamps in Choice rules are not checked.
//! - `"End": false`, control characters in state names, an empty state name and the numeric
//!   ranges (timeouts and heartbeats 1..=99999999, MaxDelaySeconds ≤ 31622400) follow the ASL
//!   specification and AWS's documentation; AWS's exact wording for them is not known.
//! - AWS documents no quota on the number of states; only the 1,048,576-byte definition size is
//!   checked. `TimeoutSeconds` and `Version` inside a branch or processor are not reported.
//! - When the typed model cannot parse the JSON, [`validate_json`] reports the problem and, when
//!   the bad value is a leaf field whose removal cannot cause other reports (a mistyped
//!   `TimeoutSeconds`, `Comment`, `ResultPath`…), removes it and continues, so that every such
//!   problem and every semantic problem is reported. A structural problem (a state without
//!   `Type`, a mistyped `Next`) stops there: reporting what follows would mostly be noise.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::model::{
    Catcher, ChoiceRule, ChoiceState, Condition, Definition, FailState, Machine, MapState,
    Operator, ParallelState, PassState, Retrier, State, StateKind, TaskState, WaitState,
};
use crate::path::{JsonPath, ReferencePath};

/// The largest definition AWS accepts, in bytes of JSON text.
pub const MAX_DEFINITION_BYTES: usize = 1_048_576;

/// The longest state name AWS accepts, in characters.
pub const MAX_STATE_NAME_CHARS: usize = 80;

const INVALID_JSON_DESCRIPTION: &str = "INVALID_JSON_DESCRIPTION";
const MISSING_DESCRIPTION: &str = "MISSING_DESCRIPTION";
pub(crate) const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
const INVALID_RESOURCE: &str = "INVALID_RESOURCE";
const MISSING_END_STATE: &str = "MISSING_END_STATE";
const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
const INVALID_STATE_NAME: &str = "INVALID_STATE_NAME";
const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
const NO_DOLLAR: &str = "NO_DOLLAR";
const NO_PATH: &str = "NO_PATH";
const PASS_RESULT_IS_STATIC: &str = "PASS_RESULT_IS_STATIC";

/// The largest value AWS accepts in most integer fields (retries, timeouts).
const MAX_SECONDS: u64 = 99_999_999;
/// The largest `MaxDelaySeconds` of a Retry entry.
const MAX_DELAY_SECONDS: u64 = 31_622_400;
/// How many unparseable values [`validate_json`] reports and steps over before giving up.
const MAX_REPAIRS: usize = 100;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The definition cannot be used to create or update a state machine.
    Error,
    /// The definition is accepted, but probably does not do what was meant.
    Warning,
}

impl Severity {
    /// The name AWS uses on the wire: `ERROR` or `WARNING`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        }
    }
}

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// AWS's code, such as `SCHEMA_VALIDATION_FAILED` or `NO_DOLLAR`.
    pub code: &'static str,
    /// What is wrong, worded like AWS's message.
    pub message: String,
    /// Where, such as `/States/Foo/Next`; empty when the problem is the whole definition.
    pub location: String,
}

impl Diagnostic {
    pub(crate) fn error(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: location.into(),
        }
    }

    fn warning(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, location, message)
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `CODE: message at location`, the form AWS uses inside `InvalidDefinition` messages (an
    /// empty location is printed `null`, as AWS does).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = if self.location.is_empty() {
            "null"
        } else {
            &self.location
        };
        write!(f, "{}: {} at {}", self.code, self.message, location)
    }
}

/// True when no diagnostic is an error: AWS would accept the definition.
pub fn is_valid(diags: &[Diagnostic]) -> bool {
    diags.iter().all(|d| d.severity != Severity::Error)
}

/// The message of `CreateStateMachine`'s `InvalidDefinition` exception for these diagnostics,
/// e.g. `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at
/// /States/A/Next'`; `None` when there is no error (warnings are left out).
pub fn invalid_definition_message(diags: &[Diagnostic]) -> Option<String> {
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(Diagnostic::to_string)
        .collect();
    if errors.is_empty() {
        None
    } else {
        Some(format!(
            "Invalid State Machine Definition: '{}'",
            errors.join(", ")
        ))
    }
}

/// Validates definition text as given to `ValidateStateMachineDefinition` or
/// `CreateStateMachine`: size, JSON syntax, the shape the typed model expects, then everything
/// [`validate`] checks. Never panics, whatever the input.
pub fn validate_json(text: &str) -> Vec<Diagnostic> {
    if text.is_empty() {
        return vec![Diagnostic::error(
            MISSING_DESCRIPTION,
            "",
            "The definition is empty",
        )];
    }
    let mut diags = Vec::new();
    if text.len() > MAX_DEFINITION_BYTES {
        diags.push(Diagnostic::error(
            SCHEMA_VALIDATION_FAILED,
            "",
            format!(
                "The definition is {} bytes long; the maximum is {MAX_DEFINITION_BYTES} bytes",
                text.len()
            ),
        ));
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) if text.trim().is_empty() && e.is_eof() => {
            diags.push(not_an_object());
            return diags;
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                INVALID_JSON_DESCRIPTION,
                "",
                e.to_string(),
            ));
            return diags;
        }
    };
    let Value::Object(root) = &value else {
        diags.push(not_an_object());
        return diags;
    };
    diags.extend(duplicate_keys_in_states(text));
    let missing: Vec<&str> = ["States", "StartAt"]
        .into_iter()
        .filter(|key| !root.contains_key(*key))
        .collect();
    if !missing.is_empty() {
        diags.push(Diagnostic::error(
            SCHEMA_VALIDATION_FAILED,
            "/",
            format!("These fields are required: [{}]", missing.join(", ")),
        ));
        return diags;
    }
    let mut value = value;
    for _ in 0..MAX_REPAIRS {
        let error = match Definition::from_value(&value) {
            Ok(def) => {
                diags.extend(validate(&def));
                return diags;
            }
            Err(error) => error,
        };
        if let Some(placeholder) = jsonata_placeholder(&value, &error.location) {
            if let Some(slot) = value.pointer_mut(&error.location) {
                *slot = placeholder;
                continue;
            }
        }
        diags.push(Diagnostic::error(
            SCHEMA_VALIDATION_FAILED,
            aws_location(&value, &error.location),
            parse_error_message(&value, &error),
        ));
        if !remove_leaf(&mut value, &error.location) {
            break;
        }
    }
    diags
}

/// Validates a parsed definition: transitions, reachability, terminal states, state names,
/// the fields each state type allows, value ranges, paths and payload templates. Reports every
/// problem, errors and warnings, in document order.
pub fn validate(def: &Definition) -> Vec<Diagnostic> {
    let mut v = Validator {
        diags: Vec::new(),
        root_language: match def.query_language.as_deref() {
            None | Some("JSONPath") => Language::JsonPath,
            Some(_) => Language::Jsonata,
        },
        names: HashSet::new(),
    };
    v.machine(def, "", MachineKind::Root);
    let mut diags = v.diags;
    let found = crate::validate_expressions::check(def, &diags);
    diags.extend(found);
    diags
}

fn not_an_object() -> Diagnostic {
    Diagnostic::error(
        SCHEMA_VALIDATION_FAILED,
        "",
        "Definition must be a valid JSON object",
    )
}

/// The query language a state is evaluated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    JsonPath,
    Jsonata,
}

/// Which kind of machine is being validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MachineKind {
    Root,
    Branch,
    Processor,
}

/// Numeric fields that a JSONata state may give as an expression.
const JSONATA_NUMBERS: [&str; 6] = [
    "Seconds",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
];

/// Fields that only the JSONata query language knows, in the order they are reported.
const JSONATA_ONLY: [&str; 3] = ["Output", "Arguments", "Items"];

struct Validator<'a> {
    diags: Vec<Diagnostic>,
    root_language: Language,
    names: HashSet<&'a str>,
}

impl<'a> Validator<'a> {
    fn error(
        &mut self,
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::error(code, location, message));
    }

    fn warning(
        &mut self,
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::warning(code, location, message));
    }

    fn schema(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.error(SCHEMA_VALIDATION_FAILED, location, message);
    }

    fn not_supported(&mut self, location: &str, field: &str) {
        self.schema(location, format!("Field '{field}' is not supported"));
    }

    fn machine(&mut self, m: &'a Machine, base: &str, kind: MachineKind) {
        let here = at(base);
        match (kind, &m.query_language) {
            (MachineKind::Root, Some(q)) if !is_language(q) => self.schema(
                format!("{base}/QueryLanguage"),
                "Value should be one of the following: [JSONPath, JSONata]",
            ),
            (MachineKind::Branch | MachineKind::Processor, Some(_)) => {
                self.not_supported(&here, "QueryLanguage")
            }
            _ => {}
        }
        if let Some(config) = &m.processor_config {
            if kind == MachineKind::Processor {
                self.processor_config(config, &format!("{base}/ProcessorConfig"));
            } else {
                self.not_supported(&here, "ProcessorConfig");
            }
        }
        if kind == MachineKind::Root {
            if let Some(t) = m.timeout_seconds {
                self.range(&format!("{base}/TimeoutSeconds"), t, 1, MAX_SECONDS);
            }
        }
        for key in m.extra.keys() {
            self.not_supported(&here, key);
        }
        if m.states.is_empty() {
            self.schema(
                format!("{base}/States"),
                "The field 'States' should be non-empty",
            );
        }
        if !m.states.contains_key(&m.start_at) {
            self.error(
                MISSING_TRANSITION_TARGET,
                format!("{base}/StartAt"),
                format!("Missing 'Next' target: {}", m.start_at),
            );
        }
        for (name, state) in &m.states {
            let loc = format!("{base}/States/{name}");
            self.state_name(name, &loc);
            self.state(m, state, &loc);
        }
        self.graph(m, base, kind);
    }

    fn processor_config(&mut self, config: &Value, loc: &str) {
        let Value::Object(map) = config else {
            self.schema(loc, "The field 'ProcessorConfig' must be a JSON object");
            return;
        };
        for (field, allowed) in [
            ("Mode", &["INLINE", "DISTRIBUTED"][..]),
            ("ExecutionType", &["STANDARD", "EXPRESS"][..]),
        ] {
            if let Some(value) = map.get(field) {
                if !value.as_str().is_some_and(|s| allowed.contains(&s)) {
                    self.schema(
                        format!("{loc}/{field}"),
                        format!(
                            "Value should be one of the following: [{}]",
                            allowed.join(", ")
                        ),
                    );
                }
            }
        }
    }

    fn state_name(&mut self, name: &'a str, loc: &str) {
        if name.is_empty() {
            self.error(
                INVALID_STATE_NAME,
                loc,
                "Invalid State name: State name must not be empty",
            );
        }
        if name.chars().count() > MAX_STATE_NAME_CHARS {
            self.error(
                INVALID_STATE_NAME,
                loc,
                format!(
                    "Invalid State name: State exceeds the {MAX_STATE_NAME_CHARS}-character limit \
                     allowed by the service"
                ),
            );
        }
        if name.chars().any(char::is_control) {
            self.error(
                INVALID_STATE_NAME,
                loc,
                "Invalid State name: State name must not contain control characters",
            );
        }
        if !self.names.insert(name) {
            self.error(
                DUPLICATE_STATE_NAME,
                loc,
                format!("Duplicate State name: {name}"),
            );
        }
    }

    /// The language of a state, reporting a bad `QueryLanguage` on it.
    fn language(&mut self, s: &State, loc: &str) -> (Language, bool) {
        match s.extra.get("QueryLanguage") {
            None => (self.root_language, false),
            Some(Value::String(q)) => {
                if !is_language(q) {
                    self.schema(
                        format!("{loc}/QueryLanguage"),
                        "Value should be one of the following: [JSONPath, JSONata]",
                    );
                }
                if q != "JSONPath" {
                    (Language::Jsonata, false)
                } else if self.root_language == Language::Jsonata {
                    self.schema(
                        loc,
                        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state \
                         machine",
                    );
                    (Language::JsonPath, true)
                } else {
                    (Language::JsonPath, false)
                }
            }
            Some(_) => {
                self.schema(
                    format!("{loc}/QueryLanguage"),
                    "Expected value of type [STRING]",
                );
                (Language::Jsonata, false)
            }
        }
    }

    fn state(&mut self, m: &'a Machine, s: &'a State, loc: &str) {
        let (lang, downgraded) = self.language(s, loc);
        self.state_extra(s, lang, downgraded, loc);
        if !downgraded {
            self.mixed_language_fields(s, lang, loc);
        }
        if matches!(
            s.kind,
            StateKind::Pass(_)
                | StateKind::Task(_)
                | StateKind::Wait(_)
                | StateKind::Parallel(_)
                | StateKind::Map(_)
        ) {
            self.flow(m, s, loc);
        }
        let jsonpath = lang == Language::JsonPath;
        if jsonpath {
            for (field, path) in [("InputPath", &s.input_path), ("OutputPath", &s.output_path)] {
                if let Some(Some(p)) = path {
                    self.path(&format!("{loc}/{field}"), field, p);
                }
            }
        }
        match &s.kind {
            StateKind::Pass(p) => self.pass(p, jsonpath, loc),
            StateKind::Task(t) => self.task(m, t, lang, loc),
            StateKind::Choice(c) => self.choice(m, c, lang, loc),
            StateKind::Wait(w) => self.wait(s, w, jsonpath, loc),
            StateKind::Succeed(_) => {}
            StateKind::Fail(f) => self.fail(f, jsonpath, loc),
            StateKind::Parallel(p) => self.parallel(m, p, lang, loc),
            StateKind::Map(map) => self.map(m, map, lang, loc),
        }
    }

    /// Fields the model did not take for this state type: JSONata-era fields where they are
    /// allowed, `Field 'X' is not supported` for everything else.
    fn state_extra(&mut self, s: &State, lang: Language, downgraded: bool, loc: &str) {
        for key in s.extra.keys() {
            let allowed = match key.as_str() {
                "QueryLanguage" => true,
                "Assign" => !matches!(s.kind, StateKind::Succeed(_) | StateKind::Fail(_)),
                "Output" => !matches!(s.kind, StateKind::Fail(_)),
                "Arguments" => matches!(s.kind, StateKind::Task(_) | StateKind::Parallel(_)),
                "Items" => matches!(s.kind, StateKind::Map(_)),
                // A JSONata expression where the typed model wants a number stays in `extra`.
                field if JSONATA_NUMBERS.contains(&field) => {
                    lang == Language::Jsonata
                        && s.extra[field]
                            .as_str()
                            .is_some_and(crate::model::is_jsonata_expression)
                }
                _ => false,
            };
            let expression = JSONATA_NUMBERS.contains(&key.as_str())
                && s.extra[key]
                    .as_str()
                    .is_some_and(crate::model::is_jsonata_expression);
            if expression && !allowed {
                self.schema(
                    format!("{loc}/{key}"),
                    format!(
                        "The value for the field '{key}' must be a number: JSONata expressions \
                         are only supported for the 'JSONata' QueryLanguage"
                    ),
                );
            } else if !allowed {
                self.not_supported(loc, key);
            } else if lang == Language::JsonPath
                && !downgraded
                && JSONATA_ONLY.contains(&key.as_str())
            {
                self.language_mismatch(loc, Language::JsonPath, key);
            }
        }
    }

    fn language_mismatch(&mut self, loc: &str, lang: Language, field: &str) {
        let (set, needed) = match lang {
            Language::JsonPath => ("JSONPath", "JSONata"),
            Language::Jsonata => ("JSONata", "JSONPath"),
        };
        self.schema(
            loc,
            format!(
                "The QueryLanguage is set to '{set}', but field '{field}' is only supported for \
                 the '{needed}' QueryLanguage"
            ),
        );
    }

    /// JSONPath-only fields on a JSONata state, and Choice rules written for the other language.
    fn mixed_language_fields(&mut self, s: &State, lang: Language, loc: &str) {
        let mut jsonpath_fields: Vec<&str> = Vec::new();
        let mut jsonata_fields: Vec<&str> = Vec::new();
        let mut present = |field: &'static str, is: bool| {
            if is {
                jsonpath_fields.push(field);
            }
        };
        present("InputPath", s.input_path.is_some());
        present("OutputPath", s.output_path.is_some());
        match &s.kind {
            StateKind::Pass(p) => {
                present("Parameters", p.parameters.is_some());
                present("ResultPath", p.result_path.is_some());
            }
            StateKind::Task(t) => {
                present("Parameters", t.parameters.is_some());
                present("ResultSelector", t.result_selector.is_some());
                present("ResultPath", t.result_path.is_some());
                present("TimeoutSecondsPath", t.timeout_seconds_path.is_some());
                present("HeartbeatSecondsPath", t.heartbeat_seconds_path.is_some());
            }
            StateKind::Choice(c) => {
                let rules = c.choices.iter().flat_map(ChoiceRule::all_rules);
                let (mut compare, mut condition) = (false, false);
                for rule in rules {
                    compare |= matches!(rule.condition, Condition::Compare(_));
                    condition |= matches!(rule.condition, Condition::Jsonata(_));
                }
                present("Variable", compare);
                if condition {
                    jsonata_fields.push("Condition");
                }
            }
            StateKind::Wait(w) => {
                present("SecondsPath", w.seconds_path.is_some());
                present("TimestampPath", w.timestamp_path.is_some());
            }
            StateKind::Succeed(_) => {}
            StateKind::Fail(f) => {
                present("ErrorPath", f.error_path.is_some());
                present("CausePath", f.cause_path.is_some());
            }
            StateKind::Parallel(p) => {
                present("Parameters", p.parameters.is_some());
                present("ResultSelector", p.result_selector.is_some());
                present("ResultPath", p.result_path.is_some());
            }
            StateKind::Map(m) => {
                present("ItemsPath", m.items_path.is_some());
                present("Parameters", m.parameters.is_some());
                present("ResultSelector", m.result_selector.is_some());
                present("ResultPath", m.result_path.is_some());
                present("MaxConcurrencyPath", m.max_concurrency_path.is_some());
                present(
                    "ToleratedFailureCountPath",
                    m.tolerated_failure_count_path.is_some(),
                );
                present(
                    "ToleratedFailurePercentagePath",
                    m.tolerated_failure_percentage_path.is_some(),
                );
            }
        }
        match lang {
            Language::Jsonata => {
                for field in jsonpath_fields {
                    self.language_mismatch(loc, Language::Jsonata, field);
                }
            }
            Language::JsonPath => {
                for field in jsonata_fields {
                    self.language_mismatch(loc, Language::JsonPath, field);
                }
            }
        }
    }

    /// `Next` / `End` of the states that have them.
    fn flow(&mut self, m: &Machine, s: &State, loc: &str) {
        if s.end == Some(false) {
            self.schema(
                format!("{loc}/End"),
                "The value for the field 'End' must be true",
            );
        }
        match (&s.next, s.end) {
            (Some(_), Some(true)) => {
                self.schema(loc, "Only one of the fields 'Next' or 'End' is allowed")
            }
            (None, None) => self.schema(loc, "One of the fields 'Next' or 'End' is required"),
            _ => {}
        }
        if let Some(next) = &s.next {
            self.target(m, &format!("{loc}/Next"), next);
        }
    }

    fn target(&mut self, m: &Machine, loc: &str, name: &str) {
        if !m.states.contains_key(name) {
            self.error(
                MISSING_TRANSITION_TARGET,
                loc,
                format!("Missing 'Next' target: {name}"),
            );
        }
    }

    fn path(&mut self, loc: &str, field: &str, path: &str) {
        if JsonPath::parse(path).is_err() {
            self.schema(
                loc,
                format!("The value for the field '{field}' must be a valid JSONPath"),
            );
        }
    }

    /// A `…Path` field that must select a single node: a reference path, which may start at the
    /// context object (`$$`) or a variable (`$name`).
    fn single_node_path(&mut self, loc: &str, field: &str, path: &str) {
        if !is_reference_path(path, true) {
            self.schema(
                loc,
                format!("The value for the field '{field}' must be a valid ReferencePath"),
            );
        }
    }

    fn result_path(&mut self, loc: &str, path: &Option<Option<String>>) {
        if let Some(Some(p)) = path {
            if !is_reference_path(p, false) {
                self.schema(
                    format!("{loc}/ResultPath"),
                    "The value for the field 'ResultPath' must be a valid ReferencePath",
                );
            }
        }
    }

    /// A payload template (Parameters, ResultSelector, ItemSelector): `.$` fields hold paths or
    /// intrinsic functions; a path-like value in a plain field is probably a missing `.$`.
    fn template(&mut self, value: &Value, loc: &str) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    let item_loc = format!("{loc}/{key}");
                    if key.ends_with(".$") {
                        let ok = item
                            .as_str()
                            .is_some_and(|s| s.starts_with('$') || s.starts_with("States."));
                        if !ok {
                            self.schema(
                                item_loc,
                                format!(
                                    "The value for the field '{key}' must be a valid JSONPath or a \
                                     valid intrinsic function call"
                                ),
                            );
                        }
                    } else if item.as_str().is_some_and(looks_like_path) {
                        self.warning(
                            NO_DOLLAR,
                            item_loc,
                            format!(
                                "The value of the field '{key}' looks like a JSONPath or an \
                                 intrinsic function, but the field name does not end with '.$'"
                            ),
                        );
                    } else {
                        self.template(item, &item_loc);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.template(item, &format!("{loc}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn templates(&mut self, loc: &str, fields: &[(&str, &Option<Value>)]) {
        for &(field, value) in fields {
            if let Some(value) = value {
                self.template(value, &format!("{loc}/{field}"));
            }
        }
    }

    fn pass(&mut self, p: &PassState, jsonpath: bool, loc: &str) {
        if jsonpath {
            self.templates(loc, &[("Parameters", &p.parameters)]);
            self.result_path(loc, &p.result_path);
        }
        if let Some(result) = &p.result {
            self.static_result(result, &format!("{loc}/Result"));
        }
    }

    fn static_result(&mut self, value: &Value, loc: &str) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    let item_loc = format!("{loc}/{key}");
                    if key.ends_with(".$") {
                        self.warning(
                            PASS_RESULT_IS_STATIC,
                            item_loc.clone(),
                            format!(
                                "The field '{key}' is in the 'Result' of a Pass state, which is \
                                 never evaluated: use 'Parameters' to select values from the input"
                            ),
                        );
                    }
                    self.static_result(item, &item_loc);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.static_result(item, &format!("{loc}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn task(&mut self, m: &Machine, t: &TaskState, lang: Language, loc: &str) {
        if !is_arn(&t.resource) {
            self.error(
                INVALID_RESOURCE,
                format!("{loc}/Resource"),
                format!(
                    "The resource provided {} is not recognized. The value is not a valid resource \
                     ARN, or the resource is not available in this region.",
                    t.resource
                ),
            );
        }
        let fields = [
            ("TimeoutSeconds", t.timeout_seconds, &t.timeout_seconds_path),
            (
                "HeartbeatSeconds",
                t.heartbeat_seconds,
                &t.heartbeat_seconds_path,
            ),
        ];
        for (field, seconds, path) in fields {
            let field_loc = format!("{loc}/{field}");
            if let Some(n) = seconds {
                self.range(&field_loc, n, 1, MAX_SECONDS);
                if path.is_some() {
                    self.schema(
                        &field_loc,
                        format!("Only one of the fields '{field}' or '{field}Path' is allowed"),
                    );
                }
            }
            if let (Some(p), Language::JsonPath) = (path, lang) {
                self.single_node_path(&format!("{field_loc}Path"), &format!("{field}Path"), p);
            }
        }
        if let (Some(timeout), Some(heartbeat)) = (t.timeout_seconds, t.heartbeat_seconds) {
            if heartbeat >= timeout {
                self.schema(
                    format!("{loc}/HeartbeatSeconds"),
                    "The value of 'HeartbeatSeconds' must be smaller than the value of \
                     'TimeoutSeconds'",
                );
            }
        }
        if lang == Language::JsonPath {
            self.templates(
                loc,
                &[
                    ("Parameters", &t.parameters),
                    ("ResultSelector", &t.result_selector),
                ],
            );
            self.result_path(loc, &t.result_path);
        }
        self.retry(&t.retry, loc);
        self.catch(m, &t.catch, lang, loc);
    }

    fn choice(&mut self, m: &Machine, c: &ChoiceState, lang: Language, loc: &str) {
        if c.choices.is_empty() {
            self.schema(
                format!("{loc}/Choices"),
                "The field 'Choices' should be non-empty",
            );
        }
        for (i, rule) in c.choices.iter().enumerate() {
            let rule_loc = format!("{loc}/Choices[{i}]");
            match &rule.next {
                Some(next) => self.target(m, &format!("{rule_loc}/Next"), next),
                None => self.schema(&rule_loc, "These fields are required: [Next]"),
            }
            self.rule(rule, true, lang, &rule_loc);
        }
        if let Some(default) = &c.default {
            self.target(m, &format!("{loc}/Default"), default);
        }
    }

    fn rule(&mut self, rule: &ChoiceRule, top_level: bool, lang: Language, loc: &str) {
        for key in rule.extra.keys() {
            match key.as_str() {
                "Assign" if top_level => {}
                "Output" if top_level => {
                    if lang == Language::JsonPath {
                        self.language_mismatch(loc, lang, key);
                    }
                }
                _ => self.not_supported(loc, key),
            }
        }
        match &rule.condition {
            Condition::And(rules) | Condition::Or(rules) => {
                let field = if matches!(rule.condition, Condition::And(_)) {
                    "And"
                } else {
                    "Or"
                };
                if rules.is_empty() {
                    self.schema(
                        format!("{loc}/{field}"),
                        format!("The field '{field}' should be non-empty"),
                    );
                }
                for (i, nested) in rules.iter().enumerate() {
                    self.rule(nested, false, lang, &format!("{loc}/{field}[{i}]"));
                }
            }
            Condition::Not(nested) => self.rule(nested, false, lang, &format!("{loc}/Not")),
            Condition::Compare(c) if lang == Language::JsonPath => {
                self.path(&format!("{loc}/Variable"), "Variable", &c.variable);
                let op = c.operator.name();
                let op_loc = format!("{loc}/{op}");
                match c.operand.as_str() {
                    Some(operand) if c.operator.takes_path() => self.path(&op_loc, op, operand),
                    Some(operand) if looks_like_path(operand) && has_path_variant(c.operator) => {
                        self.warning(NO_PATH, op_loc, no_path_message(op))
                    }
                    _ => {}
                }
            }
            Condition::Compare(_) | Condition::Jsonata(_) => {}
        }
    }

    fn wait(&mut self, s: &State, w: &WaitState, jsonpath: bool, loc: &str) {
        let set = [
            w.seconds.is_some() || s.extra.contains_key("Seconds"),
            w.seconds_path.is_some(),
            w.timestamp.is_some(),
            w.timestamp_path.is_some(),
        ];
        if set.iter().filter(|b| **b).count() != 1 {
            self.schema(
                loc,
                "A Wait state requires exactly one of the fields: [Seconds, SecondsPath, \
                 Timestamp, TimestampPath]",
            );
        }
        if let Some(ts) = &w.timestamp {
            if !is_jsonata_expression(ts) && !is_rfc3339(ts) {
                self.schema(
                    format!("{loc}/Timestamp"),
                    "The value for the field 'Timestamp' must be a valid RFC3339 timestamp",
                );
                if jsonpath && looks_like_path(ts) {
                    self.warning(
                        NO_PATH,
                        format!("{loc}/Timestamp"),
                        no_path_message("Timestamp"),
                    );
                }
            }
        }
        if jsonpath {
            for (field, path) in [
                ("SecondsPath", &w.seconds_path),
                ("TimestampPath", &w.timestamp_path),
            ] {
                if let Some(p) = path {
                    self.single_node_path(&format!("{loc}/{field}"), field, p);
                }
            }
        }
    }

    fn fail(&mut self, f: &FailState, jsonpath: bool, loc: &str) {
        for (field, value, path) in [
            ("Error", &f.error, &f.error_path),
            ("Cause", &f.cause, &f.cause_path),
        ] {
            if value.is_some() && path.is_some() {
                self.schema(
                    loc,
                    format!("Only one of the fields '{field}' or '{field}Path' is allowed"),
                );
            }
            if !jsonpath {
                continue;
            }
            if let Some(p) = path {
                if !p.starts_with('$') && !p.starts_with("States.") {
                    self.schema(
                        format!("{loc}/{field}Path"),
                        format!(
                            "The value for the field '{field}Path' must be a valid JSONPath or a \
                             valid intrinsic function call"
                        ),
                    );
                }
            }
            if value.as_deref().is_some_and(looks_like_path) {
                self.warning(NO_PATH, format!("{loc}/{field}"), no_path_message(field));
            }
        }
    }

    fn parallel(&mut self, m: &Machine, p: &'a ParallelState, lang: Language, loc: &str) {
        if p.branches.is_empty() {
            self.schema(
                format!("{loc}/Branches"),
                "The field 'Branches' should be non-empty",
            );
        }
        for (i, branch) in p.branches.iter().enumerate() {
            self.machine(branch, &format!("{loc}/Branches[{i}]"), MachineKind::Branch);
        }
        if lang == Language::JsonPath {
            self.templates(
                loc,
                &[
                    ("Parameters", &p.parameters),
                    ("ResultSelector", &p.result_selector),
                ],
            );
            self.result_path(loc, &p.result_path);
        }
        self.retry(&p.retry, loc);
        self.catch(m, &p.catch, lang, loc);
    }

    fn map(&mut self, m: &Machine, map: &'a MapState, lang: Language, loc: &str) {
        let key = if map.uses_iterator {
            "Iterator"
        } else {
            "ItemProcessor"
        };
        self.machine(
            &map.processor,
            &format!("{loc}/{key}"),
            MachineKind::Processor,
        );
        if map.item_selector.is_some() && map.parameters.is_some() {
            self.schema(
                format!("{loc}/Parameters"),
                "Only one of the fields 'ItemSelector' or 'Parameters' is allowed",
            );
        }
        let exclusive = [
            (
                "MaxConcurrency",
                map.max_concurrency.is_some(),
                &map.max_concurrency_path,
            ),
            (
                "ToleratedFailureCount",
                map.tolerated_failure_count.is_some(),
                &map.tolerated_failure_count_path,
            ),
            (
                "ToleratedFailurePercentage",
                map.tolerated_failure_percentage.is_some(),
                &map.tolerated_failure_percentage_path,
            ),
        ];
        for (field, is_set, path) in exclusive {
            if is_set && path.is_some() {
                self.schema(
                    format!("{loc}/{field}"),
                    format!("Only one of the fields '{field}' or '{field}Path' is allowed"),
                );
            }
            if let (Some(p), Language::JsonPath) = (path, lang) {
                self.single_node_path(&format!("{loc}/{field}Path"), &format!("{field}Path"), p);
            }
        }
        if let Some(pct) = map.tolerated_failure_percentage {
            let pct_loc = format!("{loc}/ToleratedFailurePercentage");
            if pct < 0.0 {
                self.schema(pct_loc, "Minimum value is 0");
            } else if pct > 100.0 {
                self.schema(pct_loc, "Maximum value is 100");
            }
        }
        if lang == Language::JsonPath {
            if let Some(p) = &map.items_path {
                self.path(&format!("{loc}/ItemsPath"), "ItemsPath", p);
            }
            self.templates(
                loc,
                &[
                    ("ItemSelector", &map.item_selector),
                    ("Parameters", &map.parameters),
                    ("ResultSelector", &map.result_selector),
                ],
            );
            self.result_path(loc, &map.result_path);
        }
        self.retry(&map.retry, loc);
        self.catch(m, &map.catch, lang, loc);
    }

    fn range(&mut self, loc: &str, value: u64, min: u64, max: u64) {
        if value < min {
            self.schema(loc, format!("Minimum value is {min}"));
        } else if value > max {
            self.schema(loc, format!("Maximum value is {max}"));
        }
    }

    /// `ErrorEquals` of a Retry or Catch entry: non-empty, `States.ALL` alone and last.
    fn error_equals(&mut self, errors: &[String], is_last: bool, what: &str, loc: &str) {
        if errors.is_empty() {
            self.schema(
                format!("{loc}/ErrorEquals"),
                "The field 'ErrorEquals' should be non-empty",
            );
        }
        if errors.iter().any(|e| e == "States.ALL") {
            if errors.len() > 1 {
                self.schema(
                    format!("{loc}/ErrorEquals"),
                    "'States.ALL' must appear alone in the field 'ErrorEquals'",
                );
            }
            if !is_last {
                self.schema(
                    loc,
                    format!("A {what} entry with 'States.ALL' must be the last one in '{what}'"),
                );
            }
        }
    }

    fn retry(&mut self, retry: &[Retrier], loc: &str) {
        for (i, r) in retry.iter().enumerate() {
            let entry = format!("{loc}/Retry[{i}]");
            self.error_equals(&r.error_equals, i + 1 == retry.len(), "Retry", &entry);
            if let Some(n) = r.max_attempts {
                self.range(&format!("{entry}/MaxAttempts"), n, 0, MAX_SECONDS);
            }
            if let Some(n) = r.interval_seconds {
                self.range(&format!("{entry}/IntervalSeconds"), n, 1, MAX_SECONDS);
            }
            if let Some(n) = r.max_delay_seconds {
                self.range(&format!("{entry}/MaxDelaySeconds"), n, 1, MAX_DELAY_SECONDS);
            }
            if r.backoff_rate.is_some_and(|rate| rate < 1.0) {
                self.schema(format!("{entry}/BackoffRate"), "Minimum value is 1.0");
            }
            if let Some(jitter) = &r.jitter_strategy {
                if jitter != "FULL" && jitter != "NONE" {
                    self.schema(
                        format!("{entry}/JitterStrategy"),
                        "Value should be one of the following: [FULL, NONE]",
                    );
                }
            }
            for key in r.extra.keys() {
                self.not_supported(&entry, key);
            }
        }
    }

    fn catch(&mut self, m: &Machine, catch: &[Catcher], lang: Language, loc: &str) {
        for (i, c) in catch.iter().enumerate() {
            let entry = format!("{loc}/Catch[{i}]");
            self.error_equals(&c.error_equals, i + 1 == catch.len(), "Catch", &entry);
            self.target(m, &format!("{entry}/Next"), &c.next);
            match lang {
                Language::JsonPath => self.result_path(&entry, &c.result_path),
                Language::Jsonata if c.result_path.is_some() => {
                    self.language_mismatch(&entry, lang, "ResultPath")
                }
                Language::Jsonata => {}
            }
            for key in c.extra.keys() {
                match key.as_str() {
                    "Assign" => {}
                    "Output" if lang == Language::Jsonata => {}
                    "Output" => self.language_mismatch(&entry, lang, key),
                    _ => self.not_supported(&entry, key),
                }
            }
        }
    }

    /// Terminal states, reachability and paths that can never end, for one machine.
    fn graph(&mut self, m: &Machine, base: &str, kind: MachineKind) {
        let is_terminal = |s: &State| {
            s.end == Some(true) || matches!(s.kind, StateKind::Succeed(_) | StateKind::Fail(_))
        };
        if !m.states.values().any(is_terminal) {
            let message = "Workflow has no terminal state";
            if kind == MachineKind::Root {
                self.error(MISSING_END_STATE, "", message);
            } else {
                self.warning(MISSING_END_STATE, at(base), message);
            }
            return;
        }
        let names: Vec<&str> = m.states.keys().map(String::as_str).collect();
        let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let edges: Vec<Vec<usize>> = m
            .states
            .values()
            .map(|s| {
                s.successors()
                    .iter()
                    .filter_map(|n| index.get(n).copied())
                    .collect()
            })
            .collect();
        let mut targeted = vec![false; names.len()];
        for &t in edges.iter().flatten() {
            targeted[t] = true;
        }
        let start = index.get(m.start_at.as_str()).copied();
        let mut roots: Vec<usize> = start.into_iter().collect();
        for (i, name) in names.iter().enumerate() {
            if Some(i) != start && !targeted[i] {
                self.error(
                    MISSING_TRANSITION_TARGET,
                    format!("{base}/States/{name}"),
                    format!("State \"{name}\" is not reachable."),
                );
                roots.push(i);
            }
        }
        let reached = reach(&edges, roots);
        for (i, name) in names.iter().enumerate() {
            if !reached[i] {
                self.warning(
                    MISSING_TRANSITION_TARGET,
                    format!("{base}/States/{name}"),
                    format!(
                        "State \"{name}\" is not reachable from 'StartAt': only states in a loop \
                         that nothing enters transition to it."
                    ),
                );
            }
        }
        let mut reverse = vec![Vec::new(); names.len()];
        for (from, targets) in edges.iter().enumerate() {
            for &to in targets {
                reverse[to].push(from);
            }
        }
        // A state whose transition is missing or broken was reported already; it counts as a
        // possible end so that the states leading to it are not reported again.
        let may_end = |s: &State| {
            let next = s.successors();
            is_terminal(s) || next.is_empty() || next.iter().any(|n| !index.contains_key(n))
        };
        let ends = m.states.values().enumerate().filter(|(_, s)| may_end(s));
        let can_end = reach(&reverse, ends.map(|(i, _)| i).collect());
        let from_start = reach(&edges, start.into_iter().collect());
        for (i, name) in names.iter().enumerate() {
            if from_start[i] && !can_end[i] {
                self.warning(
                    MISSING_END_STATE,
                    format!("{base}/States/{name}"),
                    format!(
                        "State \"{name}\" can never reach a terminal state (End, Succeed or Fail): \
                         an execution that enters it runs until it fails or times out."
                    ),
                );
            }
        }
    }
}

/// The states reachable from `roots` along `edges` (roots included).
fn reach(edges: &[Vec<usize>], roots: Vec<usize>) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut queue: VecDeque<usize> = roots.into();
    while let Some(i) = queue.pop_front() {
        if seen[i] {
            continue;
        }
        seen[i] = true;
        queue.extend(edges[i].iter().copied().filter(|&j| !seen[j]));
    }
    seen
}

/// A location, `/` for the root.
fn at(base: &str) -> String {
    if base.is_empty() {
        "/".to_string()
    } else {
        base.to_string()
    }
}

fn is_language(value: &str) -> bool {
    value == "JSONPath" || value == "JSONata"
}

/// A JSONata expression: `{% … %}`.
fn is_jsonata_expression(value: &str) -> bool {
    let v = value.trim();
    v.len() >= 4 && v.starts_with("{%") && v.ends_with("%}")
}

/// A value that reads like a JSONPath or an intrinsic function call.
fn looks_like_path(value: &str) -> bool {
    value == "$"
        || value.starts_with("$.")
        || value.starts_with("$[")
        || value.starts_with("$$.")
        || (value.starts_with("States.") && value.contains('(') && value.ends_with(')'))
}

fn no_path_message(field: &str) -> String {
    format!(
        "The value of the field '{field}' looks like a path, but the field name does not end \
         with 'Path'"
    )
}

/// Operators whose operand is a literal and which have a `…Path` twin.
fn has_path_variant(op: Operator) -> bool {
    Operator::from_name(&format!("{}Path", op.name())).is_some()
}

/// A reference path (`ResultPath`): what the engine's [`ReferencePath`] parser takes. With
/// `other_roots`, a path that selects one node from the input, the context object (`$$`) or a
/// variable (`$name`): a definite [`JsonPath`], as the engine parses it.
fn is_reference_path(path: &str, other_roots: bool) -> bool {
    if other_roots {
        JsonPath::parse(path).is_ok_and(|p| p.is_definite())
    } else {
        ReferencePath::parse(path).is_ok()
    }
}

/// An ARN in an AWS partition: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
fn is_arn(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let [arn, partition, service, _, _, rest] = parts[..] else {
        return false;
    };
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|suffix| {
            suffix
                .split('-')
                .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        });
    arn == "arn" && partition_ok && !service.is_empty() && !rest.is_empty()
}

/// An RFC 3339 date-time as ASL requires it: what the engine's timestamp parser takes.
fn is_rfc3339(value: &str) -> bool {
    crate::engine::timestamp::parse(value).is_some()
}

// ---------------------------------------------------------------------------------------------
// validate_json helpers: working on the raw JSON around the typed model.

/// Unescapes one JSON Pointer segment.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Turns a JSON Pointer into AWS's location form (`[i]` for array items, names unescaped).
fn aws_location(root: &Value, pointer: &str) -> String {
    if pointer.is_empty() {
        return "/".to_string();
    }
    let mut out = String::new();
    let mut node = Some(root);
    for segment in pointer.split('/').skip(1) {
        let key = unescape(segment);
        node = match node {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{key}]"));
                key.parse::<usize>().ok().and_then(|i| items.get(i))
            }
            other => {
                out.push('/');
                out.push_str(&key);
                other.and_then(|v| v.get(&key))
            }
        };
    }
    out
}

/// AWS-like wording for an error of the typed model.
fn parse_error_message(root: &Value, error: &crate::model::ParseError) -> String {
    let last = error.location.rsplit('/').next().map(unescape);
    let target = root.pointer(&error.location);
    match &error.field {
        Some(field) if field == "Type" && last.as_deref() == Some("Type") => {
            "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, \
             Choice, Parallel, Map]"
                .to_string()
        }
        Some(field) if last.as_deref() == Some(field.as_str()) => {
            format!("The value for the field '{field}' {}", error.message)
        }
        Some(field) if target.is_some_and(|t| t.is_object() && t.get(field).is_none()) => {
            format!("These fields are required: [{field}]")
        }
        _ => {
            let mut chars = error.message.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => "Invalid definition".to_string(),
            }
        }
    }
}

/// Fields whose value can be dropped after reporting it without making other reports appear.
const LEAF_FIELDS: [&str; 28] = [
    "Comment",
    "InputPath",
    "OutputPath",
    "ResultPath",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Retry",
    "Version",
    "QueryLanguage",
    "Error",
    "ErrorPath",
    "Cause",
    "CausePath",
    "ItemsPath",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "Label",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
];

/// Removes the value at `pointer` when it is a leaf field of an object; false otherwise.
fn remove_leaf(root: &mut Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let key = unescape(last);
    if !LEAF_FIELDS.contains(&key.as_str()) {
        return false;
    }
    match root.pointer_mut(parent) {
        Some(Value::Object(map)) => map.shift_remove(&key).is_some(),
        _ => false,
    }
}

/// For a JSONata value the typed model cannot hold (`"Seconds": "{% … %}"`, or a literal
/// `"Condition": true`, in a JSONata state), a value that passes every check in its place.
fn jsonata_placeholder(root: &Value, pointer: &str) -> Option<Value> {
    let value = root.pointer(pointer)?;
    if language_at(root, pointer)? != Language::Jsonata {
        return None;
    }
    let key = unescape(pointer.rsplit('/').next()?);
    if let (Value::Bool(b), "Condition") = (value, key.as_str()) {
        return Some(Value::String(format!("{{% {b} %}}")));
    }
    if !is_jsonata_expression(value.as_str()?) {
        return None;
    }
    let literal = match key.as_str() {
        "Seconds" | "MaxConcurrency" | "ToleratedFailureCount" | "ToleratedFailurePercentage" => 0,
        "HeartbeatSeconds" => 1,
        "TimeoutSeconds" => MAX_SECONDS,
        _ => return None,
    };
    Some(Value::from(literal))
}

/// The query language of the innermost state containing `pointer` (`None` outside states).
fn language_at(root: &Value, pointer: &str) -> Option<Language> {
    let of = |v: Option<&Value>| match v.and_then(Value::as_str) {
        None | Some("JSONPath") => Language::JsonPath,
        Some(_) => Language::Jsonata,
    };
    let root_language = of(root.get("QueryLanguage"));
    let mut language = None;
    let mut node = root;
    let mut in_states = false;
    for segment in pointer.split('/').skip(1) {
        let key = unescape(segment);
        node = match node {
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            other => other.get(&key)?,
        };
        if in_states {
            language = Some(match node.get("QueryLanguage") {
                None => root_language,
                some => of(some),
            });
        }
        in_states = key == "States" && node.is_object();
    }
    language
}

/// `DUPLICATE_STATE_NAME` for names repeated inside one `States` object, which a JSON parser
/// collapses into one (the last wins) before the typed model sees them.
fn duplicate_keys_in_states(text: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let scan = Scan {
        loc: String::new(),
        node: Node::Machine,
        found: &mut found,
    };
    // The text was parsed successfully already; an error here cannot happen and loses nothing.
    let _ = scan.deserialize(&mut de);
    found
}

/// What a JSON value is in a definition, as far as the duplicate scan cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Machine,
    States,
    State,
    Branches,
    Other,
}

/// Walks JSON text, seeing every key (duplicates included) with its location.
struct Scan<'s> {
    loc: String,
    node: Node,
    found: &'s mut Vec<Diagnostic>,
}

impl<'de> DeserializeSeed<'de> for Scan<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let node = if self.node == Node::Branches {
            Node::Machine
        } else {
            Node::Other
        };
        let mut i = 0;
        loop {
            let item = Scan {
                loc: format!("{}[{i}]", self.loc),
                node,
                found: &mut *self.found,
            };
            if seq.next_element_seed(item)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let loc = format!("{}/{key}", self.loc);
            let node = match (self.node, key.as_str()) {
                (Node::Machine, "States") => Node::States,
                (Node::States, _) => Node::State,
                (Node::State, "Branches") => Node::Branches,
                (Node::State, "ItemProcessor" | "Iterator") => Node::Machine,
                _ => Node::Other,
            };
            if self.node == Node::States && seen.contains(&key) {
                self.found.push(Diagnostic::error(
                    DUPLICATE_STATE_NAME,
                    loc.clone(),
                    format!("Duplicate State name: {key}"),
                ));
            }
            map.next_value_seed(Scan {
                loc,
                node,
                found: &mut *self.found,
            })?;
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    fn check(def: &Value) -> Vec<Diagnostic> {
        validate_json(&def.to_string())
    }

    fn listing(diags: &[Diagnostic]) -> String {
        diags
            .iter()
            .map(|d| format!("  {:?} {d}", d.severity))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The diagnostic with this severity, code and location; fails the test when absent.
    #[track_caller]
    fn find<'d>(
        diags: &'d [Diagnostic],
        severity: Severity,
        code: &str,
        loc: &str,
    ) -> &'d Diagnostic {
        diags
            .iter()
            .find(|d| d.severity == severity && d.code == code && d.location == loc)
            .unwrap_or_else(|| {
                panic!(
                    "expected {severity:?} {code} at {loc:?}, got:\n{}",
                    listing(diags)
                )
            })
    }

    #[track_caller]
    fn error<'d>(diags: &'d [Diagnostic], code: &str, loc: &str) -> &'d Diagnostic {
        find(diags, Severity::Error, code, loc)
    }

    /// Exactly these (severity, code, location) triples, in any order.
    #[track_caller]
    fn exactly(diags: &[Diagnostic], expected: &[(Severity, &str, &str)]) {
        let mut got: Vec<(Severity, &str, &str)> = diags
            .iter()
            .map(|d| (d.severity, d.code, d.location.as_str()))
            .collect();
        let mut want = expected.to_vec();
        let key = |t: &(Severity, &str, &str)| (t.0.as_str(), t.1.to_string(), t.2.to_string());
        got.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(got, want, "got:\n{}", listing(diags));
    }

    #[track_caller]
    fn clean(def: &Value) {
        let diags = check(def);
        assert!(
            diags.is_empty(),
            "expected no diagnostics, got:\n{}",
            listing(&diags)
        );
    }

    const E: Severity = Severity::Error;
    const W: Severity = Severity::Warning;
    const SCHEMA: &str = SCHEMA_VALIDATION_FAILED;
    const TARGET: &str = MISSING_TRANSITION_TARGET;

    /// A machine with one state `S` followed by a Succeed state `Done`.
    fn one(state: Value) -> Value {
        json!({"StartAt": "S", "States": {"S": state, "Done": {"Type": "Succeed"}}})
    }

    fn task() -> Value {
        json!({"Type": "Task", "Resource": ARN, "Next": "Done"})
    }

    fn with(mut base: Value, extra: Value) -> Value {
        if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
            b.extend(e);
        }
        base
    }

    #[test]
    fn the_recorded_fixture_is_valid() {
        let Some(text) = testkit::shared::read(
            "fixtures/resume-from-state-example.asl.json",
            "the validation of the recorded definition",
        ) else {
            return;
        };
        let diags = validate_json(&text);
        assert!(diags.is_empty(), "{}", listing(&diags));
    }

    #[test]
    fn a_definition_using_every_state_type_is_valid() {
        clean(&json!({
            "Comment": "every state type",
            "StartAt": "Prepare",
            "TimeoutSeconds": 3600,
            "Version": "1.0",
            "States": {
                "Prepare": {
                    "Type": "Pass",
                    "Parameters": {"items.$": "$.items", "now.$": "$$.Execution.StartTime",
                                   "id.$": "States.UUID()", "nested": {"list": [{"x.$": "$.x"}]}},
                    "ResultPath": "$.prepared",
                    "Next": "Call"
                },
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": ARN, "Payload.$": "$"},
                    "ResultSelector": {"body.$": "$.Payload"},
                    "ResultPath": "$['call result'].body[0]",
                    "OutputPath": "$",
                    "InputPath": "$.prepared",
                    "TimeoutSeconds": 30,
                    "HeartbeatSeconds": 10,
                    "Retry": [
                        {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2,
                         "MaxAttempts": 6, "BackoffRate": 2.0, "MaxDelaySeconds": 60,
                         "JitterStrategy": "FULL"},
                        {"ErrorEquals": ["States.ALL"]}
                    ],
                    "Catch": [
                        {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Failed"},
                        {"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Failed"}
                    ],
                    "Next": "Decide"
                },
                "Decide": {
                    "Type": "Choice",
                    "Choices": [
                        {"And": [{"Variable": "$.n", "IsPresent": true},
                                 {"Not": {"Variable": "$.n", "NumericLessThan": 0}}],
                         "Next": "Fan out"},
                        {"Variable": "$.kind", "StringEqualsPath": "$.expected", "Next": "Later"}
                    ],
                    "Default": "Each"
                },
                "Later": {"Type": "Wait", "Timestamp": "2030-02-28T23:59:59.5+01:00", "Next": "Each"},
                "Fan out": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "Left", "States": {"Left": {"Type": "Wait", "Seconds": 1, "End": true}}},
                        {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": true}}}
                    ],
                    "ResultSelector": {"left.$": "$[0]"},
                    "Next": "Each"
                },
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemSelector": {"item.$": "$$.Map.Item.Value"},
                    "MaxConcurrency": 2,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Inner",
                        "States": {"Inner": {"Type": "Wait", "SecondsPath": "$.delay", "End": true}}
                    },
                    "ResultPath": "$.each",
                    "Next": "Old style"
                },
                "Old style": {
                    "Type": "Map",
                    "Iterator": {"StartAt": "Item", "States": {"Item": {"Type": "Succeed"}}},
                    "End": true
                },
                "Failed": {"Type": "Fail", "ErrorPath": "$.error.Error",
                           "CausePath": "States.Format('failed: {}', $.error.Cause)"}
            }
        }));
    }

    #[test]
    fn jsonata_definitions_are_accepted() {
        clean(&json!({
            "QueryLanguage": "JSONata",
            "StartAt": "Start",
            "States": {
                "Start": {"Type": "Pass", "Assign": {"count": 0}, "Output": {"n": "{% 1 %}"}, "Next": "Call"},
                "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Arguments": {"FunctionName": ARN, "Payload": "{% $states.input %}"},
                         "TimeoutSeconds": "{% $states.input.timeout %}",
                         "HeartbeatSeconds": "{% 5 %}",
                         "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}",
                                    "Assign": {"failed": true}, "Next": "Stop"}],
                         "Next": "Pause"},
                "Pause": {"Type": "Wait", "Seconds": "{% $count + 1 %}", "Next": "Choose"},
                "Choose": {"Type": "Choice", "Output": "{% $states.input %}",
                           "Choices": [{"Condition": "{% $count > 1 %}", "Next": "Each",
                                        "Assign": {"big": true}}],
                           "Default": "Each"},
                "Each": {"Type": "Map", "Items": "{% [1, 2] %}", "MaxConcurrency": "{% 2 %}",
                         "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                         "Next": "Done"},
                "Done": {"Type": "Succeed", "Output": "{% $count %}"},
                "Stop": {"Type": "Fail", "Error": "{% 'E' %}", "Cause": "{% 'c' %}"}
            }
        }));
        // A JSONPath state may assign variables too.
        clean(&one(
            json!({"Type": "Pass", "Assign": {"x.$": "$.x"}, "Next": "Done"}),
        ));
    }

    #[test]
    fn every_recorded_conformance_definition_is_accepted() {
        let Some(dir) = testkit::shared::path(
            "conformance/cases",
            "the validation of the recorded definitions",
        ) else {
            return;
        };
        let entries = std::fs::read_dir(&dir).expect("the conformance cases can be listed");
        let mut checked = 0;
        for entry in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let Ok(case) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let Some(def) = case.get("definition") else {
                continue;
            };
            let diags = check(def);
            assert!(
                is_valid(&diags),
                "{}:\n{}",
                entry.path().display(),
                listing(&diags)
            );
            checked += 1;
        }
        assert!(checked > 0);
    }

    #[test]
    fn text_that_is_not_a_definition() {
        exactly(&validate_json(""), &[(E, MISSING_DESCRIPTION, "")]);
        for text in [" ", "null", "[]", "42", "\"x\""] {
            let diags = validate_json(text);
            exactly(&diags, &[(E, SCHEMA, "")]);
            assert_eq!(diags[0].message, "Definition must be a valid JSON object");
        }
        for text in ["not a definition", "{\"StartAt\": ", "{} {}", "{'a': 1}"] {
            exactly(&validate_json(text), &[(E, INVALID_JSON_DESCRIPTION, "")]);
        }
        let diags = validate_json("{}");
        exactly(&diags, &[(E, SCHEMA, "/")]);
        assert_eq!(
            diags[0].message,
            "These fields are required: [States, StartAt]"
        );
        let diags = validate_json(r#"{"States": {}}"#);
        assert_eq!(diags[0].message, "These fields are required: [StartAt]");
    }

    #[test]
    fn oversized_definitions_are_reported_and_still_validated() {
        let big = "x".repeat(MAX_DEFINITION_BYTES);
        let mut def = one(json!({"Type": "Pass", "Next": "Nowhere"}));
        def["Comment"] = Value::String(big);
        let diags = check(&def);
        exactly(
            &diags,
            &[
                (E, SCHEMA, ""),
                (E, TARGET, "/States/S/Next"),
                (E, TARGET, "/States/Done"),
            ],
        );
        assert!(diags[0].message.contains("1048576"), "{}", diags[0].message);
    }

    #[test]
    fn start_at_must_name_a_state_and_states_without_transitions_in_are_unreachable() {
        // The shape of a recorded CloudFormation error: only "Pass One" is unreachable, not the
        // state after it.
        let diags = check(&json!({"StartAt": "Not sure", "States": {
            "Pass One": {"Type": "Pass", "Next": "Success"},
            "Success": {"Type": "Succeed"}
        }}));
        exactly(
            &diags,
            &[(E, TARGET, "/StartAt"), (E, TARGET, "/States/Pass One")],
        );
        assert_eq!(diags[0].message, "Missing 'Next' target: Not sure");
        assert_eq!(diags[1].message, "State \"Pass One\" is not reachable.");
        let message = invalid_definition_message(&diags);
        assert_eq!(
            message.as_deref(),
            Some(
                "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' \
                 target: Not sure at /StartAt, MISSING_TRANSITION_TARGET: State \"Pass One\" is \
                 not reachable. at /States/Pass One'"
            )
        );
    }

    #[test]
    fn every_transition_must_target_a_state_of_the_same_machine() {
        let diags = check(&json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": ARN, "Next": "C",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Ghost catch"}]},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Ghost rule"}],
                  "Default": "Ghost default"},
            "P": {"Type": "Parallel", "Next": "Done", "Branches": [
                {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Done"}}}]},
            "Done": {"Type": "Succeed"}
        }}));
        error(&diags, TARGET, "/States/T/Catch[0]/Next");
        error(&diags, TARGET, "/States/C/Choices[0]/Next");
        let d = error(&diags, TARGET, "/States/C/Default");
        assert_eq!(d.message, "Missing 'Next' target: Ghost default");
        // A branch cannot leave its machine.
        error(&diags, TARGET, "/States/P/Branches[0]/States/In/Next");
        error(&diags, TARGET, "/States/P");
    }

    #[test]
    fn nested_machines_need_their_own_start_state() {
        let diags = check(&json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "M", "Branches": [
                {"StartAt": "Nope", "States": {"A": {"Type": "Pass", "End": true}}}]},
            "M": {"Type": "Map", "End": true, "ItemProcessor":
                {"StartAt": "Nope either", "States": {"B": {"Type": "Pass", "End": true}}}}
        }}));
        exactly(
            &diags,
            &[
                (E, TARGET, "/States/P/Branches[0]/StartAt"),
                (E, TARGET, "/States/P/Branches[0]/States/A"),
                (E, TARGET, "/States/M/ItemProcessor/StartAt"),
                (E, TARGET, "/States/M/ItemProcessor/States/B"),
            ],
        );
    }

    #[test]
    fn next_and_end() {
        let both = check(&one(with(task(), json!({"End": true}))));
        exactly(&both, &[(E, SCHEMA, "/States/S")]);
        let neither = check(&one(json!({"Type": "Pass"})));
        // Without a transition, S is terminal as far as reachability goes, so Done is unreachable.
        exactly(
            &neither,
            &[(E, SCHEMA, "/States/S"), (E, TARGET, "/States/Done")],
        );
        let end_false = check(&one(json!({"Type": "Pass", "Next": "Done", "End": false})));
        exactly(&end_false, &[(E, SCHEMA, "/States/S/End")]);
        let misplaced = check(&json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "D"}],
                  "Default": "D", "Next": "D"},
            "D": {"Type": "Succeed", "End": true}
        }}));
        exactly(
            &misplaced,
            &[(E, SCHEMA, "/States/C"), (E, SCHEMA, "/States/D")],
        );
        assert_eq!(misplaced[0].message, "Field 'Next' is not supported");
        assert_eq!(misplaced[1].message, "Field 'End' is not supported");
    }

    #[test]
    fn choice_rules() {
        let no_rules = check(&json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [], "Default": "D"}, "D": {"Type": "Succeed"}}}));
        exactly(&no_rules, &[(E, SCHEMA, "/States/C/Choices")]);
        let diags = check(&json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.a", "BooleanEquals": true},
                {"And": [{"Variable": "$.b", "IsString": true, "Next": "D"}], "Next": "D"},
                {"Or": [], "Next": "D"},
                {"Variable": "a", "StringEqualsPath": "b", "Next": "D"},
                {"Not": {"Variable": "$.c", "StringEquals": "$.d"}, "Next": "D"}
            ]},
            "D": {"Type": "Succeed"}
        }}));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/C/Choices[0]"),
                (E, SCHEMA, "/States/C/Choices[1]/And[0]"),
                (E, SCHEMA, "/States/C/Choices[2]/Or"),
                (E, SCHEMA, "/States/C/Choices[3]/Variable"),
                (E, SCHEMA, "/States/C/Choices[3]/StringEqualsPath"),
                (W, NO_PATH, "/States/C/Choices[4]/Not/StringEquals"),
            ],
        );
        assert_eq!(diags[0].message, "These fields are required: [Next]");
        assert_eq!(diags[1].message, "Field 'Next' is not supported");
    }

    #[test]
    fn wait_states() {
        let none = check(&one(json!({"Type": "Wait", "Next": "Done"})));
        exactly(&none, &[(E, SCHEMA, "/States/S")]);
        let two = check(&one(
            json!({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "Next": "Done"}),
        ));
        exactly(&two, &[(E, SCHEMA, "/States/S")]);
        let bad = check(&one(
            json!({"Type": "Wait", "Timestamp": "2024-02-30T00:00:00Z", "Next": "Done"}),
        ));
        exactly(&bad, &[(E, SCHEMA, "/States/S/Timestamp")]);
        let path = check(&one(
            json!({"Type": "Wait", "Timestamp": "$.when", "Next": "Done"}),
        ));
        exactly(
            &path,
            &[
                (E, SCHEMA, "/States/S/Timestamp"),
                (W, NO_PATH, "/States/S/Timestamp"),
            ],
        );
        let wildcard = check(&one(
            json!({"Type": "Wait", "TimestampPath": "$.when[*]", "Next": "Done"}),
        ));
        exactly(&wildcard, &[(E, SCHEMA, "/States/S/TimestampPath")]);
    }

    #[test]
    fn rfc3339_timestamps() {
        for ok in [
            "2016-03-14T01:59:00Z",
            "2016-03-14T01:59:00.123456Z",
            "2024-02-29T23:59:59-08:00",
            "0001-01-01T00:00:00+23:59",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2016-03-14",
            "2016-03-14 01:59:00Z",
            "2016-03-14t01:59:00Z",
            "2016-03-14T01:59:00",
            "2016-03-14T01:59:00z",
            "2016-13-14T01:59:00Z",
            "2023-02-29T01:59:00Z",
            "2016-03-14T24:00:00Z",
            "2016-03-14T01:59:00.Z",
            "2016-03-14T01:59:00+0100",
            "2016-03-14T01:59:00+01:00x",
            "２０16-03-14T01:59:00Z",
            "2016-03-14T01:59:60Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn fail_states() {
        let diags = check(&json!({"StartAt": "F", "States": {"F": {
            "Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "$.cause", "CausePath": "cause"
        }}}));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/F"),
                (E, SCHEMA, "/States/F"),
                (E, SCHEMA, "/States/F/CausePath"),
                (W, NO_PATH, "/States/F/Cause"),
            ],
        );
        let io =
            check(&json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "InputPath": "$"}}}));
        exactly(&io, &[(E, SCHEMA, "/States/F")]);
    }

    #[test]
    fn retry_entries() {
        let diags = check(&one(with(
            task(),
            json!({"Retry": [
                {"ErrorEquals": []},
                {"ErrorEquals": ["States.ALL", "Custom"]},
                {"ErrorEquals": ["X"], "MaxAttempts": 100000000, "BackoffRate": 0.5, "IntervalSeconds": 0,
                 "MaxDelaySeconds": 31622401, "JitterStrategy": "HALF", "Next": "Done"},
                {"ErrorEquals": ["Y"], "MaxAttempts": 0, "MaxDelaySeconds": 31622400}
            ]}),
        )));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/S/Retry[0]/ErrorEquals"),
                (E, SCHEMA, "/States/S/Retry[1]/ErrorEquals"),
                (E, SCHEMA, "/States/S/Retry[1]"),
                (E, SCHEMA, "/States/S/Retry[2]/MaxAttempts"),
                (E, SCHEMA, "/States/S/Retry[2]/BackoffRate"),
                (E, SCHEMA, "/States/S/Retry[2]/IntervalSeconds"),
                (E, SCHEMA, "/States/S/Retry[2]/MaxDelaySeconds"),
                (E, SCHEMA, "/States/S/Retry[2]/JitterStrategy"),
                (E, SCHEMA, "/States/S/Retry[2]"),
            ],
        );
        assert_eq!(
            find(&diags, E, SCHEMA, "/States/S/Retry[2]/MaxAttempts").message,
            "Maximum value is 99999999"
        );
    }

    #[test]
    fn catch_entries() {
        let diags = check(&one(with(
            task(),
            json!({"Catch": [
                {"ErrorEquals": [], "Next": "Done"},
                {"ErrorEquals": ["States.ALL"], "Next": "Done"},
                {"ErrorEquals": ["X"], "Next": "Nowhere", "ResultPath": "$..x", "_comment": "no"}
            ]}),
        )));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/S/Catch[0]/ErrorEquals"),
                (E, SCHEMA, "/States/S/Catch[1]"),
                (E, TARGET, "/States/S/Catch[2]/Next"),
                (E, SCHEMA, "/States/S/Catch[2]/ResultPath"),
                (E, SCHEMA, "/States/S/Catch[2]"),
            ],
        );
        assert_eq!(
            diags.last().map(|d| d.message.as_str()),
            Some("Field '_comment' is not supported")
        );
    }

    #[test]
    fn task_resources_timeouts_and_heartbeats() {
        for resource in [
            "arn:aws:states:::lambda:invoke",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
            "arn:aws-us-gov:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
            "arn:aws:states:us-east-1:123456789012:activity:a",
        ] {
            clean(&one(
                json!({"Type": "Task", "Resource": resource, "Next": "Done"}),
            ));
        }
        for resource in [
            "lambda",
            "",
            "arn:aws:lambda",
            "arn:azure:lambda:::f",
            "arn:aws::r:a:b",
            "arn:aws-:s:::x",
        ] {
            let diags = check(&one(
                json!({"Type": "Task", "Resource": resource, "Next": "Done"}),
            ));
            exactly(&diags, &[(E, INVALID_RESOURCE, "/States/S/Resource")]);
        }
        let diags = check(&one(with(
            task(),
            json!({
                "TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t", "HeartbeatSeconds": 10,
            }),
        )));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/S/TimeoutSeconds"),
                (E, SCHEMA, "/States/S/HeartbeatSeconds"),
            ],
        );
        let diags = check(&one(with(
            task(),
            json!({
                "TimeoutSeconds": 0, "HeartbeatSecondsPath": "$.beats[0:2]"
            }),
        )));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/S/TimeoutSeconds"),
                (E, SCHEMA, "/States/S/HeartbeatSecondsPath"),
            ],
        );
        assert_eq!(diags[0].message, "Minimum value is 1");
    }

    #[test]
    fn map_states() {
        let diags = check(&json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "items", "ItemSelector": {}, "Parameters": {},
            "MaxConcurrency": 1, "MaxConcurrencyPath": "$.m", "ToleratedFailurePercentage": 150,
            "Branches": [], "End": true,
            "Iterator": {"StartAt": "X", "ProcessorConfig": {"Mode": "FAST"},
                         "States": {"X": {"Type": "Pass", "Retry": [], "End": true}}}
        }}}));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/M"),
                (E, SCHEMA, "/States/M/Iterator/ProcessorConfig/Mode"),
                (E, SCHEMA, "/States/M/Iterator/States/X"),
                (E, SCHEMA, "/States/M/Parameters"),
                (E, SCHEMA, "/States/M/MaxConcurrency"),
                (E, SCHEMA, "/States/M/ToleratedFailurePercentage"),
                (E, SCHEMA, "/States/M/ItemsPath"),
            ],
        );
        assert_eq!(diags[0].message, "Field 'Branches' is not supported");
        assert_eq!(
            find(&diags, E, SCHEMA, "/States/M/Iterator/States/X").message,
            "Field 'Retry' is not supported"
        );
    }

    #[test]
    fn paths() {
        for ok in [
            "$",
            "$.a",
            "$.a.b[0]",
            "$['a b'].c",
            "$[\"x\"][12]",
            "$.a-b_c",
        ] {
            assert!(is_reference_path(ok, false), "{ok}");
        }
        for bad in [
            "",
            "a",
            "$$.a",
            "$var",
            "$..a",
            "$.a[*]",
            "$.*",
            "$.a[?(@.b)]",
            "$.a[0:2]",
            "$.a[0,1]",
            "$.",
            "$.a[",
            "$.a['b'",
            "$['b'x]",
            "$a",
        ] {
            assert!(!is_reference_path(bad, false), "{bad}");
        }
        for ok in ["$$.Execution.Input", "$myVar.a", "$.a"] {
            assert!(is_reference_path(ok, true), "{ok}");
        }
        let diags = check(&one(
            json!({"Type": "Pass", "InputPath": "input", "OutputPath": null,
                                      "ResultPath": "$.a[*]", "Next": "Done"}),
        ));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/S/InputPath"),
                (E, SCHEMA, "/States/S/ResultPath"),
            ],
        );
    }

    #[test]
    fn payload_templates() {
        let diags = check(&one(with(
            task(),
            json!({
                "Parameters": {
                    "a.$": 5,
                    "b.$": "foo",
                    "c.$": "States.Format('{}', $.x)",
                    "x": {"d.$": "nope", "list": [{"e.$": "$.e"}, {"f.$": true}]},
                    "looks": "$.path",
                    "intrinsic": "States.UUID()",
                    "plain": "$ 5"
                },
                "ResultSelector": {"g.$": ""}
            }),
        )));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/S/Parameters/a.$"),
                (E, SCHEMA, "/States/S/Parameters/b.$"),
                (E, SCHEMA, "/States/S/Parameters/x/d.$"),
                (E, SCHEMA, "/States/S/Parameters/x/list[1]/f.$"),
                (W, NO_DOLLAR, "/States/S/Parameters/looks"),
                (W, NO_DOLLAR, "/States/S/Parameters/intrinsic"),
                (E, SCHEMA, "/States/S/ResultSelector/g.$"),
            ],
        );
    }

    #[test]
    fn warnings_do_not_make_a_definition_invalid() {
        let diags = check(&one(
            json!({"Type": "Pass", "Result": {"a.$": "$.a", "list": [{"b.$": "$"}]},
                                      "Parameters": {"c": "$.c"}, "Next": "Done"}),
        ));
        exactly(
            &diags,
            &[
                (W, NO_DOLLAR, "/States/S/Parameters/c"),
                (W, PASS_RESULT_IS_STATIC, "/States/S/Result/a.$"),
                (W, PASS_RESULT_IS_STATIC, "/States/S/Result/list[0]/b.$"),
            ],
        );
        assert!(is_valid(&diags));
        assert_eq!(invalid_definition_message(&diags), None);
    }

    #[test]
    fn fields_a_state_type_does_not_support() {
        let diags = check(&json!({"StartAt": "P", "Coment": "typo", "States": {
            "P": {"Type": "Pass", "Retry": [], "TimeoutSeconds": 5, "Next": "T"},
            "T": {"Type": "Task", "Resource": ARN, "Seconds": 5, "Next": "S"},
            "S": {"Type": "Succeed", "Assign": {}},
        }}));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/"),
                (E, SCHEMA, "/States/P"),
                (E, SCHEMA, "/States/P"),
                (E, SCHEMA, "/States/T"),
                (E, SCHEMA, "/States/S"),
            ],
        );
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Field 'Coment' is not supported",
                "Field 'Retry' is not supported",
                "Field 'TimeoutSeconds' is not supported",
                "Field 'Seconds' is not supported",
                "Field 'Assign' is not supported",
            ]
        );
    }

    #[test]
    fn query_languages_must_not_be_mixed() {
        let diags = check(&json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": ARN, "Output": {}, "Arguments": {}, "Next": "B"},
            "B": {"Type": "Pass", "QueryLanguage": "JSONata", "InputPath": "$.a", "Next": "C"},
            "C": {"Type": "Pass", "QueryLanguage": "jsonata", "Next": "M"},
            "M": {"Type": "Map", "End": true, "ItemProcessor": {"QueryLanguage": "JSONata",
                  "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}}
        }}));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/A"),
                (E, SCHEMA, "/States/A"),
                (E, SCHEMA, "/States/B"),
                (E, SCHEMA, "/States/C/QueryLanguage"),
                (E, SCHEMA, "/States/M/ItemProcessor"),
            ],
        );
        assert_eq!(
            diags[0].message,
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the \
             'JSONata' QueryLanguage"
        );
        assert_eq!(
            diags[2].message,
            "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the \
             'JSONPath' QueryLanguage"
        );
        let downgrade = check(
            &json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "QueryLanguage": "JSONPath", "Output": {}, "End": true}}}),
        );
        exactly(&downgrade, &[(E, SCHEMA, "/States/P")]);
        assert!(downgrade[0].message.contains("can not be 'JSONPath'"));
        let bad_root = check(
            &json!({"QueryLanguage": "XPath", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "End": true}}}),
        );
        exactly(&bad_root, &[(E, SCHEMA, "/QueryLanguage")]);
    }

    #[test]
    fn a_machine_without_terminal_state() {
        let diags = check(&json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "A"},
            "Unused": {"Type": "Pass", "Next": "A"}
        }}));
        exactly(&diags, &[(E, MISSING_END_STATE, "")]);
        assert_eq!(
            diags[0].to_string(),
            "MISSING_END_STATE: Workflow has no terminal state at null"
        );
        // Inside a branch it is only a warning.
        let nested = check(
            &json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}]}}}),
        );
        exactly(&nested, &[(W, MISSING_END_STATE, "/States/P/Branches[0]")]);
        assert!(is_valid(&nested));
    }

    #[test]
    fn loops_with_no_way_out_and_loops_nothing_enters() {
        let diags = check(&json!({"StartAt": "Start", "States": {
            "Start": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": true, "Next": "Spin"}],
                      "Default": "Done"},
            "Spin": {"Type": "Wait", "Seconds": 1, "Next": "Spin again"},
            "Spin again": {"Type": "Pass", "Next": "Spin"},
            "Island": {"Type": "Pass", "Next": "Island 2"},
            "Island 2": {"Type": "Pass", "Next": "Island"},
            "Done": {"Type": "Succeed"}
        }}));
        exactly(
            &diags,
            &[
                (W, TARGET, "/States/Island"),
                (W, TARGET, "/States/Island 2"),
                (W, MISSING_END_STATE, "/States/Spin"),
                (W, MISSING_END_STATE, "/States/Spin again"),
            ],
        );
        assert!(is_valid(&diags));
        // A polling loop with an exit is fine.
        clean(&json!({"StartAt": "Poll", "States": {
            "Poll": {"Type": "Task", "Resource": ARN, "Next": "Ready?"},
            "Ready?": {"Type": "Choice", "Choices": [{"Variable": "$.ready", "BooleanEquals": true, "Next": "Done"}],
                       "Default": "Sleep"},
            "Sleep": {"Type": "Wait", "Seconds": 5, "Next": "Poll"},
            "Done": {"Type": "Succeed"}
        }}));
    }

    #[test]
    fn state_names() {
        let long = "N".repeat(MAX_STATE_NAME_CHARS + 1);
        let ok = "é".repeat(MAX_STATE_NAME_CHARS);
        let def = json!({"StartAt": long, "States": {
            long.clone(): {"Type": "Pass", "Next": ok},
            ok.clone(): {"Type": "Pass", "Next": "bad\u{7}name"},
            "bad\u{7}name": {"Type": "Pass", "Next": ""},
            "": {"Type": "Succeed"}
        }});
        let diags = check(&def);
        exactly(
            &diags,
            &[
                (E, INVALID_STATE_NAME, &format!("/States/{long}")),
                (E, INVALID_STATE_NAME, "/States/bad\u{7}name"),
                (E, INVALID_STATE_NAME, "/States/"),
            ],
        );
        assert_eq!(
            diags[0].message,
            "Invalid State name: State exceeds the 80-character limit allowed by the service"
        );
    }

    #[test]
    fn state_names_are_unique_across_the_whole_definition() {
        let diags = check(&json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "M", "Branches": [
                {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}},
                {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}}]},
            "M": {"Type": "Map", "Next": "Final State", "Iterator":
                {"StartAt": "Final State", "States": {"Final State": {"Type": "Pass", "End": true}}}},
            "Final State": {"Type": "Pass", "End": true}
        }}));
        exactly(
            &diags,
            &[
                (E, DUPLICATE_STATE_NAME, "/States/P/Branches[1]/States/Work"),
                (E, DUPLICATE_STATE_NAME, "/States/Final State"),
            ],
        );
        assert_eq!(diags[0].message, "Duplicate State name: Work");
        // Repeated inside one States object, which JSON parsers collapse.
        let text = r#"{"StartAt": "Dup", "States": {
            "Dup": {"Type": "Pass", "Next": "Done"},
            "Dup": {"Type": "Pass", "Next": "Done"},
            "Done": {"Type": "Succeed"}}}"#;
        exactly(
            &validate_json(text),
            &[(E, DUPLICATE_STATE_NAME, "/States/Dup")],
        );
        // The same key twice elsewhere is not a state name.
        let text = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"k": 1, "k": 2}, "End": true}}}"#;
        exactly(&validate_json(text), &[]);
    }

    #[test]
    fn values_the_model_cannot_parse() {
        let diags = check(&json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": 5}, "B": {"Type": "Succeed"}}}));
        exactly(&diags, &[(E, SCHEMA, "/States/A/Next")]);
        assert_eq!(diags[0].to_string(), "SCHEMA_VALIDATION_FAILED: The value for the field 'Next' must be a string, found a number at /States/A/Next");
        let diags = check(&json!({"StartAt": "A", "States": {"A": {"Type": "Foo", "End": true}}}));
        exactly(&diags, &[(E, SCHEMA, "/States/A/Type")]);
        assert!(diags[0]
            .message
            .starts_with("The field 'Type' should have one of these values"));
        let diags = check(
            &json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "T", "States": {"T": {"Type": "Task", "End": true}}}]}}}),
        );
        exactly(&diags, &[(E, SCHEMA, "/States/P/Branches[0]/States/T")]);
        assert_eq!(diags[0].message, "These fields are required: [Resource]");
        let diags = check(
            &json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "D",
            "Choices": [{"Variable": "$.a", "NumericEquals": "1", "Next": "D"}]}, "D": {"Type": "Succeed"}}}),
        );
        exactly(&diags, &[(E, SCHEMA, "/States/C/Choices[0]/NumericEquals")]);
    }

    #[test]
    fn unparseable_leaf_values_do_not_hide_other_problems() {
        let diags = check(&json!({"StartAt": "A", "TimeoutSeconds": -1, "States": {
            "A": {"Type": "Task", "Resource": ARN, "TimeoutSeconds": "10", "Next": "B"},
            "B": {"Type": "Task", "Resource": "nope", "Comment": 7, "Next": "Gone",
                  "Retry": [{"ErrorEquals": ["X"], "BackoffRate": "fast"}]},
            "C": {"Type": "Succeed"}
        }}));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/TimeoutSeconds"),
                (E, SCHEMA, "/States/A/TimeoutSeconds"),
                (E, SCHEMA, "/States/B/Comment"),
                (E, SCHEMA, "/States/B/Retry[0]/BackoffRate"),
                (E, INVALID_RESOURCE, "/States/B/Resource"),
                (E, TARGET, "/States/B/Next"),
                (E, TARGET, "/States/C"),
            ],
        );
        // A JSONata expression in a numeric field of a JSONPath state is still an error.
        let diags = check(&one(
            json!({"Type": "Wait", "Seconds": "{% 1 %}", "Next": "Done"}),
        ));
        exactly(&diags, &[(E, SCHEMA, "/States/S/Seconds")]);
    }

    #[test]
    fn several_problems_are_all_reported() {
        let diags = check(&json!({"StartAt": "Start", "States": {
            "Start": {"Type": "Pass", "Retry": [], "Next": "Work"},
            "Work": {"Type": "Task", "Resource": "my-function", "HeartbeatSeconds": 60,
                     "TimeoutSeconds": 30, "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true}],
                      "Default": "Missing"},
            "Wait": {"Type": "Wait", "Next": "Done"},
            "Fan": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Start", "States": {"Start": {"Type": "Pass", "End": true}}}]},
            "Done": {"Type": "Succeed"}
        }}));
        exactly(
            &diags,
            &[
                (E, SCHEMA, "/States/Start"),
                (E, INVALID_RESOURCE, "/States/Work/Resource"),
                (E, SCHEMA, "/States/Work/HeartbeatSeconds"),
                (E, SCHEMA, "/States/Check/Choices[0]"),
                (E, TARGET, "/States/Check/Default"),
                (E, SCHEMA, "/States/Wait"),
                (
                    E,
                    DUPLICATE_STATE_NAME,
                    "/States/Fan/Branches[0]/States/Start",
                ),
                (E, TARGET, "/States/Wait"),
                (E, TARGET, "/States/Fan"),
            ],
        );
        let message = invalid_definition_message(&diags).unwrap_or_default();
        assert!(message.starts_with("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Field 'Retry' is not supported at /States/Start, INVALID_RESOURCE: "), "{message}");
        assert!(
            !message.contains("WARNING") && !message.contains("can never reach"),
            "{message}"
        );
    }

    #[test]
    fn validate_works_on_a_parsed_definition() {
        let def = Definition::from_value(
            &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}),
        );
        let Ok(def) = def else {
            panic!("the definition should parse")
        };
        let diags = validate(&def);
        exactly(
            &diags,
            &[(E, TARGET, "/States/A/Next"), (E, MISSING_END_STATE, "")],
        );
        assert_eq!(Severity::Error.as_str(), "ERROR");
        assert_eq!(Severity::Warning.as_str(), "WARNING");
    }

    #[test]
    fn no_input_makes_it_panic() {
        let text = one(with(
            task(),
            json!({
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                "Parameters": {"a.$": "$.a", "b": [1, {"c": null}]}
            }),
        ))
        .to_string();
        // Every prefix, and every single-byte substitution with characters that change the shape.
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = validate_json(&text[..end]);
        }
        for i in 0..text.len() {
            for c in [
                "\"", "{", "}", "[", "]", ":", ",", "0", "-", "n", "$", "\\", "\u{0}",
            ] {
                let mut mutated = text.as_bytes().to_vec();
                mutated[i] = c.as_bytes()[0];
                if let Ok(s) = String::from_utf8(mutated) {
                    let _ = validate_json(&s);
                }
            }
        }
        // Nesting deeper than the JSON parser allows is a syntax error, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        exactly(&validate_json(&deep), &[(E, INVALID_JSON_DESCRIPTION, "")]);
        let choice = format!(
            r#"{{"StartAt":"C","States":{{"C":{{"Type":"Choice","Default":"D","Choices":[{{"Next":"D",{}"Variable":"$.a","IsNull":true{}}}]}},"D":{{"Type":"Succeed"}}}}}}"#,
            r#""Not":{"#.repeat(200),
            "}".repeat(200)
        );
        let _ = validate_json(&choice);
    }
}
