//! Choice: the first rule that matches picks the next state (and its `Assign` and, in
//! JSONata, its `Output`); otherwise Default (with the state's own `Assign` / `Output`),
//! otherwise `States.NoChoiceMatched`.

use serde_json::Value;

use super::{Advance, StateRun};
use crate::engine::comparison::matches;
use crate::engine::error::{Failure, STATES_NO_CHOICE_MATCHED};
use crate::engine::events::Thread;
use crate::engine::io::Io;
use crate::engine::jsonata::States;
use crate::model::ChoiceState;

pub(super) fn run<'a>(
    s: &StateRun<'a>,
    choice: &'a ChoiceState,
    input: Value,
    thread: &mut Thread,
) -> Result<Advance<'a>, Failure> {
    let io = s.io(None);
    let no_match = || {
        Failure::new(
            STATES_NO_CHOICE_MATCHED,
            Some(format!(
                "An error occurred while executing the state '{}' (entered at the event id #{}). No Choice Rule matched and no Default was specified.",
                s.name, s.entered_id
            )),
        )
    };
    if s.jsonata() {
        let context = |with_input| io.context_document(with_input);
        let states = io.states(&input, None, None, &context);
        let (rule, next) = pick_jsonata(choice, &io, &states)?.ok_or_else(no_match)?;
        let prefix = rule.map_or(String::new(), |i| format!("Choices/{i}/"));
        let assign = format!("{prefix}Assign");
        let present = match rule {
            Some(i) => choice.choices[i].extra.contains_key("Assign"),
            None => s.state.extra.contains_key("Assign"),
        };
        s.assign_field(&io, &assign, present, &input, Some(&states))?;
        let output = io.jsonata(&format!("{prefix}Output"), &states)?;
        return s.exit_to(thread, output.unwrap_or(input), Some(next));
    }
    let effective = io.filter_owned(&s.state.input_path, input)?;
    let (rule, next) = pick_rule(choice, &effective, &io)?.ok_or_else(no_match)?;
    let (field, present) = match rule {
        Some(i) => (
            format!("Choices/{i}/Assign"),
            choice.choices[i].extra.contains_key("Assign"),
        ),
        None => ("Assign".to_string(), s.state.extra.contains_key("Assign")),
    };
    s.assign_field(&io, &field, present, &effective, None)?;
    let output = io.filter_owned(&s.state.output_path, effective)?;
    s.exit_to(thread, output, Some(next))
}

/// The state the first matching rule names, otherwise Default, on the effective input.
pub(crate) fn pick<'a>(
    choice: &'a ChoiceState,
    effective: &Value,
    io: &Io<'_>,
) -> Result<Option<&'a str>, Failure> {
    Ok(pick_rule(choice, effective, io)?.map(|(_, next)| next))
}

/// The first matching rule (its index; `None` for Default) and the state it goes to.
fn pick_rule<'a>(
    choice: &'a ChoiceState,
    effective: &Value,
    io: &Io<'_>,
) -> Result<Option<(Option<usize>, &'a str)>, Failure> {
    for (i, rule) in choice.choices.iter().enumerate() {
        if matches(rule, effective, io)? {
            let next = rule.next.as_deref().or(choice.default.as_deref());
            return Ok(next.map(|n| (Some(i), n)));
        }
    }
    Ok(choice.default.as_deref().map(|n| (None, n)))
}

/// Like [`pick_rule`], with the JSONata `Condition` of each rule.
fn pick_jsonata<'a>(
    choice: &'a ChoiceState,
    io: &Io<'_>,
    states: &States<'_>,
) -> Result<Option<(Option<usize>, &'a str)>, Failure> {
    for (i, rule) in choice.choices.iter().enumerate() {
        let field = format!("Choices/{i}/Condition");
        let value = io.jsonata(&field, states)?.unwrap_or(Value::Null);
        let Value::Bool(matched) = value else {
            let template = io.jsonata_template(&field);
            return Err(match template {
                Some(t) => t.wrong_type("boolean", &value),
                None => Failure::query(Some(&field), "The Condition field is missing"),
            });
        };
        if matched {
            let next = rule.next.as_deref().or(choice.default.as_deref());
            return Ok(next.map(|n| (Some(i), n)));
        }
    }
    Ok(choice.default.as_deref().map(|n| (None, n)))
}
