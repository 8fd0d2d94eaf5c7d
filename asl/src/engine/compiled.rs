//! The compiled form of a definition: every path, reference path, intrinsic call, payload
//! template and JSONata expression of every state parsed once, when the machine is created.
//! Executions share it (behind an `Arc`); the validator reports what did not compile.
//!
//! Paths, reference paths and intrinsic calls are looked up by their text (the same text
//! compiles to the same thing wherever it is written); templates and JSONata fields by the
//! state's name (unique across a definition) and the field's location in the state, such as
//! `Parameters`, `Assign`, `Choices/0/Assign` or `Catch/1/Output`. A part that does not
//! compile is kept as its error, which the state raises when it evaluates it (AWS refuses such
//! definitions at creation; the validator reports them from here).

use std::collections::HashMap;

use serde_json::Value;

use super::context::{need_of, Need};
use super::jsonata::{self, Template as JsonataTemplate};
use crate::model::{Catcher, ChoiceRule, Condition, Definition, Machine, State, StateKind};
use crate::path::{Intrinsic, JsonPath, PathError, PayloadTemplate, ReferencePath};

/// The query language a state is evaluated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `JSONPath` (the default).
    JsonPath,
    /// `JSONata`.
    Jsonata,
}

impl Language {
    /// The language `QueryLanguage` names (`None`: unset; anything but `JSONata` reads as
    /// JSONPath, the validator reports bad names).
    fn named(name: Option<&str>) -> Option<Language> {
        name.map(|n| {
            if n == "JSONata" {
                Language::Jsonata
            } else {
                Language::JsonPath
            }
        })
    }
}

/// A compiled JSONPath payload template and how much of the context object it reads.
#[derive(Debug)]
pub(crate) struct Template {
    pub compiled: PayloadTemplate,
    pub need: Need,
}

/// What one state compiled to.
#[derive(Debug)]
pub(crate) struct CompiledState {
    /// The language its fields are evaluated with.
    pub language: Language,
    templates: HashMap<String, Result<Template, PathError>>,
    expressions: HashMap<String, Result<JsonataTemplate, jsonata::CompileError>>,
}

impl CompiledState {
    /// The JSONPath payload template of `field`, if the state has one there.
    pub fn template(&self, field: &str) -> Option<&Result<Template, PathError>> {
        self.templates.get(field)
    }

    /// The JSONata template of `field`, if the state has one there.
    pub fn jsonata(&self, field: &str) -> Option<&Result<JsonataTemplate, jsonata::CompileError>> {
        self.expressions.get(field)
    }
}

/// Something in a definition that does not compile: where (state and field) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The state, by name.
    pub state: String,
    /// The field in the state, e.g. `Parameters` or `Choices/0/Condition`.
    pub field: String,
    /// What is wrong, in AWS's words where known.
    pub message: String,
}

/// A definition compiled for running: shared by every execution of the machine.
#[derive(Debug)]
pub struct CompiledMachine {
    definition: Definition,
    states: HashMap<String, CompiledState>,
    paths: HashMap<String, Result<JsonPath, PathError>>,
    references: HashMap<String, Result<ReferencePath, PathError>>,
    intrinsics: HashMap<String, Result<Intrinsic, PathError>>,
    errors: Vec<CompileError>,
    /// The variables JSONPath paths read, with where: (state, field, variable).
    variable_reads: Vec<(String, String, String)>,
}

impl CompiledMachine {
    /// Compiles every expression of `definition`. Never fails: what does not compile is
    /// listed in [`CompiledMachine::errors`] and fails the state that evaluates it.
    pub fn compile(definition: Definition) -> CompiledMachine {
        let mut c = CompiledMachine {
            definition: Definition {
                states: Default::default(),
                ..definition.clone()
            },
            states: HashMap::new(),
            paths: HashMap::new(),
            references: HashMap::new(),
            intrinsics: HashMap::new(),
            errors: Vec::new(),
            variable_reads: Vec::new(),
        };
        let root =
            Language::named(definition.query_language.as_deref()).unwrap_or(Language::JsonPath);
        c.machine(&definition, root);
        c.definition = definition;
        c
    }

    /// The definition it was compiled from.
    pub fn definition(&self) -> &Definition {
        &self.definition
    }

    /// What did not compile, in document order.
    pub fn errors(&self) -> &[CompileError] {
        &self.errors
    }

    /// The variables JSONPath fields read (`$name…` paths), as (state, field, variable), in
    /// document order.
    pub fn variable_references(&self) -> &[(String, String, String)] {
        &self.variable_reads
    }

    /// The compiled parts of the state `name`.
    pub(crate) fn state(&self, name: &str) -> Option<&CompiledState> {
        self.states.get(name)
    }

    /// The language of the state `name` (JSONPath for a state it does not know).
    pub(crate) fn language(&self, name: &str) -> Language {
        self.state(name).map_or(Language::JsonPath, |s| s.language)
    }

    /// The compiled JSONPath written `text`.
    pub(crate) fn path(&self, text: &str) -> Result<std::borrow::Cow<'_, JsonPath>, PathError> {
        match self.paths.get(text) {
            Some(compiled) => compiled
                .as_ref()
                .map(std::borrow::Cow::Borrowed)
                .map_err(Clone::clone),
            None => JsonPath::parse(text).map(std::borrow::Cow::Owned),
        }
    }

    /// The compiled reference path written `text`.
    pub(crate) fn reference(
        &self,
        text: &str,
    ) -> Result<std::borrow::Cow<'_, ReferencePath>, PathError> {
        match self.references.get(text) {
            Some(compiled) => compiled
                .as_ref()
                .map(std::borrow::Cow::Borrowed)
                .map_err(Clone::clone),
            None => ReferencePath::parse(text).map(std::borrow::Cow::Owned),
        }
    }

    /// The compiled intrinsic call written `text`.
    pub(crate) fn intrinsic(
        &self,
        text: &str,
    ) -> Result<std::borrow::Cow<'_, Intrinsic>, PathError> {
        match self.intrinsics.get(text) {
            Some(compiled) => compiled
                .as_ref()
                .map(std::borrow::Cow::Borrowed)
                .map_err(Clone::clone),
            None => Intrinsic::parse(text).map(std::borrow::Cow::Owned),
        }
    }

    fn machine(&mut self, machine: &Machine, root: Language) {
        for (name, state) in &machine.states {
            let language =
                Language::named(state.extra.get("QueryLanguage").and_then(Value::as_str))
                    .unwrap_or(root);
            let mut compiled = CompiledState {
                language,
                templates: HashMap::new(),
                expressions: HashMap::new(),
            };
            match language {
                Language::JsonPath => self.jsonpath_state(name, state, &mut compiled),
                Language::Jsonata => self.jsonata_state(name, state, &mut compiled),
            }
            self.states.insert(name.clone(), compiled);
            for child in state.children() {
                self.machine(child, root);
            }
        }
    }

    fn error(&mut self, state: &str, field: &str, message: String) {
        self.errors.push(CompileError {
            state: state.to_string(),
            field: field.to_string(),
            message,
        });
    }

    fn note_variable(&mut self, state: &str, field: &str, path: &JsonPath) {
        if let Some(name) = path.variable() {
            self.variable_reads
                .push((state.to_string(), field.to_string(), name.to_string()));
        }
    }

    fn add_path(&mut self, state: &str, field: &str, text: &str) {
        if let Ok(path) = JsonPath::parse(text) {
            self.note_variable(state, field, &path);
        }
        if self.paths.contains_key(text) {
            return;
        }
        let compiled = JsonPath::parse(text);
        if let Err(e) = &compiled {
            self.error(state, field, e.cause());
        }
        self.paths.insert(text.to_string(), compiled);
    }

    fn add_nullable(&mut self, state: &str, field: &str, path: &Option<Option<String>>) {
        if let Some(Some(text)) = path {
            self.add_path(state, field, text);
        }
    }

    fn add_reference(&mut self, state: &str, field: &str, path: &Option<Option<String>>) {
        let Some(Some(text)) = path else { return };
        if self.references.contains_key(text) {
            return;
        }
        let compiled = ReferencePath::parse(text);
        if let Err(e) = &compiled {
            self.error(state, field, e.cause());
        }
        self.references.insert(text.clone(), compiled);
    }

    /// A field that holds a path or an intrinsic call (ErrorPath, CausePath).
    fn add_path_or_call(&mut self, state: &str, field: &str, text: &Option<String>) {
        let Some(text) = text else { return };
        if text.starts_with('$') {
            self.add_path(state, field, text);
        } else if !self.intrinsics.contains_key(text) {
            let compiled = Intrinsic::parse(text);
            match &compiled {
                Ok(call) => {
                    for path in call.paths() {
                        self.note_variable(state, field, path);
                    }
                }
                Err(e) => self.error(state, field, e.cause()),
            }
            self.intrinsics.insert(text.clone(), compiled);
        }
    }

    fn add_template(
        &mut self,
        state: &str,
        compiled: &mut CompiledState,
        field: &str,
        template: Option<&Value>,
    ) {
        let Some(template) = template else { return };
        let result = PayloadTemplate::compile(template).map(|t| Template {
            compiled: t,
            need: template_need(template),
        });
        match &result {
            Ok(t) => {
                for path in t.compiled.paths() {
                    self.note_variable(state, field, path);
                }
            }
            Err(e) => self.error(state, field, e.cause()),
        }
        compiled.templates.insert(field.to_string(), result);
    }

    fn jsonpath_state(&mut self, name: &str, state: &State, c: &mut CompiledState) {
        self.add_nullable(name, "InputPath", &state.input_path);
        self.add_nullable(name, "OutputPath", &state.output_path);
        self.add_template(name, c, "Assign", state.extra.get("Assign"));
        match &state.kind {
            StateKind::Pass(p) => {
                self.add_template(name, c, "Parameters", p.parameters.as_ref());
                self.add_reference(name, "ResultPath", &p.result_path);
            }
            StateKind::Task(t) => {
                self.add_template(name, c, "Parameters", t.parameters.as_ref());
                self.add_template(name, c, "ResultSelector", t.result_selector.as_ref());
                self.add_reference(name, "ResultPath", &t.result_path);
                for (field, path) in [
                    ("TimeoutSecondsPath", &t.timeout_seconds_path),
                    ("HeartbeatSecondsPath", &t.heartbeat_seconds_path),
                ] {
                    if let Some(path) = path {
                        self.add_path(name, field, path);
                    }
                }
                self.catchers(name, c, &t.catch, Language::JsonPath);
            }
            StateKind::Choice(choice) => {
                for (i, rule) in choice.choices.iter().enumerate() {
                    for r in rule.all_rules() {
                        if let Condition::Compare(cmp) = &r.condition {
                            self.add_path(name, &format!("Choices/{i}/Variable"), &cmp.variable);
                            if cmp.operator.takes_path() {
                                if let Some(path) = cmp.operand.as_str() {
                                    self.add_path(
                                        name,
                                        &format!("Choices/{i}/{}", cmp.operator.name()),
                                        path,
                                    );
                                }
                            }
                        }
                    }
                    let field = format!("Choices/{i}/Assign");
                    self.add_template(name, c, &field, rule.extra.get("Assign"));
                }
            }
            StateKind::Wait(w) => {
                for (field, path) in [
                    ("SecondsPath", &w.seconds_path),
                    ("TimestampPath", &w.timestamp_path),
                ] {
                    if let Some(path) = path {
                        self.add_path(name, field, path);
                    }
                }
            }
            StateKind::Succeed(_) => {}
            StateKind::Fail(f) => {
                self.add_path_or_call(name, "ErrorPath", &f.error_path);
                self.add_path_or_call(name, "CausePath", &f.cause_path);
            }
            StateKind::Parallel(p) => {
                self.add_template(name, c, "Parameters", p.parameters.as_ref());
                self.add_template(name, c, "ResultSelector", p.result_selector.as_ref());
                self.add_reference(name, "ResultPath", &p.result_path);
                self.catchers(name, c, &p.catch, Language::JsonPath);
            }
            StateKind::Map(m) => {
                let selector = m.item_selector.as_ref().or(m.parameters.as_ref());
                self.add_template(name, c, "ItemSelector", selector);
                self.add_template(name, c, "ResultSelector", m.result_selector.as_ref());
                self.add_reference(name, "ResultPath", &m.result_path);
                for (field, path) in [
                    ("ItemsPath", &m.items_path),
                    ("MaxConcurrencyPath", &m.max_concurrency_path),
                    ("ToleratedFailureCountPath", &m.tolerated_failure_count_path),
                    (
                        "ToleratedFailurePercentagePath",
                        &m.tolerated_failure_percentage_path,
                    ),
                ] {
                    if let Some(path) = path {
                        self.add_path(name, field, path);
                    }
                }
                self.catchers(name, c, &m.catch, Language::JsonPath);
            }
        }
    }

    fn catchers(
        &mut self,
        name: &str,
        c: &mut CompiledState,
        catch: &[Catcher],
        language: Language,
    ) {
        for (i, catcher) in catch.iter().enumerate() {
            match language {
                Language::JsonPath => {
                    self.add_reference(
                        name,
                        &format!("Catch/{i}/ResultPath"),
                        &catcher.result_path,
                    );
                    self.add_template(
                        name,
                        c,
                        &format!("Catch/{i}/Assign"),
                        catcher.extra.get("Assign"),
                    );
                }
                Language::Jsonata => {
                    for field in ["Assign", "Output"] {
                        let location = format!("Catch/{i}/{field}");
                        self.add_jsonata(name, c, &location, catcher.extra.get(field));
                    }
                }
            }
        }
    }

    fn add_jsonata(
        &mut self,
        state: &str,
        compiled: &mut CompiledState,
        field: &str,
        value: Option<&Value>,
    ) {
        let Some(value) = value else { return };
        let result = JsonataTemplate::compile(value, field);
        if let Err(e) = &result {
            self.error(state, field, e.message.clone());
        }
        compiled.expressions.insert(field.to_string(), result);
    }

    fn jsonata_state(&mut self, name: &str, state: &State, c: &mut CompiledState) {
        for field in [
            "Assign",
            "Output",
            "Arguments",
            "Items",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Seconds",
            "Timestamp",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
        ] {
            self.add_jsonata(name, c, field, state.extra.get(field));
        }
        match &state.kind {
            StateKind::Task(t) => {
                self.add_jsonata(
                    name,
                    c,
                    "Arguments",
                    t.parameters.as_ref().or(state.extra.get("Arguments")),
                );
                self.catchers(name, c, &t.catch, Language::Jsonata);
            }
            StateKind::Parallel(p) => self.catchers(name, c, &p.catch, Language::Jsonata),
            StateKind::Map(m) => {
                self.add_jsonata(name, c, "ItemSelector", m.item_selector.as_ref());
                self.catchers(name, c, &m.catch, Language::Jsonata);
            }
            StateKind::Choice(choice) => {
                for (i, rule) in choice.choices.iter().enumerate() {
                    self.choice_rule(name, c, i, rule);
                }
            }
            StateKind::Wait(w) => {
                if let Some(text) = &w.timestamp {
                    self.add_jsonata(name, c, "Timestamp", Some(&Value::String(text.clone())));
                }
            }
            StateKind::Fail(f) => {
                for (field, text) in [("Error", &f.error), ("Cause", &f.cause)] {
                    if let Some(text) = text {
                        self.add_jsonata(name, c, field, Some(&Value::String(text.clone())));
                    }
                }
            }
            StateKind::Pass(_) | StateKind::Succeed(_) => {}
        }
    }

    fn choice_rule(&mut self, name: &str, c: &mut CompiledState, i: usize, rule: &ChoiceRule) {
        if let Condition::Jsonata(condition) = &rule.condition {
            let field = format!("Choices/{i}/Condition");
            self.add_jsonata(name, c, &field, Some(condition));
        }
        for field in ["Assign", "Output"] {
            let location = format!("Choices/{i}/{field}");
            self.add_jsonata(name, c, &location, rule.extra.get(field));
        }
    }
}

/// How much of the context object a payload template reads.
pub(crate) fn template_need(template: &Value) -> Need {
    match template {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) if key.ends_with(".$") => need_of(text),
                other => template_need(other),
            })
            .max()
            .unwrap_or(Need::Nothing),
        Value::Array(items) => items
            .iter()
            .map(template_need)
            .max()
            .unwrap_or(Need::Nothing),
        _ => Need::Nothing,
    }
}

impl From<Definition> for CompiledMachine {
    fn from(definition: Definition) -> CompiledMachine {
        CompiledMachine::compile(definition)
    }
}
