//! Stack operations as DESIGN.md's change-set flow describes them: deploy (steps 1 to 9:
//! recover a failed first creation, read capabilities, create the change set, show the plan,
//! confirm, execute, follow the events, report the root cause or the outputs) and delete.

use aws_sdk_cloudformation::types::{ChangeSetType, Stack};
use aws_sdk_cloudformation::Client;
use serde::Serialize;

use crate::aws::stack::{
    self, capabilities, create_change_set, delete_change_set, describe, status,
    wait_for_change_set, ChangeSetRequest, ChangeSetState, Event, Output, PlannedChange,
    ResourceImport, TemplateSource, TEMPLATE_BODY_LIMIT,
};
use crate::aws::{Aws, Backoff};
use crate::error::{CliError, CliResult};
use crate::ui::console::{Console, Paint};
use crate::ui::stack::{plan_table, Progress};

/// What to deploy.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// The stack's name.
    pub stack: String,
    /// The rendered template.
    pub template: String,
    /// The stack's tags.
    pub tags: Vec<(String, String)>,
    /// A bucket for templates over CloudFormation's inline limit.
    pub artifact_bucket: Option<String>,
    /// Kept resources a new stack takes in (an IMPORT change set first), when there are any.
    pub adopt: Option<Adoption>,
}

/// Existing resources for a new stack to import before it creates the rest.
#[derive(Debug, Clone)]
pub struct Adoption {
    /// The resources, each a resource of the template with a DeletionPolicy.
    pub imports: Vec<ResourceImport>,
    /// What they are, for people (`the DynamoDB table …`).
    pub what: Vec<String>,
    /// What to do when CloudFormation refuses the import (printed with its reason).
    pub fix: String,
}

/// How far to go without asking.
#[derive(Debug, Clone, Copy, Default)]
pub struct Approval {
    /// Show the plan and change nothing.
    pub preview: bool,
    /// Execute without asking.
    pub yes: bool,
}

/// How an operation ended, for people (text) and scripts (`--output json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The stack's name.
    pub stack: String,
    /// created, updated, no-changes, previewed, declined or deleted.
    pub result: &'static str,
    /// The stack's final status, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The planned changes.
    pub changes: Vec<PlannedChange>,
    /// The stack's outputs after a deployment.
    pub outputs: Vec<Output>,
    /// Resources a deletion kept (DeletionPolicy Retain).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retained: Vec<String>,
    /// Existing resources the new stack adopted (or, previewed, would adopt) by an import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imported: Vec<ResourceImport>,
    /// What the plan warned about before asking (replacements that cannot work).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// For a failed operation: the first resource that failed for a reason of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<RootCause>,
    /// For a failed operation: what went wrong and where the stack ended, as printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The event that explains a failed operation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RootCause {
    /// The resource's logical id.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// The failed status, e.g. CREATE_FAILED.
    pub status: String,
    /// CloudFormation's reason.
    pub reason: Option<String>,
}

impl Report {
    fn new(stack: &str, result: &'static str) -> Report {
        Report {
            stack: stack.to_string(),
            result,
            status: None,
            changes: Vec::new(),
            outputs: Vec::new(),
            retained: Vec::new(),
            imported: Vec::new(),
            warnings: Vec::new(),
            root_cause: None,
            error: None,
        }
    }

    /// The report of an operation that ended well, or its failure as an error (exit 1).
    pub fn check(self) -> CliResult<Report> {
        match (self.result, &self.error) {
            ("failed", Some(error)) => Err(CliError::Failed(error.clone())),
            ("declined", _) => Err(CliError::Failed(format!(
                "{}: not deployed (declined at the prompt)",
                self.stack
            ))),
            _ => Ok(self),
        }
    }
}

/// Refuses what cannot work before any call: a run without a terminal must say `--yes` (or
/// `--preview`), since nobody can answer the question.
pub fn check_approval(console: &Console, approval: Approval, verb: &str) -> CliResult {
    if approval.yes || approval.preview || console.interactive {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "no terminal to confirm on: pass --yes to {verb} without asking{}",
        if verb == "deploy" {
            ", or --preview to only see the plan"
        } else {
            ""
        }
    )))
}

/// Asks before deleting `what`; no, or Ctrl-C, is an error (exit 1) with nothing deleted.
pub async fn confirm_delete(console: &Console, what: &str) -> CliResult {
    match console.ask(&format!("Delete {what}?")).await {
        Some(true) => Ok(()),
        Some(false) => Err(CliError::Failed(
            "nothing deleted (declined at the prompt)".to_string(),
        )),
        None => Err(CliError::Failed(
            "nothing deleted (cancelled at the prompt with Ctrl-C)".to_string(),
        )),
    }
}

/// Deploys `deployment` through a change set. An operation that ran and failed is a report
/// with result `failed` (its root cause and error message), so that a caller can report every
/// stack before exiting; [`Report::check`] turns it into the error.
pub async fn deploy(
    aws: &Aws,
    console: &Console,
    deployment: &Deployment,
    approval: Approval,
) -> CliResult<Report> {
    let cfn = aws.cloudformation();
    let name = deployment.stack.as_str();
    let template = template_source(aws, deployment).await?;
    let existing = match settle(aws, &cfn, console, name, approval.preview).await? {
        Settled::Ready(existing) => existing.map(|s| *s),
        Settled::MustDelete(current) => {
            console.note(format!(
                "preview only: {name} is in {current}, so `deployer up` would delete it first and \
                 then plan its creation; nothing changed"
            ));
            let mut report = Report::new(name, "previewed");
            report.status = Some(current);
            return Ok(report);
        }
    };
    if let (None, Some(adoption)) = (&existing, &deployment.adopt) {
        return adopt(
            aws, &cfn, console, deployment, adoption, &template, approval,
        )
        .await;
    }
    let kind = if existing.is_some() {
        ChangeSetType::Update
    } else {
        ChangeSetType::Create
    };
    let request = ChangeSetRequest {
        stack: name,
        kind: kind.clone(),
        template: &template,
        capabilities: Vec::new(),
        tags: &deployment.tags,
        imports: &[],
    };
    let (change_set, state) = propose(aws, &cfn, console, request).await?;
    let discard = Discard {
        change_set: &change_set,
        new_stack: (kind == ChangeSetType::Create).then_some(name),
    };
    let changes = match state {
        ChangeSetState::Ready(changes) => changes,
        ChangeSetState::NoChanges => {
            discard.run(aws, &cfn).await?;
            console.note(format!("{name}: no changes"));
            let mut report = Report::new(name, "no-changes");
            if let Some(stack) = describe(aws, &cfn, name).await? {
                report.status = Some(status(&stack).to_string());
                report.outputs = stack::outputs(&stack);
            }
            return Ok(report);
        }
        ChangeSetState::Failed(reason) => {
            discard.run(aws, &cfn).await?;
            return Err(CliError::Failed(format!(
                "{name}: CloudFormation could not plan the change: {reason}"
            )));
        }
    };
    show_plan(console, name, existing.is_none(), &changes);
    let mut report = Report::new(name, "previewed");
    report.warnings = crate::named::replacement_warnings(&deployment.template, &changes);
    for warning in &report.warnings {
        console.warn(warning);
    }
    report.changes = changes;
    let Some(seen) = approve(aws, &cfn, console, name, approval, &discard, &mut report).await?
    else {
        return Ok(report);
    };
    let title = if existing.is_some() {
        format!("Updating {name}")
    } else {
        format!("Creating {name}")
    };
    let execution = Execution {
        stack: name,
        change_set: &change_set,
        title: &title,
        total: report.changes.len(),
        seen,
    };
    let watched = run(aws, &cfn, console, execution).await?;
    let wanted = if existing.is_some() {
        "UPDATE_COMPLETE"
    } else {
        "CREATE_COMPLETE"
    };
    settled(console, report, &watched, wanted, existing.is_some())
}

/// A new stack that adopts kept resources: an IMPORT change set of the template cut down to
/// them (planned, shown and approved with the rest, which is added afterwards), then the
/// normal change set for the rest. CloudFormation's refusal of the import stops before
/// anything is created, with the adoption's fix (exit 2).
async fn adopt(
    aws: &Aws,
    cfn: &Client,
    console: &Console,
    deployment: &Deployment,
    adoption: &Adoption,
    template: &TemplateSource,
    approval: Approval,
) -> CliResult<Report> {
    let name = deployment.stack.as_str();
    console.note(format!(
        "adopting {} into the new stack {name} (kept by an earlier `deployer down`)",
        adoption.what.join(" and ")
    ));
    let reduced = TemplateSource::Body(crate::adopt::import_template(
        &deployment.template,
        &adoption.imports,
    )?);
    let request = ChangeSetRequest {
        stack: name,
        kind: ChangeSetType::Import,
        template: &reduced,
        capabilities: Vec::new(),
        tags: &deployment.tags,
        imports: &adoption.imports,
    };
    let (change_set, state) = propose(aws, cfn, console, request).await?;
    let discard = Discard {
        change_set: &change_set,
        new_stack: Some(name),
    };
    let mut changes = match state {
        ChangeSetState::Ready(changes) => changes,
        refused => {
            let reason = match refused {
                ChangeSetState::Failed(reason) => reason,
                _ => "it found nothing to import".to_string(),
            };
            discard.run(aws, cfn).await?;
            return Err(CliError::usage(format!(
                "{name}: CloudFormation cannot adopt {}: {reason}. Nothing was created. {}",
                adoption.what.join(" and "),
                adoption.fix
            )));
        }
    };
    let imported = changes.len();
    changes.extend(crate::adopt::rest(&deployment.template, &adoption.imports)?);
    show_plan(console, name, true, &changes);
    let mut report = Report::new(name, "previewed");
    report.imported = adoption.imports.clone();
    report.changes = changes;
    let Some(seen) = approve(aws, cfn, console, name, approval, &discard, &mut report).await?
    else {
        return Ok(report);
    };
    let execution = Execution {
        stack: name,
        change_set: &change_set,
        title: &format!("Adopting into {name}"),
        total: imported,
        seen,
    };
    let watched = run(aws, cfn, console, execution).await?;
    if status(&watched.stack) != "IMPORT_COMPLETE" {
        return settled(console, report, &watched, "IMPORT_COMPLETE", false);
    }
    let request = ChangeSetRequest {
        stack: name,
        kind: ChangeSetType::Update,
        template,
        capabilities: Vec::new(),
        tags: &deployment.tags,
        imports: &[],
    };
    let (change_set, state) = propose(aws, cfn, console, request).await?;
    let total = match state {
        ChangeSetState::Ready(changes) => changes.len(),
        ChangeSetState::NoChanges => {
            delete_change_set(aws, cfn, &change_set).await?;
            return settled(console, report, &watched, "IMPORT_COMPLETE", false);
        }
        ChangeSetState::Failed(reason) => {
            delete_change_set(aws, cfn, &change_set).await?;
            return Err(CliError::Failed(format!(
                "{name}: the kept resources were adopted, but CloudFormation could not plan the \
                 rest: {reason}"
            )));
        }
    };
    let execution = Execution {
        stack: name,
        change_set: &change_set,
        title: &format!("Creating the rest of {name}"),
        total,
        seen: crate::interrupt::count(),
    };
    let watched = run(aws, cfn, console, execution).await?;
    settled(console, report, &watched, "UPDATE_COMPLETE", false)
}

/// Steps 3 and 4: the capabilities the template needs, CreateChangeSet, and the change set
/// once computed; returns its ARN with its state.
async fn propose(
    aws: &Aws,
    cfn: &Client,
    console: &Console,
    mut request: ChangeSetRequest<'_>,
) -> CliResult<(String, ChangeSetState)> {
    request.capabilities = capabilities(aws, cfn, request.template).await?;
    console.detail(format!(
        "capabilities: {}",
        if request.capabilities.is_empty() {
            "none".to_string()
        } else {
            request
                .capabilities
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    let change_set = create_change_set(aws, cfn, &request).await?;
    console.detail(format!("change set {change_set}"));
    let state = wait_for_change_set(aws, cfn, &change_set).await?;
    Ok((change_set, state))
}

/// Step 5: the plan as a table (nothing in JSON mode: the report carries it).
fn show_plan(console: &Console, name: &str, new: bool, changes: &[PlannedChange]) {
    if console.json() {
        return;
    }
    console.note(format!(
        "{} {} ({} change{}):",
        if new {
            "Plan for new stack"
        } else {
            "Plan for"
        },
        console.paint(name, Paint::Bold),
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    ));
    console.result(plan_table(console, changes));
}

/// Step 6: a preview stops here, and so does a no at the prompt (the change set discarded,
/// `report` saying so: `None`); otherwise the Ctrl-C presses seen so far, from which the
/// operation counts.
async fn approve(
    aws: &Aws,
    cfn: &Client,
    console: &Console,
    name: &str,
    approval: Approval,
    discard: &Discard<'_>,
    report: &mut Report,
) -> CliResult<Option<u32>> {
    if approval.preview {
        discard.run(aws, cfn).await?;
        console.note("preview only: the change set was deleted, nothing changed");
        return Ok(None);
    }
    let seen = crate::interrupt::install();
    if !approval.yes {
        match console
            .ask(&format!("Deploy these changes to {name}?"))
            .await
        {
            Some(true) => {}
            answer => {
                discard.run(aws, cfn).await?;
                if answer.is_none() {
                    return Err(CliError::Failed(format!(
                        "{name}: cancelled at the prompt (Ctrl-C): the change set was deleted, \
                         nothing changed"
                    )));
                }
                console.note("not deployed: the change set was deleted, nothing changed");
                report.result = "declined";
                return Ok(None);
            }
        }
    }
    // Ctrl-C since the listener started (during the question, or now) counts from here.
    Ok(Some(seen.max(crate::interrupt::count())))
}

/// A change set to execute, and how to follow it.
struct Execution<'a> {
    stack: &'a str,
    change_set: &'a str,
    title: &'a str,
    /// The resources it changes (the progress bar's length).
    total: usize,
    /// Ctrl-C presses before it started (see [`crate::interrupt`]).
    seen: u32,
}

/// Step 7: executes the change set and follows the operation to its end.
async fn run(aws: &Aws, cfn: &Client, console: &Console, e: Execution<'_>) -> CliResult<Watched> {
    let baseline = stack::newest_event_id(aws, cfn, e.stack).await?;
    let token = format!("deployer-{}", uuid::Uuid::new_v4());
    stack::execute_change_set(aws, cfn, e.change_set, &token).await?;
    let watch_for = Watch {
        stack: e.stack,
        baseline: baseline.as_deref(),
        total: e.total,
        title: e.title,
        seen: e.seen,
    };
    watch(aws, cfn, console, watch_for).await
}

/// Step 8: the report of an operation that ended in `watched`: done when the stack reached
/// `wanted`, otherwise failed with its root cause.
fn settled(
    console: &Console,
    mut report: Report,
    watched: &Watched,
    wanted: &str,
    updated: bool,
) -> CliResult<Report> {
    let name = report.stack.clone();
    let final_status = status(&watched.stack).to_string();
    if final_status != wanted {
        report.result = "failed";
        report.root_cause = root_cause(&watched.events);
        report.error =
            Some(failure(&name, &final_status, &watched.events, watched.cancelled).to_string());
        report.status = Some(final_status);
        return Ok(report);
    }
    console.note(format!(
        "{} {name}",
        console.paint(&final_status, Paint::Green)
    ));
    report.result = if updated { "updated" } else { "created" };
    report.status = Some(final_status);
    report.outputs = stack::outputs(&watched.stack);
    Ok(report)
}

/// Deletes `stack` and follows the deletion to its end.
pub async fn delete(aws: &Aws, console: &Console, stack: &Stack) -> CliResult<Report> {
    let cfn = aws.cloudformation();
    let name = stack.stack_name().unwrap_or_default().to_string();
    let id = stack.stack_id().unwrap_or(&name).to_string();
    let total = cfn
        .describe_stack_resources()
        .stack_name(&id)
        .send()
        .await
        .map_err(|e| aws.error("DescribeStackResources", e))?
        .stack_resources()
        .len();
    let baseline = stack::newest_event_id(aws, &cfn, &id).await?;
    let token = format!("deployer-{}", uuid::Uuid::new_v4());
    let seen = crate::interrupt::install();
    stack::delete_stack(aws, &cfn, &id, &token).await?;
    let watched = watch(
        aws,
        &cfn,
        console,
        Watch {
            stack: &id,
            baseline: baseline.as_deref(),
            total,
            title: &format!("Deleting {name}"),
            seen,
        },
    )
    .await?;
    let final_status = status(&watched.stack).to_string();
    if final_status != "DELETE_COMPLETE" {
        return Err(failure(&name, &final_status, &watched.events, false));
    }
    let mut report = Report::new(&name, "deleted");
    report.status = Some(final_status);
    report.retained = watched
        .events
        .iter()
        .filter(|e| e.status == "DELETE_SKIPPED")
        .map(|e| e.logical_id.clone())
        .collect();
    console.note(format!(
        "{} {name}",
        console.paint("DELETE_COMPLETE", Paint::Green)
    ));
    if !report.retained.is_empty() {
        console.note(format!(
            "kept (DeletionPolicy Retain): {}; the next `deployer up` of {name} adopts them \
             into the new stack",
            report.retained.join(", ")
        ));
    }
    Ok(report)
}

/// The template inline, or uploaded to the artifact bucket when it is over the inline limit.
async fn template_source(aws: &Aws, deployment: &Deployment) -> CliResult<TemplateSource> {
    let size = deployment.template.len();
    if size <= TEMPLATE_BODY_LIMIT {
        return Ok(TemplateSource::Body(deployment.template.clone()));
    }
    let Some(bucket) = &deployment.artifact_bucket else {
        return Err(CliError::usage(format!(
            "the template of {} is {size} bytes, over CloudFormation's {TEMPLATE_BODY_LIMIT}-byte \
             limit for inline templates; give an artifact bucket to upload it to, or shorten it",
            deployment.stack
        )));
    };
    let key = format!("deployer/templates/{}.yaml", deployment.stack);
    aws.s3()
        .put_object()
        .bucket(bucket)
        .key(&key)
        .body(deployment.template.clone().into_bytes().into())
        .send()
        .await
        .map_err(|e| aws.error("S3 PutObject (template)", e))?;
    Ok(TemplateSource::Url(format!(
        "https://s3.{}.amazonaws.com/{bucket}/{key}",
        aws.region()
    )))
}

/// Where step 2 leaves the stack.
enum Settled {
    /// A change set can start from it (`None`: there is no stack).
    Ready(Option<Box<Stack>>),
    /// A preview found a stack that must be deleted first (in this status), and left it.
    MustDelete(String),
}

/// Step 2: the stack as a change set can start from it. A stack that can only be created anew
/// ([`stack::disposable`]) is deleted first, except by a preview, which changes nothing; an operation in progress is waited for;
/// a stack stuck in a failed state stops us.
async fn settle(
    aws: &Aws,
    cfn: &Client,
    console: &Console,
    name: &str,
    preview: bool,
) -> CliResult<Settled> {
    let mut backoff = Backoff::default();
    let mut waiting_said = false;
    loop {
        let Some(existing) = describe(aws, cfn, name).await? else {
            return Ok(Settled::Ready(None));
        };
        let current = status(&existing);
        if let Some(why) = stack::disposable(aws, cfn, &existing).await? {
            if preview {
                return Ok(Settled::MustDelete(current.to_string()));
            }
            console.note(format!("{name} is in {current} ({why}): deleting it first"));
            delete(aws, console, &existing).await?;
            return Ok(Settled::Ready(None));
        }
        match current {
            s if s.ends_with("_IN_PROGRESS") => {
                if !waiting_said {
                    console.note(format!(
                        "{name} is busy ({current}): waiting for that operation to finish"
                    ));
                    waiting_said = true;
                }
                backoff.wait().await;
            }
            "ROLLBACK_FAILED" | "DELETE_FAILED" | "UPDATE_ROLLBACK_FAILED" => {
                return Err(CliError::Failed(format!(
                    "{name} is in {current}: CloudFormation cannot change it until that is \
                     resolved (see its events in the console; for UPDATE_ROLLBACK_FAILED, \
                     `aws cloudformation continue-update-rollback --stack-name {name}`)"
                )));
            }
            _ => return Ok(Settled::Ready(Some(Box::new(existing)))),
        }
    }
}

/// Deletes a change set that will not be executed, and the empty stack a CREATE change set
/// leaves behind.
struct Discard<'a> {
    change_set: &'a str,
    new_stack: Option<&'a str>,
}

impl Discard<'_> {
    async fn run(&self, aws: &Aws, cfn: &Client) -> CliResult {
        delete_change_set(aws, cfn, self.change_set).await?;
        if let Some(stack) = self.new_stack {
            if let Some(empty) = describe(aws, cfn, stack).await? {
                if status(&empty) == "REVIEW_IN_PROGRESS" {
                    cfn.delete_stack()
                        .stack_name(stack)
                        .send()
                        .await
                        .map_err(|e| aws.error("DeleteStack", e))?;
                }
            }
        }
        Ok(())
    }
}

/// What to follow.
struct Watch<'a> {
    stack: &'a str,
    baseline: Option<&'a str>,
    total: usize,
    title: &'a str,
    /// Ctrl-C presses before the operation started (see [`crate::interrupt`]).
    seen: u32,
}

/// The end of a followed operation.
struct Watched {
    stack: Stack,
    events: Vec<Event>,
    /// The user cancelled the update (Ctrl-C).
    cancelled: bool,
}

/// Steps 7 and 9: streams the operation's events until the stack settles. The first Ctrl-C
/// cancels an update (and keeps following the rollback); the second stops following. Presses
/// are counted by [`crate::interrupt`], so one made during an API call is handled after it.
async fn watch(aws: &Aws, cfn: &Client, console: &Console, w: Watch<'_>) -> CliResult<Watched> {
    let mut progress = Progress::start(console, w.title, w.total);
    let mut events: Vec<Event> = Vec::new();
    let mut backoff = Backoff::default();
    let mut seen = w.seen;
    let mut interrupted = false;
    let mut cancelled = false;
    loop {
        // The status first: once it has settled, the events read next include the last one.
        let current = describe(aws, cfn, w.stack).await?.ok_or_else(|| {
            CliError::Failed(format!("{} disappeared while it was followed", w.stack))
        })?;
        let current_status = status(&current).to_string();
        let fresh = stack::events_after(
            aws,
            cfn,
            w.stack,
            events.last().map(|e| e.event_id.as_str()).or(w.baseline),
        )
        .await?;
        for event in fresh {
            progress.event(&event);
            events.push(event);
        }
        if !current_status.ends_with("_IN_PROGRESS") {
            progress.finish();
            return Ok(Watched {
                stack: current,
                events,
                cancelled,
            });
        }
        let presses = tokio::select! {
            () = backoff.wait() => crate::interrupt::count(),
            n = crate::interrupt::after(seen) => n,
        };
        if presses <= seen {
            continue;
        }
        seen = presses;
        if interrupted {
            progress.finish();
            return Err(CliError::Failed(format!(
                "stopped following {stack}: its operation ({current_status}) goes on in \
                 CloudFormation; follow it with `aws cloudformation describe-stack-events \
                 --stack-name {stack}` or `deployer ls`",
                stack = w.stack
            )));
        }
        interrupted = true;
        if current_status == "UPDATE_IN_PROGRESS" {
            stack::cancel_update(aws, cfn, w.stack).await?;
            cancelled = true;
            progress.note(
                "Ctrl-C: cancelling the update; following the rollback (Ctrl-C again to stop \
                 following)",
            );
        } else {
            progress.note(&format!(
                "Ctrl-C: {current_status} cannot be cancelled; Ctrl-C again to stop following \
                 (the operation goes on)"
            ));
        }
    }
}

/// The first resource that failed for a reason of its own (else the stack's own failure).
fn root_cause(events: &[Event]) -> Option<RootCause> {
    let event = events
        .iter()
        .find(|e| !e.is_stack() && e.is_root_failure())
        .or_else(|| events.iter().find(|e| e.is_root_failure()))?;
    Some(RootCause {
        logical_id: event.logical_id.clone(),
        resource_type: event.resource_type.clone(),
        status: event.status.clone(),
        reason: event.reason.clone(),
    })
}

/// Step 8: the failure as the user needs it: the first resource that failed for a reason of
/// its own, and where the stack ended.
fn failure(stack: &str, final_status: &str, events: &[Event], cancelled: bool) -> CliError {
    let mut message = format!("{stack} ended in {final_status}");
    match root_cause(events) {
        _ if cancelled => {
            message.push_str("\n  root cause: the update was cancelled by you (Ctrl-C)")
        }
        Some(event) => message.push_str(&format!(
            "\n  root cause: {} ({}) {}: {}",
            event.logical_id,
            event.resource_type,
            event.status,
            event.reason.as_deref().unwrap_or("no reason given")
        )),
        None => message.push_str("\n  root cause: no failed resource event was found"),
    }
    let outcome = match final_status {
        "ROLLBACK_COMPLETE" => {
            "the creation was rolled back; the next `deployer up` deletes the failed stack first"
        }
        "UPDATE_ROLLBACK_COMPLETE" => "the update was rolled back; the stack is as it was before",
        "IMPORT_ROLLBACK_COMPLETE" => {
            "the import was rolled back; the kept resources are as they were, in no stack"
        }
        "DELETE_FAILED" => "some resources could not be deleted; fix the cause and run down again",
        _ => "see the stack's events for the rollback's outcome",
    };
    message.push_str(&format!("\n  {outcome}"));
    CliError::Failed(message)
}
