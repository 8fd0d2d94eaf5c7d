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
pub(crate) mod format;
pub(crate) mod higher_order;
pub(crate) mod numeric;
pub(crate) mod object;
pub(crate) mod operators;
pub(crate) mod string;

/// A native's definition: name, signature, arity (as higher-order functions see it), code.
pub(crate) type Def = (&'static str, &'static str, usize, NativeFn);

fn all_defs() -> impl Iterator<Item = &'static Def> {
    string::FUNCTIONS
        .iter()
        .chain(numeric::FUNCTIONS)
        .chain(array::FUNCTIONS)
        .chain(object::FUNCTIONS)
        .chain(higher_order::FUNCTIONS)
        .chain(datetime::FUNCTIONS)
        .chain(format::FUNCTIONS)
        .chain(dynamic::FUNCTIONS)
        .chain(crate::aws::FUNCTIONS)
}

/// Signatures parsed once per process.
fn signatures() -> &'static HashMap<&'static str, Arc<Signature>> {
    static SIGS: OnceLock<HashMap<&'static str, Arc<Signature>>> = OnceLock::new();
    SIGS.get_or_init(|| {
        all_defs()
            .filter(|d| !d.1.is_empty())
            .filter_map(|d| Signature::parse(d.1).ok().map(|s| (d.0, Arc::new(s))))
            .collect()
    })
}

fn make(def: &Def, key: &'static str) -> Value {
    Value::Func(Rc::new(Func::Native {
        name: def.0,
        sig: signatures().get(key).cloned(),
        imp: def.3,
        arity: def.2,
    }))
}

thread_local! {
    static STANDARD: RefCell<Option<HashMap<&'static str, Value>>> = const { RefCell::new(None) };
    static AWS: RefCell<Option<HashMap<&'static str, Value>>> = const { RefCell::new(None) };
}

/// The built-in function `name` (without `$`), if there is one under these options.
pub(crate) fn builtin(name: &str, options: &crate::Options) -> Option<Value> {
    let table = if options.aws_functions {
        &AWS
    } else {
        &STANDARD
    };
    table.with(|t| {
        let mut t = t.borrow_mut();
        let map = t.get_or_insert_with(|| {
            let mut map = HashMap::new();
            for d in string::FUNCTIONS
                .iter()
                .chain(numeric::FUNCTIONS)
                .chain(array::FUNCTIONS)
                .chain(object::FUNCTIONS)
                .chain(higher_order::FUNCTIONS)
                .chain(datetime::FUNCTIONS)
                .chain(format::FUNCTIONS)
            {
                map.insert(d.0, make(d, d.0));
            }
            if options.aws_functions {
                for d in crate::aws::FUNCTIONS {
                    map.insert(d.0, make(d, d.0));
                }
            } else {
                for d in dynamic::FUNCTIONS {
                    map.insert(d.0, make(d, d.0));
                }
            }
            map
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
