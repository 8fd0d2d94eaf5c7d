//! Sandboxes: a function version's `bootstrap` running as a child process against its own
//! Runtime API listener, with its output captured; and the warm pools that keep them between
//! invocations (one pool per function version, a cap on how many run at once, a queue beyond).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::model::{Code, FunctionConfig};
use super::package;
use super::runtime_api::{Job, Outcome, RuntimeApi};
use super::runtimes::Launch;

/// How many sandboxes one function version runs at once unless
/// `SFN_RESUME_LAMBDA_MAX_SANDBOXES` says otherwise; invocations beyond wait their turn.
pub const DEFAULT_MAX_SANDBOXES: usize = 10;

/// Set to `1` to copy every sandbox's output to the emulator's stderr, prefixed with the
/// function's name.
pub const LOGS_ENV: &str = "SFN_RESUME_LAMBDA_LOGS";

/// Sets the per-function sandbox cap.
pub const MAX_SANDBOXES_ENV: &str = "SFN_RESUME_LAMBDA_MAX_SANDBOXES";

/// How much of a sandbox's output is kept between two invocations.
const LOG_BUFFER_BYTES: usize = 64 * 1024;

/// Every sandbox of every function: the pools, and what stops them all.
#[derive(Debug)]
pub struct Sandboxes {
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    watchers: Mutex<Vec<JoinHandle<()>>>,
    stopping: watch::Sender<bool>,
    endpoint: Mutex<Option<String>>,
    max_per_version: usize,
    echo_logs: bool,
}

/// What the pools of one function version hold, for inspection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// Sandboxes started since the version's pool was created.
    pub started: usize,
    /// Sandboxes waiting warm for an invocation.
    pub idle: usize,
}

impl Default for Sandboxes {
    fn default() -> Self {
        let max_per_version = std::env::var(MAX_SANDBOXES_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_MAX_SANDBOXES);
        Sandboxes {
            pools: Mutex::new(HashMap::new()),
            watchers: Mutex::new(Vec::new()),
            stopping: watch::channel(false).0,
            endpoint: Mutex::new(None),
            max_per_version,
            echo_logs: std::env::var(LOGS_ENV).is_ok_and(|v| v == "1"),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Sandboxes {
    /// Tells sandboxes where the emulator listens (their `AWS_ENDPOINT_URL`).
    pub fn set_endpoint(&self, endpoint: String) {
        *lock(&self.endpoint) = Some(endpoint);
    }

    /// The pool of a function version, created (code unzipped) on first use; its sandboxes
    /// start as `launch` says.
    pub async fn pool(
        &self,
        config: &FunctionConfig,
        code: &Code,
        region: &str,
        launch: Launch,
    ) -> std::io::Result<Arc<Pool>> {
        let key = config.pool_key();
        if let Some(pool) = lock(&self.pools).get(&key) {
            return Ok(pool.clone());
        }
        let dir = tempfile::Builder::new()
            .prefix("sfn-resume-lambda-")
            .tempdir()?;
        let zip = code.0.clone();
        let root = dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || package::extract(&zip, &root))
            .await
            .map_err(std::io::Error::other)??;
        let spec = Spec {
            config: config.clone(),
            region: region.to_string(),
            task_root: dir.path().to_path_buf(),
            endpoint: lock(&self.endpoint).clone(),
            echo_logs: self.echo_logs,
            launch,
        };
        let pool = Arc::new(Pool {
            spec,
            _dir: dir,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(self.max_per_version)),
            started: AtomicUsize::new(0),
            retired: AtomicBool::new(false),
        });
        Ok(lock(&self.pools).entry(key).or_insert(pool).clone())
    }

    /// Stops the warm sandboxes of a function (every version); those running finish their
    /// invocation first.
    pub fn retire(&self, function_arn: &str) {
        let prefix = format!("{function_arn}:");
        let retired: Vec<Arc<Pool>> = {
            let mut pools = lock(&self.pools);
            let keys: Vec<String> = pools
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect();
            keys.into_iter().filter_map(|k| pools.remove(&k)).collect()
        };
        for pool in retired {
            pool.retired.store(true, Ordering::SeqCst);
            lock(&pool.idle).clear();
        }
    }

    /// The sandboxes of one function version (`config.version_arn()` with its version).
    pub fn stats(&self, function_arn: &str, version: &str) -> SandboxStats {
        let prefix = format!("{function_arn}:{version}#");
        lock(&self.pools)
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .fold(SandboxStats::default(), |acc, (_, pool)| SandboxStats {
                started: acc.started + pool.started.load(Ordering::SeqCst),
                idle: acc.idle + lock(&pool.idle).len(),
            })
    }

    /// Kills every sandbox and waits until their processes are gone.
    pub async fn shutdown(&self) {
        self.stopping.send_replace(true);
        let pools: Vec<Arc<Pool>> = lock(&self.pools).drain().map(|(_, p)| p).collect();
        for pool in &pools {
            pool.retired.store(true, Ordering::SeqCst);
            lock(&pool.idle).clear();
        }
        let watchers: Vec<JoinHandle<()>> = lock(&self.watchers).drain(..).collect();
        for watcher in watchers {
            let _ = watcher.await;
        }
    }

    /// Takes a warm sandbox of the pool, or starts one; waits while the pool is at its cap.
    pub async fn acquire(&self, pool: &Arc<Pool>) -> std::io::Result<Lease> {
        let permit = pool
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(std::io::Error::other)?;
        let warm = {
            let mut idle = lock(&pool.idle);
            std::iter::from_fn(|| idle.pop()).find(Sandbox::is_alive)
        };
        let sandbox = match warm {
            Some(sandbox) => sandbox,
            None => {
                let (sandbox, watcher) =
                    Sandbox::start(&pool.spec, self.stopping.subscribe()).await?;
                pool.started.fetch_add(1, Ordering::SeqCst);
                let mut watchers = lock(&self.watchers);
                watchers.retain(|w| !w.is_finished());
                watchers.push(watcher);
                sandbox
            }
        };
        Ok(Lease {
            pool: pool.clone(),
            sandbox: Some(sandbox),
            _permit: permit,
        })
    }
}

/// The sandboxes of one function version, and its unzipped code.
#[derive(Debug)]
pub struct Pool {
    spec: Spec,
    _dir: tempfile::TempDir,
    idle: Mutex<Vec<Sandbox>>,
    permits: Arc<Semaphore>,
    started: AtomicUsize,
    retired: AtomicBool,
}

impl Pool {
    /// The configuration its sandboxes run.
    pub fn config(&self) -> &FunctionConfig {
        &self.spec.config
    }
}

/// A sandbox taken from a pool for one invocation. Dropping it kills the sandbox; `release`
/// puts a healthy one back.
#[derive(Debug)]
pub struct Lease {
    pool: Arc<Pool>,
    sandbox: Option<Sandbox>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    /// The sandbox.
    pub fn sandbox(&mut self) -> Option<&mut Sandbox> {
        self.sandbox.as_mut()
    }

    /// Keeps the sandbox warm for the next invocation (unless its function changed since).
    pub fn release(mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            if !self.pool.retired.load(Ordering::SeqCst) && sandbox.is_alive() {
                lock(&self.pool.idle).push(sandbox);
            }
        }
    }
}

/// What a sandbox of one function version is started with.
#[derive(Debug)]
struct Spec {
    config: FunctionConfig,
    region: String,
    task_root: PathBuf,
    endpoint: Option<String>,
    echo_logs: bool,
    launch: Launch,
}

/// How one invocation on a sandbox ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunResult {
    /// The runtime answered (result or function error).
    Answered(Outcome),
    /// The runtime reported an initialization error (its error object).
    InitError(Bytes),
    /// The bootstrap exited (`exit status 3`, `signal: killed`).
    Exited(String),
    /// The deadline passed.
    TimedOut,
}

/// One execution environment: a `bootstrap` process and its Runtime API.
#[derive(Debug)]
pub struct Sandbox {
    api: RuntimeApi,
    /// Its CloudWatch Logs stream, named as AWS names one per execution environment
    /// (`2026/12/04/[$LATEST]<32 hex digits>`).
    log_stream: String,
    exited: watch::Receiver<Option<String>>,
    logs: Arc<Mutex<Vec<u8>>>,
    _kill: oneshot::Sender<()>,
}

impl Sandbox {
    async fn start(
        spec: &Spec,
        stopping: watch::Receiver<bool>,
    ) -> std::io::Result<(Sandbox, JoinHandle<()>)> {
        let api = RuntimeApi::start().await?;
        let mut child = spawn(spec, &api.address).await?;
        let notice = spec.launch.notice.clone().unwrap_or_default();
        let logs = Arc::new(Mutex::new(notice.into_bytes()));
        let prefix = spec.echo_logs.then(|| format!("[{}] ", spec.config.name));
        if let Some(out) = child.stdout.take() {
            tokio::spawn(capture(out, logs.clone(), prefix.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(capture(err, logs.clone(), prefix));
        }
        let (kill, killed) = oneshot::channel();
        let (exited_tx, exited) = watch::channel(None);
        let watcher = tokio::spawn(watch_child(child, killed, stopping, exited_tx));
        Ok((
            Sandbox {
                api,
                log_stream: format!(
                    "{}/[{}]{}",
                    &crate::protocol::iso8601(std::time::SystemTime::now())[..10].replace('-', "/"),
                    spec.config.version,
                    uuid::Uuid::new_v4().simple()
                ),
                exited,
                logs,
                _kill: kill,
            },
            watcher,
        ))
    }

    fn is_alive(&self) -> bool {
        self.exited.borrow().is_none() && self.api.init_error.borrow().is_none()
    }

    /// Its CloudWatch Logs stream's name.
    pub fn log_stream(&self) -> &str {
        &self.log_stream
    }

    /// The output captured since the last call.
    pub fn take_logs(&self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.logs))
    }

    /// Hands one event to the runtime and waits for its answer, its death or the deadline.
    pub async fn run(
        &mut self,
        request_id: &str,
        invoked_arn: &str,
        payload: Bytes,
        timeout: Duration,
    ) -> RunResult {
        let deadline = Instant::now() + timeout;
        let deadline_ms = (std::time::SystemTime::now() + timeout)
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        let (reply, answer) = oneshot::channel();
        let job = Job {
            request_id: request_id.to_string(),
            payload,
            deadline_ms,
            invoked_arn: invoked_arn.to_string(),
            reply,
        };
        let mut exited = self.exited.clone();
        let mut init_error = self.api.init_error.clone();
        if self.api.jobs.send(job).await.is_err() {
            return RunResult::Exited("the runtime API stopped".to_string());
        }
        tokio::select! {
            biased;
            answer = answer => match answer {
                Ok(outcome) => RunResult::Answered(outcome),
                Err(_) => RunResult::Exited("the runtime API stopped".to_string()),
            },
            error = init_error.wait_for(Option::is_some) => match error {
                Ok(error) => RunResult::InitError(error.clone().unwrap_or_default()),
                Err(_) => RunResult::Exited("the runtime API stopped".to_string()),
            },
            status = exited.wait_for(Option::is_some) => match status {
                Ok(status) => RunResult::Exited(status.clone().unwrap_or_default()),
                Err(_) => RunResult::Exited("signal: killed".to_string()),
            },
            () = tokio::time::sleep_until(deadline.into()) => RunResult::TimedOut,
        }
    }
}

/// The environment AWS's `provided` runtimes give `bootstrap`, plus the user's variables and
/// `AWS_ENDPOINT_URL` pointing back at the emulator.
fn environment(spec: &Spec, runtime_api: &str) -> Vec<(String, String)> {
    let config = &spec.config;
    let stream = format!(
        "{}/[{}]{}",
        &super::model::now_last_modified()[..10].replace('-', "/"),
        config.version,
        uuid::Uuid::new_v4().simple()
    );
    let mut env: Vec<(String, String)> = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", config.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", config.version.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            config.memory_size.to_string(),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        ("AWS_REGION", spec.region.clone()),
        ("AWS_DEFAULT_REGION", spec.region.clone()),
        ("LAMBDA_TASK_ROOT", spec.task_root.display().to_string()),
        ("LAMBDA_RUNTIME_DIR", spec.task_root.display().to_string()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", config.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", stream),
        ("TZ", ":UTC".to_string()),
        ("LANG", "en_US.UTF-8".to_string()),
        (
            "PATH",
            std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()),
        ),
        ("AWS_ACCESS_KEY_ID", "ASIAEMULATORLAMBDA000".to_string()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "emulator-lambda-secret".to_string(),
        ),
        ("AWS_SESSION_TOKEN", "emulator-lambda-session".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(handler) = &config.handler {
        env.push(("_HANDLER".to_string(), handler.clone()));
    }
    if let Some(endpoint) = &spec.endpoint {
        env.push(("AWS_ENDPOINT_URL".to_string(), endpoint.clone()));
    }
    env.extend(spec.launch.env.iter().cloned());
    if let Some(variables) = &config.environment {
        env.extend(variables.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    env
}

/// Starts the runtime's process (`bootstrap`, or an interpreter and its runtime client) in its
/// own process group (so a timeout kills what it started too).
async fn spawn(spec: &Spec, runtime_api: &str) -> std::io::Result<Child> {
    let mut attempts = 0;
    loop {
        let program = match &spec.launch.program {
            Some(interpreter) => interpreter.clone(),
            None => spec.task_root.join(package::BOOTSTRAP),
        };
        let mut command = Command::new(&program);
        command
            .args(&spec.launch.args)
            .current_dir(&spec.task_root)
            .env_clear()
            .envs(environment(spec, runtime_api))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        match command.spawn() {
            // Another thread forking while the file was being written holds it open for a
            // moment ("Text file busy"): try again shortly.
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 20 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            result => return result,
        }
    }
}

/// Copies a stream into the log buffer (and to stderr when asked), line by line.
async fn capture(
    stream: impl AsyncRead + Unpin,
    logs: Arc<Mutex<Vec<u8>>>,
    echo_prefix: Option<String>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if let Some(prefix) = &echo_prefix {
            eprint!("{prefix}{}", String::from_utf8_lossy(&line));
        }
        let mut buffer = lock(&logs);
        buffer.extend_from_slice(&line);
        if buffer.len() > LOG_BUFFER_BYTES {
            let excess = buffer.len() - LOG_BUFFER_BYTES;
            buffer.drain(..excess);
        }
    }
}

/// Waits for the child to exit, or kills it (and its process group) when the sandbox is
/// dropped or the emulator stops; then publishes how it ended.
async fn watch_child(
    mut child: Child,
    killed: oneshot::Receiver<()>,
    mut stopping: watch::Receiver<bool>,
    exited: watch::Sender<Option<String>>,
) {
    let pid = child.id();
    let status = tokio::select! {
        status = child.wait() => Some(status),
        _ = killed => None,
        _ = stopping.wait_for(|s| *s) => None,
    };
    let description = match status {
        Some(Ok(status)) => describe(status),
        Some(Err(e)) => e.to_string(),
        None => {
            kill_group(pid).await;
            let _ = child.kill().await;
            "signal: killed".to_string()
        }
    };
    exited.send_replace(Some(description));
}

/// Kills the process group a sandbox's bootstrap leads (children it started included).
async fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// An exit status as AWS reports it (`exit status 3`, `signal: killed`).
fn describe(status: std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => "aborted".to_string(),
                9 => "killed".to_string(),
                11 => "segmentation fault".to_string(),
                15 => "terminated".to_string(),
                n => n.to_string(),
            };
            return format!("signal: {name}");
        }
    }
    status.to_string()
}
