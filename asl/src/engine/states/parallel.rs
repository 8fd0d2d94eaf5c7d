//! Parallel: runs every branch on the same input, side by side; the first branch that fails
//! cancels the others, which record `…StateAborted` for the state they were in.

use std::sync::Mutex;

use serde_json::Value;

use super::{aborted_event_type, StateRun};
use crate::engine::concurrent::try_join_ordered;
use crate::engine::error::Failure;
use crate::engine::events::{Details, Thread};
use crate::engine::run::{read_slot, run_machine, Slot};
use crate::model::ParallelState;

pub(super) async fn attempt(
    s: &StateRun<'_>,
    p: &ParallelState,
    effective: &Value,
    thread: &mut Thread,
    retry_count: u64,
) -> Result<Value, Failure> {
    let io = s.io(Some(retry_count));
    let input = if s.jsonata() {
        let context = |with_input| io.context_document(with_input);
        let states = io.states(effective, None, None, &context);
        io.jsonata("Arguments", &states)?
            .unwrap_or_else(|| effective.clone())
    } else {
        match &p.parameters {
            Some(_) => io.template("Parameters", effective)?,
            None => effective.clone(),
        }
    };
    let scope = s.variables.nested();
    let recorder = &s.run.recorder;
    recorder.add(thread, "ParallelStateStarted", Details::none());
    let slots: Vec<Slot> = p.branches.iter().map(|_| Mutex::new(None)).collect();
    let start = *thread;
    // A redrive keeps the outputs of the branches that succeeded before it.
    let mut kept = s.run.shared.kept.branches(s.name).into_iter();
    let branches = p.branches.iter().zip(&slots).map(|(branch, slot)| {
        let input = input.clone();
        let mut scope = scope.clone();
        let kept = kept.next().flatten();
        async move {
            let mut branch_thread = start.child();
            if let Some(output) = kept {
                return Ok((output, branch_thread));
            }
            let run = run_machine(s.run, branch, input, &mut branch_thread, &mut scope, slot);
            match run.await {
                Ok(output) => Ok((output, branch_thread)),
                Err(failure) => Err((failure, branch_thread)),
            }
        }
    });
    match try_join_ordered(branches.collect()).await {
        Ok(results) => {
            let mut outputs = Vec::with_capacity(results.len());
            for (output, branch_thread) in results {
                thread.integrate(&branch_thread);
                outputs.push(output);
            }
            recorder.add_closing(thread, "ParallelStateSucceeded", Details::none());
            Ok(Value::Array(outputs))
        }
        Err(stopped) => {
            let (failure, failed_thread) = stopped.error;
            let mut aborted: Vec<usize> = stopped.unfinished;
            aborted.push(stopped.index);
            aborted.sort_unstable();
            let mut abort_thread = failed_thread;
            for index in aborted {
                if let Some(event) = read_slot(&slots[index]).and_then(aborted_event_type) {
                    recorder.add_closing(&mut abort_thread, event, Details::none());
                }
            }
            thread.integrate(&failed_thread);
            Err(failure)
        }
    }
}
