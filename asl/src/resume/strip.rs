//! Resuming a resumed run: the definition a copy's execution ran starts with an earlier
//! resume's entry (a Choice on the execution name and the Pass with the recorded input). They
//! are taken out before planning, so a resume of a resume has one entry, not two.

use super::rewrite::ENTRY_MARK;
use crate::model::{Definition, StateKind};

/// The definition without an earlier resume's entry states, and their names (which the
/// history of the copy's run mentions).
pub fn earlier_entry(definition: &Definition) -> (Definition, Vec<String>) {
    let mut out = definition.clone();
    let Some(entry) = out.states.get(&out.start_at) else {
        return (out, Vec::new());
    };
    let ours = entry
        .comment
        .as_deref()
        .is_some_and(|c| c.starts_with(ENTRY_MARK));
    let StateKind::Choice(choice) = &entry.kind else {
        return (out, Vec::new());
    };
    let (true, Some(original_start)) = (ours, choice.default.clone()) else {
        return (out, Vec::new());
    };
    let mut removed = vec![out.start_at.clone()];
    removed.extend(choice.choices.iter().filter_map(|r| r.next.clone()));
    for name in &removed {
        out.states.shift_remove(name);
    }
    out.start_at = original_start;
    (out, removed)
}
