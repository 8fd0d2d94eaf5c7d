//! The data flow of a state: for JSONPath, InputPath, Parameters / ItemSelector /
//! ResultSelector (payload templates), ResultPath and OutputPath, and the other paths states
//! read (ItemsPath, SecondsPath, …); for JSONata, the `{% … %}` fields. Everything was compiled
//! with the machine ([`CompiledMachine`]); the context object is built only for the paths,
//! templates and expressions that read it.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::compiled::CompiledMachine;
use super::context::{need_of, Need, StateContext};
use super::error::Failure;
use super::jsonata::States;
use super::variables::Scope;
use crate::path::{PathError, Roots};

/// Evaluates paths, templates and expressions for one state.
pub(crate) struct Io<'a> {
    pub compiled: &'a CompiledMachine,
    pub context: StateContext<'a>,
    /// The variables as they were when the state was entered.
    pub variables: &'a Scope,
}

impl Io<'_> {
    /// Evaluates a JSONPath (`$…` on `input`, `$$…` on the context object, `$name…` on a
    /// variable).
    pub fn select<'v>(&self, text: &str, input: &'v Value) -> Result<Cow<'v, Value>, Failure> {
        self.select_or(text, input, |e, _| e)
    }

    /// Evaluates the JSONPath a field holds (a Fail state's `ErrorPath` or `CausePath`): one
    /// that selects nothing fails as AWS words it for fields, naming the field and the
    /// document the path read.
    pub fn select_field(&self, field: &str, text: &str, input: &Value) -> Result<Value, Failure> {
        self.select_or(text, input, |e, doc| match e {
            PathError::NotFound { path, .. } => PathError::FieldNotFound {
                field: field.to_string(),
                path,
                input: doc.to_string(),
            },
            other => other,
        })
        .map(Cow::into_owned)
    }

    /// [`Io::select`], with `miss` rewording a failure to select (given the document read).
    fn select_or<'v>(
        &self,
        text: &str,
        input: &'v Value,
        miss: impl Fn(PathError, &Value) -> PathError,
    ) -> Result<Cow<'v, Value>, Failure> {
        let path = self
            .compiled
            .path(text)
            .map_err(|e| Failure::from_path(&e))?;
        if path.is_context() || path.variable().is_some() {
            let context = self.context.document(need_of(text));
            let roots = Roots {
                context: &context,
                variables: self.variables,
            };
            let doc = path.document(input, &roots).ok_or_else(|| {
                Failure::from_path(&PathError::UndefinedVariable {
                    name: path.variable().unwrap_or_default().to_string(),
                    path: text.to_string(),
                })
            })?;
            return path
                .select(doc)
                .map(|v| Cow::Owned(v.into_owned()))
                .map_err(|e| Failure::from_path(&miss(e, doc)));
        }
        path.select(input)
            .map_err(|e| Failure::from_path(&miss(e, input)))
    }

    /// Evaluates an intrinsic function call (`States.Format(…)`), as ErrorPath and CausePath
    /// allow.
    pub fn intrinsic(&self, text: &str, input: &Value) -> Result<Value, Failure> {
        let call = self
            .compiled
            .intrinsic(text)
            .map_err(|e| Failure::from_path(&e))?;
        let context = self.context.document(need_of(text));
        let roots = Roots {
            context: &context,
            variables: self.variables,
        };
        call.eval_with(input, &roots)
            .map_err(|e| Failure::from_path(&e))
    }

    /// Applies InputPath or OutputPath: absent selects everything, null selects `{}`.
    pub fn filter<'v>(
        &self,
        path: &Option<Option<String>>,
        value: &'v Value,
    ) -> Result<Cow<'v, Value>, Failure> {
        match path {
            None => Ok(Cow::Borrowed(value)),
            Some(None) => Ok(Cow::Owned(Value::Object(Map::new()))),
            Some(Some(text)) if text == "$" => Ok(Cow::Borrowed(value)),
            Some(Some(text)) => self.select(text, value),
        }
    }

    /// Like [`Io::filter`], consuming the value (no copy when everything is selected).
    pub fn filter_owned(
        &self,
        path: &Option<Option<String>>,
        value: Value,
    ) -> Result<Value, Failure> {
        match path {
            None => Ok(value),
            Some(Some(text)) if text == "$" => Ok(value),
            _ => self.filter(path, &value).map(Cow::into_owned),
        }
    }

    /// Evaluates the payload template of the state's `field` (Parameters, ItemSelector,
    /// ResultSelector, Assign, `Choices/0/Assign`, …) against `input`.
    pub fn template(&self, field: &str, input: &Value) -> Result<Value, Failure> {
        let compiled = self
            .compiled
            .state(self.context.state_name)
            .and_then(|s| s.template(field))
            .ok_or_else(|| Failure::runtime(format!("The field '{field}' was not compiled")))?;
        let template = compiled.as_ref().map_err(Failure::from_path)?;
        let context = self.context.document(template.need);
        let roots = Roots {
            context: &context,
            variables: self.variables,
        };
        template
            .compiled
            .eval_with(input, &roots)
            .map_err(|e| Failure::from_path(&e))
    }

    /// Evaluates the JSONata field `field` of the state (`Output`, `Choices/0/Condition`, …)
    /// with these `$states`; `None` when the state has no such field.
    pub fn jsonata(&self, field: &str, states: &States<'_>) -> Result<Option<Value>, Failure> {
        let Some(compiled) = self
            .compiled
            .state(self.context.state_name)
            .and_then(|s| s.jsonata(field))
        else {
            return Ok(None);
        };
        let template = compiled
            .as_ref()
            .map_err(|e| Failure::query(Some(field), e.message.clone()))?;
        template.eval(states, self.variables).map(Some)
    }

    /// The compiled JSONata field `field`, for callers that check what it returned.
    pub fn jsonata_template(&self, field: &str) -> Option<&super::jsonata::Template> {
        self.compiled
            .state(self.context.state_name)
            .and_then(|s| s.jsonata(field))
            .and_then(|r| r.as_ref().ok())
    }

    /// `$states` for an evaluation: the state input, and the result or error output when
    /// there is one; the context object is built on demand.
    pub fn states<'v>(
        &'v self,
        input: &'v Value,
        result: Option<&'v Value>,
        error_output: Option<&'v Value>,
        context: &'v (dyn Fn(bool) -> Value + Sync),
    ) -> States<'v> {
        States {
            input,
            result,
            error_output,
            context,
        }
    }

    /// The context object, as `$states.context` shows it (without `Execution.Input` unless
    /// `with_input`: it may be large, and few expressions read it).
    pub fn context_document(&self, with_input: bool) -> Value {
        self.context.document(if with_input {
            Need::Everything
        } else {
            Need::WithoutInput
        })
    }

    /// Applies ResultPath: places `result` into the state's raw `input` (absent or `$`: the
    /// result replaces the input; null: the input is kept and the result discarded).
    pub fn place(
        &self,
        result_path: &Option<Option<String>>,
        input: Value,
        result: Value,
    ) -> Result<Value, Failure> {
        let text = match result_path {
            None => return Ok(result),
            Some(None) => return Ok(input),
            Some(Some(text)) if text == "$" => return Ok(result),
            Some(Some(text)) => text,
        };
        let path = self
            .compiled
            .reference(text)
            .map_err(|e| Failure::from_path(&e))?;
        let mut doc = input;
        path.set(&mut doc, result)
            .map_err(|e| Failure::from_path(&e))?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compiled::template_need;
    use crate::engine::context::ExecutionInfo;
    use crate::model::Definition;
    use serde_json::json;

    fn exec() -> ExecutionInfo {
        ExecutionInfo {
            execution_arn: "arn:e".into(),
            name: "e".into(),
            role_arn: "arn:r".into(),
            input: json!({"in": true}),
            start_time: "t".into(),
            state_machine_arn: "arn:sm".into(),
            state_machine_name: "sm".into(),
            redrive_count: 0,
        }
    }

    fn io<'a>(compiled: &'a CompiledMachine, exec: &'a ExecutionInfo, scope: &'a Scope) -> Io<'a> {
        Io {
            compiled,
            variables: scope,
            context: StateContext {
                execution: exec,
                state_name: "S",
                entered_time: "t",
                retry_count: None,
                task_token: None,
                map_item: None,
            },
        }
    }

    #[test]
    fn filters_places_and_reads_the_context() {
        let definition = Definition::from_value(&json!({"StartAt": "S", "States": {"S": {
            "Type": "Pass", "InputPath": "$.a", "ResultPath": "$.r", "End": true}}}))
        .unwrap();
        let compiled = CompiledMachine::compile(definition);
        let exec = exec();
        let mut scope = Scope::default();
        scope
            .assign(json!({"v": {"w": [5, 6]}}).as_object().cloned().unwrap())
            .unwrap();
        let io = io(&compiled, &exec, &scope);
        assert_eq!(
            io.select("$v.w[1]", &json!({})).unwrap().into_owned(),
            json!(6)
        );
        let undefined = io.select("$nope", &json!({})).unwrap_err();
        assert_eq!(
            undefined.cause.as_deref(),
            Some("The variable '$nope' referenced by '$nope' is not defined")
        );
        let input = json!({"a": {"b": 1}});
        let a = "$.a".to_string();
        assert_eq!(io.select(&a, &input).unwrap().into_owned(), json!({"b": 1}));
        assert_eq!(
            io.select(&a, &input).unwrap().into_owned(),
            json!({"b": 1}),
            "compiled with the machine"
        );
        assert_eq!(
            io.filter(&Some(None), &input).unwrap().into_owned(),
            json!({})
        );
        assert_eq!(io.filter(&None, &input).unwrap().into_owned(), input);
        let ctx = "$$.Execution.Input".to_string();
        assert_eq!(
            io.select(&ctx, &input).unwrap().into_owned(),
            json!({"in": true})
        );
        let placed = io
            .place(&Some(Some("$.r".into())), input.clone(), json!(2))
            .unwrap();
        assert_eq!(placed, json!({"a": {"b": 1}, "r": 2}));
        assert_eq!(
            io.place(&Some(None), input.clone(), json!(2)).unwrap(),
            input
        );
        let missing = io.select("$.nope", &input).unwrap_err();
        assert_eq!(missing.error.as_deref(), Some("States.Runtime"));
    }

    #[test]
    fn finds_context_reads_in_templates() {
        assert_eq!(
            template_need(&json!({"a": {"b.$": "$$.Map.Item.Value"}})),
            Need::WithoutInput
        );
        assert_eq!(
            template_need(&json!({"a.$": "$.x", "b": "$$"})),
            Need::Nothing
        );
        assert_eq!(
            template_need(&json!([{"a.$": "$$.Execution.Input"}])),
            Need::Everything
        );
    }
}
