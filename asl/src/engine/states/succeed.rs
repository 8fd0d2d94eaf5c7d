//! Succeed: ends its machine with its input, through InputPath and OutputPath (JSONPath) or
//! `Output` (JSONata).

use serde_json::Value;

use super::{Advance, StateRun};
use crate::engine::error::Failure;
use crate::engine::events::Thread;

pub(super) fn run<'a>(
    s: &StateRun<'a>,
    input: Value,
    thread: &mut Thread,
) -> Result<Advance<'a>, Failure> {
    let io = s.io(None);
    if s.jsonata() {
        let context = |with_input| io.context_document(with_input);
        let states = io.states(&input, None, None, &context);
        let output = io.jsonata("Output", &states)?;
        return s.exit(thread, output.unwrap_or(input));
    }
    let effective = io.filter_owned(&s.state.input_path, input)?;
    let output = io.filter_owned(&s.state.output_path, effective)?;
    s.exit(thread, output)
}
