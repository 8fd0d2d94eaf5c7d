//! `deployer task`: print a resumer's pause task.

use crate::cli::{OutputFormat, ResumerArgs, ResumerSettings, TaskArgs, TaskFormat};
use crate::error::{CliError, CliResult};
use crate::render::{pause_task, PauseOptions, NEXT_PLACEHOLDER};
use crate::resumer::{load_config, resolve, validate_path, Overrides, ResumerEntry};
use crate::snippets;

/// Prints the pause task (JSON), and on a text run a note when `Next` is a placeholder.
pub fn run(args: &TaskArgs, output: OutputFormat) -> CliResult {
    let spec = entry(&args.resumer)?.validate_pause()?;
    validate_path(&args.result_path, "--result-path")?;
    if args
        .next
        .as_deref()
        .is_some_and(|n| n.is_empty() || n.len() > 80)
    {
        return Err(CliError::usage(
            "--next must name a state (1 to 80 characters)",
        ));
    }
    let options = PauseOptions {
        next: args.next.clone(),
        result_path: args.result_path.clone(),
    };
    let task = pause_task(&spec, &options)?;
    match args.format {
        TaskFormat::CdkTs => {
            print!("{}", snippets::cdk_ts(&spec, &task));
            return Ok(());
        }
        TaskFormat::Terraform => print!("{}", snippets::terraform(&spec, &task)),
        TaskFormat::Asl => {
            let text = serde_json::to_string_pretty(&task)
                .map_err(|e| CliError::Failed(format!("cannot print the pause task: {e}")))?;
            println!("{text}");
            if output == OutputFormat::Text {
                let grant = snippets::grant_statements(serde_json::json!(format!(
                    "<the {}-TableArn export>",
                    spec.stack_name()
                )));
                eprintln!(
                    "note: the workflow's role needs (`deployer up --workflow-role ROLE` grants \
                     it): {grant}"
                );
            }
        }
    }
    if args.next.is_none() && output == OutputFormat::Text {
        eprintln!(
            "note: \"Next\" is the placeholder \"{NEXT_PLACEHOLDER}\": replace it with the state \
             that follows the pause (or pass --next STATE)"
        );
    }
    Ok(())
}

/// The instance the flags name, from deployer.toml (if any) with the flags laid over it.
pub fn entry(args: &ResumerArgs) -> CliResult<ResumerEntry> {
    let config = load_config(args.settings.config.as_deref())?;
    Ok(resolve(
        &config,
        &args.name_suffix,
        &overrides(&args.settings),
    ))
}

/// The settings flags as overrides of a deployer.toml entry.
pub fn overrides(settings: &ResumerSettings) -> Overrides {
    Overrides {
        event_pattern: settings.event_pattern.clone(),
        path_to_id_pause_task: settings.path_to_id_pause_task.clone(),
        path_to_id_workflow: settings.path_to_id_workflow.clone(),
        removal_policy: settings.removal_policy.clone(),
        failure_event_pattern: settings.failure_event_pattern.clone(),
        timeout_seconds: settings.timeout_seconds,
        arrival_window_seconds: settings.arrival_window_seconds,
    }
}
