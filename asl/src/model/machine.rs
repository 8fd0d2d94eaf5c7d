//! State machines: the top-level definition and the nested machines of Parallel branches and
//! Map item processors.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::error::{pointer_escape, ParseError};
use super::fields::{Fields, Writer};
use super::state::State;

/// A state machine: the top-level definition, a Parallel branch, or a Map item processor.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// `Comment`.
    pub comment: Option<String>,
    /// `StartAt`: the first state.
    pub start_at: String,
    /// `States`, in the order the definition lists them.
    pub states: IndexMap<String, State>,
    /// `TimeoutSeconds` (top level only).
    pub timeout_seconds: Option<u64>,
    /// `Version` (top level only).
    pub version: Option<String>,
    /// `QueryLanguage`: `JSONPath` (the default) or `JSONata`.
    pub query_language: Option<String>,
    /// `ProcessorConfig` (Map item processors only), kept as written.
    pub processor_config: Option<Value>,
    /// Fields this model does not know, kept verbatim.
    pub extra: Map<String, Value>,
}

/// A whole state machine definition, as given to CreateStateMachine.
pub type Definition = Machine;

impl Machine {
    /// Parses a definition from JSON text.
    pub fn from_json(text: &str) -> Result<Machine, ParseError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ParseError::new("", format!("the definition is not valid JSON: {e}")))?;
        Machine::from_value(&value)
    }

    /// Parses a definition from a JSON value.
    pub fn from_value(value: &Value) -> Result<Machine, ParseError> {
        Machine::parse(value, "", "the state machine definition")
    }

    /// Parses a machine found at `location`; `what` names it in messages.
    pub(crate) fn parse(value: &Value, location: &str, what: &str) -> Result<Machine, ParseError> {
        let mut f = Fields::new(value, location, what)?;
        let comment = f.string("Comment")?;
        let start_at = f.required_string("StartAt", what)?;
        let timeout_seconds = f.unsigned("TimeoutSeconds")?;
        let version = f.string("Version")?;
        let query_language = f.string("QueryLanguage")?;
        let processor_config = f.value("ProcessorConfig");
        let states_location = f.location_of("States");
        let states = match f.value("States") {
            Some(Value::Object(map)) => {
                let mut states = IndexMap::with_capacity(map.len());
                for (name, body) in &map {
                    let loc = format!("{states_location}/{}", pointer_escape(name));
                    let state = State::parse(body, &loc).map_err(|e| e.in_state(name))?;
                    states.insert(name.clone(), state);
                }
                states
            }
            Some(_) => {
                return Err(
                    ParseError::new(&states_location, "must be a JSON object").with_field("States")
                )
            }
            None => {
                return Err(
                    ParseError::new(location, format!("{what} needs the field 'States'"))
                        .with_field("States"),
                )
            }
        };
        Ok(Machine {
            comment,
            start_at,
            states,
            timeout_seconds,
            version,
            query_language,
            processor_config,
            extra: f.rest(),
        })
    }

    /// Writes the machine back as JSON, with every field it was parsed with.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::default();
        w.opt("Comment", self.comment.clone())
            .opt("QueryLanguage", self.query_language.clone())
            .opt("ProcessorConfig", self.processor_config.clone())
            .set("StartAt", Value::String(self.start_at.clone()));
        let states: Map<String, Value> = self
            .states
            .iter()
            .map(|(name, state)| (name.clone(), state.to_value()))
            .collect();
        w.set("States", Value::Object(states))
            .opt("TimeoutSeconds", self.timeout_seconds)
            .opt("Version", self.version.clone());
        w.finish(&self.extra)
    }

    /// Every state of this machine and of the machines nested in it, depth first, each with the
    /// chain of enclosing states from the top (empty for top-level states).
    pub fn walk(&self) -> Vec<(Vec<&str>, &str, &State)> {
        let mut out = Vec::new();
        self.walk_into(&mut Vec::new(), &mut out);
        out
    }

    fn walk_into<'a>(
        &'a self,
        parents: &mut Vec<&'a str>,
        out: &mut Vec<(Vec<&'a str>, &'a str, &'a State)>,
    ) {
        for (name, state) in &self.states {
            out.push((parents.clone(), name.as_str(), state));
            parents.push(name.as_str());
            for child in state.children() {
                child.walk_into(parents, out);
            }
            parents.pop();
        }
    }
}

impl serde::Serialize for Machine {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Machine {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Machine::from_value(&value).map_err(serde::de::Error::custom)
    }
}
