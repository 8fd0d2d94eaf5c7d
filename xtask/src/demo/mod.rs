//! `cargo xtask demo`: the tutorial end to end, as a user would type it. Deploy the demo
//! stack, run it and watch it fail in "Parallel 2", resume it from the failed state with the
//! input fixed, watch the copy succeed without running "Parallel" again; then a pause/resume
//! round trip: start the job workflow, send the job's completion event, see it resume; then
//! tear everything down. Every step is printed as the command the README types.
//!
//! By default everything runs against the embedded emulator (started in this process);
//! `--aws` uses a real account through the standard credential chain.

mod deployer;
mod jobs;
mod narrate;
mod sfn;
mod tutorial;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

pub use deployer::Deployer;
pub use jobs::Paused;
pub use tutorial::Deployed;

use crate::lambdas::{self, human_size, Profile};
use crate::workspace::{cargo, run as run_command};
use narrate::{command_line, result, seconds};

/// What `cargo xtask demo` was asked to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Use the account of the standard credential chain instead of the emulator.
    pub aws: bool,
    /// Leave the stacks and resources in place at the end.
    pub keep: bool,
}

/// The step that did not do what it should, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The step's title.
    pub step: String,
    /// What went wrong.
    pub why: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step \"{}\" failed: {}", self.step, self.why)
    }
}

/// The region and test credentials used against the emulator.
const LOCAL_REGION: &str = "us-east-1";

/// What the demo needs built: the Lambda packages and the deployer binary.
#[derive(Debug, Clone)]
pub struct Built {
    /// The workspace root (where `deployer` runs).
    pub root: PathBuf,
    /// Where the packages are (`target/lambda`).
    pub lambda_dir: PathBuf,
    /// The `deployer` binary.
    pub deployer: PathBuf,
}

/// Builds the Lambda packages (`cargo xtask lambdas`, with `--dev` for the emulator) and the
/// deployer, printing both as commands. The deployer is built with xtask selected too (`cargo
/// build -p xtask -p deployer --bin deployer`), so that it shares the dependencies of the
/// `cargo xtask` that runs this instead of building them again with its own features.
pub fn build(root: &Path, profile: Profile) -> Result<Built, String> {
    let target = crate::workspace::target_dir(root)?;
    command_line(profile.command());
    let packages = lambdas::build(root, &target, profile)?;
    show_packages(root, &packages);
    command_line("cargo build -p deployer");
    run_command(
        Command::new(cargo())
            .args([
                "build", "-q", "-p", "xtask", "-p", "deployer", "--bin", "deployer",
            ])
            .current_dir(root),
    )?;
    Ok(Built {
        root: root.to_path_buf(),
        lambda_dir: target.join(profile.packages()),
        deployer: target.join("debug").join("deployer"),
    })
}

/// What [`build`] makes, taken from the workspace's test build instead (`cargo test --workspace
/// --no-run`, which builds the deployer and the demo's functions as binaries for their crates'
/// tests): inside `cargo test --workspace` nothing is left to build, where a build of its own
/// would compile every dependency again with other features.
pub fn built_by_the_tests(root: &Path) -> Result<Built, String> {
    let target = crate::workspace::target_dir(root)?;
    run_command(
        Command::new(cargo())
            .args(["test", "-q", "--workspace", "--no-run"])
            .current_dir(root),
    )?;
    let binaries = target.join("debug");
    let lambda_dir = target.join(Profile::Dev.packages());
    show_packages(root, &lambdas::package_all(&binaries, &lambda_dir)?);
    Ok(Built {
        root: root.to_path_buf(),
        lambda_dir,
        deployer: binaries.join("deployer"),
    })
}

/// Prints each written package, relative to the workspace.
fn show_packages(root: &Path, packages: &[lambdas::Package]) {
    for package in packages {
        result(&format!(
            "{} ({})",
            package
                .path
                .strip_prefix(root)
                .unwrap_or(&package.path)
                .display(),
            human_size(package.size)
        ));
    }
}

/// Runs the whole demo; `Ok` only when every step did what it should.
pub fn run(options: Options) -> Result<(), Failure> {
    let start = Instant::now();
    let steps = Steps::default();
    steps.title("Build the Lambda functions and the deployer");
    // The emulator runs the dev build, built in seconds beside the workspace's; AWS gets the
    // release build.
    let profile = if options.aws {
        Profile::Release
    } else {
        Profile::Dev
    };
    let built = build(&crate::workspace::root(), profile).map_err(|why| steps.failed(why))?;
    let after_build = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| steps.failed(format!("cannot start the async runtime: {e}")))?;
    let outcome = runtime.block_on(async {
        let emulator = if options.aws {
            None
        } else {
            let started = emulator::start(emulator::Config::ephemeral())
                .await
                .map_err(|e| steps.failed(format!("the emulator did not start: {e}")))?;
            Some(started)
        };
        let demo = match &emulator {
            Some(emulator) => Demo::local(&built, &emulator.endpoint()),
            None => Demo::aws(&built).await,
        };
        let outcome = demo.everything(&steps, options.keep).await;
        if let Some(emulator) = emulator {
            emulator.shutdown().await;
        }
        outcome
    });
    println!(
        "\ntotal {} ({} after the build)",
        seconds(start),
        seconds(after_build)
    );
    outcome
}

/// Numbers the steps and names the one that fails.
#[derive(Debug, Default)]
pub struct Steps {
    number: AtomicUsize,
    current: std::sync::Mutex<String>,
}

impl Steps {
    /// Starts the next step.
    pub fn title(&self, title: &str) {
        let n = self.number.fetch_add(1, Ordering::Relaxed) + 1;
        narrate::step(n, title);
        if let Ok(mut current) = self.current.lock() {
            *current = title.to_string();
        }
    }

    /// The current step failed for `why`.
    pub fn failed(&self, why: impl Into<String>) -> Failure {
        Failure {
            step: self.current.lock().map(|c| c.clone()).unwrap_or_default(),
            why: why.into(),
        }
    }
}

/// Where the demo runs and with what.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The deployer binary, set up for the target.
    pub deployer: Deployer,
    /// The SDK configuration of the checks.
    pub config: SdkConfig,
    /// Where the Lambda packages are.
    pub lambda_dir: PathBuf,
    /// How long an execution may take.
    pub limit: Duration,
}

impl Demo {
    /// Against the emulator at `endpoint` (region us-east-1, test credentials).
    pub fn local(built: &Built, endpoint: &str) -> Demo {
        let env = [
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_REGION", LOCAL_REGION),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ];
        command_line(&format!(
            "export {}",
            env.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        result("(the emulator runs inside this process: like `deployer local serve`)");
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(LOCAL_REGION))
            .endpoint_url(endpoint)
            .credentials_provider(SharedCredentialsProvider::new(Credentials::from_keys(
                "test", "test", None,
            )))
            .build();
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Demo {
            deployer: Deployer {
                path: built.deployer.clone(),
                dir: built.root.clone(),
                env,
            },
            config,
            lambda_dir: built.lambda_dir.clone(),
            limit: Duration::from_secs(60),
        }
    }

    /// Against the account and region of the standard chain.
    pub async fn aws(built: &Built) -> Demo {
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        result(&format!("against AWS, region {region}"));
        Demo {
            deployer: Deployer {
                path: built.deployer.clone(),
                dir: built.root.clone(),
                env: vec![("AWS_REGION".into(), region)],
            },
            config,
            lambda_dir: built.lambda_dir.clone(),
            limit: Duration::from_secs(300),
        }
    }

    /// Every step after the build.
    pub async fn everything(&self, steps: &Steps, keep: bool) -> Result<(), Failure> {
        let at = |why: String| steps.failed(why);
        steps.title("Deploy the demo (the ResumeFromState stack and the resumer it pauses on)");
        let deployed = self.demo_up().await.map_err(at)?;
        steps.title("Run it: it fails in \"Parallel 2\" (the second function needs $.foo)");
        let failed = self.failing_run(&deployed.machine).await.map_err(at)?;
        steps.title("Resume from the failed state, with {\"foo\": \"bar\"} added to its input");
        let resumed = self.resume(&failed).await.map_err(at)?;
        steps.title("The resumed run succeeds without running \"Parallel\" again");
        self.check_resumed(&resumed).await.map_err(at)?;
        steps.title("Pause and resume on events: the job workflow starts a job and pauses");
        let paused = self.start_job_workflow(&deployed.jobs).await.map_err(at)?;
        steps.title("The job's completion event resumes the workflow");
        self.complete_job(&paused).await.map_err(at)?;
        if keep {
            steps.title("Keep everything (--keep)");
            result("to remove it later: deployer demo down --yes");
            return Ok(());
        }
        steps.title("Tear down");
        self.teardown().await.map_err(at)
    }

    /// Deletes what the demo made.
    pub async fn teardown(&self) -> Result<(), String> {
        self.deployer.run(&["demo", "down", "--yes"]).await?;
        Ok(())
    }
}

/// An SDK error with its causes.
fn sdk_error(err: &(dyn std::error::Error + 'static)) -> String {
    aws_sdk_sfn::error::DisplayErrorContext(err).to_string()
}
