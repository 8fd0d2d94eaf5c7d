//! `deployer up`: deploy resumer stacks through change sets and print their pause tasks.

use serde_json::Value;

use crate::aws::leftovers::{self, Obstacle};
use crate::aws::stack::{describe, Output};
use crate::aws::{iam, Aws};
use crate::cli::{GlobalArgs, ResumerSettings, UpArgs};
use crate::error::{CliError, CliResult};
use crate::operation::{check_approval, deploy, Adoption, Approval, Deployment, Report};
use crate::render::{pause_task, resumer_template, PauseOptions};
use crate::resumer::{load_config, resolve, Resumer, TABLE_KEY};
use crate::stacks::{self, WORKFLOW_ROLE_TAG};
use crate::ui::console::Console;
use crate::ui::stack::outputs_table;

use super::task::overrides;

/// Runs `deployer up`.
pub async fn run(args: &UpArgs, global: &GlobalArgs, console: &Console) -> CliResult {
    let resumers = selected(args)?;
    let roles: Vec<String> = args
        .workflow_role
        .iter()
        .map(|r| iam::role_name(r))
        .collect::<CliResult<_>>()?;
    // The roles are remembered in one stack tag, whose value CloudFormation caps at 256.
    if roles.join(" ").len() > 256 {
        return Err(CliError::usage(
            "--workflow-role: the role names together exceed 256 characters, more than the \
             stack tag that remembers them holds; grant fewer roles (or one role your workflows \
             share)",
        ));
    }
    let roles = (!roles.is_empty()).then_some(roles);
    let approval = Approval {
        preview: args.preview,
        yes: args.yes,
    };
    check_approval(console, approval, "deploy")?;
    let aws = Aws::connect(global).await?;
    for role in roles.iter().flatten() {
        iam::require_role(&aws, role).await?;
    }
    let mut results = Vec::new();
    let mut outcome = Ok(());
    for resumer in &resumers {
        match up_one(&aws, console, resumer, roles.as_deref(), approval, true).await {
            Ok((value, report)) => {
                results.push(value);
                if let Err(err) = report.check() {
                    outcome = Err(err);
                    break;
                }
            }
            Err(err) => {
                outcome = Err(err);
                break;
            }
        }
    }
    if console.json() {
        print_json(results, &outcome);
    }
    outcome
}

/// One JSON document: the stack's report (an array for several), or on failure the error,
/// the root cause and every stack's result so far.
fn print_json(mut results: Vec<Value>, outcome: &CliResult) {
    let value = match outcome {
        Ok(()) if results.len() == 1 => results.remove(0),
        Ok(()) => Value::Array(results),
        Err(err) => {
            let root_cause = results
                .iter()
                .rev()
                .find_map(|r| r.get("rootCause").cloned())
                .unwrap_or(Value::Null);
            serde_json::json!({"error": err.to_string(), "rootCause": root_cause, "stacks": results})
        }
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}

/// The resumers to deploy, all validated before anything is called.
fn selected(args: &UpArgs) -> CliResult<Vec<Resumer>> {
    let settings = &args.resumer.settings;
    let config = load_config(settings.config.as_deref())?;
    if let Some(suffix) = &args.resumer.name_suffix {
        return Ok(vec![
            resolve(&config, suffix, &overrides(settings)).validate()?
        ]);
    }
    if has_settings(settings) {
        return Err(CliError::usage(
            "resumer settings (--event-pattern, --path-to-id-…, …) describe one resumer: add \
             --name-suffix NAME",
        ));
    }
    if config.resumer.is_empty() {
        return Err(CliError::usage(
            "nothing to deploy: give a resumer with --name-suffix NAME --event-pattern JSON \
             --path-to-id-pause-task PATH --path-to-id-workflow PATH, or list [[resumer]] entries \
             in deployer.toml",
        ));
    }
    config
        .resumer
        .iter()
        .map(|entry| entry.validate())
        .collect()
}

fn has_settings(s: &ResumerSettings) -> bool {
    s.event_pattern.is_some()
        || s.path_to_id_pause_task.is_some()
        || s.path_to_id_workflow.is_some()
        || s.removal_policy.is_some()
        || s.failure_event_pattern.is_some()
        || s.timeout_seconds.is_some()
        || s.arrival_window_seconds.is_some()
}

/// Deploys one resumer, grants the workflow roles, prints its outputs and, with `show_task`,
/// the pause task.
pub async fn up_one(
    aws: &Aws,
    console: &Console,
    resumer: &Resumer,
    roles: Option<&[String]>,
    approval: Approval,
    show_task: bool,
) -> CliResult<(Value, Report)> {
    let stack = resumer.stack_name();
    let mut tags = stacks::tags("resumer", Some(&resumer.pause.name_suffix));
    let existing = describe(aws, &aws.cloudformation(), &stack).await?;
    let created = match &existing {
        None => true,
        Some(s) if crate::aws::stack::status(s) == "DELETE_COMPLETE" => true,
        Some(s) => crate::aws::stack::disposable(aws, &aws.cloudformation(), s)
            .await?
            .is_some(),
    };
    let adopt = if created {
        adoption(aws, resumer).await?
    } else {
        None
    };
    let before = existing
        .as_ref()
        .map(stacks::workflow_roles)
        .unwrap_or_default();
    // Without --workflow-role the grants stay as they are.
    let granted: Vec<String> = roles.map_or_else(|| before.clone(), <[String]>::to_vec);
    if !granted.is_empty() {
        tags.push((WORKFLOW_ROLE_TAG.to_string(), granted.join(" ")));
    }
    let deployment = Deployment {
        stack: stack.clone(),
        template: resumer_template(resumer)?,
        tags,
        artifact_bucket: None,
        adopt,
    };
    let report = deploy(aws, console, &deployment, approval).await?;
    let task = pause_task(&resumer.pause, &PauseOptions::default())?;
    let deployed = matches!(report.result, "created" | "updated" | "no-changes");
    if let (Some(roles), true) = (roles, deployed) {
        let table_arn = report
            .outputs
            .iter()
            .find(|o| o.key == "TableArn")
            .map(|o| o.value.clone())
            .ok_or_else(|| CliError::Failed(format!("{stack} has no TableArn output")))?;
        for role in roles {
            iam::grant_pause(aws, role, &stack, &table_arn).await?;
            console.note(format!(
                "granted {role} the pause task's access to {table_arn} (inline policy {})",
                iam::policy_name(&stack)
            ));
        }
        for role in before.iter().filter(|r| !roles.contains(r)) {
            if iam::revoke(aws, role, &stack).await? {
                console.note(format!(
                    "removed {role}'s grant (inline policy {}): it was not named again",
                    iam::policy_name(&stack)
                ));
            }
        }
    }
    if deployed && !console.json() {
        print_text(console, &report, show_task.then_some(&task));
    }
    let mut value = serde_json::to_value(&report).unwrap_or_default();
    value["pauseTask"] = task;
    Ok((value, report))
}

/// A stack about to be created cannot take the names of the table and log group an earlier
/// `down` kept, so it adopts them (they are checked first: the table's key, no other stack
/// holding them). Where adoption cannot work: stop before creating anything, with the
/// commands that clear the way.
async fn adoption(aws: &Aws, resumer: &Resumer) -> CliResult<Option<Adoption>> {
    let stack = resumer.stack_name();
    let found = leftovers::find(aws, &stack, TABLE_KEY, &resumer.log_group_name()).await?;
    if found.is_empty() {
        return Ok(None);
    }
    let blocked: Vec<(&str, &Obstacle)> = found
        .iter()
        .filter_map(|l| Some((l.what.as_str(), l.obstacle.as_ref()?)))
        .collect();
    if !blocked.is_empty() {
        let why: Vec<String> = blocked
            .iter()
            .map(|(what, o)| format!("{what}: {}", o.why))
            .collect();
        let fixes: Vec<String> = blocked
            .iter()
            .map(|(_, o)| format!("  {}", o.fix))
            .collect();
        return Err(CliError::usage(format!(
            "{stack} would be created, but it cannot adopt what already exists under its names \
             (kept by an earlier `deployer down`, or made outside deployer): {}. Nothing was \
             created. To clear the way:\n{}\nthen run `deployer up` again",
            why.join("; "),
            fixes.join("\n")
        )));
    }
    let commands: Vec<String> = found
        .iter()
        .map(|l| format!("  {}", l.delete_command))
        .collect();
    let fix = format!(
        "Delete what is there (the table's waiting tokens and markers go with it), then run \
         `deployer up` again:\n{}\nor deploy under another --name-suffix",
        commands.join("\n")
    );
    Ok(Some(Adoption {
        imports: found.iter().map(|l| l.import.clone()).collect(),
        what: found.iter().map(|l| l.what.clone()).collect(),
        fix,
    }))
}

/// The stack's outputs as a table, then the pause task when there is one to show.
fn print_text(console: &Console, report: &Report, task: Option<&Value>) {
    // The pause task is printed readably below, not as one long output line.
    let outputs: Vec<Output> = report
        .outputs
        .iter()
        .filter(|o| o.key != "PauseTask")
        .cloned()
        .collect();
    if !outputs.is_empty() {
        console.result(outputs_table(&outputs));
    }
    if let Some(task) = task {
        console.result(format!(
            "\nPause task for {} (paste it into your workflow; set \"Next\"):\n{}\n",
            report.stack,
            serde_json::to_string_pretty(task).unwrap_or_default()
        ));
    }
}
