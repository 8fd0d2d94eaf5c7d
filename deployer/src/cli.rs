//! The command line: every command, flag and help text.

// The doc comments here are clap's help text, written for a terminal: `[[resumer]]` and
// `<account>` are words for the user, not rustdoc links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Resume failed AWS Step Functions executions from the failed state, and deploy
/// pause/resume mechanisms for workflows that wait on outside events.
#[derive(Debug, Parser)]
#[command(name = "deployer", version, about, propagate_version = true)]
pub struct Cli {
    /// How to print results: text for people, json for scripts.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text, help_heading = "Global options")]
    pub output: OutputFormat,
    /// Where and as whom to call AWS, and how much to say.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes: the AWS target and the verbosity.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The AWS region (default: the standard chain: AWS_REGION, the profile, ...).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// The named profile of ~/.aws/config to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint, e.g. a running `deployer local serve`.
    #[arg(
        long,
        global = true,
        env = "AWS_ENDPOINT_URL",
        value_name = "URL",
        conflicts_with = "local"
    )]
    pub endpoint_url: Option<String>,
    /// Use the emulator of `deployer local serve` on its default port (127.0.0.1:4566), with
    /// test credentials and us-east-1 unless told otherwise.
    #[arg(long, global = true)]
    pub local: bool,
    /// Print only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print every AWS call's progress detail.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true, env = "NO_COLOR", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_color: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable text.
    Text,
    /// One JSON document on standard output.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Resume a failed execution from the state that failed: create (or update) a copy of its
    /// state machine that starts there, and optionally start it (or plan offline from files).
    Resume(ResumeArgs),
    /// Deploy resumer stacks: the one --name-suffix names, or every [[resumer]] of deployer.toml.
    Up(UpArgs),
    /// Delete resumer stacks: the one --name-suffix names, or (--all) everything deployer made.
    Down(DownArgs),
    /// List the stacks deployer made, with their status.
    Ls,
    /// Deploy or delete the tutorial's demo stack (ResumeFromState) and its Lambda code.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Print a CloudFormation template: the demo stack or a resumer stack.
    #[command(subcommand)]
    Render(RenderCommand),
    /// Print the pause task of a resumer, ready to paste into a workflow definition.
    Task(TaskArgs),
    /// Run the embedded AWS emulator (CloudFormation, Step Functions, Lambda, DynamoDB,
    /// EventBridge, IAM, S3, STS, Logs) for offline use.
    #[command(subcommand)]
    Local(LocalCommand),
}

/// `deployer demo …`.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Upload the demo's Lambda packages (built by `cargo xtask lambdas`) to an artifact
    /// bucket, deploy the ResumeFromState stack (ResumeFromStateExample, and the job workflow
    /// ResumeOnEventExample) and the resumer sfn-resume-DemoJobs it pauses on; prints both
    /// state machines' ARNs and the commands that run them.
    Up(DemoUpArgs),
    /// Delete the demo stack, its resumer, every state machine `deployer resume` made, and the
    /// artifacts.
    Down(DemoDownArgs),
}

/// `deployer demo up`.
#[derive(Debug, Args)]
pub struct DemoUpArgs {
    /// The bucket for the Lambda packages (default: sfn-resume-artifacts-<account>-<region>,
    /// created when missing).
    #[arg(long, value_name = "BUCKET")]
    pub artifact_bucket: Option<String>,
    /// Where first.zip, second.zip and start_job.zip are (written by `cargo xtask lambdas`).
    #[arg(long, value_name = "DIR", default_value = "target/lambda")]
    pub lambda_dir: PathBuf,
    /// Show the plan, then delete the change set: change nothing (the packages are uploaded).
    #[arg(long, conflicts_with = "yes")]
    pub preview: bool,
    /// Execute the change set without asking (required without a terminal).
    #[arg(short, long)]
    pub yes: bool,
}

/// `deployer demo down`.
#[derive(Debug, Args)]
pub struct DemoDownArgs {
    /// Delete without asking (required without a terminal).
    #[arg(short, long)]
    pub yes: bool,
}

/// `deployer local …`.
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Serve the emulator until Ctrl-C.
    #[command(
        after_help = "Then, in another shell:\n  export AWS_ENDPOINT_URL=http://127.0.0.1:4566 \
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1\n  \
    aws stepfunctions list-state-machines"
    )]
    Serve(ServeArgs),
}

/// `deployer local serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = crate::aws::LOCAL_PORT)]
    pub port: u16,
    /// The address to listen on. Anything but loopback exposes an unauthenticated AWS API.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Keep state in this directory: every acknowledged write survives a crash and restart.
    /// Without it, state lives in memory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// With --state-dir: when a journal line is damaged, keep the records before it (the
    /// journal as it was is kept beside it as journal.jsonl.damaged) and start.
    #[arg(long, requires = "state_dir")]
    pub repair: bool,
}

/// `deployer resume`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("live").args(["execution_arn", "state_machine"])))]
#[command(after_help = "A failed execution, live:\n  deployer resume \
    arn:aws:states:us-east-1:123456789012:execution:MyMachine:my-run --patch '{\"foo\": 1}' \
    --start --wait\n\nMany at once (the failed executions of one machine, 20 at a time):\n  \
    deployer resume --state-machine arn:aws:states:us-east-1:123456789012:stateMachine:MyMachine \
    --status FAILED --since 6h --concurrency 20 --start\n\nOffline, on saved files:\n  deployer resume --history-file history.json \
    --definition-file definition.json --dry-run\n\nhistory.json is the output of \
    `aws stepfunctions get-execution-history --execution-arn ARN` (one page or several);\n\
    definition.json is the `definition` of `aws stepfunctions \
    describe-state-machine-for-execution --execution-arn ARN`.")]
pub struct ResumeArgs {
    /// The failed execution's ARN (live mode).
    #[arg(value_name = "EXECUTION_ARN", conflicts_with_all = ["state_machine", "history_file"])]
    pub execution_arn: Option<String>,
    /// How to resume: redrive the execution itself (RedriveExecution) or make the copy
    /// (<machine>-with-GoToState); auto redrives when it can and nothing asked for needs a copy.
    #[arg(long, value_enum, default_value_t = Strategy::Auto)]
    pub strategy: Strategy,
    /// Resume many executions at once: every execution of this state machine with --status.
    #[arg(
        long,
        value_name = "STATE_MACHINE_ARN",
        requires = "status",
        conflicts_with = "history_file"
    )]
    pub state_machine: Option<String>,
    /// With --state-machine: the status of the executions to resume.
    #[arg(long, value_enum, requires = "state_machine")]
    pub status: Option<BatchStatus>,
    /// With --state-machine: only executions that stopped this long ago or less, e.g. 6h, 30m,
    /// 2d, 1h30m.
    #[arg(long, value_name = "DURATION", requires = "state_machine")]
    pub since: Option<String>,
    /// With --state-machine: only executions that failed with this error, e.g. States.Timeout.
    #[arg(long, value_name = "NAME", requires = "state_machine")]
    pub error: Option<String>,
    /// With --state-machine: resume at most this many (already resumed ones do not count).
    #[arg(long, value_name = "N", requires = "state_machine", value_parser = clap::value_parser!(u64).range(1..))]
    pub max: Option<u64>,
    /// With --state-machine: how many executions are planned or resumed at the same time.
    #[arg(long, value_name = "K", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub concurrency: u64,
    /// A saved GetExecutionHistory response (JSON; one page, several pages, either order).
    #[arg(long, value_name = "FILE", requires = "definition_file")]
    pub history_file: Option<PathBuf>,
    /// The definition the execution ran (JSON), with --history-file; with an execution ARN, a
    /// corrected definition to resume with (states matched by name).
    #[arg(long, value_name = "FILE")]
    pub definition_file: Option<PathBuf>,
    /// Resume at this top-level state instead of the failed one.
    #[arg(long, value_name = "STATE")]
    pub from_state: Option<String>,
    /// A JSON merge patch (RFC 7386) applied to the resume input, e.g. '{"foo": "bar"}'.
    #[arg(long, value_name = "JSON")]
    pub patch: Option<String>,
    /// A JSON merge patch applied to the execution input ($$.Execution.Input), which is
    /// otherwise the original execution's input.
    #[arg(long, value_name = "JSON")]
    pub patch_execution_input: Option<String>,
    /// The copy's TimeoutSeconds: the machine's (a TIMED_OUT execution) or the timed-out
    /// state's (a States.Timeout error); otherwise the machine's.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub timeout_seconds: Option<u64>,
    /// Resume even though an earlier resume of this execution succeeded.
    #[arg(long, requires = "live")]
    pub force: bool,
    /// Print the plan and the rewritten definition; create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Start the resumed execution: the copy's new version, under a name derived from the
    /// original's, with the original execution input (live mode).
    #[arg(long, requires = "live", conflicts_with = "dry_run")]
    pub start: bool,
    /// Follow the started execution to its end and report it; exit 1 unless it succeeds.
    #[arg(long, requires = "start", conflicts_with = "state_machine")]
    pub wait: bool,
    /// Create the copy even when its role's trust policy seems not to let Step Functions
    /// assume the role for it.
    #[arg(long, requires = "live")]
    pub ignore_trust_policy: bool,
}

/// How `deployer resume` resumes an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Strategy {
    /// Redrive when Step Functions allows it and nothing asked for needs a copy; else copy.
    Auto,
    /// RedriveExecution: the same execution (ARN, name, input, definition) goes on.
    Redrive,
    /// A version of the copy <machine>-with-GoToState, started under a derived name.
    Copy,
}

impl Strategy {
    /// The flag's value, as typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Redrive => "redrive",
            Strategy::Copy => "copy",
        }
    }
}

/// The statuses a batch resume selects executions by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchStatus {
    /// Executions that failed.
    #[value(name = "FAILED")]
    Failed,
    /// Executions that timed out.
    #[value(name = "TIMED_OUT")]
    TimedOut,
    /// Executions that were stopped.
    #[value(name = "ABORTED")]
    Aborted,
}

impl BatchStatus {
    /// The status as Step Functions spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Failed => "FAILED",
            BatchStatus::TimedOut => "TIMED_OUT",
            BatchStatus::Aborted => "ABORTED",
        }
    }
}

/// `deployer render …`.
#[derive(Debug, Subcommand)]
pub enum RenderCommand {
    /// The demo stack (ResumeFromStateExample and the job workflow ResumeOnEventExample).
    Demo(DemoRenderArgs),
    /// A resumer stack `sfn-resume-<name-suffix>`.
    Resumer(ResumerArgs),
}

/// Where the demo's Lambda code is (`deployer render demo`).
#[derive(Debug, Args)]
pub struct DemoRenderArgs {
    /// The S3 bucket holding the zipped Lambda functions.
    #[arg(long, value_name = "BUCKET", default_value = "sfn-resume-artifacts")]
    pub artifact_bucket: String,
    /// The first function's object key.
    #[arg(long, value_name = "KEY", default_value = "demo/first.zip")]
    pub first_key: String,
    /// The second function's object key.
    #[arg(long, value_name = "KEY", default_value = "demo/second.zip")]
    pub second_key: String,
    /// The start_job function's object key.
    #[arg(long, value_name = "KEY", default_value = "demo/start_job.zip")]
    pub start_job_key: String,
}

/// One resumer instance: flags, or a `[[resumer]]` entry of deployer.toml, or both (flags win).
#[derive(Debug, Args)]
pub struct ResumerArgs {
    /// Names the stack sfn-resume-<NAME_SUFFIX> (letters, digits, hyphens).
    #[arg(long, value_name = "NAME_SUFFIX")]
    pub name_suffix: String,
    /// The instance's settings.
    #[command(flatten)]
    pub settings: ResumerSettings,
}

/// `deployer up`'s resumer: one named by --name-suffix (with optional settings), or all of them.
#[derive(Debug, Args)]
pub struct ResumerSelection {
    /// Names the stack sfn-resume-<NAME_SUFFIX> (letters, digits, hyphens).
    #[arg(long, value_name = "NAME_SUFFIX")]
    pub name_suffix: Option<String>,
    /// The instance's settings.
    #[command(flatten)]
    pub settings: ResumerSettings,
}

/// A resumer's settings as flags; each overrides the deployer.toml entry of the same suffix.
#[derive(Debug, Args)]
pub struct ResumerSettings {
    /// The EventBridge pattern of the completion event (JSON).
    #[arg(long, value_name = "JSON")]
    pub event_pattern: Option<String>,
    /// Where the pause task finds the id in the workflow's state, e.g. $.orderId.
    #[arg(long, value_name = "JSONPATH")]
    pub path_to_id_pause_task: Option<String>,
    /// Where the resume machine finds the id in the event, e.g. $.detail.orderId.
    #[arg(long, value_name = "JSONPATH")]
    pub path_to_id_workflow: Option<String>,
    /// Keep (retain, the default) or delete (destroy) the table and log group with the stack.
    #[arg(long, value_name = "POLICY")]
    pub removal_policy: Option<String>,
    /// An EventBridge pattern (JSON) whose events end the wait with a failure.
    #[arg(long, value_name = "JSON")]
    pub failure_event_pattern: Option<String>,
    /// How long the workflow waits for the event, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout_seconds: Option<u64>,
    /// How long an event that came before the pause is remembered, in seconds (default 86400).
    #[arg(long, value_name = "SECONDS")]
    pub arrival_window_seconds: Option<u64>,
    /// The configuration file (default: deployer.toml in the current directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `deployer up`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  deployer up --name-suffix Orders --event-pattern \
    '{\"source\":[\"demo.orders\"]}' --path-to-id-pause-task '$.orderId' \
    --path-to-id-workflow '$.detail.orderId' --yes"
)]
pub struct UpArgs {
    /// The resumer (without --name-suffix: every [[resumer]] of deployer.toml).
    #[command(flatten)]
    pub resumer: ResumerSelection,
    /// Show the plan, then delete the change set: change nothing.
    #[arg(long, conflicts_with = "yes")]
    pub preview: bool,
    /// Execute the change set without asking (required without a terminal).
    #[arg(short, long)]
    pub yes: bool,
    /// Grant this IAM role (name or ARN; your workflow's role) what the pause task needs on the
    /// resumer's table; repeat for several roles. Roles granted earlier and not named again lose
    /// their grant; without the flag the grants stay as they are. `down` takes every one back.
    #[arg(long, value_name = "ROLE")]
    pub workflow_role: Vec<String>,
}

/// `deployer down`.
#[derive(Debug, Args)]
pub struct DownArgs {
    /// The resumer whose stack to delete.
    #[arg(long, value_name = "NAME_SUFFIX", required_unless_present = "all")]
    pub name_suffix: Option<String>,
    /// Delete everything deployer made: resumer and demo stacks, and resumed copies.
    #[arg(long, conflicts_with = "name_suffix")]
    pub all: bool,
    /// Delete without asking (required without a terminal).
    #[arg(short, long)]
    pub yes: bool,
}

/// `deployer task`.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// The resumer.
    #[command(flatten)]
    pub resumer: ResumerArgs,
    /// The state to go to after the pause (printed as a placeholder to replace when not given).
    #[arg(long, value_name = "STATE")]
    pub next: Option<String>,
    /// Where the event's detail goes in the state.
    #[arg(long, value_name = "JSONPATH", default_value = "$.resumeEvent")]
    pub result_path: String,
    /// The form to print: the state as Amazon States Language JSON, a CDK TypeScript module, or
    /// Terraform (each with the workflow role's grant, referencing the stack's exports).
    #[arg(long, value_enum, default_value_t = TaskFormat::Asl)]
    pub format: TaskFormat,
}

/// `deployer task --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TaskFormat {
    /// The pause state as JSON (the grant as a note on standard error).
    Asl,
    /// A TypeScript module for aws-cdk-lib.
    CdkTs,
    /// Terraform configuration.
    Terraform,
}
