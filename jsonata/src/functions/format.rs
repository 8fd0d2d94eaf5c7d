//! Number formatting and parsing: `$formatNumber`, `$formatInteger`, `$parseInteger`, `$formatBase`.

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::{arg, Def};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[("formatBase", "<n-n?:s>", 2, f_format_base)];

fn f_format_base(_: &mut Evaluator, args: &[Value], _: &Ctx) -> Result<Value, Error> {
    let Value::Num(n) = arg(args, 0) else {
        return Ok(Value::Undefined);
    };
    let n = crate::functions::numeric::round_half_even(n, 0);
    let radix = arg(args, 1).as_num().unwrap_or(10.0);
    if !(2.0..=36.0).contains(&radix) {
        return Err(err("D3100", format!("The radix of the formatBase function must be between 2 and 36.  It was given {radix}")));
    }
    let radix = radix as u32;
    let neg = n < 0.0;
    let mut v = n.abs() as u128;
    let mut digits = Vec::new();
    if v == 0 {
        digits.push('0');
    }
    while v > 0 {
        digits.push(std::char::from_digit((v % radix as u128) as u32, radix).unwrap_or('0'));
        v /= radix as u128;
    }
    if neg {
        digits.push('-');
    }
    Ok(Value::string(digits.into_iter().rev().collect()))
}
