//! `$eval`: parses and evaluates an expression at run time (not in the AWS function set).

use crate::error::{err, Error};
use crate::eval::{Ctx, Evaluator};
use crate::functions::{arg, Def};
use crate::value::{Flags, Value};

pub(crate) const FUNCTIONS: &[Def] = &[("eval", "<sx?:x>", 2, f_eval)];

fn f_eval(ev: &mut Evaluator, args: &[Value], ctx: &Ctx) -> Result<Value, Error> {
    let Some(src) = arg(args, 0).as_str().map(str::to_string) else {
        return Ok(Value::Undefined);
    };
    let input = match arg(args, 1) {
        Value::Undefined => ctx.input.clone(),
        Value::Array(a, f) if !f.sequence => Value::Array(
            std::rc::Rc::new(vec![Value::Array(a, f)]),
            Flags {
                outer_wrapper: true,
                ..Flags::SEQ
            },
        ),
        v => v,
    };
    let ast = crate::Expression::parse(&src).map_err(|e| {
        err(
            "D3120",
            format!(
                "Syntax error in expression passed to function eval: {}",
                e.message
            ),
        )
    })?;
    ev.eval(ast.root(), &input, ctx.env).map_err(|e| {
        err(
            "D3121",
            format!(
                "Dynamic error evaluating the expression passed to function eval: {}",
                e.message
            ),
        )
    })
}
