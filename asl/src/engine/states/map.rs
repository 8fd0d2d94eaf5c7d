//! Map: runs its item processor for every item of an array, up to MaxConcurrency at a time,
//! with ItemSelector and the `$$.Map.Item` context. Inline maps record every iteration in the
//! execution's history; distributed maps (items from the state input) record a map run instead.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use super::StateRun;
use crate::engine::concurrent::try_join_ordered;
use crate::engine::error::{Failure, STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD};
use crate::engine::events::{Details, Recorder, Thread};
use crate::engine::io::Io;
use crate::engine::run::{run_machine, Run, Slot};
use crate::engine::variables::Scope;
use crate::model::MapState;

/// How many failed iterations a Map state tolerates.
struct Tolerance {
    count: Option<u64>,
    percentage: Option<f64>,
}

impl Tolerance {
    /// Whether `failures` of `total` iterations exceed the threshold (either one, when both
    /// are set; any failure when none is).
    fn exceeded(&self, failures: usize, total: usize) -> bool {
        if self.count.is_none() && self.percentage.is_none() {
            return failures > 0;
        }
        let percent = failures as f64 * 100.0 / total.max(1) as f64;
        self.count.is_some_and(|c| failures as u64 > c)
            || self.percentage.is_some_and(|p| percent > p)
    }
}

/// AWS's cause when ToleratedFailureCount (a path's value, or a JSONata expression's) is
/// below zero.
const NEGATIVE_COUNT: &str = "ToleratedFailureCount cannot be negative.";

/// Whether `value` is an integer below zero (a fraction is "not a valid integer" instead).
fn is_negative_integer(value: &Value) -> bool {
    value.as_i64().is_some_and(|n| n < 0)
}

/// The text of a value as AWS quotes it in these messages (strings without quotes).
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn tolerance(io: &Io<'_>, m: &MapState, input: &Value) -> Result<Tolerance, Failure> {
    let count = match &m.tolerated_failure_count_path {
        Some(path) => {
            let value = io.select(path, input)?;
            if is_negative_integer(&value) {
                return Err(Failure::runtime(NEGATIVE_COUNT));
            }
            Some(value.as_u64().ok_or_else(|| {
                Failure::runtime(format!(
                    "The ToleratedFailureCountPath field refers to value \"{}\" which is not a valid integer: {path}",
                    shown(&value)
                ))
            })?)
        }
        None => m.tolerated_failure_count,
    };
    let percentage = match &m.tolerated_failure_percentage_path {
        Some(path) => {
            let value = io.select(path, input)?;
            Some(value.as_f64().ok_or_else(|| {
                Failure::runtime(format!(
                    "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {path}",
                    shown(&value)
                ))
            })?)
        }
        None => m.tolerated_failure_percentage,
    };
    if percentage.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
        return Err(Failure::runtime(
            "ToleratedFailurePercentage must be between 0 and 100.",
        ));
    }
    Ok(Tolerance { count, percentage })
}

fn max_concurrency(io: &Io<'_>, m: &MapState, input: &Value) -> Result<usize, Failure> {
    let value = match &m.max_concurrency_path {
        Some(path) => {
            let value = io.select(path, input)?;
            // AWS also takes an integer written as a string.
            let number = value
                .as_u64()
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()));
            number.ok_or_else(|| {
                Failure::runtime(format!(
                    "The MaxConcurrencyPath field refers to value \"{}\" which is not a valid integer: {path}",
                    shown(&value)
                ))
            })?
        }
        None => m.max_concurrency.unwrap_or(0),
    };
    Ok(usize::try_from(value).unwrap_or(usize::MAX))
}

/// A JSONata Map's items (`Items`, else the input), MaxConcurrency and tolerated failures
/// (numbers or expressions).
fn jsonata_settings(
    io: &Io<'_>,
    m: &MapState,
    input: &Value,
) -> Result<(Vec<Value>, usize, Tolerance), Failure> {
    let context = |with_input| io.context_document(with_input);
    let states = io.states(input, None, None, &context);
    let items = match io.jsonata("Items", &states)? {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(match io.jsonata_template("Items") {
                Some(t) => t.wrong_type("array", &other),
                None => Failure::query(Some("Items"), "The Items field must be an array"),
            })
        }
        None => match input {
            Value::Array(items) => items.clone(),
            other => {
                return Err(Failure::query(
                    None,
                    format!("Map state input must be an array but was: {other}"),
                ))
            }
        },
    };
    let number = |field: &str, expected: &str| -> Result<Option<Value>, Failure> {
        let Some(value) = io.jsonata(field, &states)? else {
            return Ok(None);
        };
        if value.is_number() {
            return Ok(Some(value));
        }
        Err(match io.jsonata_template(field) {
            Some(t) => t.wrong_type(expected, &value),
            None => Failure::query(Some(field), format!("The {field} field must be a number")),
        })
    };
    let concurrency = match number("MaxConcurrency", "integer")? {
        Some(v) => v.as_u64().unwrap_or(0),
        None => m.max_concurrency.unwrap_or(0),
    };
    let count = match number("ToleratedFailureCount", "integer")? {
        Some(v) if is_negative_integer(&v) => {
            return Err(Failure::query(
                Some("ToleratedFailureCount"),
                NEGATIVE_COUNT,
            ))
        }
        Some(v) => v.as_u64(),
        None => m.tolerated_failure_count,
    };
    let percentage = match number("ToleratedFailurePercentage", "number")? {
        Some(v) => v.as_f64(),
        None => m.tolerated_failure_percentage,
    };
    if percentage.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
        return Err(Failure::query(
            Some("ToleratedFailurePercentage"),
            "ToleratedFailurePercentage must be between 0 and 100.",
        ));
    }
    let concurrency = usize::try_from(concurrency).unwrap_or(usize::MAX);
    Ok((items, concurrency, Tolerance { count, percentage }))
}

/// Records `MapStateStarted` for `length` items.
fn started(s: &StateRun<'_>, thread: &mut Thread, length: usize) {
    let details = Details::new("mapStateStartedEventDetails").with("length", length);
    s.run.recorder.add(thread, "MapStateStarted", details);
}

fn is_distributed(m: &MapState) -> bool {
    m.processor
        .processor_config
        .as_ref()
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str)
        == Some("DISTRIBUTED")
}

/// The ARN of a distributed map's run.
fn map_run_arn(s: &StateRun<'_>, m: &MapState) -> String {
    let sm = &s.run.shared.info.state_machine_arn;
    let base = sm.replacen(":stateMachine:", ":mapRun:", 1);
    let label = m
        .label
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    format!("{base}/{label}:{}", uuid::Uuid::new_v4())
}

/// Where the iterations write their events.
struct Iterations<'a> {
    s: &'a StateRun<'a>,
    m: &'a MapState,
    run: Run,
    /// Whether iteration events go to the execution's history (inline maps).
    inline: bool,
    /// A Distributed Map's run, where each item's outcome is kept for a redrive.
    map_run: Option<String>,
    items: Vec<Value>,
    effective: &'a Value,
    retry_count: u64,
    next: AtomicUsize,
    outputs: Mutex<Vec<Value>>,
    failures: AtomicUsize,
    tolerance: Tolerance,
    /// The scope every iteration starts from (it reads the variables around the Map).
    scope: Scope,
    /// The outputs of the iterations a redrive keeps (they succeeded before it), by index.
    kept: HashMap<usize, Value>,
}

impl Iterations<'_> {
    fn iteration_event(&self, thread: &mut Thread, event: &str, key: &'static str, index: usize) {
        if self.inline {
            let details = Details::new(key)
                .with("index", index)
                .with("name", self.s.name);
            self.run.recorder.add_closing(thread, event, details);
        }
    }

    async fn iteration(
        &self,
        index: usize,
        thread: &mut Thread,
        slot: &Slot,
    ) -> Result<Value, Failure> {
        let item = &self.items[index];
        let selector = self.m.item_selector.as_ref().or(self.m.parameters.as_ref());
        let input = match selector {
            Some(_) => {
                let mut context = self.s.context(Some(self.retry_count));
                context.map_item = Some((index, item));
                let io = Io {
                    compiled: &self.s.run.shared.compiled,
                    context,
                    variables: &self.s.variables,
                };
                if self.s.jsonata() {
                    let context = |with_input| io.context_document(with_input);
                    let states = io.states(self.effective, None, None, &context);
                    io.jsonata("ItemSelector", &states)?
                        .unwrap_or_else(|| item.clone())
                } else {
                    io.template("ItemSelector", self.effective)?
                }
            }
            None => item.clone(),
        };
        let mut scope = self.scope.clone();
        if self.inline {
            run_machine(
                &self.run,
                &self.m.processor,
                input,
                thread,
                &mut scope,
                slot,
            )
            .await
        } else {
            let mut child = Thread::default();
            run_machine(
                &self.run,
                &self.m.processor,
                input,
                &mut child,
                &mut scope,
                slot,
            )
            .await
        }
    }

    /// One worker: takes the next item until none is left or the map must stop.
    async fn worker(&self, start: Thread, slot: Slot) -> Result<Thread, (Failure, Thread)> {
        let mut worker = start.child();
        let mut last_job: Option<Thread> = None;
        loop {
            let index = self.next.fetch_add(1, Ordering::SeqCst);
            if index >= self.items.len() {
                break;
            }
            if let Some(output) = self.kept.get(&index) {
                self.store(index, output.clone());
                continue;
            }
            let mut job = worker.child();
            if self.inline {
                let details = Details::new("mapIterationStartedEventDetails")
                    .with("index", index)
                    .with("name", self.s.name);
                self.run
                    .recorder
                    .add(&mut job, "MapIterationStarted", details);
            }
            match self.iteration(index, &mut job, &slot).await {
                Ok(output) => {
                    self.remember(index, Some(&output));
                    self.iteration_event(
                        &mut job,
                        "MapIterationSucceeded",
                        "mapIterationSucceededEventDetails",
                        index,
                    );
                    self.store(index, output);
                    worker.integrate(&job);
                    last_job = Some(job);
                }
                Err(failure) => {
                    self.remember(index, None);
                    self.iteration_event(
                        &mut job,
                        "MapIterationFailed",
                        "mapIterationFailedEventDetails",
                        index,
                    );
                    worker.integrate(&job);
                    let failures = self.failures.fetch_add(1, Ordering::SeqCst) + 1;
                    if self.tolerance.exceeded(failures, self.items.len()) {
                        return Err((self.threshold_failure(failure), worker));
                    }
                    self.store(index, failure.error_output());
                }
            }
        }
        if let Some(job) = last_job {
            worker.source = job.last;
        }
        Ok(worker)
    }

    /// Keeps a Distributed Map item's outcome (its output when it succeeded) for a redrive.
    fn remember(&self, index: usize, output: Option<&Value>) {
        if let Some(arn) = &self.map_run {
            self.s.run.shared.map_runs.record(arn, index, output);
        }
    }

    fn store(&self, index: usize, value: Value) {
        let mut outputs = self.outputs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = outputs.get_mut(index) {
            *slot = value;
        }
    }

    fn threshold_failure(&self, failure: Failure) -> Failure {
        if self.inline {
            failure
        } else {
            Failure::new(
                STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD,
                Some("The specified tolerated failure threshold was exceeded".to_string()),
            )
        }
    }
}

pub(super) async fn attempt(
    s: &StateRun<'_>,
    m: &MapState,
    effective: &Value,
    thread: &mut Thread,
    retry_count: u64,
) -> Result<Value, Failure> {
    let io = s.io(Some(retry_count));
    let (items, concurrency, tolerance) = if s.jsonata() {
        let (items, concurrency, tolerance) = jsonata_settings(&io, m, effective)?;
        started(s, thread, items.len());
        (items, concurrency, tolerance)
    } else {
        let items = match &m.items_path {
            Some(path) => io.select(path, effective)?.into_owned(),
            None => effective.clone(),
        };
        let Value::Array(items) = items else {
            return Err(Failure::runtime(format!(
                "Map state input must be an array but was: {items}"
            )));
        };
        let concurrency = max_concurrency(&io, m, effective)?;
        // AWS records the start before it reads the tolerated failures.
        started(s, thread, items.len());
        let tolerance = tolerance(&io, m, effective)?;
        (items, concurrency, tolerance)
    };
    let recorder = &s.run.recorder;
    let inline = !is_distributed(m);
    // A redrive keeps the iterations that succeeded before it, and goes on with the same run.
    let kept = s.run.shared.kept.map(s.name);
    let (run, map_run) = if inline {
        (s.run.clone(), None)
    } else {
        let arn = match kept.map_run {
            Some(arn) => {
                let count = s.run.shared.map_runs.redriven(&arn);
                let details = Details::new("mapRunRedrivenEventDetails")
                    .with("mapRunArn", arn.as_str())
                    .with("redriveCount", count);
                recorder.add(thread, "MapRunRedriven", details);
                arn
            }
            None => {
                let arn = map_run_arn(s, m);
                let details =
                    Details::new("mapRunStartedEventDetails").with("mapRunArn", arn.as_str());
                recorder.add(thread, "MapRunStarted", details);
                arn
            }
        };
        let run = Run {
            shared: s.run.shared.clone(),
            recorder: Arc::new(Recorder::new(arn.clone(), s.run.shared.clock.clone(), None)),
        };
        (run, Some(arn))
    };
    let total = items.len();
    let workers = match concurrency {
        0 => total,
        n => n.min(total),
    };
    let iterations = Iterations {
        s,
        m,
        run,
        inline,
        map_run,
        outputs: Mutex::new(vec![Value::Null; total]),
        items,
        effective,
        retry_count,
        next: AtomicUsize::new(0),
        failures: AtomicUsize::new(0),
        tolerance,
        scope: s.variables.nested(),
        kept: kept.iterations,
    };
    let start = *thread;
    let futures = (0..workers).map(|_| iterations.worker(start, Mutex::new(None)));
    let result = try_join_ordered(futures.collect()).await;
    match result {
        Ok(worker_threads) => {
            for worker in &worker_threads {
                thread.integrate(worker);
            }
            // AWS (since late 2024) chains MapStateSucceeded from MapRunSucceeded but the
            // state's exit from MapRunStarted, where the run's events branch off.
            let run_started = thread.source;
            if !inline {
                recorder.add(thread, "MapRunSucceeded", Details::none());
            }
            recorder.add_closing(thread, "MapStateSucceeded", Details::none());
            if !inline {
                thread.source = run_started;
            }
            let outputs = iterations
                .outputs
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner);
            Ok(Value::Array(outputs))
        }
        Err(stopped) => {
            let (failure, worker) = stopped.error;
            thread.integrate(&worker);
            if !inline {
                let details = Details::new("mapRunFailedEventDetails")
                    .error(failure.error.as_deref(), failure.cause.as_deref());
                recorder.add(thread, "MapRunFailed", details);
            }
            Err(failure)
        }
    }
}
