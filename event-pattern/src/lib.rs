//! Event patterns: parsing with AWS's validation (the messages of `InvalidEventPatternException`
//! are those of AWS's event-ruler) and matching against events.
//!
//! Semantics, as AWS documents them:
//! - A pattern is an object whose leaves are arrays of matchers; every field must match (AND),
//!   any matcher of a leaf may match (OR), `$or` lists alternative sub-patterns.
//! - Only leaf values of the event are matched (strings, numbers, booleans, null). When the event
//!   holds an array, a matcher matches if any element matches; objects inside arrays are matched
//!   element by element.
//! - A field that is absent, or whose value is an object, has no value: every matcher fails on it
//!   except `{"exists": false}` (and `{"exists": true}` needs at least one value).

use std::net::IpAddr;

use serde_json::{Map, Value};

/// Numeric matching accepts operands in this range only (AWS's documented limit).
const NUMERIC_LIMIT: f64 = 5.0e9;

/// The most wildcard characters one wildcard pattern may hold. AWS rejects wildcard patterns it
/// finds too complex; this bound is a simple stand-in for its complexity measure.
const MAX_WILDCARDS: usize = 5;

/// Operator names that cannot be field names inside `$or`.
const RESERVED_IN_OR: &[&str] = &[
    "prefix",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "anything-but",
    "numeric",
    "cidr",
    "exists",
];

/// Why a pattern was refused; displays as AWS's `InvalidEventPatternException` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Event pattern is not valid. Reason: {0}")]
pub struct PatternError(pub String);

type Parsed<T> = Result<T, PatternError>;

fn fail<T>(reason: impl Into<String>) -> Parsed<T> {
    Err(PatternError(reason.into()))
}

/// A parsed, validated event pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    root: ObjectPattern,
}

/// The fields an object must have, and the `$or` groups it must satisfy.
#[derive(Debug, Clone, PartialEq, Default)]
struct ObjectPattern {
    fields: Vec<(String, FieldPattern)>,
    any_of: Vec<Vec<ObjectPattern>>,
}

/// What one field of a pattern asks for.
#[derive(Debug, Clone, PartialEq)]
enum FieldPattern {
    /// A nested object pattern.
    Object(ObjectPattern),
    /// A leaf: any of these matchers.
    Values(Vec<Matcher>),
}

/// One matcher of a leaf.
#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    /// A string, equal (an IP address also matches its other spellings).
    Text(String),
    /// A number, numerically equal.
    Number(f64),
    /// `true`, `false` or `null`, equal.
    Literal(Value),
    /// `{"prefix": …}`, possibly ignoring case.
    Prefix(Affix),
    /// `{"suffix": …}`, possibly ignoring case.
    Suffix(Affix),
    /// `{"equals-ignore-case": …}`.
    EqualsIgnoreCase(String),
    /// `{"wildcard": …}`.
    Wildcard(Wildcard),
    /// `{"anything-but": …}`: any value the inner test rejects.
    AnythingBut(AnythingBut),
    /// `{"numeric": […]}`.
    Numeric(Vec<Bound>),
    /// `{"cidr": …}`.
    Cidr(Cidr),
    /// `{"exists": …}`.
    Exists(bool),
}

/// The text of a prefix or suffix, and whether case is ignored.
#[derive(Debug, Clone, PartialEq)]
struct Affix {
    text: String,
    ignore_case: bool,
}

/// What `anything-but` excludes.
#[derive(Debug, Clone, PartialEq)]
enum AnythingBut {
    /// These strings.
    Texts(Vec<String>),
    /// These numbers.
    Numbers(Vec<f64>),
    /// Strings with this prefix.
    Prefix(String),
    /// Strings with this suffix.
    Suffix(String),
    /// These strings, whatever their case.
    IgnoreCase(Vec<String>),
    /// Strings matching any of these wildcards.
    Wildcards(Vec<Wildcard>),
}

/// A comparison in a numeric matcher.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    Eq(f64),
    Gt(f64),
    Ge(f64),
    Lt(f64),
    Le(f64),
}

impl Bound {
    fn holds(self, x: f64) -> bool {
        match self {
            Bound::Eq(v) => x == v,
            Bound::Gt(v) => x > v,
            Bound::Ge(v) => x >= v,
            Bound::Lt(v) => x < v,
            Bound::Le(v) => x <= v,
        }
    }
}

/// A wildcard pattern: literal pieces separated by `*` (zero or more characters).
#[derive(Debug, Clone, PartialEq)]
struct Wildcard {
    pieces: Vec<String>,
}

/// An IP network.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cidr {
    network: IpAddr,
    bits: u8,
}

impl Pattern {
    /// Parses and validates a pattern given as JSON text.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PatternError(format!("Filter is not valid JSON: {e}")))?;
        Pattern::from_value(&value)
    }

    /// Validates a pattern already parsed as JSON.
    pub fn from_value(value: &Value) -> Result<Pattern, PatternError> {
        match value {
            Value::Object(map) => Ok(Pattern {
                root: object_pattern(map, false)?,
            }),
            _ => fail("Filter is not an object"),
        }
    }

    /// Whether `event` matches.
    pub fn matches(&self, event: &Value) -> bool {
        self.root.matches(Some(event))
    }
}

fn object_pattern(map: &Map<String, Value>, in_or: bool) -> Parsed<ObjectPattern> {
    if map.is_empty() {
        return fail("Empty objects are not allowed");
    }
    let mut pattern = ObjectPattern::default();
    for (name, value) in map {
        if name == "$or" {
            pattern.any_of.push(or_alternatives(value)?);
            continue;
        }
        if in_or && RESERVED_IN_OR.contains(&name.as_str()) {
            return fail(format!(
                "{name} is Ruler reserved fieldName which cannot be used inside $or."
            ));
        }
        let field = match value {
            Value::Object(inner) => FieldPattern::Object(object_pattern(inner, in_or)?),
            Value::Array(items) => FieldPattern::Values(matchers(items)?),
            _ => return fail(format!("\"{name}\" must be an object or an array")),
        };
        pattern.fields.push((name.clone(), field));
    }
    Ok(pattern)
}

fn or_alternatives(value: &Value) -> Parsed<Vec<ObjectPattern>> {
    let Value::Array(items) = value else {
        return fail("It must be an Array followed with $or.");
    };
    let alternatives = items
        .iter()
        .map(|item| match item {
            Value::Object(map) => object_pattern(map, true),
            _ => fail("Only JSON object is allowed in array of $or relationship."),
        })
        .collect::<Parsed<Vec<_>>>()?;
    if alternatives.len() < 2 {
        return fail("There must have at least 2 Objects in $or relationship.");
    }
    Ok(alternatives)
}

fn matchers(items: &[Value]) -> Parsed<Vec<Matcher>> {
    if items.is_empty() {
        return fail("Empty arrays are not allowed");
    }
    items.iter().map(matcher).collect()
}

fn matcher(item: &Value) -> Parsed<Matcher> {
    match item {
        Value::String(s) => Ok(Matcher::Text(s.clone())),
        Value::Number(n) => Ok(Matcher::Number(n.as_f64().unwrap_or(f64::NAN))),
        Value::Bool(_) | Value::Null => Ok(Matcher::Literal(item.clone())),
        Value::Array(_) => fail("Match value must be String, number, true, false, or null"),
        Value::Object(map) => match_expression(map),
    }
}

/// `{"<operator>": <operand>}`.
fn match_expression(map: &Map<String, Value>) -> Parsed<Matcher> {
    let Some((op, operand)) = map.iter().next() else {
        return fail("Match expression name not found");
    };
    let single = map.len() == 1;
    let only_one = || fail("Only one key allowed in match expression");
    let matcher = match op.as_str() {
        "prefix" => Matcher::Prefix(affix("prefix", operand)?),
        "suffix" => Matcher::Suffix(affix("suffix", operand)?),
        "equals-ignore-case" => Matcher::EqualsIgnoreCase(string_operand(op, operand)?),
        "wildcard" => Matcher::Wildcard(Wildcard::parse(&string_operand(op, operand)?)?),
        "exists" => match operand {
            Value::Bool(b) => Matcher::Exists(*b),
            _ => return fail("exists match pattern must be either true or false."),
        },
        "cidr" => match operand {
            Value::String(s) => Matcher::Cidr(Cidr::parse(s)?),
            _ => return fail("prefix match pattern must be a string"),
        },
        "numeric" => {
            let matcher = Matcher::Numeric(numeric(operand)?);
            if !single {
                return fail("Too many elements in numeric expression");
            }
            matcher
        }
        "anything-but" => {
            let matcher = Matcher::AnythingBut(anything_but(operand)?);
            if !single {
                return fail("Too many elements in numeric expression");
            }
            matcher
        }
        other => return fail(format!("Unrecognized match type {other}")),
    };
    if single {
        Ok(matcher)
    } else {
        only_one()
    }
}

fn string_operand(op: &str, operand: &Value) -> Parsed<String> {
    match operand {
        Value::String(s) => Ok(s.clone()),
        _ => fail(format!("{op} match pattern must be a string")),
    }
}

/// The operand of `prefix` or `suffix`: a string, or `{"equals-ignore-case": string}`.
fn affix(op: &str, operand: &Value) -> Parsed<Affix> {
    match operand {
        Value::String(s) => Ok(Affix {
            text: s.clone(),
            ignore_case: false,
        }),
        Value::Object(inner) => {
            let Some((name, value)) = inner.iter().next() else {
                return fail(format!("{op} expression name not found"));
            };
            if name != "equals-ignore-case" {
                return fail(format!("Unsupported {op} pattern: {name}"));
            }
            let text = string_operand(name, value)?;
            if inner.len() > 1 {
                return fail("Only one key allowed in match expression");
            }
            Ok(Affix {
                text,
                ignore_case: true,
            })
        }
        _ => fail(format!("{op} match pattern must be a string")),
    }
}

fn anything_but(operand: &Value) -> Parsed<AnythingBut> {
    match operand {
        Value::String(s) => Ok(AnythingBut::Texts(vec![s.clone()])),
        Value::Number(n) => Ok(AnythingBut::Numbers(vec![number_operand(n)?])),
        Value::Array(items) => anything_but_list(items),
        Value::Object(inner) => anything_but_object(inner),
        Value::Bool(_) | Value::Null => {
            fail("Value of anything-but must be an array or single string/number value.")
        }
    }
}

fn anything_but_list(items: &[Value]) -> Parsed<AnythingBut> {
    let mut texts = Vec::new();
    let mut numbers = Vec::new();
    for item in items {
        match item {
            Value::String(s) => texts.push(s.clone()),
            Value::Number(n) => numbers.push(number_operand(n)?),
            _ => return fail("Inside anything but list, start|null|boolean is not supported."),
        }
    }
    match (texts.is_empty(), numbers.is_empty()) {
        (false, true) => Ok(AnythingBut::Texts(texts)),
        (true, false) => Ok(AnythingBut::Numbers(numbers)),
        _ => fail(
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
    }
}

fn anything_but_object(inner: &Map<String, Value>) -> Parsed<AnythingBut> {
    let Some((op, value)) = inner.iter().next() else {
        return fail("Anything-But expression name not found");
    };
    let parsed = match op.as_str() {
        "prefix" | "suffix" => {
            let Value::String(text) = value else {
                return fail("prefix/suffix match pattern must be a string");
            };
            if text.is_empty() {
                return fail("Null prefix/suffix not allowed");
            }
            if op == "prefix" {
                AnythingBut::Prefix(text.clone())
            } else {
                AnythingBut::Suffix(text.clone())
            }
        }
        "equals-ignore-case" => AnythingBut::IgnoreCase(strings(value, || {
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
                .to_string()
        })?),
        "wildcard" => AnythingBut::Wildcards(
            strings(value, || {
                "wildcard match pattern must be a string".to_string()
            })?
            .iter()
            .map(|w| Wildcard::parse(w))
            .collect::<Parsed<_>>()?,
        ),
        other => return fail(format!("Unsupported anything-but pattern: {other}")),
    };
    if inner.len() > 1 {
        return fail("Only one key allowed in match expression");
    }
    Ok(parsed)
}

/// A string, or a list of strings.
fn strings(value: &Value, wrong: impl Fn() -> String) -> Parsed<Vec<String>> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                _ => fail(wrong()),
            })
            .collect(),
        _ => fail(wrong()),
    }
}

fn number_operand(n: &serde_json::Number) -> Parsed<f64> {
    match n.as_f64() {
        Some(x) if (-NUMERIC_LIMIT..=NUMERIC_LIMIT).contains(&x) => Ok(x),
        _ => fail("Value must be between -5.0E9 and 5.0E9, inclusive"),
    }
}

/// `["=", 5]`, `["<", 5]`, `["<=", 5]`, `[">", 1]`, `[">=", 1]`, or a lower bound followed by
/// an upper bound (`[">", 0, "<=", 5]`).
fn numeric(operand: &Value) -> Parsed<Vec<Bound>> {
    let Value::Array(items) = operand else {
        return fail("Value of numeric must be an array.");
    };
    let mut items = items.iter();
    let op = match items.next() {
        Some(Value::String(op)) => op.as_str(),
        Some(other) => return fail(format!("Invalid member in numeric match: {other}")),
        None => return fail("Invalid member in numeric match: ]"),
    };
    let first = |value: Option<&Value>, name: &str| match value {
        Some(Value::Number(n)) => number_operand(n),
        _ => fail(format!("Value of {name} must be numeric")),
    };
    let bound = match op {
        "=" => Bound::Eq(first(items.next(), "equals")?),
        ">" => Bound::Gt(first(items.next(), ">")?),
        ">=" => Bound::Ge(first(items.next(), ">=")?),
        "<" => Bound::Lt(first(items.next(), "<")?),
        "<=" => Bound::Le(first(items.next(), "<=")?),
        other => return fail(format!("Unrecognized numeric range operator: {other}")),
    };
    let Some(next) = items.next() else {
        return Ok(vec![bound]);
    };
    let bottom = match bound {
        Bound::Gt(v) | Bound::Ge(v) => v,
        _ => return fail("Too many elements in numeric expression"),
    };
    let top = match next {
        Value::String(op) if op == "<" => Bound::Lt(first(items.next(), "<")?),
        Value::String(op) if op == "<=" => Bound::Le(first(items.next(), "<=")?),
        Value::String(op) => return fail(format!("Bad numeric range operator: {op}")),
        other => return fail(format!("Bad value in numeric range: {other}")),
    };
    if items.next().is_some() {
        return fail("Too many terms in numeric range expression");
    }
    let (Bound::Lt(top_value) | Bound::Le(top_value)) = top else {
        return fail("Bad numeric range operator");
    };
    if top_value <= bottom {
        return fail("Bottom must be less than top");
    }
    Ok(vec![bound, top])
}

impl Wildcard {
    /// Parses a wildcard: `*` matches any run of characters, `\*` and `\\` are literal.
    fn parse(text: &str) -> Parsed<Wildcard> {
        let bytes = text.as_bytes();
        let mut pieces = vec![String::new()];
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '*' => {
                    if bytes.get(i + 1) == Some(&b'*') {
                        return fail(format!("Consecutive wildcard characters at pos {}", i + 1));
                    }
                    pieces.push(String::new());
                }
                '\\' => match chars.next() {
                    Some((_, escaped @ ('*' | '\\'))) => push_char(&mut pieces, escaped),
                    _ => return fail(format!("Invalid escape character at pos {}", i + 1)),
                },
                other => push_char(&mut pieces, other),
            }
        }
        if pieces.len() - 1 > MAX_WILDCARDS {
            return fail(
                "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
            );
        }
        Ok(Wildcard { pieces })
    }

    /// Whether the whole of `text` matches.
    fn matches(&self, text: &str) -> bool {
        let Some((first, rest)) = self.pieces.split_first() else {
            return false;
        };
        let Some(mut remaining) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return remaining.is_empty();
        };
        for piece in middle {
            match remaining.find(piece.as_str()) {
                Some(at) => remaining = &remaining[at + piece.len()..],
                None => return false,
            }
        }
        remaining.ends_with(last.as_str())
    }
}

fn push_char(pieces: &mut [String], c: char) {
    if let Some(last) = pieces.last_mut() {
        last.push(c);
    }
}

impl Cidr {
    fn parse(text: &str) -> Parsed<Cidr> {
        let Some((address, bits)) = text.split_once('/') else {
            return fail("Malformed CIDR, one '/' required");
        };
        let Ok(bits) = bits.parse::<u8>() else {
            return fail("Malformed CIDR, mask bits must be an integer");
        };
        let Ok(network) = address.parse::<IpAddr>() else {
            return fail(format!("Nonstandard IP address: {address}"));
        };
        let max = if network.is_ipv4() { 32 } else { 128 };
        if bits > max {
            return fail(format!("Malformed CIDR, mask bits must be at most {max}"));
        }
        Ok(Cidr { network, bits })
    }

    fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => same_prefix(
                u128::from(u32::from(net)),
                u128::from(u32::from(ip)),
                32,
                self.bits,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(u128::from(net), u128::from(ip), 128, self.bits)
            }
            _ => false,
        }
    }
}

/// Whether the first `bits` of two `width`-bit numbers agree.
fn same_prefix(a: u128, b: u128, width: u32, bits: u8) -> bool {
    let shift = width - u32::from(bits);
    shift >= width || (a >> shift) == (b >> shift)
}

impl ObjectPattern {
    /// Matches the value found at this pattern's place in the event (`None`: absent).
    fn matches(&self, value: Option<&Value>) -> bool {
        match value {
            Some(Value::Array(items)) if !items.is_empty() => {
                items.iter().any(|item| self.matches(Some(item)))
            }
            Some(Value::Object(map)) => self.matches_fields(Some(map)),
            _ => self.matches_fields(None),
        }
    }

    fn matches_fields(&self, map: Option<&Map<String, Value>>) -> bool {
        self.fields
            .iter()
            .all(|(name, field)| field.matches(map.and_then(|m| m.get(name))))
            && self
                .any_of
                .iter()
                .all(|alternatives| alternatives.iter().any(|alt| alt.matches_fields(map)))
    }
}

impl FieldPattern {
    fn matches(&self, value: Option<&Value>) -> bool {
        match self {
            FieldPattern::Object(inner) => inner.matches(value),
            FieldPattern::Values(matchers) => {
                let mut values = Vec::new();
                leaf_values(value, &mut values);
                matchers.iter().any(|m| match m {
                    Matcher::Exists(wanted) => *wanted != values.is_empty(),
                    m => values.iter().any(|v| m.test(v)),
                })
            }
        }
    }
}

/// The leaf values of `value`: itself when a scalar, the scalars of an array (nested arrays
/// flattened); objects have none.
fn leaf_values<'a>(value: Option<&'a Value>, out: &mut Vec<&'a Value>) {
    match value {
        None | Some(Value::Object(_)) => {}
        Some(Value::Array(items)) => items.iter().for_each(|i| leaf_values(Some(i), out)),
        Some(scalar) => out.push(scalar),
    }
}

impl Matcher {
    /// Whether one leaf value satisfies this matcher (never called for `exists`).
    fn test(&self, value: &Value) -> bool {
        let text = value.as_str();
        match self {
            Matcher::Text(expected) => text.is_some_and(|t| same_text(expected, t)),
            Matcher::Number(expected) => value.as_f64() == Some(*expected),
            Matcher::Literal(expected) => value == expected,
            Matcher::Prefix(affix) => text.is_some_and(|t| affix.starts(t)),
            Matcher::Suffix(affix) => text.is_some_and(|t| affix.ends(t)),
            Matcher::EqualsIgnoreCase(expected) => {
                text.is_some_and(|t| equal_ignore_case(expected, t))
            }
            Matcher::Wildcard(wildcard) => text.is_some_and(|t| wildcard.matches(t)),
            Matcher::AnythingBut(excluded) => !excluded.excludes(value),
            Matcher::Numeric(bounds) => value
                .as_f64()
                .is_some_and(|x| bounds.iter().all(|b| b.holds(x))),
            Matcher::Cidr(cidr) => text
                .and_then(|t| t.parse::<IpAddr>().ok())
                .is_some_and(|ip| cidr.contains(ip)),
            Matcher::Exists(_) => false,
        }
    }
}

impl AnythingBut {
    fn excludes(&self, value: &Value) -> bool {
        let text = value.as_str();
        match self {
            AnythingBut::Texts(texts) => text.is_some_and(|t| texts.iter().any(|x| x == t)),
            AnythingBut::Numbers(numbers) => value.as_f64().is_some_and(|x| numbers.contains(&x)),
            AnythingBut::Prefix(prefix) => text.is_some_and(|t| t.starts_with(prefix.as_str())),
            AnythingBut::Suffix(suffix) => text.is_some_and(|t| t.ends_with(suffix.as_str())),
            AnythingBut::IgnoreCase(texts) => {
                text.is_some_and(|t| texts.iter().any(|x| equal_ignore_case(x, t)))
            }
            AnythingBut::Wildcards(wildcards) => {
                text.is_some_and(|t| wildcards.iter().any(|w| w.matches(t)))
            }
        }
    }
}

impl Affix {
    fn starts(&self, text: &str) -> bool {
        if self.ignore_case {
            text.to_lowercase().starts_with(&self.text.to_lowercase())
        } else {
            text.starts_with(self.text.as_str())
        }
    }

    fn ends(&self, text: &str) -> bool {
        if self.ignore_case {
            text.to_lowercase().ends_with(&self.text.to_lowercase())
        } else {
            text.ends_with(self.text.as_str())
        }
    }
}

/// Exact string equality, where IP addresses also match their other spellings (`::1` and
/// `0:0:0:0:0:0:0:1`), as AWS compares them.
fn same_text(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    match (expected.parse::<IpAddr>(), actual.parse::<IpAddr>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn equal_ignore_case(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests;
