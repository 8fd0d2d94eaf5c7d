//! Date and time functions: `$now`, `$millis`, `$toMillis`, `$fromMillis`.

use crate::error::Error;
use crate::eval::{Ctx, Evaluator};
use crate::functions::Def;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Def] = &[("millis", "<:n>", 0, f_millis)];

fn f_millis(ev: &mut Evaluator, _: &[Value], _: &Ctx) -> Result<Value, Error> {
    Ok(Value::Num(ev.now_ms))
}
