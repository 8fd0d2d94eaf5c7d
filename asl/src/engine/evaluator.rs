//! TEMPORARY (development only, replaced by the `jsonata` crate when it lands): the API the
//! engine codes against, failing every parse with a clear error.

use serde_json::Value;

/// A JSONata error.
#[derive(Debug, Clone)]
pub struct Error {
    pub code: String,
    pub message: String,
}

/// Variables bound for one evaluation.
#[derive(Default)]
pub struct Bindings;

impl Bindings {
    pub fn insert(&mut self, _name: &str, _value: Value) {}
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub struct Expression;

impl Expression {
    pub fn parse(_text: &str) -> Result<Expression, Error> {
        Err(Error {
            code: "S0000".into(),
            message: "no JSONata evaluator in this build".into(),
        })
    }
    pub fn evaluate(&self, _input: &Value, _b: &Bindings) -> Result<Option<Value>, Error> {
        Ok(None)
    }
    pub fn variables(&self) -> Vec<String> {
        Vec::new()
    }
}
