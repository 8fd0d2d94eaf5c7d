//! Runtime values: JSON plus undefined, sequences, functions and tuple streams.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::ast::{LambdaDef, TransformDef};
use crate::env::Env;
use crate::error::Error;
use crate::signature::Signature;

/// An object: shared and mutable in place (the transform operator updates matches where they are).
pub(crate) type Obj = Rc<RefCell<IndexMap<String, Value>>>;

/// Flags an array carries (as jsonata-js marks its arrays).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub sequence: bool,
    pub keep_singleton: bool,
    pub cons: bool,
    pub outer_wrapper: bool,
    pub tuple_stream: bool,
}

impl Flags {
    pub(crate) const SEQ: Flags = Flags {
        sequence: true,
        keep_singleton: false,
        cons: false,
        outer_wrapper: false,
        tuple_stream: false,
    };
    pub(crate) const PLAIN: Flags = Flags {
        sequence: false,
        keep_singleton: false,
        cons: false,
        outer_wrapper: false,
        tuple_stream: false,
    };
}

/// The context a native function runs in.
pub(crate) type NativeFn =
    fn(&mut crate::eval::Evaluator, &[Value], &crate::eval::Ctx) -> Result<Value, Error>;

/// A host function registered through [`crate::Bindings`].
pub(crate) type HostFn =
    Arc<dyn Fn(&[serde_json::Value]) -> Result<Option<serde_json::Value>, Error> + Send + Sync>;

/// The callable values.
pub(crate) enum Func {
    Lambda {
        def: Arc<LambdaDef>,
        env: Env,
        input: Value,
        thunk: bool,
    },
    Native {
        name: &'static str,
        sig: Option<Arc<Signature>>,
        imp: NativeFn,
        arity: usize,
    },
    Host {
        name: String,
        sig: Option<Arc<Signature>>,
        imp: HostFn,
    },
    Partial {
        func: Value,
        args: Vec<Option<Value>>,
    },
    Regex(Arc<regex::Regex>),
    Chain(Value, Value),
    Transform {
        def: Arc<TransformDef>,
        env: Env,
    },
}

/// A runtime value.
#[derive(Clone)]
pub(crate) enum Value {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Array(Rc<Vec<Value>>, Flags),
    Object(Obj),
    Func(Rc<Func>),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Undefined => write!(f, "undefined"),
            Value::Func(_) => write!(f, "<function>"),
            v => write!(
                f,
                "{}",
                crate::functions::string::stringify(v, false).unwrap_or_default()
            ),
        }
    }
}

impl Value {
    pub(crate) fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub(crate) fn string(s: String) -> Value {
        Value::Str(Rc::from(s))
    }

    pub(crate) fn seq(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(items), Flags::SEQ)
    }

    pub(crate) fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(items), Flags::PLAIN)
    }

    pub(crate) fn object(map: IndexMap<String, Value>) -> Value {
        Value::Object(Rc::new(RefCell::new(map)))
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Value::Array(..))
    }

    pub(crate) fn is_function(&self) -> bool {
        matches!(self, Value::Func(_))
    }

    pub(crate) fn flags(&self) -> Flags {
        match self {
            Value::Array(_, f) => *f,
            _ => Flags::PLAIN,
        }
    }

    pub(crate) fn is_sequence(&self) -> bool {
        self.flags().sequence
    }

    pub(crate) fn is_tuple_stream(&self) -> bool {
        self.flags().tuple_stream
    }

    /// A finite number (what jsonata-js calls numeric).
    pub(crate) fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) if n.is_finite() => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The members of an array, or `[self]` for anything else but undefined.
    pub(crate) fn members(&self) -> Vec<Value> {
        match self {
            Value::Array(a, _) => a.as_ref().clone(),
            Value::Undefined => Vec::new(),
            v => vec![v.clone()],
        }
    }

    /// A tuple's field (tuples are objects keyed `@` and variable names).
    pub(crate) fn tuple_get(&self, key: &str) -> Value {
        match self {
            Value::Object(o) => o.borrow().get(key).cloned().unwrap_or(Value::Undefined),
            _ => Value::Undefined,
        }
    }

    /// The jsonata type name.
    pub(crate) fn type_name(&self) -> Option<&'static str> {
        Some(match self {
            Value::Undefined => return None,
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Array(..) => "array",
            Value::Object(_) => "object",
            Value::Func(_) => "function",
        })
    }

    /// Converts input JSON.
    pub(crate) fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => Value::array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to JSON; `None` for undefined. Functions become `""` (as JSON.stringify does in jsonata).
    pub(crate) fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Undefined => return None,
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Num(n) => number_to_json(*n),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a, _) => {
                serde_json::Value::Array(a.iter().filter_map(|v| v.to_json()).collect())
            }
            Value::Object(o) => serde_json::Value::Object(
                o.borrow()
                    .iter()
                    .filter_map(|(k, v)| v.to_json().map(|j| (k.clone(), j)))
                    .collect(),
            ),
            Value::Func(_) => serde_json::Value::String(String::new()),
        })
    }
}

/// A number as JSON: integral values as integers, others as floats.
pub(crate) fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Deep equality as jsonata's `=` (functions are never equal).
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Array(x, _), Value::Array(y, _)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}
