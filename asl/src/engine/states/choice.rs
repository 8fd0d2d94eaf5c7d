//! Choice: the first rule that matches picks the next state; otherwise Default, otherwise
//! `States.NoChoiceMatched`.

use serde_json::Value;

use super::{StateRun, Step};
use crate::engine::choice::matches;
use crate::engine::error::{Failure, STATES_NO_CHOICE_MATCHED};
use crate::engine::events::Thread;
use crate::engine::io::Io;
use crate::model::ChoiceState;

pub(super) fn run<'a>(
    s: &StateRun<'a>,
    choice: &'a ChoiceState,
    input: Value,
    thread: &mut Thread,
) -> Result<Step<'a>, Failure> {
    let io = s.io(None);
    let effective = io.filter_owned(&s.state.input_path, input)?;
    let next = pick(choice, &effective, &io)?.ok_or_else(|| {
        Failure::new(
            STATES_NO_CHOICE_MATCHED,
            Some(format!(
                "An error occurred while executing the state '{}' (entered at the event id #{}). No Choice Rule matched and no Default was specified.",
                s.name, s.entered_id
            )),
        )
    })?;
    let output = io.filter_owned(&s.state.output_path, effective)?;
    s.exit_to(thread, output, Some(next))
}

/// The state the first matching rule names, otherwise Default, on the effective input.
pub(crate) fn pick<'a>(
    choice: &'a ChoiceState,
    effective: &Value,
    io: &Io<'_>,
) -> Result<Option<&'a str>, Failure> {
    for rule in &choice.choices {
        if matches(rule, effective, io)? {
            return Ok(rule.next.as_deref().or(choice.default.as_deref()));
        }
    }
    Ok(choice.default.as_deref())
}
