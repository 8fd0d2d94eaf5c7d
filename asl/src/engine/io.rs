//! The JSONPath data flow of a state: InputPath, Parameters / ItemSelector / ResultSelector
//! (payload templates), ResultPath and OutputPath, and the other paths states read (ItemsPath,
//! SecondsPath, …). Paths and templates are compiled once per execution and cached; the context
//! object is built only for the paths and templates that read `$$`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use super::context::{need_of, Need, StateContext};
use super::error::Failure;
use crate::path::{Intrinsic, JsonPath, PathError, PayloadTemplate, ReferencePath};

/// Paths and templates of one definition, compiled on first use. Keys are the addresses of the
/// definition's strings and values, which the execution keeps alive.
#[derive(Default)]
pub(crate) struct Compiled {
    paths: Mutex<HashMap<usize, Arc<Result<JsonPath, PathError>>>>,
    references: Mutex<HashMap<usize, Arc<Result<ReferencePath, PathError>>>>,
    templates: Mutex<HashMap<usize, Arc<Result<Template, PathError>>>>,
    intrinsics: Mutex<HashMap<usize, Arc<Result<Intrinsic, PathError>>>>,
}

struct Template {
    compiled: PayloadTemplate,
    need: Need,
}

fn cached<K: ?Sized, T>(
    map: &Mutex<HashMap<usize, Arc<Result<T, PathError>>>>,
    key: &K,
    compile: impl FnOnce() -> Result<T, PathError>,
) -> Arc<Result<T, PathError>> {
    let address = key as *const K as *const u8 as usize;
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    map.entry(address)
        .or_insert_with(|| Arc::new(compile()))
        .clone()
}

/// How much of the context object a payload template reads.
fn template_need(template: &Value) -> Need {
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

/// Evaluates paths and templates for one state.
pub(crate) struct Io<'a> {
    pub compiled: &'a Compiled,
    pub context: StateContext<'a>,
}

impl Io<'_> {
    fn path(&self, text: &String) -> Result<Arc<Result<JsonPath, PathError>>, Failure> {
        Ok(cached(&self.compiled.paths, text, || JsonPath::parse(text)))
    }

    /// Evaluates a JSONPath (`$…` on `input`, `$$…` on the context object).
    pub fn select<'v>(&self, text: &String, input: &'v Value) -> Result<Cow<'v, Value>, Failure> {
        let compiled = self.path(text)?;
        let path = compiled.as_ref().as_ref().map_err(Failure::from_path)?;
        if path.is_context() {
            let context = self.context.document(need_of(text));
            return path
                .select(&context)
                .map(|v| Cow::Owned(v.into_owned()))
                .map_err(|e| Failure::from_path(&e));
        }
        path.select(input).map_err(|e| Failure::from_path(&e))
    }

    /// Evaluates an intrinsic function call (`States.Format(…)`), as ErrorPath and CausePath
    /// allow.
    pub fn intrinsic(&self, text: &String, input: &Value) -> Result<Value, Failure> {
        let compiled = cached(&self.compiled.intrinsics, text, || Intrinsic::parse(text));
        let call = compiled.as_ref().as_ref().map_err(Failure::from_path)?;
        let context = self.context.document(need_of(text));
        call.eval(input, &context)
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

    /// Evaluates a payload template (Parameters, ItemSelector, ResultSelector) against `input`.
    pub fn template(&self, template: &Value, input: &Value) -> Result<Value, Failure> {
        let compiled = cached(&self.compiled.templates, template, || {
            PayloadTemplate::compile(template).map(|compiled| Template {
                compiled,
                need: template_need(template),
            })
        });
        let template = compiled.as_ref().as_ref().map_err(Failure::from_path)?;
        let context = self.context.document(template.need);
        template
            .compiled
            .eval(input, &context)
            .map_err(|e| Failure::from_path(&e))
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
        let compiled = cached(&self.compiled.references, text, || {
            ReferencePath::parse(text)
        });
        let path = compiled.as_ref().as_ref().map_err(Failure::from_path)?;
        let mut doc = input;
        path.set(&mut doc, result)
            .map_err(|e| Failure::from_path(&e))?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::ExecutionInfo;
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

    fn io<'a>(compiled: &'a Compiled, exec: &'a ExecutionInfo) -> Io<'a> {
        Io {
            compiled,
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
        let compiled = Compiled::default();
        let exec = exec();
        let io = io(&compiled, &exec);
        let input = json!({"a": {"b": 1}});
        let a = "$.a".to_string();
        assert_eq!(io.select(&a, &input).unwrap().into_owned(), json!({"b": 1}));
        assert_eq!(
            io.select(&a, &input).unwrap().into_owned(),
            json!({"b": 1}),
            "cached"
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
        let missing = io.select(&"$.nope".to_string(), &input).unwrap_err();
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
