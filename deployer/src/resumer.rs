//! Resumer instances: the `[[resumer]]` entries of `deployer.toml` and the flags that define or
//! override one, merged and validated before anything renders or calls AWS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use asl::path::ReferencePath;
use event_pattern::Pattern;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{CliError, CliResult};

/// The stack name prefix: a resumer named `orders` lives in stack `sfn-resume-orders`.
pub const STACK_PREFIX: &str = "sfn-resume-";
/// The resumer table's partition key (a string), as `templates/resumer.yaml.tera` declares it.
pub const TABLE_KEY: &str = "id";
/// The configuration file looked for in the current directory.
pub const CONFIG_FILE: &str = "deployer.toml";
/// Step Functions' limit on state machine names.
const MACHINE_NAME_MAX: usize = 80;
/// CloudFormation's limit on stack names.
const STACK_NAME_MAX: usize = 128;
/// The suffix of the failure machine's name (`<stack>_<suffix>_fail`).
const FAIL_SUFFIX: &str = "_fail";
/// EventBridge's limit on an event pattern's length (PutRule's `EventPattern`, characters).
/// The account's default quota is 2,048; 4,096 needs a Service Quotas increase.
pub const MAX_EVENT_PATTERN_CHARS: usize = 4_096;
/// The default quota on an event pattern's length.
const DEFAULT_EVENT_PATTERN_QUOTA: usize = 2_048;
/// How long an event that came before the pause is remembered, unless told otherwise: a day, as
/// long as EventBridge keeps retrying the delivery (the rule's `MaximumEventAgeInSeconds`).
pub const DEFAULT_ARRIVAL_WINDOW_SECONDS: u64 = 86_400;
/// The longest arrival window: a year, the longest a Standard execution (which waits it out) runs.
const MAX_ARRIVAL_WINDOW_SECONDS: u64 = 31_536_000;

/// `deployer.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The resumer instances.
    #[serde(default)]
    pub resumer: Vec<ResumerEntry>,
}

/// One resumer as written in `deployer.toml` or given by flags; every field but the suffix may be
/// missing until [`ResumerEntry::validate`] checks what the command needs.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResumerEntry {
    /// Names the stack `sfn-resume-<name_suffix>`.
    pub name_suffix: String,
    /// The EventBridge pattern of the completion event (JSON text).
    pub event_pattern: Option<String>,
    /// Where the pause task finds the correlation id in the workflow's state input.
    pub path_to_id_pause_task: Option<String>,
    /// Where the resume machine finds the correlation id in the event.
    pub path_to_id_workflow: Option<String>,
    /// What happens to the table and log group when the stack goes: `retain` (default) or `destroy`.
    pub removal_policy: Option<String>,
    /// An optional pattern whose events end the wait with a failure (JSON text).
    pub failure_event_pattern: Option<String>,
    /// How long the workflow waits, in seconds.
    pub timeout_seconds: Option<u64>,
    /// How long an event that came before the pause is remembered, in seconds.
    pub arrival_window_seconds: Option<u64>,
    /// Tags on every resource of the stack.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// What becomes of stateful resources when the stack is deleted or replaces them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalPolicy {
    /// Keep them (CloudFormation `Retain`).
    Retain,
    /// Delete them (CloudFormation `Delete`).
    Destroy,
}

impl RemovalPolicy {
    /// The CloudFormation `DeletionPolicy` value. Retain is `RetainExceptOnCreate`: a table
    /// in use is kept, but the rollback of a failed first creation removes what it made, so
    /// the next `deployer up` is not blocked by leftovers with the same names.
    pub fn deletion_policy(self) -> &'static str {
        match self {
            RemovalPolicy::Retain => "RetainExceptOnCreate",
            RemovalPolicy::Destroy => "Delete",
        }
    }

    /// The CloudFormation `UpdateReplacePolicy` value (which has no `RetainExceptOnCreate`).
    pub fn update_replace_policy(self) -> &'static str {
        match self {
            RemovalPolicy::Retain => "Retain",
            RemovalPolicy::Destroy => "Delete",
        }
    }
}

/// The pause task's part of a resumer: enough for `deployer task`.
#[derive(Debug, Clone, PartialEq)]
pub struct PauseSpec {
    /// The validated name suffix.
    pub name_suffix: String,
    /// The id's path in the workflow's state input.
    pub path_to_id_pause_task: String,
    /// How long the workflow waits.
    pub timeout_seconds: Option<u64>,
}

/// A fully validated resumer: everything the stack needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Resumer {
    /// The pause task's settings.
    pub pause: PauseSpec,
    /// The completion event's pattern, as JSON.
    pub event_pattern: Value,
    /// The id's path in the event.
    pub path_to_id_workflow: String,
    /// The removal policy.
    pub removal_policy: RemovalPolicy,
    /// The failure event's pattern, as JSON.
    pub failure_event_pattern: Option<Value>,
    /// How long the marker of an event that came before the pause lives, in seconds.
    pub arrival_window_seconds: u64,
    /// Tags on every resource.
    pub tags: BTreeMap<String, String>,
}

impl Resumer {
    /// `sfn-resume-<suffix>`: the stack, and the table.
    pub fn stack_name(&self) -> String {
        self.pause.stack_name()
    }

    /// The resume state machine's name, `<stack>_<suffix>`.
    pub fn machine_name(&self) -> String {
        format!("{}_{}", self.stack_name(), self.pause.name_suffix)
    }

    /// The resume machines' log group.
    pub fn log_group_name(&self) -> String {
        format!("/aws/vendedlogs/states/{}", self.stack_name())
    }

    /// The failure state machine's name, `<stack>_<suffix>_fail`.
    pub fn fail_machine_name(&self) -> String {
        format!("{}{FAIL_SUFFIX}", self.machine_name())
    }
}

impl PauseSpec {
    /// `sfn-resume-<suffix>`: the stack, and the table the pause task writes to.
    pub fn stack_name(&self) -> String {
        format!("{STACK_PREFIX}{}", self.name_suffix)
    }
}

/// Flag values that define or override one instance (`--name-suffix` and friends).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--event-pattern`.
    pub event_pattern: Option<String>,
    /// `--path-to-id-pause-task`.
    pub path_to_id_pause_task: Option<String>,
    /// `--path-to-id-workflow`.
    pub path_to_id_workflow: Option<String>,
    /// `--removal-policy`.
    pub removal_policy: Option<String>,
    /// `--failure-event-pattern`.
    pub failure_event_pattern: Option<String>,
    /// `--timeout-seconds`.
    pub timeout_seconds: Option<u64>,
    /// `--arrival-window-seconds`.
    pub arrival_window_seconds: Option<u64>,
}

/// Reads `deployer.toml`: the file given with `--config` (which must exist), else the one in the
/// current directory if there is one, else an empty configuration.
pub fn load_config(explicit: Option<&Path>) -> CliResult<ConfigFile> {
    let path: PathBuf = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let here = PathBuf::from(CONFIG_FILE);
            if !here.exists() {
                return Ok(ConfigFile::default());
            }
            here
        }
    };
    let text = crate::input::read_file(&path, "--config")?;
    parse_config(&text)
        .map_err(|e| CliError::usage(format!("{}: {e}; fix the file and retry", path.display())))
}

/// Parses the text of a `deployer.toml`.
pub fn parse_config(text: &str) -> Result<ConfigFile, String> {
    let config: ConfigFile = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
    let mut seen = std::collections::HashSet::new();
    for entry in &config.resumer {
        if !seen.insert(entry.name_suffix.as_str()) {
            return Err(format!(
                "name_suffix '{}' appears in more than one [[resumer]]",
                entry.name_suffix
            ));
        }
    }
    Ok(config)
}

/// The instance named `suffix`: its `deployer.toml` entry (if any) with the flags laid over it.
pub fn resolve(config: &ConfigFile, suffix: &str, flags: &Overrides) -> ResumerEntry {
    let mut entry = config
        .resumer
        .iter()
        .find(|e| e.name_suffix == suffix)
        .cloned()
        .unwrap_or_else(|| ResumerEntry {
            name_suffix: suffix.to_string(),
            ..ResumerEntry::default()
        });
    let over = |field: &mut Option<String>, flag: &Option<String>| {
        if flag.is_some() {
            field.clone_from(flag);
        }
    };
    over(&mut entry.event_pattern, &flags.event_pattern);
    over(
        &mut entry.path_to_id_pause_task,
        &flags.path_to_id_pause_task,
    );
    over(&mut entry.path_to_id_workflow, &flags.path_to_id_workflow);
    over(&mut entry.removal_policy, &flags.removal_policy);
    over(
        &mut entry.failure_event_pattern,
        &flags.failure_event_pattern,
    );
    if flags.timeout_seconds.is_some() {
        entry.timeout_seconds = flags.timeout_seconds;
    }
    if flags.arrival_window_seconds.is_some() {
        entry.arrival_window_seconds = flags.arrival_window_seconds;
    }
    entry
}

impl ResumerEntry {
    /// Validates what the pause task needs: the suffix, the pause task's id path, the timeout.
    pub fn validate_pause(&self) -> CliResult<PauseSpec> {
        validate_suffix(&self.name_suffix)?;
        let path = self.required(&self.path_to_id_pause_task, "path_to_id_pause_task")?;
        validate_path(path, "path_to_id_pause_task")?;
        if self.timeout_seconds == Some(0) {
            return Err(CliError::usage(
                "timeout_seconds must be at least 1 (or leave it out to wait up to a year)",
            ));
        }
        Ok(PauseSpec {
            name_suffix: self.name_suffix.clone(),
            path_to_id_pause_task: path.to_string(),
            timeout_seconds: self.timeout_seconds,
        })
    }

    /// Validates everything the resumer stack needs.
    pub fn validate(&self) -> CliResult<Resumer> {
        let pause = self.validate_pause()?;
        let pattern = self.required(&self.event_pattern, "event_pattern")?;
        let event_pattern = validate_pattern(pattern, "event_pattern")?;
        let failure_event_pattern = self
            .failure_event_pattern
            .as_deref()
            .map(|p| validate_pattern(p, "failure_event_pattern"))
            .transpose()?;
        if let Some(failure) = &failure_event_pattern {
            if let Some(event) = overlap::common_event(&event_pattern, failure) {
                return Err(CliError::usage(format!(
                    "resumer '{}': event_pattern and failure_event_pattern both match the event \
                     {event}, so one event would both resume and fail the same pause; make the \
                     patterns exclusive (e.g. different detail-type values)",
                    self.name_suffix
                )));
            }
        }
        let path = self.required(&self.path_to_id_workflow, "path_to_id_workflow")?;
        validate_path(path, "path_to_id_workflow")?;
        let removal_policy = match self.removal_policy.as_deref() {
            None | Some("retain") => RemovalPolicy::Retain,
            Some("destroy") => RemovalPolicy::Destroy,
            Some(other) => {
                return Err(CliError::usage(format!(
                    "removal_policy '{other}' is not one of: retain (keep the table and log \
                     group when the stack goes), destroy (delete them)"
                )))
            }
        };
        let arrival_window_seconds = self
            .arrival_window_seconds
            .unwrap_or(DEFAULT_ARRIVAL_WINDOW_SECONDS);
        if !(1..=MAX_ARRIVAL_WINDOW_SECONDS).contains(&arrival_window_seconds) {
            return Err(CliError::usage(format!(
                "arrival_window_seconds {arrival_window_seconds} is out of range: give 1 to \
                 {MAX_ARRIVAL_WINDOW_SECONDS} seconds (default {DEFAULT_ARRIVAL_WINDOW_SECONDS}, \
                 a day), how long an event that came before the pause is remembered"
            )));
        }
        let resumer = Resumer {
            pause,
            event_pattern,
            path_to_id_workflow: path.to_string(),
            removal_policy,
            failure_event_pattern,
            arrival_window_seconds,
            tags: self.tags.clone(),
        };
        let longest = if resumer.failure_event_pattern.is_some() {
            resumer.fail_machine_name()
        } else {
            resumer.machine_name()
        };
        if longest.len() > MACHINE_NAME_MAX {
            return Err(CliError::usage(format!(
                "name suffix '{}' is too long: the state machine name '{longest}' would exceed \
                 {MACHINE_NAME_MAX} characters; choose a shorter suffix",
                self.name_suffix
            )));
        }
        Ok(resumer)
    }

    fn required<'a>(&self, value: &'a Option<String>, field: &str) -> CliResult<&'a str> {
        value.as_deref().ok_or_else(|| {
            CliError::usage(format!(
                "resumer '{}' has no {field}: give --{} or set {field} in its [[resumer]] entry \
                 of deployer.toml",
                self.name_suffix,
                field.replace('_', "-")
            ))
        })
    }
}

/// A suffix must make a valid stack name `sfn-resume-<suffix>` (letters, digits, hyphens; the
/// prefix supplies the leading letter) and a valid state machine name.
pub fn validate_suffix(suffix: &str) -> CliResult {
    let problem = if suffix.is_empty() {
        Some("it is empty".to_string())
    } else if let Some(c) = suffix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        Some(format!("'{c}' is not a letter, digit or hyphen"))
    } else if STACK_PREFIX.len() + suffix.len() > STACK_NAME_MAX {
        Some(format!(
            "the stack name would exceed {STACK_NAME_MAX} characters"
        ))
    } else {
        None
    };
    match problem {
        Some(why) => Err(CliError::usage(format!(
            "invalid name suffix '{suffix}': {why}; the stack is named {STACK_PREFIX}<suffix>, so \
             use only letters, digits and hyphens (e.g. --name-suffix orders)"
        ))),
        None => Ok(()),
    }
}

/// A JSONPath the resumer reads an id with must be a reference path (`$.a.b`, `$['a']`, `$.a[0]`).
pub fn validate_path(path: &str, field: &str) -> CliResult {
    ReferencePath::parse(path).map(|_| ()).map_err(|e| {
        CliError::usage(format!(
            "{field}: {e}; give a reference path such as $.detail.orderId"
        ))
    })
}

/// The pattern must be JSON and a valid EventBridge pattern (the emulator's own validator).
pub fn validate_pattern(text: &str, field: &str) -> CliResult<Value> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        CliError::usage(format!(
            "{field} is not JSON ({e}); give a pattern such as '{{\"source\": [\"orders\"]}}'"
        ))
    })?;
    Pattern::from_value(&value).map_err(|e| {
        CliError::usage(format!("{field}: {e}; see the EventBridge pattern syntax"))
    })?;
    let length = value.to_string().chars().count();
    if length > MAX_EVENT_PATTERN_CHARS {
        return Err(CliError::usage(format!(
            "{field} is {length} characters as the rule gets it (compact JSON); EventBridge takes \
             at most {MAX_EVENT_PATTERN_CHARS} (and {DEFAULT_EVENT_PATTERN_QUOTA} unless the \
             account's \"Event pattern size\" quota was raised): shorten the pattern"
        )));
    }
    Ok(value)
}

mod overlap;
#[cfg(test)]
mod tests;
