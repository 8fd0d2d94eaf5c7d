//! Payload templates (`Parameters`, `ItemSelector`, `ResultSelector`): JSON whose fields ending in
//! `.$` are replaced by what a JSONPath or an intrinsic function yields.

use serde_json::{Map, Value};

use super::jsonpath::OutOfRange;
use super::{compact, Intrinsic, JsonPath, PathError, Roots};

/// A compiled payload template.
///
/// Keys ending in `.$` take a JSONPath (`$…` reads the input, `$$…` the context object) or an
/// intrinsic call, and lose the `.$` in the output; other keys are copied as they are. Objects
/// and arrays are processed at any depth, and key order is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadTemplate {
    root: Node,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// A part with nothing to replace, copied as is.
    Literal(Value),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Path {
        field: String,
        path: JsonPath,
    },
    Call(Intrinsic),
}

impl PayloadTemplate {
    /// Compiles a template, parsing every path and intrinsic call in it.
    pub fn compile(template: &Value) -> Result<PayloadTemplate, PathError> {
        Ok(PayloadTemplate {
            root: compile(template)?,
        })
    }

    /// Builds the payload for one state input and context object (no variables).
    pub fn eval(&self, input: &Value, context: &Value) -> Result<Value, PathError> {
        self.root.eval(input, &Roots::context(context))
    }

    /// Builds the payload for one state input, context object and set of variables.
    pub fn eval_with(&self, input: &Value, roots: &Roots<'_>) -> Result<Value, PathError> {
        self.root.eval(input, roots)
    }

    /// Every JSONPath and intrinsic call in the template, for checks such as the variables
    /// they read.
    pub fn paths(&self) -> Vec<&JsonPath> {
        let mut out = Vec::new();
        self.root.paths(&mut out);
        out
    }
}

fn compile(value: &Value) -> Result<Node, PathError> {
    match value {
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            for (key, value) in map {
                let node = match key.strip_suffix(".$") {
                    Some(name) => (name.to_owned(), dynamic(key, value)?),
                    None => (key.clone(), compile(value)?),
                };
                fields.push(node);
            }
            if fields
                .iter()
                .all(|(_, node)| matches!(node, Node::Literal(_)))
            {
                Ok(Node::Literal(value.clone()))
            } else {
                Ok(Node::Object(fields))
            }
        }
        Value::Array(items) => {
            let nodes = items.iter().map(compile).collect::<Result<Vec<_>, _>>()?;
            if nodes.iter().all(|node| matches!(node, Node::Literal(_))) {
                Ok(Node::Literal(value.clone()))
            } else {
                Ok(Node::Array(nodes))
            }
        }
        other => Ok(Node::Literal(other.clone())),
    }
}

/// The node for the value of a `.$` field.
fn dynamic(field: &str, value: &Value) -> Result<Node, PathError> {
    let invalid = |reason: String| PathError::InvalidTemplate {
        field: field.to_owned(),
        reason,
    };
    let Value::String(text) = value else {
        return Err(invalid(format!(
            "must be a STRING that contains a JSONPath or an intrinsic function but was {}",
            json_type(value)
        )));
    };
    if text.starts_with('$') {
        Ok(Node::Path {
            field: field.to_owned(),
            path: JsonPath::parse(text)?,
        })
    } else if Intrinsic::is_call(text) {
        Ok(Node::Call(Intrinsic::parse(text)?))
    } else {
        Err(invalid(
            "must be a valid JSONPath or a valid intrinsic function call".to_owned(),
        ))
    }
}

/// The failure of a path that reads a variable that is not set.
pub(super) fn undefined(path: &JsonPath) -> PathError {
    PathError::UndefinedVariable {
        name: path.variable().unwrap_or_default().to_owned(),
        path: path.as_str().to_owned(),
    }
}

/// The JSON type name as AWS's validation messages spell it.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Bool(_) => "BOOLEAN",
        Value::Number(_) => "NUMBER",
        Value::String(_) => "STRING",
        Value::Array(_) => "ARRAY",
        Value::Object(_) => "OBJECT",
    }
}

impl Node {
    fn paths<'a>(&'a self, out: &mut Vec<&'a JsonPath>) {
        match self {
            Node::Literal(_) => {}
            Node::Object(fields) => fields.iter().for_each(|(_, n)| n.paths(out)),
            Node::Array(items) => items.iter().for_each(|n| n.paths(out)),
            Node::Path { path, .. } => out.push(path),
            Node::Call(call) => out.extend(call.paths()),
        }
    }

    fn eval(&self, input: &Value, context: &Roots<'_>) -> Result<Value, PathError> {
        match self {
            Node::Literal(value) => Ok(value.clone()),
            Node::Object(fields) => {
                let mut map = Map::with_capacity(fields.len());
                for (key, node) in fields {
                    map.insert(key.clone(), node.eval(input, context)?);
                }
                Ok(Value::Object(map))
            }
            Node::Array(items) => items
                .iter()
                .map(|node| node.eval(input, context))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Node::Path { field, path } => {
                let doc = path
                    .document(input, context)
                    .ok_or_else(|| undefined(path))?;
                path.resolve(doc, OutOfRange::Null)
                    .map(std::borrow::Cow::into_owned)
                    .map_err(|_| PathError::FieldNotFound {
                        field: field.clone(),
                        path: path.as_str().to_owned(),
                        input: compact(doc),
                    })
            }
            Node::Call(call) => call.eval_with(input, context),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> Value {
        json!({
            "Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:sm:run", "Input": {"k": "v"}},
            "State": {"Name": "Pass"}
        })
    }

    fn apply(template: Value, input: Value) -> Result<Value, PathError> {
        PayloadTemplate::compile(&template)?.eval(&input, &context())
    }

    #[test]
    fn replaces_dollar_fields_at_any_depth_keeping_order() {
        let input = json!({
            "flagged": 7,
            "vals": [0, 10, 20, 30, 40, 50],
            "name": "Arnav"
        });
        let template = json!({
            "flagged": true,
            "parts": {
                "first.$": "$.vals[0]",
                "last3.$": "$.vals[3:]"
            },
            "list": [{"id.$": "$$.Execution.Id"}, "plain", {"n.$": "$.name"}],
            "greeting.$": "States.Format('Hello, my name is {}.', $.name)",
            "whole.$": "$",
            "literal.$ish": "$.name"
        });
        let out = apply(template, input.clone()).unwrap();
        assert_eq!(
            out,
            json!({
                "flagged": true,
                "parts": {"first": 0, "last3": [30, 40, 50]},
                "list": [
                    {"id": "arn:aws:states:us-east-1:123456789012:execution:sm:run"},
                    "plain",
                    {"n": "Arnav"}
                ],
                "greeting": "Hello, my name is Arnav.",
                "whole": input,
                "literal.$ish": "$.name"
            })
        );
        let keys: Vec<&str> = out
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "flagged",
                "parts",
                "list",
                "greeting",
                "whole",
                "literal.$ish"
            ]
        );
    }

    #[test]
    fn unresolved_paths_fail_with_aws_wording() {
        let e = apply(json!({"a.$": "$.missing"}), json!({"x": 1})).unwrap_err();
        assert_eq!(e.error(), "States.Runtime");
        assert_eq!(
            e.cause(),
            r#"The JSONPath '$.missing' specified for the field 'a.$' could not be found in the input '{"x":1}'"#
        );
        let e = apply(
            json!({"deep": {"value.$": "$$.Execution.Input.no_such_jsonpath"}}),
            json!({"int-literal": 0}),
        )
        .unwrap_err();
        assert!(matches!(
            &e,
            PathError::FieldNotFound { field, path, .. }
                if field == "value.$" && path == "$$.Execution.Input.no_such_jsonpath"
        ));
    }

    #[test]
    fn aws_recorded_cases() {
        // Indefinite paths over nothing are empty; an index past the end reads null.
        assert_eq!(
            apply(json!({"item.$": "$.items[*]"}), json!({})).unwrap(),
            json!({"item": []})
        );
        assert_eq!(
            apply(json!({"v.$": "$.items[5]"}), json!({"items": [1, 2]})).unwrap(),
            json!({"v": null})
        );
        assert_eq!(
            apply(
                json!({"merged.$": "States.JsonMerge(States.StringToJson('{\"constant_in_literal\": \"false\"}'), $$.Execution.Input, false)"}),
                json!({})
            )
            .unwrap(),
            json!({"merged": {"constant_in_literal": "false", "k": "v"}})
        );
        assert_eq!(
            apply(
                json!({"value.$": "$['Test\\\"\"Name\"']"}),
                json!({"Test\\\"\"Name\"": "Value\"\\"})
            )
            .unwrap(),
            json!({"value": "Value\"\\"})
        );
    }

    #[test]
    fn templates_without_dynamic_fields_are_copied() {
        let template = json!({"a": [1, {"b": null}], "c": "$.not_a_path"});
        let compiled = PayloadTemplate::compile(&template).unwrap();
        assert_eq!(compiled.root, Node::Literal(template.clone()));
        assert_eq!(compiled.eval(&json!(null), &json!(null)).unwrap(), template);
    }

    #[test]
    fn invalid_templates_are_rejected_when_compiling() {
        let e = PayloadTemplate::compile(&json!({"a": {"b.$": 3}})).unwrap_err();
        assert_eq!(
            e,
            PathError::InvalidTemplate {
                field: "b.$".into(),
                reason: "must be a STRING that contains a JSONPath or an intrinsic function but was NUMBER"
                    .into()
            }
        );
        assert!(matches!(
            PayloadTemplate::compile(&json!({"a.$": "hello"})),
            Err(PathError::InvalidTemplate { .. })
        ));
        assert!(matches!(
            PayloadTemplate::compile(&json!({"a.$": "$.a b"})),
            Err(PathError::InvalidPath { .. })
        ));
        assert!(matches!(
            PayloadTemplate::compile(&json!([{"a.$": "States.Nope()"}])),
            Err(PathError::InvalidIntrinsic { .. })
        ));
    }

    #[test]
    fn intrinsic_errors_propagate() {
        let e = apply(
            json!({"v.$": "States.Format('{}', $.nope)"}),
            json!({"other": 1}),
        )
        .unwrap_err();
        assert_eq!(e.error(), "States.Runtime");
        assert_eq!(
            e.cause(),
            "The function 'States.Format('{}', $.nope)' had the following error: \
             The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
        );
    }
}
