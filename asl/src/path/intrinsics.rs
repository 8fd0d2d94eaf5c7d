//! Intrinsic functions (`States.Format(…)`, `States.Array(…)`, …): parsed once, evaluated many
//! times against the state input and the context object.
//!
//! Arguments are string literals in single quotes (`\'`, `\{`, `\}` and `\\` escape the reserved
//! characters), numbers, `true`, `false`, `null`, JSONPaths (`$…`, `$$…`) and nested calls, at
//! most ten calls deep. Argument counts are checked when parsing; types and ranges when
//! evaluating, failing with `States.IntrinsicFailure`. A JSONPath argument that selects nothing
//! fails with `States.Runtime`, as on AWS.

use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use super::cursor::{self, Cursor, Parse};
use super::jsonpath::{Miss, OutOfRange};
use super::{compact, JsonPath, PathError, Roots};

/// How deeply intrinsic calls may nest (AWS allows ten).
const MAX_NESTING: usize = 10;
/// The longest string `States.Base64Encode`, `States.Base64Decode` and `States.Hash` accept.
const MAX_INPUT_CHARS: usize = 10_000;
/// The most items `States.ArrayRange` creates.
const MAX_RANGE_ITEMS: i128 = 1000;

/// A parsed intrinsic function call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intrinsic {
    source: String,
    call: Call,
}

impl Intrinsic {
    /// Parses a call such as `States.Format('Hello, {}', $.name)`, checking the function names
    /// and argument counts.
    pub fn parse(text: &str) -> Result<Intrinsic, PathError> {
        let mut parser = Parser::new(text);
        let call = parser
            .call()
            .and_then(|call| {
                if parser.pos == text.len() {
                    Ok(call)
                } else {
                    Err(parser.unexpected("the end of the expression"))
                }
            })
            .map_err(|reason| PathError::InvalidIntrinsic {
                expression: text.to_owned(),
                reason,
            })?;
        Ok(Intrinsic {
            source: text.to_owned(),
            call,
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Evaluates the call: `$…` arguments read `input`, `$$…` arguments read `context`.
    pub fn eval(&self, input: &Value, context: &Value) -> Result<Value, PathError> {
        self.eval_with(input, &Roots::context(context))
    }

    /// Evaluates the call: `$…` arguments read `input`, `$$…` the context object and
    /// `$name…` the variables of `roots`.
    pub fn eval_with(&self, input: &Value, roots: &Roots<'_>) -> Result<Value, PathError> {
        self.call
            .eval(input, roots)
            .map_err(|failure| match failure {
                Failure::Argument(reason) => PathError::IntrinsicArgument {
                    expression: self.source.clone(),
                    reason,
                },
                Failure::Function(reason) => PathError::IntrinsicFailure {
                    expression: self.source.clone(),
                    reason,
                },
            })
    }

    /// Every JSONPath argument of the call, nested calls included.
    pub fn paths(&self) -> Vec<&JsonPath> {
        self.call.paths()
    }

    /// Whether `text` is meant as an intrinsic call rather than a path.
    pub(super) fn is_call(text: &str) -> bool {
        text.starts_with("States.")
    }
}

impl fmt::Display for Intrinsic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

impl Function {
    const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// The fewest and most arguments the function takes (`None`: no maximum).
    fn arity(self) -> (usize, Option<usize>) {
        match self {
            Function::Format => (1, None),
            Function::Array => (0, None),
            Function::Uuid => (0, Some(0)),
            Function::StringToJson
            | Function::JsonToString
            | Function::ArrayLength
            | Function::ArrayUnique
            | Function::Base64Encode
            | Function::Base64Decode => (1, Some(1)),
            Function::ArrayPartition
            | Function::ArrayContains
            | Function::ArrayGetItem
            | Function::Hash
            | Function::MathAdd
            | Function::StringSplit => (2, Some(2)),
            Function::ArrayRange | Function::JsonMerge => (3, Some(3)),
            Function::MathRandom => (2, Some(3)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    function: Function,
    args: Vec<Arg>,
    /// For `States.Format` with a literal template: the template, split at its placeholders.
    template: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    Literal(Value),
    Path(JsonPath),
    Call(Box<Call>),
}

// ---------------------------------------------------------------------------------------------
// Parser

/// The intrinsic functions' language, for [`Parser`].
struct Intrinsics;

type Parser<'s> = cursor::Parser<'s, Intrinsics>;

impl Parser<'_> {
    fn unexpected(&self, expected: &str) -> String {
        Cursor::unexpected(self, expected, "expression")
    }

    /// `States.Name(arg, …)`.
    fn call(&mut self) -> Parse<Call> {
        let start = self.pos;
        if !self.rest().starts_with("States.") {
            return Err(self.unexpected("an intrinsic function ('States.…')"));
        }
        self.pos += "States.".len();
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.bump();
        }
        let name = self.text.get(start..self.pos).unwrap_or("");
        let function = Function::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| format!("Unknown intrinsic function '{name}'"))?;
        self.skip_blanks();
        if !self.eat('(') {
            return Err(self.unexpected("'('"));
        }
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!(
                "Intrinsic functions cannot be nested more than {MAX_NESTING} deep"
            ));
        }
        let mut args = Vec::new();
        let mut raw_first = None;
        self.skip_blanks();
        if !self.eat(')') {
            loop {
                let (arg, raw) = self.arg()?;
                if args.is_empty() {
                    raw_first = raw;
                }
                args.push(arg);
                self.skip_blanks();
                if self.eat(',') {
                    self.skip_blanks();
                    continue;
                }
                if self.eat(')') {
                    break;
                }
                return Err(self.unexpected("',' or ')'"));
            }
        }
        self.depth -= 1;
        let (min, max) = function.arity();
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            let expected = match max {
                Some(max) if max == min => format!("exactly {min}"),
                Some(max) => format!("{min} to {max}"),
                None => format!("at least {min}"),
            };
            return Err(format!(
                "{} takes {expected} argument(s), but {} were given",
                function.name(),
                args.len()
            ));
        }
        let template = match (function, raw_first) {
            (Function::Format, Some(raw)) => Some(split_literal_template(&raw)),
            _ => None,
        };
        Ok(Call {
            function,
            args,
            template,
        })
    }

    /// One argument, and for a string literal its text as written (escapes kept).
    fn arg(&mut self) -> Parse<(Arg, Option<String>)> {
        match self.peek() {
            Some('\'') => {
                let (value, raw) = self.string()?;
                Ok((Arg::Literal(Value::String(value)), Some(raw)))
            }
            Some('$') => Ok((Arg::Path(self.path()?), None)),
            Some('S') => Ok((Arg::Call(Box::new(self.call()?)), None)),
            Some('-' | '0'..='9') => Ok((Arg::Literal(self.number()?), None)),
            Some(_) => match self.eat_keyword_literal() {
                Some(value) => Ok((Arg::Literal(value), None)),
                None => Err(self.unexpected("an argument")),
            },
            None => Err(self.unexpected("an argument")),
        }
    }

    /// `'…'`: returns the value and the text between the quotes as written.
    fn string(&mut self) -> Parse<(String, String)> {
        let start = self.pos;
        self.bump();
        let mut value = String::new();
        let mut raw = String::new();
        loop {
            match self.bump() {
                None => return Err(format!("Unterminated string starting at position {start}")),
                Some('\\') => {
                    let Some(escaped) = self.bump() else {
                        return Err(format!("Unterminated string starting at position {start}"));
                    };
                    raw.push('\\');
                    raw.push(escaped);
                    if !matches!(escaped, '\'' | '{' | '}' | '\\') {
                        value.push('\\');
                    }
                    value.push(escaped);
                }
                Some('\'') => return Ok((value, raw)),
                Some(c) => {
                    raw.push(c);
                    value.push(c);
                }
            }
        }
    }

    /// A JSONPath argument: everything up to the `,` or `)` that ends it (brackets,
    /// parentheses and quoted names inside it may hold either).
    fn path(&mut self) -> Parse<JsonPath> {
        let start = self.pos;
        let mut nesting = 0usize;
        let mut quote = None;
        while let Some(c) = self.peek() {
            match quote {
                Some(q) => {
                    if c == '\\' {
                        self.bump();
                    } else if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    '[' | '(' => nesting += 1,
                    ']' | ')' if nesting > 0 => nesting -= 1,
                    ')' | ',' if nesting == 0 => break,
                    '\'' | '"' if nesting > 0 => quote = Some(c),
                    _ => {}
                },
            }
            self.bump();
        }
        let text = self.text.get(start..self.pos).unwrap_or("").trim_end();
        JsonPath::parse(text).map_err(|e| match e {
            PathError::InvalidPath { reason, .. } => format!("Invalid path '{text}': {reason}"),
            other => other.cause(),
        })
    }

    fn number(&mut self) -> Parse<Value> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.bump();
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        serde_json::from_str::<Number>(text)
            .map(Value::Number)
            .map_err(|_| format!("Invalid number '{text}' at position {start}"))
    }
}

/// Splits a literal `States.Format` template (as written, escapes kept) at its `{}`
/// placeholders, resolving `\{`, `\}`, `\'` and `\\` into literal characters.
fn split_literal_template(raw: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let Some(piece) = pieces.last_mut() else {
            break;
        };
        match c {
            '\\' => match chars.peek() {
                Some(&e @ ('\'' | '{' | '}' | '\\')) => {
                    chars.next();
                    piece.push(e);
                }
                _ => piece.push('\\'),
            },
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                pieces.push(String::new());
            }
            c => piece.push(c),
        }
    }
    pieces
}

/// Splits a template that came from the input at its `{}` placeholders.
fn split_template(template: &str) -> Vec<String> {
    template.split("{}").map(str::to_owned).collect()
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// Why a call failed.
enum Failure {
    /// A JSONPath argument selected nothing (`States.Runtime`).
    Argument(String),
    /// The function rejected its arguments (`States.IntrinsicFailure`).
    Function(String),
}

type Eval<T> = Result<T, Failure>;

impl Arg {
    fn eval<'a>(&'a self, input: &'a Value, context: &Roots<'a>) -> Eval<Cow<'a, Value>> {
        match self {
            Arg::Literal(value) => Ok(Cow::Borrowed(value)),
            Arg::Path(path) => {
                let doc = path
                    .document(input, context)
                    .ok_or_else(|| Failure::Argument(super::template::undefined(path).cause()))?;
                path.resolve(doc, OutOfRange::Miss)
                    .map_err(|miss| {
                        Failure::Argument(match miss {
                            Miss::NotFound(_) => format!(
                                "The JsonPath argument for the field '{}' could not be found in the input '{}'",
                                path.as_str(),
                                compact(doc)
                            ),
                            Miss::Invalid(reason) => reason,
                        })
                    })
            }
            Arg::Call(call) => call.eval(input, context).map(Cow::Owned),
        }
    }
}

/// The arguments of one call, evaluated, with typed accessors that fail as AWS does.
struct Args<'a> {
    function: Function,
    values: Vec<Cow<'a, Value>>,
}

const ORDINALS: [&str; 3] = ["first", "second", "third"];

impl Args<'_> {
    fn get(&self, i: usize) -> Eval<&Value> {
        self.values.get(i).map(Cow::as_ref).ok_or_else(|| {
            Failure::Function(format!(
                "{} is missing its argument number {}",
                self.function.name(),
                i + 1
            ))
        })
    }

    fn wrong(&self, i: usize, expected: &str, got: &Value) -> Failure {
        Failure::Function(format!(
            "{} expects {expected} as its {} argument, but got: {}",
            self.function.name(),
            ORDINALS.get(i).copied().unwrap_or("next"),
            compact(got)
        ))
    }

    fn fail(&self, reason: String) -> Failure {
        Failure::Function(format!("{}: {reason}", self.function.name()))
    }

    fn string(&self, i: usize) -> Eval<&str> {
        match self.get(i)? {
            Value::String(s) => Ok(s),
            other => Err(self.wrong(i, "a string", other)),
        }
    }

    fn array(&self, i: usize) -> Eval<&Vec<Value>> {
        match self.get(i)? {
            Value::Array(items) => Ok(items),
            other => Err(self.wrong(i, "an array", other)),
        }
    }

    fn object(&self, i: usize) -> Eval<&Map<String, Value>> {
        match self.get(i)? {
            Value::Object(map) => Ok(map),
            other => Err(self.wrong(i, "a JSON object", other)),
        }
    }

    /// A number, rounded to the nearest integer as Java's `Math.round` does (halves up).
    fn rounded(&self, i: usize) -> Eval<i64> {
        let value = self.get(i)?;
        let Value::Number(n) = value else {
            return Err(self.wrong(i, "an integer", value));
        };
        if let Some(int) = n.as_i64() {
            return Ok(int);
        }
        match n.as_f64().map(|f| (f + 0.5).floor()) {
            // The bounds are exactly representable; anything within them converts exactly.
            Some(f) if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) => {
                Ok(f as i64)
            }
            _ => Err(self.wrong(i, "an integer in range", value)),
        }
    }

    /// A number without a fractional part.
    fn integer(&self, i: usize) -> Eval<i64> {
        let value = self.get(i)?;
        if let Value::Number(n) = value {
            if let Some(int) = n.as_i64() {
                return Ok(int);
            }
            if n.as_f64().is_some_and(|f| f.fract() == 0.0) {
                return self.rounded(i);
            }
        }
        Err(self.wrong(i, "an integer", value))
    }
}

impl Call {
    fn paths(&self) -> Vec<&JsonPath> {
        let mut out = Vec::new();
        for arg in &self.args {
            match arg {
                Arg::Literal(_) => {}
                Arg::Path(path) => out.push(path),
                Arg::Call(call) => out.extend(call.paths()),
            }
        }
        out
    }

    fn eval(&self, input: &Value, context: &Roots<'_>) -> Eval<Value> {
        let values = self
            .args
            .iter()
            .map(|arg| arg.eval(input, context))
            .collect::<Eval<Vec<_>>>()?;
        let args = Args {
            function: self.function,
            values,
        };
        match self.function {
            Function::Format => format(&args, self.template.as_deref()),
            Function::StringToJson => string_to_json(&args),
            Function::JsonToString => Ok(Value::String(compact(args.get(0)?))),
            Function::Array => Ok(Value::Array(
                args.values.into_iter().map(Cow::into_owned).collect(),
            )),
            Function::ArrayPartition => array_partition(&args),
            Function::ArrayContains => {
                let items = args.array(0)?;
                let needle = args.get(1)?;
                Ok(Value::Bool(items.contains(needle)))
            }
            Function::ArrayRange => array_range(&args),
            Function::ArrayGetItem => array_get_item(&args),
            Function::ArrayLength => Ok(Value::from(args.array(0)?.len())),
            Function::ArrayUnique => Ok(Value::Array(unique(args.array(0)?))),
            Function::Base64Encode => {
                let text = limited_string(&args, 0)?;
                Ok(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(text),
                ))
            }
            Function::Base64Decode => base64_decode(&args),
            Function::Hash => hash(&args),
            Function::JsonMerge => json_merge(&args),
            Function::MathRandom => math_random(&args),
            Function::MathAdd => {
                let (a, b) = (args.rounded(0)?, args.rounded(1)?);
                a.checked_add(b)
                    .map(Value::from)
                    .ok_or_else(|| args.fail(format!("{a} + {b} is out of range")))
            }
            Function::StringSplit => {
                let text = args.string(0)?;
                let delimiters = args.string(1)?;
                Ok(Value::Array(
                    text.split(|c: char| delimiters.contains(c))
                        .filter(|part| !part.is_empty())
                        .map(|part| Value::String(part.to_owned()))
                        .collect(),
                ))
            }
            Function::Uuid => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
        }
    }
}

fn format(args: &Args<'_>, literal: Option<&[String]>) -> Eval<Value> {
    let dynamic;
    let pieces = match literal {
        Some(pieces) => pieces,
        None => {
            dynamic = split_template(args.string(0)?);
            &dynamic
        }
    };
    let values = args.values.get(1..).unwrap_or_default();
    let placeholders = pieces.len().saturating_sub(1);
    if placeholders != values.len() {
        return Err(args.fail(format!(
            "the format string has {placeholders} placeholder(s) but {} value(s) were given",
            values.len()
        )));
    }
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        out.push_str(piece);
        if let Some(value) = values.get(i) {
            format_value(value, &mut out);
        }
    }
    Ok(Value::String(out))
}

/// How `States.Format` renders a value: strings as they are, objects and arrays the way Java
/// prints maps and lists (`{a=1, b=[x, y]}`), anything else as JSON.
fn format_value(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                format_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                format_value(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&compact(other)),
    }
}

fn string_to_json(args: &Args<'_>) -> Eval<Value> {
    let text = args.string(0)?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| args.fail(format!("the argument is not valid JSON ({e})")))?;
    // `-0` is the integer 0 (serde_json keeps it as the float -0.0).
    if value.as_f64() == Some(0.0) && !text.contains(['.', 'e', 'E']) {
        return Ok(Value::from(0));
    }
    Ok(value)
}

fn array_partition(args: &Args<'_>) -> Eval<Value> {
    let items = args.array(0)?;
    let size = args.rounded(1)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| args.wrong(1, "a positive, non-zero chunk size", &Value::from(size)))?;
    Ok(Value::Array(
        items
            .chunks(size)
            .map(|chunk| Value::Array(chunk.to_vec()))
            .collect(),
    ))
}

fn array_range(args: &Args<'_>) -> Eval<Value> {
    let start = i128::from(args.rounded(0)?);
    let end = i128::from(args.rounded(1)?);
    let step = i128::from(args.rounded(2)?);
    if step == 0 {
        return Err(args.wrong(2, "a non-zero step", &Value::from(0)));
    }
    let count = if (step > 0 && start > end) || (step < 0 && start < end) {
        0
    } else {
        (end - start) / step + 1
    };
    if count > MAX_RANGE_ITEMS {
        return Err(args.fail(format!(
            "the range has {count} items, more than the {MAX_RANGE_ITEMS} an array may hold"
        )));
    }
    Ok(Value::Array(
        (0..count)
            .filter_map(|i| i64::try_from(start + i * step).ok().map(Value::from))
            .collect(),
    ))
}

fn array_get_item(args: &Args<'_>) -> Eval<Value> {
    let items = args.array(0)?;
    let index = args.integer(1)?;
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| {
            args.fail(format!(
                "index {index} is out of bounds for an array of {} item(s)",
                items.len()
            ))
        })
}

/// The items with duplicates removed, first occurrences kept in order.
fn unique(items: &[Value]) -> Vec<Value> {
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        let mut hasher = DefaultHasher::new();
        hash_json(item, &mut hasher);
        let bucket = seen.entry(hasher.finish()).or_default();
        if bucket.iter().any(|&i| out.get(i) == Some(item)) {
            continue;
        }
        bucket.push(out.len());
        out.push(item.clone());
    }
    out
}

/// A hash consistent with `Value`'s equality (objects compare regardless of key order).
fn hash_json(value: &Value, state: &mut DefaultHasher) {
    match value {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => (1u8, b).hash(state),
        Value::Number(n) => {
            2u8.hash(state);
            if let Some(u) = n.as_u64() {
                (0u8, u).hash(state);
            } else if let Some(i) = n.as_i64() {
                (1u8, i).hash(state);
            } else {
                // 0.0 == -0.0, so they must hash alike.
                let f = n.as_f64().unwrap_or_default();
                (2u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(state);
            }
        }
        Value::String(s) => (3u8, s).hash(state),
        Value::Array(items) => {
            (4u8, items.len()).hash(state);
            for item in items {
                hash_json(item, state);
            }
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(state);
            let mut combined = 0u64;
            for (key, item) in map {
                let mut entry = DefaultHasher::new();
                key.hash(&mut entry);
                hash_json(item, &mut entry);
                combined = combined.wrapping_add(entry.finish());
            }
            combined.hash(state);
        }
    }
}

/// A string argument of at most [`MAX_INPUT_CHARS`] characters.
fn limited_string<'v>(args: &'v Args<'_>, i: usize) -> Eval<&'v str> {
    let text = args.string(i)?;
    let chars = text.chars().count();
    if chars > MAX_INPUT_CHARS {
        return Err(args.fail(format!(
            "the input string has {chars} characters, more than the {MAX_INPUT_CHARS} allowed"
        )));
    }
    Ok(text)
}

fn base64_decode(args: &Args<'_>) -> Eval<Value> {
    let text = limited_string(args, 0)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| args.fail(format!("the argument is not valid Base64 ({e})")))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| args.fail("the decoded data is not UTF-8 text".to_owned()))
}

fn hash(args: &Args<'_>) -> Eval<Value> {
    let data = limited_string(args, 0)?.as_bytes();
    let algorithm = args.string(1)?;
    jsonata::hex_digest(algorithm, data)
        .map(Value::String)
        .ok_or_else(|| {
            args.fail(format!(
            "unknown hash algorithm '{algorithm}' (expected MD5, SHA-1, SHA-256, SHA-384 or SHA-512)"
        ))
        })
}

fn json_merge(args: &Args<'_>) -> Eval<Value> {
    let first = args.object(0)?;
    let second = args.object(1)?;
    match args.get(2)? {
        Value::Bool(false) => {}
        Value::Bool(true) => {
            return Err(args.fail(
                "only shallow merging is supported; the third argument must be false".to_owned(),
            ))
        }
        other => return Err(args.wrong(2, "a boolean", other)),
    }
    let mut merged = first.clone();
    for (key, value) in second {
        merged.insert(key.clone(), value.clone());
    }
    Ok(Value::Object(merged))
}

fn math_random(args: &Args<'_>) -> Eval<Value> {
    let start = args.rounded(0)?;
    let end = args.rounded(1)?;
    if start > end {
        return Err(args.fail(format!(
            "the start number {start} is greater than the end number {end}"
        )));
    }
    let seed = match args.values.len() {
        3 => args.rounded(2)?,
        _ => {
            let (high, _) = uuid::Uuid::new_v4().as_u64_pair();
            i64::from_ne_bytes(high.to_ne_bytes())
        }
    };
    let span = i128::from(end) - i128::from(start) + 1;
    let mut random = JavaRandom::new(seed);
    let offset = match i32::try_from(span) {
        Ok(bound) => i128::from(random.next_int(bound)),
        Err(_) => i128::from(random.next_long()).rem_euclid(span),
    };
    i64::try_from(i128::from(start) + offset)
        .map(Value::from)
        .map_err(|_| args.fail("the random number is out of range".to_owned()))
}

/// `java.util.Random`, so that a seed gives the same sequence as a Java implementation.
struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    fn new(seed: i64) -> Self {
        JavaRandom {
            seed: (u64::from_ne_bytes(seed.to_ne_bytes()) ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB) & Self::MASK;
        // Java: (int) (seed >>> (48 - bits)): the low 32 bits, reinterpreted as signed.
        let low = (self.seed >> (48 - bits)) as u32;
        i32::from_ne_bytes(low.to_ne_bytes())
    }

    /// A value in `0..bound`; `bound` must be positive.
    fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound.wrapping_sub(1);
        if bound & m == 0 {
            return i32::try_from((i64::from(bound) * i64::from(r)) >> 31).unwrap_or_default();
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }

    fn next_long(&mut self) -> i64 {
        (i64::from(self.next(32)) << 32).wrapping_add(i64::from(self.next(32)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval_with(expr: &str, input: Value) -> Result<Value, PathError> {
        Intrinsic::parse(expr)?.eval(&input, &json!({"Execution": {"Id": "arn:exec"}}))
    }

    fn eval(expr: &str) -> Value {
        eval_with(expr, json!({})).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    fn failure(expr: &str, input: Value) -> PathError {
        match eval_with(expr, input) {
            Err(e) => e,
            Ok(v) => panic!("{expr} gave {v}"),
        }
    }

    #[test]
    fn format() {
        assert_eq!(
            eval_with(
                "States.Format('Hello, my name is {}.', $.name)",
                json!({"name": "Arnav"})
            )
            .unwrap(),
            json!("Hello, my name is Arnav.")
        );
        assert_eq!(
            eval_with(
                "States.Format($.template, $.name)",
                json!({"name": "Arnav", "template": "Hello, my name is {}."})
            )
            .unwrap(),
            json!("Hello, my name is Arnav.")
        );
        // Recorded on AWS.
        for (input, expected) in [
            (json!(""), "Formatting argument ."),
            (json!(null), "Formatting argument null."),
            (json!(1), "Formatting argument 1."),
            (json!(1.1), "Formatting argument 1.1."),
            (
                json!("{\"Arg1\": 1, \"Arg2\": []}"),
                "Formatting argument {\"Arg1\": 1, \"Arg2\": []}.",
            ),
        ] {
            assert_eq!(
                eval_with(
                    "States.Format('Formatting argument {}.', $.FunctionInput)",
                    json!({"FunctionInput": input})
                )
                .unwrap(),
                json!(expected)
            );
        }
        assert_eq!(
            eval_with(
                "States.Format('fst={} and snd={}.', $.a, $$.Execution)",
                json!({"a": {"Arg1": 1, "Arg2": [1, "x"]}})
            )
            .unwrap(),
            json!("fst={Arg1=1, Arg2=[1, x]} and snd={Id=arn:exec}.")
        );
        assert_eq!(
            eval(r"States.Format('\{\} {} it\'s a \\ {}', 'x', true)"),
            json!(r"{} x it's a \ true")
        );
        let e = failure("States.Format('{} {}', 1)", json!({}));
        assert_eq!(e.error(), "States.IntrinsicFailure");
        assert!(failure("States.Format(1)", json!({}))
            .cause()
            .contains("expects a string"));
    }

    #[test]
    fn missing_path_arguments_fail_like_aws() {
        let e = failure(
            "States.Format('{}', States.Format('{}', $.nope))",
            json!({"other": 1}),
        );
        assert_eq!(e.error(), "States.Runtime");
        assert_eq!(
            e.cause(),
            "The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: \
             The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
        );
        let e = failure("States.Format('{}', $.items[5])", json!({"items": [1, 2]}));
        assert!(e.cause().ends_with(
            "The JsonPath argument for the field '$.items[5]' could not be found in the input '{\"items\":[1,2]}'"
        ));
        let e = failure("States.Array($.other[0])", json!({"other": 1}));
        assert!(e
            .cause()
            .ends_with("Filter: [0] can only be applied to arrays. Current context is: 1"));
        assert_eq!(
            eval_with("States.Format('{}', $.nul)", json!({"nul": null})).unwrap(),
            json!("null")
        );
    }

    #[test]
    fn json_conversions() {
        assert_eq!(
            eval("States.StringToJson('{\"number\": 20}')"),
            json!({"number": 20})
        );
        for (text, expected) in [
            ("", json!(null)),
            ("null", json!(null)),
            ("-0", json!(0)),
            ("1.1", json!(1.1)),
            ("\"HelloWorld\"", json!("HelloWorld")),
            (
                "{\"Arg1\": 1, \"Arg2\": []}",
                json!({"Arg1": 1, "Arg2": []}),
            ),
        ] {
            assert_eq!(
                eval_with("States.StringToJson($.s)", json!({"s": text})).unwrap(),
                expected,
                "{text}"
            );
        }
        assert_eq!(
            failure("States.StringToJson('{')", json!({})).error(),
            "States.IntrinsicFailure"
        );
        assert_eq!(
            eval_with(
                "States.JsonToString($.v)",
                json!({"v": {"Arg1": 1, "Arg2": []}})
            )
            .unwrap(),
            json!("{\"Arg1\":1,\"Arg2\":[]}")
        );
        assert_eq!(
            eval("States.JsonToString('HelloWorld')"),
            json!("\"HelloWorld\"")
        );
        assert_eq!(eval("States.JsonToString(null)"), json!("null"));
    }

    #[test]
    fn arrays() {
        assert_eq!(eval("States.Array()"), json!([]));
        assert_eq!(
            eval_with(
                "States.Array('Foo', 2020, $.x, null, true, -1.5)",
                json!({"x": {"a": []}})
            )
            .unwrap(),
            json!(["Foo", 2020, {"a": []}, null, true, -1.5])
        );
        assert_eq!(
            eval("States.ArrayPartition(States.Array(1,2,3,4,5), 2)"),
            json!([[1, 2], [3, 4], [5]])
        );
        assert_eq!(eval("States.ArrayPartition(States.Array(), 2)"), json!([]));
        assert_eq!(
            eval("States.ArrayPartition(States.Array(0, 1), 4)"),
            json!([[0, 1]])
        );
        assert_eq!(
            eval("States.ArrayPartition(States.Array(0, 1, 2), 1.5)"),
            json!([[0, 1], [2]])
        );
        assert_eq!(
            failure("States.ArrayPartition(States.Array(1), 0)", json!({})).error(),
            "States.IntrinsicFailure"
        );
        assert_eq!(
            eval_with(
                "States.ArrayContains($.a, $.v)",
                json!({"a": [[1, 2, 3], 2], "v": [1, 2, 3]})
            )
            .unwrap(),
            json!(true)
        );
        assert_eq!(
            eval("States.ArrayContains(States.Array(), null)"),
            json!(false)
        );
        assert_eq!(eval("States.ArrayRange(1, 9, 2)"), json!([1, 3, 5, 7, 9]));
        assert_eq!(eval("States.ArrayRange(0, 10, 3)"), json!([0, 3, 6, 9]));
        assert_eq!(eval("States.ArrayRange(5, 1, -2)"), json!([5, 3, 1]));
        assert_eq!(eval("States.ArrayRange(5, 1, 2)"), json!([]));
        assert_eq!(
            eval("States.ArrayRange(1, 1000, 1)")
                .as_array()
                .map(Vec::len),
            Some(1000)
        );
        assert!(failure("States.ArrayRange(1, 1001, 1)", json!({}))
            .cause()
            .contains("1000"));
        assert!(failure("States.ArrayRange(1, 2, 0)", json!({}))
            .cause()
            .contains("non-zero"));
        assert_eq!(
            eval_with(
                "States.ArrayGetItem($.a, $.i)",
                json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9], "i": 5})
            )
            .unwrap(),
            json!(6)
        );
        assert_eq!(
            failure("States.ArrayGetItem(States.Array(1), 1)", json!({})).error(),
            "States.IntrinsicFailure"
        );
        assert_eq!(eval("States.ArrayLength(States.Array(1, 2, 3))"), json!(3));
        assert_eq!(
            eval("States.ArrayUnique(States.Array(1, 2, 3, 3, 3, 3, 3, 3, 4))"),
            json!([1, 2, 3, 4])
        );
        assert_eq!(
            eval_with(
                "States.ArrayUnique($.a)",
                json!({"a": [{"x": 1, "y": 2}, {"y": 2, "x": 1}, 1.0, 1, "1"]})
            )
            .unwrap(),
            json!([{"x": 1, "y": 2}, 1.0, 1, "1"])
        );
        assert!(failure("States.ArrayLength('x')", json!({}))
            .cause()
            .contains("expects an array"));
    }

    #[test]
    fn encoding_and_hashing() {
        assert_eq!(
            eval("States.Base64Encode('Data to encode')"),
            json!("RGF0YSB0byBlbmNvZGU=")
        );
        assert_eq!(
            eval("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')"),
            json!("Data to encode")
        );
        assert_eq!(eval("States.Base64Decode('')"), json!(""));
        assert_eq!(
            failure("States.Base64Decode('***')", json!({})).error(),
            "States.IntrinsicFailure"
        );
        let long = "x".repeat(10_001);
        assert!(failure("States.Base64Encode($.s)", json!({"s": long}))
            .cause()
            .contains("10000"));
        for (algorithm, digest) in [
            ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
            ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
            ("SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
            ("SHA-384", "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"),
            ("SHA-512", "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"),
        ] {
            assert_eq!(
                eval(&format!("States.Hash('input data', '{algorithm}')")),
                json!(digest),
                "{algorithm}"
            );
        }
        assert!(failure("States.Hash('x', 'sha-1')", json!({}))
            .cause()
            .contains("unknown hash"));
    }

    #[test]
    fn json_merge() {
        assert_eq!(
            eval_with(
                "States.JsonMerge($.json1, $.json2, false)",
                json!({"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}})
            )
            .unwrap(),
            json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3})
        );
        assert_eq!(
            eval_with(
                "States.JsonMerge(States.StringToJson('{\"constant_in_literal\": \"false\"}'), $$.Execution, false)",
                json!({})
            )
            .unwrap(),
            json!({"constant_in_literal": "false", "Id": "arn:exec"})
        );
        assert!(failure("States.JsonMerge($, $, true)", json!({}))
            .cause()
            .contains("shallow"));
        assert_eq!(
            failure("States.JsonMerge($, 1, false)", json!({})).error(),
            "States.IntrinsicFailure"
        );
    }

    #[test]
    fn math() {
        // Recorded on AWS: non-integers are rounded half up before adding.
        for (a, b, sum) in [
            (json!(1.49), json!(1.5), 3),
            (json!(-1.51), json!(0), -2),
            (json!(0.5), json!(0), 1),
            (json!(-0.5), json!(0.5), 1),
            (json!(-0.5), json!(0), 0),
            (json!(-1.49), json!(-1.5), -2),
            (json!(-1.5), json!(-1.51), -3),
            (json!(111), json!(-1), 110),
        ] {
            assert_eq!(
                eval_with("States.MathAdd($.a, $.b)", json!({"a": a, "b": b})).unwrap(),
                json!(sum)
            );
        }
        assert_eq!(
            failure("States.MathAdd('1', 2)", json!({})).error(),
            "States.IntrinsicFailure"
        );
        for _ in 0..50 {
            let n = eval("States.MathRandom(1, 999)")
                .as_i64()
                .unwrap_or_default();
            assert!((1..=999).contains(&n), "{n}");
        }
        assert_eq!(
            eval("States.MathRandom(1, 999, 1234)"),
            eval("States.MathRandom(1, 999, 1234)")
        );
        assert_eq!(eval("States.MathRandom(7, 7)"), json!(7));
        assert!(failure("States.MathRandom(9, 1)", json!({}))
            .cause()
            .contains("greater"));
    }

    #[test]
    fn java_random_matches_java() {
        // Values printed by java.util.Random (OpenJDK 17).
        let mut r = JavaRandom::new(42);
        assert_eq!((r.next_int(100), r.next_int(100)), (30, 63));
        assert_eq!(JavaRandom::new(0).next_int(10), 0);
        assert_eq!(JavaRandom::new(1).next(32), -1_155_869_325);
        let mut r = JavaRandom::new(-7);
        assert_eq!(r.next_int(1000), 662);
        assert_eq!(r.next_int(7), 0);
        assert_eq!(r.next_long(), -6_028_743_012_628_894_217);
        assert_eq!(r.next_int(1 << 20), 546_821);
    }

    #[test]
    fn strings_and_ids() {
        assert_eq!(
            eval("States.StringSplit('1,2,3,4,5', ',')"),
            json!(["1", "2", "3", "4", "5"])
        );
        assert_eq!(
            eval("States.StringSplit('This.is+a,test=string', '.+,=')"),
            json!(["This", "is", "a", "test", "string"])
        );
        assert_eq!(eval("States.StringSplit(', , ,', ',')"), json!([" ", " "]));
        let id = eval("States.UUID()");
        let id = id.as_str().unwrap_or_default();
        assert_eq!(id.len(), 36);
        assert_eq!(id.chars().nth(14), Some('4'));
        assert_ne!(eval("States.UUID()"), eval("States.UUID()"));
    }

    #[test]
    fn nested_calls() {
        let context = json!({"StateMachine": {"Name": "my-state-machine"}});
        let call = Intrinsic::parse(
            "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))",
        )
        .unwrap();
        assert_eq!(call.eval(&json!(null), &context).unwrap(), json!("machine"));
        let arn = Intrinsic::parse(
            "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.Arn, '/'), 2), '.'), 1), States.ArrayGetItem(States.StringSplit($.Arn, '/'), 3))",
        )
        .unwrap();
        assert_eq!(
            arn.eval(
                &json!({"Arn": "arn:aws:imagebuilder/image-recipe/a.b/1.0.0"}),
                &json!({})
            )
            .unwrap(),
            json!("a.b.1.0.0")
        );
    }

    #[test]
    fn paths_with_commas_and_parentheses() {
        let input = json!({"a": [{"x": 1, "y": "p,q"}, {"x": 2}], "b c": "(z)"});
        assert_eq!(
            eval_with(
                "States.Array($.a[?(@.x == 1)].y, $['b c'] , $.a[0,1].x)",
                input
            )
            .unwrap(),
            json!([["p,q"], "(z)", [1, 2]])
        );
    }

    #[test]
    fn invalid_calls_are_rejected_when_parsing() {
        for expr in [
            "",
            "States.Nope()",
            "States.Format()",
            "States.MathAdd(1)",
            "States.MathAdd(1, 2, 3)",
            "States.UUID(1)",
            "States.Array(",
            "States.Array('x)",
            "States.Array(1 2)",
            "States.Array(x)",
            "States.Array($.a b)",
            "States.Array() trailing",
            "$.a",
            "States.Array(1,)",
        ] {
            match Intrinsic::parse(expr) {
                Err(PathError::InvalidIntrinsic { expression, .. }) => assert_eq!(expression, expr),
                other => panic!("{expr}: {other:?}"),
            }
        }
        let nested = |n: usize| format!("{}1{}", "States.Array(".repeat(n), ")".repeat(n));
        assert!(Intrinsic::parse(&nested(10)).is_ok());
        assert!(Intrinsic::parse(&nested(11)).is_err());
    }
}
