//! JSONPath as Step Functions evaluates it, and reference paths (the `ResultPath` writer).
//!
//! AWS evaluates JSONPath with the Jayway library; this follows its semantics:
//! - A *definite* path (only field names, single indexes, and a final `['a','b']`) yields one
//!   value, and fails when it selects nothing. Any wildcard, slice, union, filter or deep scan makes
//!   the path *indefinite*: it yields an array of every match and skips what is missing.
//! - `$['a','b']` as the last step merges the named fields of one object into a new object.
//! - A negative index counts from the end; `[from:to]` slices follow Jayway's rules.
//! - An index past the end of an array reads as `null` (AWS's JSON provider returns `null` there).
//! - Failure messages are Jayway's (`No results for path: $['missing']`, …), which AWS quotes.

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Number, Value};

use super::cursor::{self, Cursor, Parse};
use super::{compact, PathError};

/// Deepest nesting of filters, parentheses and negations a path may contain.
const MAX_NESTING: usize = 32;

/// What an index past the end of an array evaluates to.
static NULL: Value = Value::Null;

/// A parsed JSONPath: `$…` against a document, `$$…` against the context object, or
/// `$name…` against the workflow variable `name`.
///
/// Parse once with [`JsonPath::parse`], evaluate many times with [`JsonPath::select`] or
/// [`JsonPath::eval`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    source: String,
    root: Root,
    plan: Plan,
}

/// What a path starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Root {
    /// `$`: the document (the state input, a result, …).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// Workflow variables, as paths and intrinsic functions read them (`$name…`).
pub trait Variables {
    /// The value of the variable `name`, if it is set.
    fn variable(&self, name: &str) -> Option<&Value>;
}

/// No variables at all.
impl Variables for () {
    fn variable(&self, _: &str) -> Option<&Value> {
        None
    }
}

impl Variables for Map<String, Value> {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// What paths read besides the document: the context object (`$$`) and the workflow
/// variables (`$name`).
#[derive(Clone, Copy)]
pub struct Roots<'a> {
    /// The context object.
    pub context: &'a Value,
    /// The workflow variables in scope.
    pub variables: &'a dyn Variables,
}

impl<'a> Roots<'a> {
    /// A context object and no variables.
    pub fn context(context: &'a Value) -> Roots<'a> {
        Roots {
            context,
            variables: &(),
        }
    }
}

/// Whether `c` may start a variable name (`$name`).
fn starts_name(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Whether `c` may continue a variable name.
fn continues_name(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl JsonPath {
    /// Parses a JSONPath starting with `$` (or `$$` for the context object).
    pub fn parse(text: &str) -> Result<JsonPath, PathError> {
        let invalid = |reason: String| PathError::InvalidPath {
            path: text.to_owned(),
            reason,
        };
        let mut parser = Parser::new(text);
        if !parser.eat('$') {
            return Err(invalid("A JSONPath must start with '$'".to_owned()));
        }
        let root = if parser.eat('$') {
            Root::Context
        } else if parser.peek().is_some_and(starts_name) {
            let start = parser.pos;
            while parser.peek().is_some_and(continues_name) {
                parser.bump();
            }
            Root::Variable(text.get(start..parser.pos).unwrap_or_default().to_owned())
        } else {
            Root::Input
        };
        let segments = parser.segments(Mode::Top).map_err(invalid)?;
        Ok(JsonPath {
            source: text.to_owned(),
            root,
            plan: Plan::new(segments),
        })
    }

    /// The variable this path reads (`$name…`), if it reads one.
    pub fn variable(&self) -> Option<&str> {
        match &self.root {
            Root::Variable(name) => Some(name),
            _ => None,
        }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the path selects a single value (no wildcard, slice, union, filter or deep scan).
    pub fn is_definite(&self) -> bool {
        matches!(self.plan, Plan::Definite(_))
    }

    /// Whether the path starts with `$$` and so reads the context object.
    pub fn is_context(&self) -> bool {
        self.root == Root::Context
    }

    /// The document this path reads: the context object for a `$$` path, the variable for a
    /// `$name` path (`None` when it is not set), `input` otherwise.
    pub fn document<'a>(&self, input: &'a Value, roots: &Roots<'a>) -> Option<&'a Value> {
        match &self.root {
            Root::Input => Some(input),
            Root::Context => Some(roots.context),
            Root::Variable(name) => roots.variables.variable(name),
        }
    }

    /// Evaluates the path against `doc` (the input, or the context object for a `$$` path),
    /// borrowing the result where possible. A definite path yields its value; an indefinite one
    /// an array of its matches. Fails with [`PathError::NotFound`] when a definite path selects
    /// nothing.
    pub fn select<'a>(&self, doc: &'a Value) -> Result<Cow<'a, Value>, PathError> {
        self.resolve(doc, OutOfRange::Null)
            .map_err(|miss| PathError::NotFound {
                path: self.source.clone(),
                reason: miss.into_reason(),
            })
    }

    /// Like [`JsonPath::select`], returning an owned value.
    pub fn eval(&self, doc: &Value) -> Result<Value, PathError> {
        self.select(doc).map(Cow::into_owned)
    }

    /// Evaluates with the given handling of indexes past the end of an array, reporting failures
    /// with their kind (for callers that word them differently, like intrinsic arguments).
    pub(super) fn resolve<'a>(
        &self,
        doc: &'a Value,
        out_of_range: OutOfRange,
    ) -> Result<Cow<'a, Value>, Miss> {
        self.plan.resolve(doc, doc, out_of_range)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// How an index past the end of an array evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OutOfRange {
    /// As `null` (payload templates, `InputPath`, …).
    Null,
    /// As nothing (intrinsic function arguments).
    Miss,
}

/// Why a path selected nothing, in Jayway's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Miss {
    /// Nothing at the path (Jayway's `PathNotFoundException`).
    NotFound(String),
    /// The path cannot be applied to what it met (Jayway's `InvalidPathException`).
    Invalid(String),
}

impl Miss {
    /// The message, whatever the kind.
    pub(super) fn into_reason(self) -> String {
        match self {
            Miss::NotFound(reason) | Miss::Invalid(reason) => reason,
        }
    }
}

/// A path that names one location to write: `$`, field names and non-negative indexes. This is
/// what `ResultPath` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferencePath {
    source: String,
    steps: Vec<RefStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RefStep {
    Field(String),
    Index(usize),
}

impl ReferencePath {
    /// Parses a reference path: `$`, then `.name`, `['name']` or `[n]` with `n >= 0`.
    pub fn parse(text: &str) -> Result<ReferencePath, PathError> {
        let invalid = |reason: &str| PathError::InvalidPath {
            path: text.to_owned(),
            reason: reason.to_owned(),
        };
        let path = JsonPath::parse(text)?;
        match path.root {
            Root::Input => {}
            Root::Context => {
                return Err(invalid(
                    "A reference path cannot refer to the context object",
                ))
            }
            Root::Variable(_) => {
                return Err(invalid("A reference path cannot refer to a variable"))
            }
        }
        let only_fields_and_indexes =
            "A reference path may only contain field names and non-negative array indexes";
        let Plan::Definite(steps) = path.plan else {
            return Err(invalid(only_fields_and_indexes));
        };
        let steps = steps
            .into_iter()
            .map(|step| match step {
                DefiniteStep::Name(name) => Some(RefStep::Field(name)),
                DefiniteStep::Index(index) => usize::try_from(index).ok().map(RefStep::Index),
                DefiniteStep::Merge(_) => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid(only_fields_and_indexes))?;
        Ok(ReferencePath {
            source: path.source,
            steps,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Writes `value` at this path in `doc`, creating missing objects on the way (`$` replaces
    /// the whole document). Fails with [`PathError::ResultPath`], leaving `doc` untouched, when
    /// the path crosses something that is not an object (for a field) or an array holding that
    /// index.
    pub fn set(&self, doc: &mut Value, value: Value) -> Result<(), PathError> {
        if self.applies_to(doc) && self.write(doc, value).is_some() {
            return Ok(());
        }
        Err(PathError::ResultPath {
            path: self.source.clone(),
            input: compact(doc),
        })
    }

    /// Writes `value`, creating missing objects; `None` where [`ReferencePath::applies_to`]
    /// would have said no.
    fn write(&self, doc: &mut Value, value: Value) -> Option<()> {
        let Some((last, parents)) = self.steps.split_last() else {
            *doc = value;
            return Some(());
        };
        let mut current = doc;
        for step in parents {
            current = match (step, current) {
                (RefStep::Field(name), Value::Object(map)) => map
                    .entry(name.clone())
                    .or_insert_with(|| Value::Object(Map::new())),
                (RefStep::Index(index), Value::Array(items)) => items.get_mut(*index)?,
                _ => return None,
            };
        }
        match (last, current) {
            (RefStep::Field(name), Value::Object(map)) => {
                map.insert(name.clone(), value);
            }
            (RefStep::Index(index), Value::Array(items)) => *items.get_mut(*index)? = value,
            _ => return None,
        }
        Some(())
    }

    /// Whether [`ReferencePath::set`] can write into `doc`: every field step meets an object
    /// (or a missing member, which is created, after which only fields may follow) and every
    /// index step an array long enough.
    fn applies_to(&self, doc: &Value) -> bool {
        let mut current = Some(doc);
        for step in &self.steps {
            current = match (step, current) {
                // Missing: the rest is created, which only works for fields.
                (RefStep::Field(_), None) => None,
                (RefStep::Index(_), None) => return false,
                (RefStep::Field(name), Some(Value::Object(map))) => map.get(name),
                (RefStep::Index(index), Some(Value::Array(items))) => match items.get(*index) {
                    Some(item) => Some(item),
                    None => return false,
                },
                (_, Some(_)) => return false,
            };
        }
        true
    }
}

impl fmt::Display for ReferencePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

/// One step of a path: a selector applied to the current values (`scan: false`) or to them and
/// all their descendants (`scan: true`, written `..`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    scan: bool,
    selector: Selector,
}

impl Segment {
    /// The segment as a step of a definite path, if it is one (`last`: it ends the path).
    fn definite_step(&self, last: bool) -> Option<DefiniteStep> {
        if self.scan {
            return None;
        }
        match &self.selector {
            Selector::Name(name) => Some(DefiniteStep::Name(name.clone())),
            Selector::Index(index) => Some(DefiniteStep::Index(*index)),
            Selector::Names(names) if last => Some(DefiniteStep::Merge(names.clone())),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Selector {
    /// `.name` or `['name']`.
    Name(String),
    /// `['a','b']`: merged into one object as the last step, iterated otherwise.
    Names(Vec<String>),
    /// `[n]`, negative from the end.
    Index(i64),
    /// `[m,n]`.
    Indexes(Vec<i64>),
    /// `[from:to]`, `[from:]`, `[:to]`.
    Slice(Option<i64>, Option<i64>),
    /// `*` or `[*]`.
    Wildcard,
    /// `[?(…)]`.
    Filter(Box<Filter>),
}

impl Selector {
    /// Jayway's rendering of the step, as it appears in its messages.
    fn write(&self, out: &mut String) {
        match self {
            Selector::Name(name) => write_names(out, std::slice::from_ref(name)),
            Selector::Names(names) => write_names(out, names),
            Selector::Index(index) => out.push_str(&format!("[{index}]")),
            Selector::Indexes(indexes) => {
                let list: Vec<String> = indexes.iter().map(i64::to_string).collect();
                out.push_str(&format!("[{}]", list.join(",")));
            }
            Selector::Slice(from, to) => {
                let bound = |b: &Option<i64>| b.map(|n| n.to_string()).unwrap_or_default();
                out.push_str(&format!("[{}:{}]", bound(from), bound(to)));
            }
            Selector::Wildcard => out.push_str("[*]"),
            Selector::Filter(_) => out.push_str("[?]"),
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

fn write_names(out: &mut String, names: &[String]) {
    out.push('[');
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('\'');
        out.push_str(name);
        out.push('\'');
    }
    out.push(']');
}

/// A step of a definite path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DefiniteStep {
    Name(String),
    Index(i64),
    /// `['a','b']` as the last step.
    Merge(Vec<String>),
}

impl DefiniteStep {
    fn write(&self, out: &mut String) {
        match self {
            DefiniteStep::Name(name) => write_names(out, std::slice::from_ref(name)),
            DefiniteStep::Index(index) => out.push_str(&format!("[{index}]")),
            DefiniteStep::Merge(names) => write_names(out, names),
        }
    }
}

/// How a parsed path is evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// Only definite steps: walks one value.
    Definite(Vec<DefiniteStep>),
    /// At least one indefinite segment, the first at `first_indefinite`.
    General {
        segments: Vec<Segment>,
        first_indefinite: usize,
    },
}

impl Plan {
    fn new(segments: Vec<Segment>) -> Plan {
        let count = segments.len();
        let mut steps = Vec::with_capacity(count);
        for (i, segment) in segments.iter().enumerate() {
            match segment.definite_step(i + 1 == count) {
                Some(step) => steps.push(step),
                None => {
                    return Plan::General {
                        segments,
                        first_indefinite: i,
                    }
                }
            }
        }
        Plan::Definite(steps)
    }

    /// Evaluates from `node`; `root` is what `$` means inside filters.
    fn resolve<'a>(
        &self,
        node: &'a Value,
        root: &'a Value,
        out_of_range: OutOfRange,
    ) -> Result<Cow<'a, Value>, Miss> {
        match self {
            Plan::Definite(steps) => resolve_steps(steps, node, out_of_range),
            Plan::General {
                segments,
                first_indefinite,
            } => {
                let found =
                    resolve_segments(segments, *first_indefinite, node, root, out_of_range)?;
                Ok(Cow::Owned(Value::Array(
                    found.into_iter().map(Cow::into_owned).collect(),
                )))
            }
        }
    }
}

/// Jayway's normalized rendering of the first `count` definite steps, e.g. `$['a'][0]`.
fn steps_text(steps: &[DefiniteStep], count: usize) -> String {
    let mut out = String::from("$");
    for step in steps.iter().take(count) {
        step.write(&mut out);
    }
    out
}

/// Jayway's normalized rendering of the first `count` segments.
fn segments_text(segments: &[Segment], count: usize) -> String {
    let mut out = String::from("$");
    for segment in segments.iter().take(count) {
        if segment.scan {
            out.push_str("..");
        }
        segment.selector.write(&mut out);
    }
    out
}

/// How Jayway prints the value it met in `… Current context is: …`.
fn context_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => compact(other),
    }
}

/// The element at `index` (negative counts from the end).
fn element(items: &[Value], index: i64) -> Option<&Value> {
    let position = if index < 0 {
        i64::try_from(items.len()).ok()?.checked_add(index)?
    } else {
        index
    };
    items.get(usize::try_from(position).ok()?)
}

/// The indexes Jayway visits for a slice of an array of `len` items (negative ones count from
/// the end; [`element`] resolves them).
fn slice_indexes(len: usize, from: Option<i64>, to: Option<i64>) -> std::ops::Range<i64> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let from_end = |n: i64| if n < 0 { len.saturating_add(n) } else { n };
    match (from, to) {
        (Some(from), None) => from_end(from).max(0)..len,
        (None, Some(to)) => 0..from_end(to).min(len),
        // Jayway takes `to` as is (a negative one selects nothing) and resolves each index
        // from `from`, negative ones from the end; those before the start select nothing.
        (Some(from), Some(to)) => from.max(-len)..to.min(len),
        (None, None) => 0..len,
    }
}

fn resolve_steps<'a>(
    steps: &[DefiniteStep],
    node: &'a Value,
    out_of_range: OutOfRange,
) -> Result<Cow<'a, Value>, Miss> {
    let mut current = node;
    let count = steps.len();
    for (i, step) in steps.iter().enumerate() {
        match step {
            DefiniteStep::Name(name) => match current {
                Value::Object(map) => match map.get(name) {
                    Some(value) => current = value,
                    None if i + 1 == count => {
                        return Err(Miss::NotFound(format!(
                            "No results for path: {}",
                            steps_text(steps, count)
                        )))
                    }
                    None => {
                        return Err(Miss::NotFound(format!(
                            "Missing property in path {}",
                            steps_text(steps, i + 1)
                        )))
                    }
                },
                _ => {
                    return Err(Miss::NotFound(format!(
                        "Property ['{name}'] not found in path {}",
                        steps_text(steps, i)
                    )))
                }
            },
            DefiniteStep::Index(index) => match current {
                Value::Array(items) => match element(items, *index) {
                    Some(value) => current = value,
                    None if out_of_range == OutOfRange::Null => current = &NULL,
                    None => {
                        return Err(Miss::NotFound(format!(
                            "No results for path: {}",
                            steps_text(steps, count)
                        )))
                    }
                },
                Value::Null => {
                    return Err(Miss::NotFound(format!(
                        "The path {} is null",
                        steps_text(steps, i)
                    )))
                }
                other => {
                    return Err(Miss::Invalid(format!(
                        "Filter: [{index}] can only be applied to arrays. Current context is: {}",
                        context_text(other)
                    )))
                }
            },
            DefiniteStep::Merge(names) => {
                return match current {
                    Value::Object(map) => Ok(Cow::Owned(merge(map, names))),
                    _ => {
                        let mut fragment = String::new();
                        write_names(&mut fragment, names);
                        Err(Miss::NotFound(format!(
                            "Property {fragment} not found in path {}",
                            steps_text(steps, i)
                        )))
                    }
                }
            }
        }
    }
    Ok(Cow::Borrowed(current))
}

/// The named members of `map` that exist, as a new object.
fn merge(map: &Map<String, Value>, names: &[String]) -> Value {
    Value::Object(
        names
            .iter()
            .filter_map(|name| map.get(name).map(|v| (name.clone(), v.clone())))
            .collect(),
    )
}

fn resolve_segments<'a>(
    segments: &[Segment],
    first_indefinite: usize,
    node: &'a Value,
    root: &'a Value,
    out_of_range: OutOfRange,
) -> Result<Vec<Cow<'a, Value>>, Miss> {
    let mut current: Vec<&'a Value> = vec![node];
    let count = segments.len();
    for (i, segment) in segments.iter().enumerate() {
        // Errors are only raised while everything before this segment is definite.
        let upstream_definite = i <= first_indefinite;
        if let (false, Selector::Names(names), true) =
            (segment.scan, &segment.selector, i + 1 == count)
        {
            let mut merged = Vec::with_capacity(current.len());
            for value in current {
                match value {
                    Value::Object(map) => merged.push(Cow::Owned(merge(map, names))),
                    _ if upstream_definite => {
                        return Err(Miss::NotFound(format!(
                            "Property {} not found in path {}",
                            segment.selector.text(),
                            segments_text(segments, i)
                        )))
                    }
                    _ => {}
                }
            }
            return Ok(merged);
        }
        let mut next = Vec::new();
        for value in current {
            if next.len() > MAX_MATCHES {
                return Err(Miss::Invalid(format!(
                    "The path {} selects more than {MAX_MATCHES} values",
                    segments_text(segments, i)
                )));
            }
            if segment.scan {
                scan(&segment.selector, value, root, &mut next);
            } else {
                let at = Position {
                    segments,
                    index: i,
                    upstream_definite,
                };
                select_child(&segment.selector, at, value, root, out_of_range, &mut next)?;
            }
        }
        current = next;
    }
    Ok(current.into_iter().map(Cow::Borrowed).collect())
}

/// The most values one step of a path may select (a budget: `$..*..*..*` on a deep input
/// would otherwise multiply its matches past any memory).
const MAX_MATCHES: usize = 1_000_000;

/// Where a selector is being applied, for error messages.
#[derive(Clone, Copy)]
struct Position<'p> {
    segments: &'p [Segment],
    index: usize,
    upstream_definite: bool,
}

impl Position<'_> {
    fn path(&self) -> String {
        segments_text(self.segments, self.index)
    }
}

fn select_child<'a>(
    selector: &Selector,
    at: Position<'_>,
    value: &'a Value,
    root: &'a Value,
    out_of_range: OutOfRange,
    out: &mut Vec<&'a Value>,
) -> Result<(), Miss> {
    let not_an_object = || {
        Miss::NotFound(format!(
            "Property {} not found in path {}",
            selector.text(),
            at.path()
        ))
    };
    match selector {
        Selector::Name(name) => match value {
            Value::Object(map) => out.extend(map.get(name)),
            _ if at.upstream_definite => return Err(not_an_object()),
            _ => {}
        },
        Selector::Names(names) => match value {
            Value::Object(map) => out.extend(names.iter().filter_map(|name| map.get(name))),
            _ if at.upstream_definite => return Err(not_an_object()),
            _ => {}
        },
        Selector::Index(_) | Selector::Indexes(_) | Selector::Slice(..) => match value {
            Value::Array(items) => select_from_array(selector, items, out_of_range, out),
            Value::Null if at.upstream_definite => {
                return Err(Miss::NotFound(format!("The path {} is null", at.path())))
            }
            other if at.upstream_definite => {
                return Err(Miss::Invalid(format!(
                    "Filter: {} can only be applied to arrays. Current context is: {}",
                    selector.text(),
                    context_text(other)
                )))
            }
            _ => {}
        },
        Selector::Wildcard => match value {
            Value::Object(map) => out.extend(map.values()),
            Value::Array(items) => out.extend(items.iter()),
            _ => {}
        },
        Selector::Filter(filter) => match value {
            Value::Array(items) => {
                out.extend(items.iter().filter(|item| filter.matches(item, root)))
            }
            Value::Object(_) if filter.matches(value, root) => out.push(value),
            Value::Object(_) => {}
            other if at.upstream_definite => {
                return Err(Miss::Invalid(format!(
                    "Filter: [?] can not be applied to primitives. Current context is: {}",
                    context_text(other)
                )))
            }
            _ => {}
        },
    }
    Ok(())
}

fn select_from_array<'a>(
    selector: &Selector,
    items: &'a [Value],
    out_of_range: OutOfRange,
    out: &mut Vec<&'a Value>,
) {
    let mut pick = |index: i64| match element(items, index) {
        Some(item) => out.push(item),
        None if out_of_range == OutOfRange::Null => out.push(&NULL),
        None => {}
    };
    match selector {
        Selector::Index(index) => pick(*index),
        Selector::Indexes(indexes) => indexes.iter().copied().for_each(pick),
        Selector::Slice(from, to) => {
            for index in slice_indexes(items.len(), *from, *to) {
                // Slices never step outside the array.
                out.extend(element(items, index));
            }
        }
        Selector::Name(_) | Selector::Names(_) | Selector::Wildcard | Selector::Filter(_) => {}
    }
}

/// `..selector`: applies `selector` to `value` and to every object and array below it, in
/// document order (each container before its children), as Jayway does.
fn scan<'a>(selector: &Selector, value: &'a Value, root: &'a Value, out: &mut Vec<&'a Value>) {
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                match selector {
                    Selector::Name(name) => out.extend(map.get(name)),
                    Selector::Names(names) => {
                        out.extend(names.iter().filter_map(|name| map.get(name)))
                    }
                    Selector::Wildcard => out.extend(map.values()),
                    Selector::Filter(filter) => {
                        if filter.matches(node, root) {
                            out.push(node);
                        }
                    }
                    Selector::Index(_) | Selector::Indexes(_) | Selector::Slice(..) => {}
                }
                stack.extend(map.values().rev().filter(|v| is_container(v)));
            }
            Value::Array(items) => {
                match selector {
                    Selector::Wildcard => out.extend(items.iter()),
                    Selector::Index(_) | Selector::Indexes(_) | Selector::Slice(..) => {
                        select_from_array(selector, items, OutOfRange::Miss, out)
                    }
                    Selector::Name(_) | Selector::Names(_) | Selector::Filter(_) => {}
                }
                stack.extend(items.iter().rev().filter(|v| is_container(v)));
            }
            _ => {}
        }
    }
}

fn is_container(value: &Value) -> bool {
    value.is_object() || value.is_array()
}

// ---------------------------------------------------------------------------------------------
// Filters

#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    Or(Vec<Filter>),
    And(Vec<Filter>),
    Not(Box<Filter>),
    /// `@.x`: the path selects something (even `null` or `false`).
    Exists(FilterPath),
    Compare(Operand, Comparison, Operand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Operand {
    Path(FilterPath),
    Literal(Value),
}

impl Operand {
    fn value<'a>(&'a self, item: &'a Value, root: &'a Value) -> Option<Cow<'a, Value>> {
        match self {
            Operand::Literal(value) => Some(Cow::Borrowed(value)),
            Operand::Path(path) => path.value(item, root),
        }
    }
}

/// A path inside a filter: relative to the item (`@…`) or to the document root (`$…`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FilterPath {
    relative: bool,
    plan: Plan,
}

impl FilterPath {
    /// The selected value; `None` when the path selects nothing or fails.
    fn value<'a>(&self, item: &'a Value, root: &'a Value) -> Option<Cow<'a, Value>> {
        let base = if self.relative { item } else { root };
        self.plan.resolve(base, root, OutOfRange::Null).ok()
    }
}

impl Filter {
    fn matches(&self, item: &Value, root: &Value) -> bool {
        match self {
            Filter::Or(terms) => terms.iter().any(|t| t.matches(item, root)),
            Filter::And(terms) => terms.iter().all(|t| t.matches(item, root)),
            Filter::Not(inner) => !inner.matches(item, root),
            Filter::Exists(path) => path.value(item, root).is_some(),
            Filter::Compare(left, op, right) => compare(
                left.value(item, root).as_deref(),
                *op,
                right.value(item, root).as_deref(),
            ),
        }
    }
}

/// Compares two filter operands; a missing one equals nothing (so `!=` holds) and orders
/// against nothing.
fn compare(left: Option<&Value>, op: Comparison, right: Option<&Value>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        return op == Comparison::Ne;
    };
    match op {
        Comparison::Eq => json_eq(left, right),
        Comparison::Ne => !json_eq(left, right),
        Comparison::Lt => ordering(left, right).is_some_and(|o| o.is_lt()),
        Comparison::Le => ordering(left, right).is_some_and(|o| o.is_le()),
        Comparison::Gt => ordering(left, right).is_some_and(|o| o.is_gt()),
        Comparison::Ge => ordering(left, right).is_some_and(|o| o.is_ge()),
    }
}

/// Equality where numbers compare by value (`1 == 1.0`).
fn json_eq(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_cmp(a, b) == Some(std::cmp::Ordering::Equal),
        _ => left == right,
    }
}

/// Order of two numbers or two strings; anything else does not compare.
fn ordering(left: &Value, right: &Value) -> Option<std::cmp::Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_cmp(a, b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn number_cmp(a: &Number, b: &Number) -> Option<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

// ---------------------------------------------------------------------------------------------
// Parser

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A whole path: names run to the next `.` or `[`.
    Top,
    /// A path inside a filter: names also stop at blanks, parentheses and operators.
    Filter,
}

/// The JSONPath language, for [`Parser`].
struct JsonPathLanguage;

type Parser<'s> = cursor::Parser<'s, JsonPathLanguage>;

impl<'s> Parser<'s> {
    fn expect(&mut self, c: char) -> Parse<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{c}'")))
        }
    }

    fn unexpected(&self, expected: &str) -> String {
        Cursor::unexpected(self, expected, "path")
    }

    fn enter(&mut self) -> Parse<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            Err(format!("Filters nest deeper than {MAX_NESTING} levels"))
        } else {
            Ok(())
        }
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The segments after the root (`$`, `$$` or `@`), up to the end of the text (or, in
    /// filters, up to the first character that cannot continue a path).
    fn segments(&mut self, mode: Mode) -> Parse<Vec<Segment>> {
        let mut segments = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some('.') => {
                    self.bump();
                    let scan = self.eat('.');
                    let selector = match self.peek() {
                        None if scan => return Err("A path can not end with a scan".to_owned()),
                        None => return Err("Path must not end with a '.'".to_owned()),
                        Some('[') => {
                            self.bump();
                            self.bracket()?
                        }
                        Some('*') => {
                            self.bump();
                            Selector::Wildcard
                        }
                        Some(_) => Selector::Name(self.name(mode)?),
                    };
                    segments.push(Segment { scan, selector });
                }
                Some('[') => {
                    self.bump();
                    let selector = self.bracket()?;
                    segments.push(Segment {
                        scan: false,
                        selector,
                    });
                }
                Some(_) if mode == Mode::Filter => break,
                Some(_) => return Err(self.unexpected("'.' or '['")),
            }
        }
        Ok(segments)
    }

    /// A name in dot notation.
    fn name(&mut self, mode: Mode) -> Parse<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            let stop = match mode {
                Mode::Top => match c {
                    '.' | '[' => true,
                    '(' => return Err(format!("Functions are not supported (position {})", self.pos)),
                    c if c.is_whitespace() => {
                        return Err(format!(
                            "Use bracket notation ['my prop'] if your property contains blank characters (position {})",
                            self.pos
                        ))
                    }
                    _ => false,
                },
                Mode::Filter => {
                    c.is_whitespace()
                        || matches!(
                            c,
                            '.' | '[' | ']' | '(' | ')' | '=' | '!' | '<' | '>' | '&' | '|' | ','
                        )
                }
            };
            if stop {
                break;
            }
            self.bump();
        }
        match self.text.get(start..self.pos) {
            Some(name) if !name.is_empty() => Ok(name.to_owned()),
            _ => Err(self.unexpected("a property name")),
        }
    }

    /// What follows a `[`, through the closing `]`.
    fn bracket(&mut self) -> Parse<Selector> {
        self.skip_blanks();
        let selector = match self.peek() {
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('?') => {
                self.bump();
                self.skip_blanks();
                self.expect('(')?;
                self.enter()?;
                let filter = self.filter_or()?;
                self.skip_blanks();
                self.expect(')')?;
                self.leave();
                Selector::Filter(Box::new(filter))
            }
            Some(quote @ ('\'' | '"')) => {
                let mut names = vec![self.quoted(quote)?];
                loop {
                    self.skip_blanks();
                    if !self.eat(',') {
                        break;
                    }
                    self.skip_blanks();
                    match self.peek() {
                        Some(q @ ('\'' | '"')) => names.push(self.quoted(q)?),
                        _ => return Err(self.unexpected("a quoted property name")),
                    }
                }
                match single(names) {
                    Ok(name) => Selector::Name(name),
                    Err(names) => Selector::Names(names),
                }
            }
            Some('-' | '0'..='9' | ':') => self.numeric()?,
            _ => return Err(self.unexpected("'*', '?', a quoted name or an index")),
        };
        self.skip_blanks();
        self.expect(']')?;
        Ok(selector)
    }

    /// `n`, `m,n,…` or a slice, up to (not including) the `]`.
    fn numeric(&mut self) -> Parse<Selector> {
        let first = self.optional_integer()?;
        self.skip_blanks();
        if self.eat(':') {
            self.skip_blanks();
            let to = self.optional_integer()?;
            self.skip_blanks();
            if self.peek() == Some(':') {
                return Err("Slice steps ([from:to:step]) are not supported".to_owned());
            }
            return Ok(Selector::Slice(first, to));
        }
        let Some(first) = first else {
            return Err(self.unexpected("an index"));
        };
        let mut indexes = vec![first];
        while self.eat(',') {
            self.skip_blanks();
            match self.optional_integer()? {
                Some(index) => indexes.push(index),
                None => return Err(self.unexpected("an index")),
            }
            self.skip_blanks();
        }
        Ok(match single(indexes) {
            Ok(index) => Selector::Index(index),
            Err(indexes) => Selector::Indexes(indexes),
        })
    }

    fn optional_integer(&mut self) -> Parse<Option<i64>> {
        let start = self.pos;
        self.eat('-');
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        if self.pos == digits {
            if self.pos != start {
                return Err(self.unexpected("a digit"));
            }
            return Ok(None);
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        text.parse::<i64>()
            .map(Some)
            .map_err(|_| format!("Index {text} is out of range"))
    }

    /// A quoted name or string: `\` before the quote or another `\` escapes it; any other `\`
    /// is kept as written.
    fn quoted(&mut self, quote: char) -> Parse<String> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(format!("Unterminated string starting with {quote}")),
                Some('\\') => match self.peek() {
                    Some(c) if c == quote || c == '\\' => {
                        self.bump();
                        out.push(c);
                    }
                    _ => out.push('\\'),
                },
                Some(c) if c == quote => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn filter_or(&mut self) -> Parse<Filter> {
        let mut terms = vec![self.filter_and()?];
        loop {
            self.skip_blanks();
            if !self.eat_str("||") {
                break;
            }
            terms.push(self.filter_and()?);
        }
        Ok(single(terms).unwrap_or_else(Filter::Or))
    }

    fn filter_and(&mut self) -> Parse<Filter> {
        let mut terms = vec![self.filter_unary()?];
        loop {
            self.skip_blanks();
            if !self.eat_str("&&") {
                break;
            }
            terms.push(self.filter_unary()?);
        }
        Ok(single(terms).unwrap_or_else(Filter::And))
    }

    fn filter_unary(&mut self) -> Parse<Filter> {
        self.skip_blanks();
        if self.peek() == Some('!') && !self.rest().starts_with("!=") {
            self.bump();
            self.enter()?;
            let inner = self.filter_unary()?;
            self.leave();
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.eat('(') {
            self.enter()?;
            let inner = self.filter_or()?;
            self.skip_blanks();
            self.expect(')')?;
            self.leave();
            return Ok(inner);
        }
        let left = self.operand()?;
        self.skip_blanks();
        match self.comparison() {
            Some(op) => {
                self.skip_blanks();
                let right = self.operand()?;
                Ok(Filter::Compare(left, op, right))
            }
            None => match left {
                Operand::Path(path) => Ok(Filter::Exists(path)),
                Operand::Literal(_) => Err(self.unexpected("a comparison operator")),
            },
        }
    }

    fn comparison(&mut self) -> Option<Comparison> {
        const OPERATORS: [(&str, Comparison); 6] = [
            ("==", Comparison::Eq),
            ("!=", Comparison::Ne),
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ];
        OPERATORS
            .iter()
            .find(|(text, _)| self.eat_str(text))
            .map(|(_, op)| *op)
    }

    fn operand(&mut self) -> Parse<Operand> {
        self.skip_blanks();
        match self.peek() {
            Some(root @ ('@' | '$')) => {
                self.bump();
                if root == '$' && self.peek() == Some('$') {
                    return Err("The context object cannot be used inside a filter".to_owned());
                }
                let segments = self.segments(Mode::Filter)?;
                Ok(Operand::Path(FilterPath {
                    relative: root == '@',
                    plan: Plan::new(segments),
                }))
            }
            Some(quote @ ('\'' | '"')) => Ok(Operand::Literal(Value::String(self.quoted(quote)?))),
            Some('-' | '0'..='9') => self.number(),
            Some(_) => match self.eat_keyword_literal() {
                Some(value) => Ok(Operand::Literal(value)),
                None => Err(self.unexpected("'@', '$' or a literal")),
            },
            None => Err(self.unexpected("'@', '$' or a literal")),
        }
    }

    fn number(&mut self) -> Parse<Operand> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.bump();
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        match serde_json::from_str::<Number>(text) {
            Ok(number) => Ok(Operand::Literal(Value::Number(number))),
            Err(_) => Err(format!("Invalid number '{text}' at position {start}")),
        }
    }
}

/// The only item of `items`, or all of them when there are several.
fn single<T>(mut items: Vec<T>) -> Result<T, Vec<T>> {
    match items.pop() {
        Some(only) if items.is_empty() => Ok(only),
        Some(last) => {
            items.push(last);
            Err(items)
        }
        None => Err(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(path: &str, doc: &Value) -> Result<Value, PathError> {
        JsonPath::parse(path)?.eval(doc)
    }

    fn doc() -> Value {
        json!({
            "store": {
                "book": [
                    {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                    {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                    {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
                    {"category": "fiction", "author": "Tolkien", "title": "LOTR", "isbn": "0-395", "price": 22.99}
                ],
                "bicycle": {"color": "red", "price": 19.95}
            },
            "a b": {"c": 1},
            "nums": [1, 2, 3, 4, 5],
            "s": "str",
            "n": null
        })
    }

    #[test]
    fn definite_paths_select_one_value() {
        let d = doc();
        assert_eq!(eval("$", &d).unwrap(), d);
        assert_eq!(eval("$.store.bicycle.color", &d).unwrap(), json!("red"));
        assert_eq!(
            eval("$['store']['bicycle']['color']", &d).unwrap(),
            json!("red")
        );
        assert_eq!(eval("$[\"a b\"].c", &d).unwrap(), json!(1));
        assert_eq!(eval("$['a b']['c']", &d).unwrap(), json!(1));
        assert_eq!(eval("$.nums[0]", &d).unwrap(), json!(1));
        assert_eq!(eval("$.nums[-1]", &d).unwrap(), json!(5));
        assert_eq!(
            eval("$.store.book[1].author", &d).unwrap(),
            json!("Evelyn Waugh")
        );
        assert_eq!(eval("$.n", &d).unwrap(), Value::Null);
        assert_eq!(eval("$.[0]", &json!([7])).unwrap(), json!(7));
        assert!(JsonPath::parse("$.store.book[0].title")
            .unwrap()
            .is_definite());
    }

    #[test]
    fn multiple_names_as_last_step_merge_into_an_object() {
        let d = doc();
        let p = JsonPath::parse("$.store.bicycle['color','price','missing']").unwrap();
        assert!(p.is_definite());
        assert_eq!(p.eval(&d).unwrap(), json!({"color": "red", "price": 19.95}));
    }

    #[test]
    fn indefinite_paths_select_arrays() {
        let d = doc();
        assert_eq!(
            eval("$.store.book[*].author", &d).unwrap(),
            json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "Tolkien"])
        );
        // Members without the field are skipped.
        assert_eq!(
            eval("$.store.book[*].isbn", &d).unwrap(),
            json!(["0-553", "0-395"])
        );
        assert_eq!(eval("$.nums[1:3]", &d).unwrap(), json!([2, 3]));
        assert_eq!(eval("$.nums[:2]", &d).unwrap(), json!([1, 2]));
        assert_eq!(eval("$.nums[-2:]", &d).unwrap(), json!([4, 5]));
        assert_eq!(eval("$.nums[:-3]", &d).unwrap(), json!([1, 2]));
        assert_eq!(eval("$.nums[3:1]", &d).unwrap(), json!([]));
        assert_eq!(eval("$.nums[0,4]", &d).unwrap(), json!([1, 5]));
        assert_eq!(eval("$.nums[ 0 , 2 ]", &d).unwrap(), json!([1, 3]));
        assert_eq!(
            eval("$.store.bicycle.*", &d).unwrap(),
            json!(["red", 19.95])
        );
        assert_eq!(
            eval("$..price", &d).unwrap(),
            json!([8.95, 12.99, 8.99, 22.99, 19.95])
        );
        assert_eq!(eval("$..book[2].title", &d).unwrap(), json!(["Moby Dick"]));
        assert!(!JsonPath::parse("$.nums[0,1]").unwrap().is_definite());
        assert!(!JsonPath::parse("$..a").unwrap().is_definite());
    }

    #[test]
    fn repeated_deep_scans_on_a_deep_input_stop_at_the_budget() {
        let mut doc = json!(1);
        for _ in 0..100 {
            doc = json!({ "a": doc, "x": [1] });
        }
        let err = eval("$..*..*..*..*", &doc).unwrap_err();
        assert_eq!(err.error(), "States.Runtime");
        assert!(err.to_string().contains("selects more than"), "{err}");
    }

    #[test]
    fn deep_scan_visits_in_document_order_like_jayway() {
        let d = json!({"a": {"b": [1, 2, {"c": 1}]}, "s": "str", "arr": [{"x": 1}, [5, 6]]});
        assert_eq!(
            eval("$..*", &d).unwrap(),
            json!([
                {"b": [1, 2, {"c": 1}]}, "str", [{"x": 1}, [5, 6]],
                [1, 2, {"c": 1}], 1, 2, {"c": 1}, 1, {"x": 1}, [5, 6], 1, 5, 6
            ])
        );
        assert_eq!(eval("$..[0]", &d).unwrap(), json!([1, {"x": 1}, 5]));
    }

    #[test]
    fn indefinite_paths_over_missing_members_are_empty() {
        // Recorded on AWS: each of these on an empty input yields [].
        for path in [
            "$[*]",
            "$.items[*]",
            "$.items[*].itemValue",
            "$.items[1:]",
            "$.items[1:].itemValue",
            "$.item.items[1:]",
            "$.item.items[1:5].itemValue",
        ] {
            assert_eq!(eval(path, &json!({})).unwrap(), json!([]), "{path}");
        }
    }

    #[test]
    fn filters() {
        let d = doc();
        assert_eq!(
            eval("$.store.book[?(@.price < 10)].title", &d).unwrap(),
            json!(["Sayings", "Moby Dick"])
        );
        assert_eq!(
            eval("$.store.book[?(@.isbn)].title", &d).unwrap(),
            json!(["Moby Dick", "LOTR"])
        );
        assert_eq!(
            eval(
                "$.store.book[?(@.category == 'fiction' && @.price > 20)].author",
                &d
            )
            .unwrap(),
            json!(["Tolkien"])
        );
        assert_eq!(
            eval(
                "$.store.book[?(@.price<9||@.author==\"Tolkien\")].price",
                &d
            )
            .unwrap(),
            json!([8.95, 8.99, 22.99])
        );
        assert_eq!(
            eval("$.store.book[?(!@.isbn)].title", &d).unwrap(),
            json!(["Sayings", "Sword"])
        );
        assert_eq!(
            eval(
                "$.store.book[?(@.price >= $.store.bicycle.price)].title",
                &d
            )
            .unwrap(),
            json!(["LOTR"])
        );
        assert_eq!(eval("$.nums[?(@ != 3)]", &d).unwrap(), json!([1, 2, 4, 5]));
        assert_eq!(eval("$.nums[?(@ == 2.0)]", &d).unwrap(), json!([2]));
        assert_eq!(
            eval("$.nums[?(@ <= 2 || (@ > 4))]", &d).unwrap(),
            json!([1, 2, 5])
        );
        let items = json!([{"x": 1}, {"x": null}, {"x": false}, {"y": 1}, {"x": "1"}]);
        assert_eq!(
            eval("$[?(@.x)]", &items).unwrap(),
            json!([{"x": 1}, {"x": null}, {"x": false}, {"x": "1"}])
        );
        assert_eq!(
            eval("$[?(@.x == null)]", &items).unwrap(),
            json!([{"x": null}])
        );
        assert_eq!(
            eval("$[?(@.x == false)]", &items).unwrap(),
            json!([{"x": false}])
        );
        // A missing field equals nothing, so `!=` holds for it; types never coerce.
        assert_eq!(
            eval("$[?(@.x != 1)]", &items).unwrap(),
            json!([{"x": null}, {"x": false}, {"y": 1}, {"x": "1"}])
        );
        // Filters on an object test the object itself.
        assert_eq!(
            eval("$.store.bicycle[?(@.color)]", &d).unwrap(),
            json!([{"color": "red", "price": 19.95}])
        );
        assert_eq!(
            eval("$..[?(@.price > 20)].title", &d).unwrap(),
            json!(["LOTR"])
        );
    }

    #[test]
    fn missing_definite_paths_fail_with_jaywayish_messages() {
        let d = doc();
        let reason = |path: &str| match eval(path, &d) {
            Err(PathError::NotFound { reason, .. }) => reason,
            other => panic!("{path}: {other:?}"),
        };
        assert_eq!(reason("$.missing"), "No results for path: $['missing']");
        assert_eq!(
            reason("$.store.missing"),
            "No results for path: $['store']['missing']"
        );
        assert_eq!(reason("$.x.y"), "Missing property in path $['x']");
        assert_eq!(reason("$.s.y"), "Property ['y'] not found in path $['s']");
        assert_eq!(reason("$.n[0]"), "The path $['n'] is null");
        assert_eq!(
            reason("$.s[0]"),
            "Filter: [0] can only be applied to arrays. Current context is: str"
        );
        assert_eq!(
            reason("$.s[1:]"),
            "Filter: [1:] can only be applied to arrays. Current context is: str"
        );
        let err = eval("$.missing", &d).unwrap_err();
        assert_eq!(err.error(), "States.Runtime");
        assert_eq!(
            err.cause(),
            "Invalid path '$.missing' : No results for path: $['missing']"
        );
    }

    #[test]
    fn index_past_the_end_reads_null() {
        let d = doc();
        assert_eq!(eval("$.nums[9]", &d).unwrap(), Value::Null);
        assert_eq!(eval("$.nums[-9]", &d).unwrap(), Value::Null);
        assert_eq!(eval("$.nums[0,9]", &d).unwrap(), json!([1, null]));
        let p = JsonPath::parse("$.nums[9]").unwrap();
        assert!(matches!(
            p.resolve(&d, OutOfRange::Miss),
            Err(Miss::NotFound(_))
        ));
    }

    #[test]
    fn bracket_names_keep_unknown_escapes() {
        // Recorded on AWS: $['Test\""Name"'] reads the key Test\""Name".
        let d = json!({"Test\\\"\"Name\"": "Value\"\\"});
        assert_eq!(
            eval("$['Test\\\"\"Name\"']", &d).unwrap(),
            json!("Value\"\\")
        );
        assert_eq!(eval("$['it\\'s']", &json!({"it's": 1})).unwrap(), json!(1));
        assert_eq!(eval("$['a.b']", &json!({"a.b": 2})).unwrap(), json!(2));
    }

    #[test]
    fn context_paths() {
        let p = JsonPath::parse("$$.Execution.Id").unwrap();
        assert!(p.is_context());
        let input = json!({});
        let context = json!({"Execution": {"Id": "arn"}});
        let roots = Roots::context(&context);
        let doc = p.document(&input, &roots).unwrap();
        assert_eq!(p.eval(doc).unwrap(), json!("arn"));
        let vars = json!({"v": {"w": 7}}).as_object().cloned().unwrap();
        let with_vars = Roots {
            context: &context,
            variables: &vars,
        };
        let var = JsonPath::parse("$v.w").unwrap();
        assert_eq!(var.variable(), Some("v"));
        assert_eq!(
            var.eval(var.document(&input, &with_vars).unwrap()).unwrap(),
            json!(7)
        );
        let missing = JsonPath::parse("$nope").unwrap();
        assert!(missing.document(&input, &with_vars).is_none());
        assert!(
            ReferencePath::parse("$v.w").is_err(),
            "ResultPath cannot set a variable"
        );
        assert_eq!(
            JsonPath::parse("$$").unwrap().eval(&context).unwrap(),
            context
        );
        assert!(!JsonPath::parse("$.x").unwrap().is_context());
    }

    #[test]
    fn select_borrows_definite_results() {
        let d = doc();
        let p = JsonPath::parse("$.store.book").unwrap();
        assert!(matches!(p.select(&d).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn invalid_paths_are_rejected() {
        for path in [
            "",
            "a",
            "$.",
            "$..",
            "$.a b",
            "$[",
            "$[]",
            "$['a'",
            "$[1:2:3]",
            "$[?(@.a =~ /x/)]",
            "$[?(@.a ==)]",
            "$[?(1)]",
            "$.a(",
            "$[?($$.x)]",
            "$[a]",
            "$a b",
            "$[99999999999999999999]",
        ] {
            assert!(
                matches!(JsonPath::parse(path), Err(PathError::InvalidPath { .. })),
                "{path}"
            );
        }
        let deep = format!("$[?({}@.a{})]", "(".repeat(100), ")".repeat(100));
        assert!(JsonPath::parse(&deep).is_err());
    }

    #[test]
    fn reference_paths_write_values() {
        let mut d = json!({"a": {"x": 1}, "list": [1, 2]});
        ReferencePath::parse("$.a.b.c")
            .unwrap()
            .set(&mut d, json!(5))
            .unwrap();
        ReferencePath::parse("$['list'][1]")
            .unwrap()
            .set(&mut d, json!("two"))
            .unwrap();
        ReferencePath::parse("$.new")
            .unwrap()
            .set(&mut d, json!(null))
            .unwrap();
        assert_eq!(
            d,
            json!({"a": {"x": 1, "b": {"c": 5}}, "list": [1, "two"], "new": null})
        );
        let mut whole = json!("old");
        ReferencePath::parse("$")
            .unwrap()
            .set(&mut whole, json!({"r": 1}))
            .unwrap();
        assert_eq!(whole, json!({"r": 1}));
    }

    #[test]
    fn reference_paths_fail_without_touching_the_input() {
        for (path, input) in [
            ("$.a.b", json!("hello")),
            ("$.a.b", json!({"a": 3})),
            ("$.a.b", json!({"a": null})),
            ("$.list[5]", json!({"list": [1]})),
            ("$.missing[0]", json!({})),
            ("$.x.y.z", json!({"x": {"y": [1]}})),
        ] {
            let mut doc = input.clone();
            let err = ReferencePath::parse(path)
                .unwrap()
                .set(&mut doc, json!(1))
                .unwrap_err();
            assert_eq!(doc, input, "{path}");
            assert_eq!(err.error(), "States.Runtime");
            assert_eq!(
                err.cause(),
                format!("Unable to apply ResultPath '{path}' to input '{input}'")
            );
        }
        for path in [
            "$.a[*]",
            "$..a",
            "$.a[-1]",
            "$$.a",
            "$.a[0,1]",
            "$['a','b']",
            "$.a[?(@.b)]",
        ] {
            assert!(ReferencePath::parse(path).is_err(), "{path}");
        }
    }
}
