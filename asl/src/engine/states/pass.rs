//! Pass: passes its input (or `Result`, or `Parameters`) on, through ResultPath and OutputPath.

use serde_json::Value;

use super::{StateRun, Step};
use crate::engine::error::Failure;
use crate::engine::events::Thread;
use crate::model::PassState;

pub(super) fn run<'a>(
    s: &StateRun<'a>,
    pass: &PassState,
    input: Value,
    thread: &mut Thread,
) -> Result<Step<'a>, Failure> {
    let io = s.io(None);
    let state = s.state;
    let identity = state.input_path.is_none()
        && pass.parameters.is_none()
        && pass.result.is_none()
        && pass.result_path.is_none();
    let output = if identity {
        input
    } else {
        let result = match (&pass.result, &pass.parameters) {
            (Some(result), _) => result.clone(),
            (None, parameters) => {
                let effective = io.filter(&state.input_path, &input)?;
                match parameters {
                    Some(template) => io.template(template, &effective)?,
                    None => effective.into_owned(),
                }
            }
        };
        io.place(&pass.result_path, input, result)?
    };
    let output = io.filter_owned(&state.output_path, output)?;
    s.exit(thread, output)
}
