//! Pass: passes its input (or `Result`, or `Parameters`) on, through ResultPath and OutputPath
//! (JSONPath) or `Output` (JSONata), assigning its `Assign`.

use serde_json::Value;

use super::{Advance, StateRun};
use crate::engine::error::Failure;
use crate::engine::events::Thread;
use crate::model::PassState;

pub(super) fn run<'a>(
    s: &StateRun<'a>,
    pass: &PassState,
    input: Value,
    thread: &mut Thread,
) -> Result<Advance<'a>, Failure> {
    let io = s.io(None);
    let state = s.state;
    let assigns = state.extra.contains_key("Assign");
    if s.jsonata() {
        let result = pass.result.as_ref().unwrap_or(&input);
        let context = |with_input| io.context_document(with_input);
        let states = io.states(&input, None, None, &context);
        s.assign_field(&io, "Assign", assigns, result, Some(&states))?;
        let output = match io.jsonata("Output", &states)? {
            Some(output) => output,
            None => result.clone(),
        };
        return s.exit(thread, output);
    }
    let identity = state.input_path.is_none()
        && pass.parameters.is_none()
        && pass.result.is_none()
        && pass.result_path.is_none()
        && !assigns;
    let output = if identity {
        input
    } else {
        let result = match (&pass.result, &pass.parameters) {
            (Some(result), _) => result.clone(),
            (None, parameters) => {
                let effective = io.filter(&state.input_path, &input)?;
                match parameters {
                    Some(_) => io.template("Parameters", &effective)?,
                    None => effective.into_owned(),
                }
            }
        };
        s.assign_field(&io, "Assign", assigns, &result, None)?;
        io.place(&pass.result_path, input, result)?
    };
    let output = io.filter_owned(&state.output_path, output)?;
    s.exit(thread, output)
}
