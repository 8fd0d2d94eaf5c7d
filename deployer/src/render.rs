//! Rendering the CloudFormation templates and the pause task from `templates/` (embedded in the
//! binary, so `deployer` works from any directory).
//!
//! Every value that comes from the user reaches a template JSON-encoded: a JSON scalar is also a
//! valid YAML flow scalar, so no user text can break the YAML's structure.

use serde_json::{json, Value};
use tera::{Context, Tera};

use crate::error::{CliError, CliResult};
use crate::resumer::{PauseSpec, Resumer};

const TEMPLATES: [(&str, &str); 4] = [
    (
        "resumer.yaml.tera",
        include_str!("../../templates/resumer.yaml.tera"),
    ),
    (
        "demo.yaml.tera",
        include_str!("../../templates/demo.yaml.tera"),
    ),
    (
        "partials/pause_task.tera",
        include_str!("../../templates/partials/pause_task.tera"),
    ),
    (
        "partials/tags.tera",
        include_str!("../../templates/partials/tags.tera"),
    ),
];

/// Printed as the pause task's `Next` when the user named none: paste the task, then edit it.
pub const NEXT_PLACEHOLDER: &str = "<your next state: replace me>";
/// Where the pause task puts the event's detail unless told otherwise.
pub const DEFAULT_RESULT_PATH: &str = "$.resumeEvent";

/// Where the demo's Lambda code lives.
#[derive(Debug, Clone)]
pub struct DemoArtifacts {
    /// The bucket holding the zipped functions.
    pub bucket: String,
    /// The first function's key.
    pub first_key: String,
    /// The second function's key.
    pub second_key: String,
    /// The start_job function's key.
    pub start_job_key: String,
}

/// How the pause task continues.
#[derive(Debug, Clone)]
pub struct PauseOptions {
    /// The state after the pause (a placeholder when `None`).
    pub next: Option<String>,
    /// Where the event's detail goes in the state.
    pub result_path: String,
}

impl Default for PauseOptions {
    fn default() -> Self {
        PauseOptions {
            next: None,
            result_path: DEFAULT_RESULT_PATH.to_string(),
        }
    }
}

fn engine() -> CliResult<Tera> {
    engine_with(TEMPLATES)
}

fn engine_with(
    templates: impl IntoIterator<Item = (&'static str, &'static str)>,
) -> CliResult<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    tera.add_raw_templates(templates).map_err(template_error)?;
    Ok(tera)
}

/// A rendering error names the template and line (tera's message carries both).
fn template_error(e: tera::Error) -> CliError {
    let mut message = format!("template error: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    CliError::Failed(message)
}

fn render(name: &str, context: &Context) -> CliResult<String> {
    engine()?.render(name, context).map_err(template_error)
}

fn encoded(value: impl Into<Value>) -> String {
    value.into().to_string()
}

fn tags(tags: &std::collections::BTreeMap<String, String>) -> Vec<Value> {
    tags.iter()
        .map(|(k, v)| json!({"key": encoded(k.as_str()), "value": encoded(v.as_str())}))
        .collect()
}

/// The pause task as a JSON value (the one source: `templates/partials/pause_task.tera`).
pub fn pause_task(spec: &PauseSpec, options: &PauseOptions) -> CliResult<Value> {
    let mut context = Context::new();
    context.insert("table_name", &encoded(spec.stack_name()));
    context.insert(
        "path_to_id_pause_task",
        &encoded(spec.path_to_id_pause_task.as_str()),
    );
    context.insert("detail_path", &encoded(branch_path(&options.result_path)));
    context.insert(
        "comment",
        &encoded(format!(
            "Pauses until {}'s resume machine sends the event for this id; the result is the \
             event's detail, at {}",
            spec.stack_name(),
            options.result_path
        )),
    );
    context.insert("timeout_seconds", &spec.timeout_seconds);
    let next = options.next.as_deref().unwrap_or(NEXT_PLACEHOLDER);
    context.insert("next", &encoded(next));
    let text = render("partials/pause_task.tera", &context)?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::Failed(format!("the pause task template made invalid JSON: {e}")))
}

/// Where the pause's branch puts the detail: the user's ResultPath inside the branch's copy of
/// the state input (`$.input`), which the Parallel state's OutputPath returns.
fn branch_path(result_path: &str) -> String {
    let rest = result_path.strip_prefix('$').unwrap_or(result_path);
    format!("$.input{rest}")
}

/// The resumer stack's CloudFormation template (YAML).
pub fn resumer_template(resumer: &Resumer) -> CliResult<String> {
    let task = pause_task(&resumer.pause, &PauseOptions::default())?;
    let stack = resumer.stack_name();
    let mut triggers = vec![json!({
        "logical": "Resume",
        "machine_name": encoded(resumer.machine_name()),
        "comment": encoded(format!("Ends the wait of {stack}'s pause task with the event's detail")),
        "send_state": "SendTaskSuccess",
        "outcome": "success",
        "rule_description": encoded(format!("Completion events for {stack}")),
        "event_pattern": encoded(resumer.event_pattern.to_string()),
    })];
    if let Some(pattern) = &resumer.failure_event_pattern {
        triggers.push(json!({
            "logical": "Fail",
            "machine_name": encoded(resumer.fail_machine_name()),
            "comment": encoded(format!("Ends the wait of {stack}'s pause task with a failure")),
            "send_state": "SendTaskFailure",
            "outcome": "failure",
            "rule_description": encoded(format!("Failure events for {stack}")),
            "event_pattern": encoded(pattern.to_string()),
        }));
    }
    let mut context = Context::new();
    context.insert(
        "description",
        &encoded(format!(
            "sfn-resume: pause a workflow until an EventBridge event, then resume it ({stack})"
        )),
    );
    context.insert("table_name", &encoded(stack.as_str()));
    context.insert("log_group_name", &encoded(resumer.log_group_name()));
    context.insert("deletion_policy", resumer.removal_policy.deletion_policy());
    context.insert(
        "update_replace_policy",
        resumer.removal_policy.update_replace_policy(),
    );
    context.insert(
        "path_to_id_workflow",
        &encoded(resumer.path_to_id_workflow.as_str()),
    );
    context.insert("triggers", &triggers);
    context.insert("arrival_window_seconds", &resumer.arrival_window_seconds);
    context.insert("pause_task", &encoded(task.to_string()));
    let mut all_tags = resumer.tags.clone();
    all_tags.insert("deployer:kind".into(), "resumer".into());
    all_tags.insert(
        "deployer:name-suffix".into(),
        resumer.pause.name_suffix.clone(),
    );
    context.insert("tags", &tags(&all_tags));
    render("resumer.yaml.tera", &context)
}

/// The demo stack's CloudFormation template (YAML).
pub fn demo_template(artifacts: &DemoArtifacts) -> CliResult<String> {
    let mut context = Context::new();
    context.insert("artifact_bucket", &encoded(artifacts.bucket.as_str()));
    context.insert(
        "functions",
        &json!([
            {"logical": "FirstLambda", "key": encoded(artifacts.first_key.as_str())},
            {"logical": "SecondLambda", "key": encoded(artifacts.second_key.as_str())},
            {"logical": "StartJobLambda", "key": encoded(artifacts.start_job_key.as_str())},
        ]),
    );
    let pause = pause_task(
        &crate::demo::jobs_resumer()?.pause,
        &PauseOptions {
            next: Some(crate::demo::AFTER_PAUSE.to_string()),
            ..PauseOptions::default()
        },
    )?;
    context.insert("pause_state", &encoded(crate::demo::PAUSE_STATE));
    context.insert("pause_task", &encoded(pause));
    context.insert("after_pause", &encoded(crate::demo::AFTER_PAUSE));
    context.insert(
        "tags",
        &tags(&[("deployer:kind".to_string(), "demo".to_string())].into()),
    );
    render("demo.yaml.tera", &context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: CliResult<impl std::fmt::Debug>) -> String {
        match result {
            Err(e) => e.to_string(),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn a_syntax_error_names_the_template_and_line() {
        let m = message(engine_with([(
            "broken.yaml.tera",
            "a: 1\nb: 2\nc: {{ oops(\n",
        )]));
        assert!(m.contains("broken.yaml.tera"), "{m}");
        assert!(
            m.contains(":3:") || m.contains("line 3") || m.contains("3 |"),
            "{m}"
        );
    }

    #[test]
    fn a_missing_variable_names_the_template_and_line() {
        let tera = engine_with([("t.yaml.tera", "a: 1\nb: {{ missing }}\n")]).unwrap();
        let m = message(
            tera.render("t.yaml.tera", &Context::new())
                .map_err(template_error),
        );
        assert!(m.contains("t.yaml.tera"), "{m}");
        assert!(
            m.contains(":2:") || m.contains("line 2") || m.contains("2 |"),
            "{m}"
        );
    }

    #[test]
    fn every_embedded_template_parses() {
        let tera = engine().unwrap();
        assert_eq!(tera.get_template_names().count(), TEMPLATES.len());
    }
}
