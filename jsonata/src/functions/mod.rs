//! The built-in function library: a registry of natives with their signatures.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use crate::signature::Signature;
use crate::value::{Func, NativeFn, Value};

pub(crate) mod array;
pub(crate) mod datetime;
pub(crate) mod dynamic;
pub(crate) mod encoding;
pub(crate) mod format;
pub(crate) mod higher_order;
pub(crate) mod integer_picture;
pub(crate) mod matching;
pub(crate) mod numeric;
pub(crate) mod object;
pub(crate) mod operators;
pub(crate) mod string;

/// A native's definition: name, signature, arity (as higher-order functions see it), code.
pub(crate) type Def = (&'static str, &'static str, usize, NativeFn);

/// The functions of a set: jsonata-js's, plus `$eval` (standard) or AWS's additions, which
/// come last so that AWS's `$random(seed)` replaces the standard one.
fn defs(aws: bool) -> impl Iterator<Item = &'static Def> {
    let extra: &'static [Def] = if aws {
        crate::aws::FUNCTIONS
    } else {
        dynamic::FUNCTIONS
    };
    string::FUNCTIONS
        .iter()
        .chain(encoding::FUNCTIONS)
        .chain(numeric::FUNCTIONS)
        .chain(array::FUNCTIONS)
        .chain(object::FUNCTIONS)
        .chain(higher_order::FUNCTIONS)
        .chain(datetime::FUNCTIONS)
        .chain(format::FUNCTIONS)
        .chain(extra)
}

/// Whether the built-in `name` may take the context value for an argument left out (its
/// signature marks one with `-`), or evaluates against the context (`$eval`).
pub(crate) fn takes_context(name: &str, aws: bool) -> bool {
    name == "eval" || defs(aws).any(|d| d.0 == name && d.1.contains('-'))
}

/// Each set's signatures, parsed once per process.
fn signatures(aws: bool) -> &'static HashMap<&'static str, Arc<Signature>> {
    static STANDARD_SIGS: OnceLock<HashMap<&'static str, Arc<Signature>>> = OnceLock::new();
    static AWS_SIGS: OnceLock<HashMap<&'static str, Arc<Signature>>> = OnceLock::new();
    let cell = if aws { &AWS_SIGS } else { &STANDARD_SIGS };
    cell.get_or_init(|| {
        defs(aws)
            .filter_map(|d| Signature::parse(d.1).ok().map(|s| (d.0, Arc::new(s))))
            .collect()
    })
}

thread_local! {
    static STANDARD: RefCell<Option<HashMap<&'static str, Value>>> = const { RefCell::new(None) };
    static AWS: RefCell<Option<HashMap<&'static str, Value>>> = const { RefCell::new(None) };
}

/// The built-in function `name` (without `$`), if there is one under these options.
pub(crate) fn builtin(name: &str, options: &crate::Options) -> Option<Value> {
    let aws = options.aws_functions;
    let table = if aws { &AWS } else { &STANDARD };
    table.with(|t| {
        let mut t = t.borrow_mut();
        let map = t.get_or_insert_with(|| {
            let sigs = signatures(aws);
            defs(aws)
                .map(|d| {
                    let f = Func::Native {
                        name: d.0,
                        sig: sigs.get(d.0).cloned(),
                        imp: d.3,
                        arity: d.2,
                    };
                    (d.0, Value::Func(Rc::new(f)))
                })
                .collect()
        });
        map.get(name).cloned()
    })
}

/// The effective boolean value (`fn.boolean`); `None` for undefined.
pub(crate) fn boolean(v: &Value) -> Option<bool> {
    Some(match v {
        Value::Undefined => return None,
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Num(n) => *n != 0.0 && !n.is_nan(),
        Value::Str(s) => !s.is_empty(),
        Value::Array(a, _) => match a.len() {
            0 => false,
            1 => boolean(&a[0]).unwrap_or(false),
            _ => a.iter().any(|x| boolean(x) == Some(true)),
        },
        Value::Object(o) => !o.borrow().is_empty(),
        Value::Func(_) => false,
    })
}

/// The argument at `i`, or undefined.
pub(crate) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}
