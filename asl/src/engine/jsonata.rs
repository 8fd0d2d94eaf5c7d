//! JSONata in states: field values whose strings may be `{% … %}` expressions (at any depth of
//! an object or array), compiled once and evaluated with `$states` and the workflow variables
//! the expressions name.

use serde_json::{Map, Value};

use super::error::Failure;
use crate::path::Variables;

/// The text of the expression in a `{% … %}` string, if it is one.
pub(crate) fn expression_text(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(inner.trim())
}

/// How Step Functions evaluates JSONata: its function set (`$partition`, `$hash`, … and no
/// `$eval`), the jsonata 2.0.6 grammar, the default depth and time limits.
fn options() -> ::jsonata::Options {
    ::jsonata::Options {
        aws_functions: true,
        ..::jsonata::Options::default()
    }
}

/// Why a JSONata field does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompileError {
    /// AWS's wording.
    pub message: String,
}

/// One compiled expression and what it reads.
#[derive(Debug, Clone)]
struct Expr {
    /// The expression as written between `{%` and `%}`, trimmed.
    source: String,
    /// Where it is in its state (`Output/result`).
    location: String,
    compiled: ::jsonata::Expression,
    /// The variables it reads (`states` included), without `$`.
    variables: Vec<String>,
}

#[derive(Debug, Clone)]
enum Node {
    Literal(Value),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Expr(Box<Expr>),
}

/// A compiled JSONata field value.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    root: Node,
}

/// What `$states` holds for one evaluation.
pub(crate) struct States<'a> {
    /// `$states.input`: the state's raw input.
    pub input: &'a Value,
    /// `$states.result`: the result of a Task, Parallel or Map.
    pub result: Option<&'a Value>,
    /// `$states.errorOutput`: the error output, in a Catch.
    pub error_output: Option<&'a Value>,
    /// `$states.context`: the context object, built when an expression reads it (with
    /// `Execution.Input` when asked).
    pub context: &'a (dyn Fn(bool) -> Value + Sync),
}

impl Template {
    /// Compiles the value of the field at `location` (`Output`, `Choices/0/Condition`).
    pub fn compile(value: &Value, location: &str) -> Result<Template, CompileError> {
        Ok(Template {
            root: compile(value, location)?,
        })
    }

    /// Evaluates the field: expressions are replaced by what they return; an expression that
    /// returns nothing fails with `States.QueryEvaluationError`, as on AWS.
    pub fn eval(&self, states: &States<'_>, variables: &dyn Variables) -> Result<Value, Failure> {
        eval(&self.root, states, variables)
    }
}

fn compile(value: &Value, location: &str) -> Result<Node, CompileError> {
    Ok(match value {
        Value::String(text) => match expression_text(text) {
            Some(source) => {
                let compiled =
                    ::jsonata::Expression::parse_with(source, &options()).map_err(|e| {
                        CompileError {
                            message: format!(
                        "The JSONata expression '{source}' specified for the field '{location}' \
                         is invalid: {}",
                        describe(&e)
                    ),
                        }
                    })?;
                let mut variables: Vec<String> = compiled
                    .variables()
                    .into_iter()
                    .map(|v| v.trim_start_matches('$').to_string())
                    .collect();
                // A variable may share its name with a function (`$count`): bind every
                // `$name` written in the expression too.
                for name in dollar_names(source) {
                    if !variables.contains(&name) {
                        variables.push(name);
                    }
                }
                Node::Expr(Box::new(Expr {
                    source: source.to_string(),
                    location: location.to_string(),
                    compiled,
                    variables,
                }))
            }
            None => Node::Literal(value.clone()),
        },
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            for (key, item) in map {
                fields.push((key.clone(), compile(item, &format!("{location}/{key}"))?));
            }
            if fields.iter().all(|(_, n)| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Object(fields)
            }
        }
        Value::Array(items) => {
            let nodes = items
                .iter()
                .enumerate()
                .map(|(i, item)| compile(item, &format!("{location}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        other => Node::Literal(other.clone()),
    })
}

/// The names written `$name` in an expression's text.
fn dollar_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 {
            names.push(after[..len].to_string());
        }
        rest = &after[len..];
    }
    names
}

/// A JSONata error as AWS quotes it: its code and message.
fn describe(e: &::jsonata::Error) -> String {
    format!("{} {}", e.code, e.message).trim().to_string()
}

fn eval(node: &Node, states: &States<'_>, variables: &dyn Variables) -> Result<Value, Failure> {
    match node {
        Node::Literal(value) => Ok(value.clone()),
        Node::Object(fields) => {
            let mut map = Map::with_capacity(fields.len());
            for (key, node) in fields {
                map.insert(key.clone(), eval(node, states, variables)?);
            }
            Ok(Value::Object(map))
        }
        Node::Array(items) => items
            .iter()
            .map(|n| eval(n, states, variables))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Node::Expr(expr) => evaluate(expr, states, variables),
    }
}

/// The `$states` document, with what `source` reads of it (the input, the result and the
/// context object are copied only for expressions that name them).
fn states_value(states: &States<'_>, source: &str) -> Value {
    let mut map = Map::new();
    let whole = !source.contains("$states.");
    if whole || source.contains("input") {
        map.insert("input".into(), states.input.clone());
    }
    if let Some(result) = states.result.filter(|_| whole || source.contains("result")) {
        map.insert("result".into(), result.clone());
    }
    if let Some(error) = states
        .error_output
        .filter(|_| whole || source.contains("errorOutput"))
    {
        map.insert("errorOutput".into(), error.clone());
    }
    if whole || source.contains("context") {
        map.insert(
            "context".into(),
            (states.context)(reads_execution_input(source)),
        );
    }
    Value::Object(map)
}

/// Whether an expression may read `$states.context.Execution.Input`: unless every mention of
/// the context names a part of it other than the execution, or a field of the execution other
/// than its input.
fn reads_execution_input(source: &str) -> bool {
    source.match_indices("context").any(|(at, _)| {
        let rest = &source[at + "context".len()..];
        let Some(part) = rest.strip_prefix('.') else {
            return true;
        };
        match part.strip_prefix("Execution") {
            None => false,
            Some(after) => match after.strip_prefix('.') {
                Some(field) => field.starts_with("Input"),
                None => true,
            },
        }
    })
}

fn evaluate(expr: &Expr, states: &States<'_>, variables: &dyn Variables) -> Result<Value, Failure> {
    let mut bindings = ::jsonata::Bindings::default();
    for name in &expr.variables {
        if name == "states" {
            bindings.insert("states", states_value(states, &expr.source));
        } else if let Some(value) = variables.variable(name) {
            bindings.insert(name, value.clone());
        }
    }
    match expr
        .compiled
        .evaluate_with(Some(states.input), &bindings, &options())
    {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(Failure::query(
            Some(&expr.location),
            format!(
                "The JSONata expression '{}' specified for the field '{}' returned nothing \
                 (undefined).",
                expr.source, expr.location
            ),
        )),
        Err(e) => Err(Failure::query(
            Some(&expr.location),
            format!(
                "The JSONata expression '{}' specified for the field '{}' threw an error \
                 during evaluation. {}",
                expr.source,
                expr.location,
                describe(&e)
            ),
        )),
    }
}

/// AWS's name for the JSON type of a value, in result-type errors.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Template {
    /// The failure of a field whose expression returned a value of the wrong type.
    pub fn wrong_type(&self, expected: &str, value: &Value) -> Failure {
        match &self.root {
            Node::Expr(expr) => Failure::query(
                Some(&expr.location),
                format!(
                    "The JSONata expression '{}' specified for the field '{}' returned an \
                     unexpected result type. Expected '{expected}', but was '{}' for value: {value}",
                    expr.source,
                    expr.location,
                    type_name(value)
                ),
            ),
            _ => Failure::query(
                None,
                format!("Expected '{expected}', but was '{}' for value: {value}", type_name(value)),
            ),
        }
    }
}
