//! The value operators: arithmetic, comparison, concatenation, range and `in`.

use crate::ast::BinOp;
use crate::error::{err, Error};
use crate::functions::string::stringify;
use crate::value::{deep_equal, Value};

/// Applies a binary operator to two evaluated operands.
pub(crate) fn binary(op: BinOp, lhs: &Value, rhs: &Value) -> Result<Value, Error> {
    match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
            if matches!(lhs, Value::Num(n) if !n.is_finite())
                || matches!(rhs, Value::Num(n) if !n.is_finite())
            {
                return Err(err("D1001", "Number out of range"));
            }
            if !lhs.is_undefined() && lhs.as_num().is_none() {
                return Err(err(
                    "T2001",
                    "The left side of the arithmetic expression is not a number",
                ));
            }
            if !rhs.is_undefined() && rhs.as_num().is_none() {
                return Err(err(
                    "T2002",
                    "The right side of the arithmetic expression is not a number",
                ));
            }
            let (Some(a), Some(b)) = (lhs.as_num(), rhs.as_num()) else {
                return Ok(Value::Undefined);
            };
            let r = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                _ => a % b,
            };
            Ok(Value::Num(r))
        }
        BinOp::Eq | BinOp::Ne => {
            if lhs.is_undefined() || rhs.is_undefined() {
                return Ok(Value::Bool(false));
            }
            let eq = deep_equal(lhs, rhs);
            Ok(Value::Bool(if op == BinOp::Eq { eq } else { !eq }))
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let comparable =
                |v: &Value| matches!(v, Value::Undefined | Value::Str(_) | Value::Num(_));
            if !comparable(lhs) || !comparable(rhs) {
                return Err(err("T2010", "The expressions either side of operator must evaluate to numeric or string values"));
            }
            if lhs.is_undefined() || rhs.is_undefined() {
                return Ok(Value::Undefined);
            }
            let ord = match (lhs, rhs) {
                (Value::Num(a), Value::Num(b)) => a.partial_cmp(b),
                (Value::Str(a), Value::Str(b)) => Some(crate::functions::string::js_cmp(a, b)),
                _ => {
                    return Err(err(
                        "T2009",
                        "The values either side of the operator must be of the same data type",
                    ))
                }
            };
            let Some(ord) = ord else {
                return Ok(Value::Bool(false));
            };
            use std::cmp::Ordering::*;
            Ok(Value::Bool(match op {
                BinOp::Lt => ord == Less,
                BinOp::Le => ord != Greater,
                BinOp::Gt => ord == Greater,
                _ => ord != Less,
            }))
        }
        BinOp::Concat => {
            let l = if lhs.is_undefined() {
                String::new()
            } else {
                stringify(lhs, false)?
            };
            let r = if rhs.is_undefined() {
                String::new()
            } else {
                stringify(rhs, false)?
            };
            Ok(Value::string(l + &r))
        }
        BinOp::Range => {
            let int = |v: &Value| matches!(v, Value::Num(n) if n.fract() == 0.0 && n.is_finite());
            if !lhs.is_undefined() && !int(lhs) {
                return Err(err(
                    "T2003",
                    "The left side of the range operator (..) must evaluate to an integer",
                ));
            }
            if !rhs.is_undefined() && !int(rhs) {
                return Err(err(
                    "T2004",
                    "The right side of the range operator (..) must evaluate to an integer",
                ));
            }
            let (Some(a), Some(b)) = (lhs.as_num(), rhs.as_num()) else {
                return Ok(Value::Undefined);
            };
            if a > b {
                return Ok(Value::Undefined);
            }
            let size = b - a + 1.0;
            if size > 1e7 {
                return Err(err("D2014", format!("The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {size}.")));
            }
            Ok(Value::seq(
                (0..size as i64).map(|i| Value::Num(a + i as f64)).collect(),
            ))
        }
        BinOp::In => {
            if lhs.is_undefined() || rhs.is_undefined() {
                return Ok(Value::Bool(false));
            }
            let found = rhs.members().iter().any(|v| strict_equal(v, lhs));
            Ok(Value::Bool(found))
        }
        BinOp::And | BinOp::Or => {
            unreachable!("short-circuit operators are evaluated by the evaluator")
        }
    }
}

/// JavaScript's `===` on values (objects and arrays by identity).
fn strict_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => std::rc::Rc::ptr_eq(x, y),
        (Value::Array(x, _), Value::Array(y, _)) => std::rc::Rc::ptr_eq(x, y),
        _ => deep_equal(a, b),
    }
}
