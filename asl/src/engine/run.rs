//! Running a machine: the loop that goes from state to state, shared by the top-level
//! definition, Parallel branches and Map iterations.

use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;
use serde_json::Value;

use super::clock::Clock;
use super::compiled::CompiledMachine;
use super::context::ExecutionInfo;
use super::error::Failure;
use super::events::{Recorder, Thread};
use super::invoker::TaskInvoker;
use super::redrive::{Kept, MapRuns};
use super::states::{self, Advance, Pickup};
use super::token::Tokens;
use super::variables::Scope;
use crate::model::Machine;

/// What every state of one execution shares.
pub(crate) struct Shared {
    pub info: ExecutionInfo,
    /// The machine, compiled.
    pub compiled: Arc<CompiledMachine>,
    pub invoker: Arc<dyn TaskInvoker>,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<Tokens>,
    /// The region of the execution, for `TaskScheduled`.
    pub region: String,
    /// What a redriven Parallel or Map keeps from the attempts before the redrive.
    pub kept: Kept,
    /// What the engine's Distributed Map runs produced.
    pub map_runs: Arc<MapRuns>,
}

/// An execution (or a Distributed Map's child executions) at work: shared facts plus the log
/// events go to.
#[derive(Clone)]
pub(crate) struct Run {
    pub shared: Arc<Shared>,
    pub recorder: Arc<Recorder>,
}

/// The state a line of work is in, as its `Type` name, so a Parallel or Map state that cancels
/// it can record the `…StateAborted` event.
pub(crate) type Slot = Mutex<Option<&'static str>>;

/// Sets a slot.
pub(crate) fn set_slot(slot: &Slot, value: Option<&'static str>) {
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = value;
}

/// Reads a slot.
pub(crate) fn read_slot(slot: &Slot) -> Option<&'static str> {
    *slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `machine` from its StartAt state on `input` until it ends (its output) or fails.
pub(crate) fn run_machine<'a>(
    run: &'a Run,
    machine: &'a Machine,
    input: Value,
    thread: &'a mut Thread,
    scope: &'a mut Scope,
    slot: &'a Slot,
) -> BoxFuture<'a, Result<Value, Failure>> {
    let at = At {
        first: &machine.start_at,
        pickup: None,
    };
    run_machine_from(run, machine, at, input, thread, scope, slot)
}

/// Where a run of a machine starts: its first state, and the recorded entry of that state
/// when it is taken up from a history.
pub(crate) struct At<'a> {
    pub first: &'a str,
    pub pickup: Option<Pickup>,
}

/// Runs `machine` from the state `at.first` on `input` (taken up from a recorded history when
/// `at.pickup` is set), with the variables of `scope`, until it ends (its output) or fails.
pub(crate) fn run_machine_from<'a>(
    run: &'a Run,
    machine: &'a Machine,
    at: At<'a>,
    input: Value,
    thread: &'a mut Thread,
    scope: &'a mut Scope,
    slot: &'a Slot,
) -> BoxFuture<'a, Result<Value, Failure>> {
    Box::pin(async move {
        let mut name = at.first;
        let mut input = input;
        let mut pickup = at.pickup;
        loop {
            let (state_name, state) = machine.states.get_key_value(name).ok_or_else(|| {
                Failure::new(
                    "States.Runtime",
                    Some(format!(
                        "The state '{name}' does not exist in the definition"
                    )),
                )
            })?;
            set_slot(slot, Some(state.type_name()));
            let work = states::Work {
                run,
                name: state_name,
                state,
            };
            match states::run_state(work, input, thread, scope, pickup.take()).await? {
                Advance::Next(next, output) => {
                    name = next;
                    input = output;
                    // A loop of states that never wait (Pass, Choice) must still let the
                    // execution's timeout, StopExecution and the full history end it: give
                    // the runtime its turn once the task's budget is spent.
                    tokio::task::coop::consume_budget().await;
                }
                Advance::End(output) => {
                    set_slot(slot, None);
                    return Ok(output);
                }
            }
        }
    })
}
