//! A reader that takes typed fields out of a JSON object and leaves the rest for `extra`.

use serde_json::{Map, Value};

use super::error::{pointer_escape, ParseError};

/// A JSON object being parsed: typed fields are taken out of it one by one; what is left over
/// is kept verbatim.
pub(crate) struct Fields {
    map: Map<String, Value>,
    location: String,
}

/// A field that may be absent (`None`), JSON null (`Some(None)`) or a string (`Some(Some(_))`):
/// InputPath, OutputPath and ResultPath give null a meaning of its own.
pub type NullablePath = Option<Option<String>>;

impl Fields {
    /// Starts reading `value`, which must be an object; `what` names it in the error.
    pub fn new(value: &Value, location: &str, what: &str) -> Result<Self, ParseError> {
        match value {
            Value::Object(map) => Ok(Fields {
                map: map.clone(),
                location: location.to_string(),
            }),
            other => Err(ParseError::new(
                location,
                format!("{what} must be a JSON object, found {}", kind_of(other)),
            )),
        }
    }

    /// Where a field of this object lives.
    pub fn location_of(&self, key: &str) -> String {
        format!("{}/{}", self.location, pointer_escape(key))
    }

    fn wrong(&self, key: &str, expected: &str, found: &Value) -> ParseError {
        ParseError::new(
            &self.location_of(key),
            format!("must be {expected}, found {}", kind_of(found)),
        )
        .with_field(key)
    }

    /// Takes a field as it is.
    pub fn value(&mut self, key: &str) -> Option<Value> {
        self.map.shift_remove(key)
    }

    /// Whether the object still has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Takes a string field.
    pub fn string(&mut self, key: &str) -> Result<Option<String>, ParseError> {
        match self.map.shift_remove(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(key, "a string", &other)),
        }
    }

    /// Takes a string field that must be present.
    pub fn required_string(&mut self, key: &str, owner: &str) -> Result<String, ParseError> {
        self.string(key)?.ok_or_else(|| {
            ParseError::new(&self.location, format!("{owner} needs the field '{key}'"))
                .with_field(key)
        })
    }

    /// Takes a path field that may be null.
    pub fn nullable_path(&mut self, key: &str) -> Result<NullablePath, ParseError> {
        match self.map.shift_remove(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s))),
            Some(other) => Err(self.wrong(key, "a string or null", &other)),
        }
    }

    /// Takes a non-negative integer field. A JSONata expression in its place (`{% … %}`) is
    /// left for `extra`, where the JSONata compiler finds it.
    pub fn unsigned(&mut self, key: &str) -> Result<Option<u64>, ParseError> {
        match self.map.shift_remove(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(other) => self.keep_expression(key, other, "a non-negative integer"),
        }
    }

    /// Takes a number field (a JSONata expression is left for `extra`, as for
    /// [`Fields::unsigned`]).
    pub fn number(&mut self, key: &str) -> Result<Option<f64>, ParseError> {
        match self.map.shift_remove(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => self.keep_expression(key, other, "a number"),
        }
    }

    /// Puts a JSONata expression back (it stays verbatim in `extra`); anything else is the
    /// wrong type.
    fn keep_expression<T>(
        &mut self,
        key: &str,
        value: Value,
        expected: &str,
    ) -> Result<Option<T>, ParseError> {
        if value.as_str().is_some_and(is_jsonata_expression) {
            self.map.insert(key.to_string(), value);
            return Ok(None);
        }
        Err(self.wrong(key, expected, &value))
    }

    /// Takes a boolean field.
    pub fn boolean(&mut self, key: &str) -> Result<Option<bool>, ParseError> {
        match self.map.shift_remove(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong(key, "true or false", &other)),
        }
    }

    /// Takes an array-of-strings field.
    pub fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, ParseError> {
        match self.map.shift_remove(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s),
                    other => Err(ParseError::new(
                        &format!("{}/{i}", self.location_of(key)),
                        format!("must be a string, found {}", kind_of(&other)),
                    )
                    .with_field(format!("{key}[{i}]"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.wrong(key, "an array of strings", &other)),
        }
    }

    /// Takes an array field whose items are parsed by `parse(item, location)`.
    pub fn array_of<T>(
        &mut self,
        key: &str,
        mut parse: impl FnMut(&Value, &str) -> Result<T, ParseError>,
    ) -> Result<Option<Vec<T>>, ParseError> {
        match self.map.shift_remove(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let base = self.location_of(key);
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| parse(item, &format!("{base}/{i}")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
            Some(other) => Err(self.wrong(key, "an array", &other)),
        }
    }

    /// What is left: the fields nobody took, kept verbatim.
    pub fn rest(self) -> Map<String, Value> {
        self.map
    }
}

/// Whether a string is a JSONata expression: `{% … %}`.
pub fn is_jsonata_expression(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 4 && t.starts_with("{%") && t.ends_with("%}")
}

/// Names the JSON kind of a value, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Writes fields back into an object in a stable order, skipping absent ones.
#[derive(Default)]
pub(crate) struct Writer {
    map: Map<String, Value>,
}

impl Writer {
    /// Writes `value` under `key` when present.
    pub fn opt<T: Into<Value>>(&mut self, key: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.map.insert(key.to_string(), v.into());
        }
        self
    }

    /// Writes a nullable path when present (null stays null).
    pub fn nullable(&mut self, key: &str, value: &NullablePath) -> &mut Self {
        if let Some(v) = value {
            let v = v.clone().map(Value::String).unwrap_or(Value::Null);
            self.map.insert(key.to_string(), v);
        }
        self
    }

    /// Writes `value` under `key`.
    pub fn set(&mut self, key: &str, value: Value) -> &mut Self {
        self.map.insert(key.to_string(), value);
        self
    }

    /// Adds the fields that were kept verbatim and returns the object.
    pub fn finish(mut self, extra: &Map<String, Value>) -> Value {
        for (k, v) in extra {
            self.map.insert(k.clone(), v.clone());
        }
        Value::Object(self.map)
    }
}
