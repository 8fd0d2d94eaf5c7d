//! Rewriting the Parallel and Map states on the way down to the failed state, in the
//! once-only copy of the resume point: branches that succeeded return their recorded output,
//! the failed branch resumes at its failed state, and Map iterations that succeeded return
//! theirs while the others run again with their own items.

use serde_json::{json, Map, Value};

use super::analysis::{Analysis, IterationOutcome, Run};
use super::locate::Enclosing;
use super::patch::merge_patch;
use super::rewrite::{
    choice, prepend_states, prune, recorded_value, unwrap_field, Lang, NameAllocator, ADDED_BY,
};
use super::{BranchPlan, MapPlan, PlanError};
use crate::model::{Comparison, Condition, Machine, MapState, Operator, State, StateKind};

/// The field of a Map iteration's wrapped input that holds its index.
const INDEX_FIELD: &str = "sfnResumeIndex";
/// The field of a Map iteration's wrapped input that holds its item.
const ITEM_FIELD: &str = "sfnResumeItem";

/// What rewriting the resume point's nested machines produced.
pub struct Nested<'p, 'h> {
    pub analysis: &'p Analysis<'h>,
    pub names: &'p mut NameAllocator,
    pub patch: Option<&'p Value>,
    pub lang: Lang,
    /// States that finished inside and will not run again.
    pub skipped: Vec<String>,
    /// What happens to each Parallel branch.
    pub branches: Vec<BranchPlan>,
    /// What happens to each Map's iterations.
    pub iterations: Vec<MapPlan>,
    /// What the user should know.
    pub warnings: Vec<String>,
    /// Whether anything was rewritten (so the copy must be used instead of the state).
    pub changed: bool,
}

impl Nested<'_, '_> {
    /// `state` is `steps[0].state`, entered at position `entered`; `steps` lead down to `failed`.
    pub fn descend(
        &mut self,
        state: &mut State,
        steps: &[Enclosing],
        failed: &str,
        entered: usize,
    ) -> Result<(), PlanError> {
        let Some(step) = steps.first() else {
            return Ok(());
        };
        let selector_lang = Lang::of_state(state, self.lang);
        match &mut state.kind {
            StateKind::Parallel(parallel) => {
                let inner = steps.get(1).map_or(failed, |s| s.state);
                for (i, branch) in parallel.branches.iter_mut().enumerate() {
                    if i == step.branch {
                        let run = self.analysis.last_run_after(inner, entered);
                        if let (Some(run), Some(inner_state)) = (run, branch.states.get_mut(inner))
                        {
                            self.descend(inner_state, &steps[1..], failed, run.entered)?;
                        }
                        self.resume_branch_at(branch, step.state, i, inner, run, entered)?;
                    } else {
                        self.settle_sibling(branch, step.state, i, entered)?;
                    }
                }
            }
            StateKind::Map(map) => self.settle_map(map, step.state, entered, selector_lang),
            _ => {}
        }
        Ok(())
    }

    /// A branch that must run again from `target` (where it failed or was interrupted).
    fn resume_branch_at(
        &mut self,
        branch: &mut Machine,
        parallel: &str,
        index: usize,
        target: &str,
        run: Option<Run>,
        entered: usize,
    ) -> Result<(), PlanError> {
        let input = run.and_then(|r| self.analysis.input_of(r));
        let (true, Some(input), Some(run)) = (target != branch.start_at, input, run) else {
            let first = target == branch.start_at;
            self.branches.push(if first {
                BranchPlan::ResumeAt {
                    parallel: parallel.to_string(),
                    branch: index,
                    state: target.to_string(),
                    input: None,
                }
            } else {
                BranchPlan::Restart {
                    parallel: parallel.to_string(),
                    branch: index,
                }
            });
            return Ok(());
        };
        let input = match self.patch {
            Some(patch) => merge_patch(&input, patch),
            None => input,
        };
        let scope: Vec<String> = branch.states.keys().cloned().collect();
        let variables = self
            .analysis
            .assigned_variables(
                &|name| scope.iter().any(|s| s == name),
                entered,
                run.entered,
            )
            .map_err(|state| PlanError::VariablesTruncated { state })?;
        self.skipped.extend(super::finished_states(
            self.analysis,
            branch,
            entered,
            target,
        ));
        let pass_name = self.names.allocate(&format!("Recorded input of {target}"));
        let pass = recorded_value(
            format!("{ADDED_BY}: the input '{target}' received in the failed run"),
            input.clone(),
            Some(target.to_string()),
            self.lang,
            &variables,
        );
        prepend_states(branch, pass_name.clone(), vec![(pass_name, pass)]);
        prune(branch);
        self.changed = true;
        self.branches.push(BranchPlan::ResumeAt {
            parallel: parallel.to_string(),
            branch: index,
            state: target.to_string(),
            input: Some(input),
        });
        Ok(())
    }

    /// A sibling of the failed branch: it either succeeded (and returns its recorded output),
    /// or was interrupted (and resumes where it was), or never started (and restarts).
    fn settle_sibling(
        &mut self,
        branch: &mut Machine,
        parallel: &str,
        index: usize,
        entered: usize,
    ) -> Result<(), PlanError> {
        let last_runs: Vec<(String, Run)> = branch
            .states
            .keys()
            .filter_map(|name| {
                self.analysis
                    .last_run_after(name, entered)
                    .map(|r| (name.clone(), r))
            })
            .collect();
        if let Some((name, run)) = last_runs
            .iter()
            .filter(|(_, r)| r.exited.is_none())
            .max_by_key(|(_, r)| r.entered)
        {
            let (name, run) = (name.clone(), *run);
            if matches!(branch.states[name.as_str()].kind, StateKind::Task(_)) {
                self.warnings.push(format!(
                    "'{name}' (branch {} of '{parallel}') was still running when the branch was \
                     stopped: it runs again, so a call it had made may be repeated",
                    index + 1
                ));
            }
            return self.resume_branch_at(branch, parallel, index, &name, Some(run), entered);
        }
        let output = last_runs
            .iter()
            .filter(|(name, _)| ends_branch(&branch.states[name.as_str()]))
            .filter_map(|(_, r)| r.exited.map(|at| (at, *r)))
            .max_by_key(|(at, _)| *at)
            .and_then(|(_, r)| self.analysis.output_of(r));
        let Some(output) = output else {
            self.branches.push(BranchPlan::Restart {
                parallel: parallel.to_string(),
                branch: index,
            });
            return Ok(());
        };
        self.skipped.extend(
            branch
                .states
                .keys()
                .filter(|name| last_runs.iter().any(|(n, _)| n == *name))
                .cloned(),
        );
        let pass_name = self.names.allocate(&format!(
            "Recorded output of {parallel} branch {}",
            index + 1
        ));
        let pass = recorded_value(
            format!(
                "{ADDED_BY}: branch {} of '{parallel}' succeeded in the failed run",
                index + 1
            ),
            output.clone(),
            None,
            self.lang,
            &Map::new(),
        );
        prepend_states(branch, pass_name.clone(), vec![(pass_name, pass)]);
        prune(branch);
        self.changed = true;
        self.branches.push(BranchPlan::ReturnRecordedOutput {
            parallel: parallel.to_string(),
            branch: index,
            output,
        });
        Ok(())
    }

    /// A Map on the way to the failed state: iterations that succeeded return their recorded
    /// output; failed, aborted and never-started ones run again with their own item.
    fn settle_map(&mut self, map: &mut MapState, name: &str, entered: usize, selector: Lang) {
        let iterations = self.analysis.iterations(name, entered);
        let items = self.analysis.map_length(entered);
        if iterations.is_empty() {
            self.warnings.push(format!(
                "the history records no iterations of the Map '{name}' (a Distributed Map keeps \
                 them in child executions): all of its items run again"
            ));
            self.iterations.push(MapPlan {
                map: name.to_string(),
                items,
                skipped: Vec::new(),
                rerun: (0..items.unwrap_or(0)).collect(),
            });
            return;
        }
        let mut done: Vec<(u64, Value)> = Vec::new();
        for iteration in &iterations {
            match (&iteration.outcome, &iteration.output) {
                (IterationOutcome::Succeeded, Some(output)) => {
                    done.push((iteration.index, output.clone()))
                }
                (IterationOutcome::Succeeded, None) => self.warnings.push(format!(
                    "item {} of the Map '{name}' succeeded but the history has no output for \
                     it: it runs again",
                    iteration.index
                )),
                _ => {}
            }
        }
        let count =
            items.unwrap_or_else(|| iterations.iter().map(|i| i.index + 1).max().unwrap_or(0));
        let skipped: Vec<u64> = done.iter().map(|(i, _)| *i).collect();
        let rerun: Vec<u64> = (0..count).filter(|i| !skipped.contains(i)).collect();
        self.iterations.push(MapPlan {
            map: name.to_string(),
            items: Some(count),
            skipped: skipped.clone(),
            rerun,
        });
        if done.is_empty() {
            return;
        }
        wrap_item_selector(map, selector);
        let processor = &mut map.processor;
        let unwrap_name = self.names.allocate(&format!("Item of {name}"));
        let unwrap = unwrap_field(
            format!("{ADDED_BY}: the item of an iteration that runs again"),
            ITEM_FIELD,
            processor.start_at.clone(),
            self.lang,
        );
        let mut added = Vec::new();
        let mut rules = Vec::new();
        for (index, output) in done {
            let pass_name = self
                .names
                .allocate(&format!("Recorded output of {name} item {index}"));
            rules.push((index_test(index, self.lang), pass_name.clone()));
            added.push((
                pass_name,
                recorded_value(
                    format!("{ADDED_BY}: item {index} of '{name}' succeeded in the failed run"),
                    output,
                    None,
                    self.lang,
                    &Map::new(),
                ),
            ));
        }
        let choice_name = self.names.allocate(&format!("Skip done items of {name}"));
        let skip = choice(
            format!("{ADDED_BY}: items that succeeded return their recorded output"),
            rules,
            &unwrap_name,
        );
        let mut states = vec![(choice_name.clone(), skip)];
        states.extend(added);
        states.push((unwrap_name, unwrap));
        prepend_states(processor, choice_name, states);
        self.changed = true;
    }
}

/// The rule that matches iteration `index` of a wrapped Map item.
fn index_test(index: u64, lang: Lang) -> Condition {
    match lang {
        Lang::JsonPath => Condition::Compare(Comparison {
            variable: format!("$.{INDEX_FIELD}"),
            operator: Operator::NumericEquals,
            operand: json!(index),
        }),
        Lang::Jsonata => Condition::Jsonata(Value::String(format!(
            "{{% $states.input.{INDEX_FIELD} = {index} %}}"
        ))),
    }
}

/// Makes each iteration's input `{index, item}`, where item is what the Map's selector (or the
/// item itself) gave before, so the processor can tell iterations apart.
fn wrap_item_selector(map: &mut MapState, lang: Lang) {
    let original = map.item_selector.take().or_else(|| map.parameters.take());
    let wrapped = match (lang, original) {
        (Lang::JsonPath, Some(selector)) => {
            json!({format!("{INDEX_FIELD}.$"): "$$.Map.Item.Index", ITEM_FIELD: selector})
        }
        (Lang::JsonPath, None) => json!({
            format!("{INDEX_FIELD}.$"): "$$.Map.Item.Index",
            format!("{ITEM_FIELD}.$"): "$$.Map.Item.Value"
        }),
        (Lang::Jsonata, selector) => json!({
            INDEX_FIELD: "{% $states.context.Map.Item.Index %}",
            ITEM_FIELD: selector.unwrap_or_else(|| json!("{% $states.context.Map.Item.Value %}"))
        }),
    };
    map.item_selector = Some(wrapped);
}

/// Whether a state ends its machine successfully when it exits.
fn ends_branch(state: &State) -> bool {
    !matches!(state.kind, StateKind::Fail(_)) && state.transition() == crate::model::Transition::End
}
