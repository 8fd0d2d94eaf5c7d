//! Lambda: functions on the `provided.al2023` / `provided.al2`, `python3.x` and `nodejs*.x`
//! runtimes, run for real — the package is unzipped and its `bootstrap` (or the host's
//! interpreter with a runtime interface client) started as a child process talking to its own
//! Runtime API listener, kept warm between invocations.
//!
//! - [`model`]: functions, versions, tags, policies, the journal's changes.
//! - [`api`]: the restJson1 routes under `/2015-03-31/…` and `/2017-03-31/tags/…`.
//! - [`invoke`](mod@invoke): Invoke's limits, types and replies.
//! - [`sandbox`]: child processes and warm pools; [`runtime_api`]: what a sandbox polls.
//! - [`package`]: checking and unzipping deployment packages.
//! - [`runtimes`]: which runtimes run, and the process each starts.

pub mod api;
pub mod invoke;
pub mod model;
pub mod package;
pub mod runtime_api;
pub mod runtimes;
pub mod sandbox;

use std::sync::{Arc, Weak};

use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::protocol::Response;
use crate::request::{AwsRequest, RequestContext};
use crate::services::store::Store;
use model::{Change, Code, FunctionConfig, FunctionRef, State};
pub use sandbox::SandboxStats;

/// The journal's name for this service.
const SERVICE: &str = "lambda";

/// Lambda's state: the functions, and the sandboxes running them.
#[derive(Debug)]
pub struct Lambda {
    pub(crate) store: Store<State>,
    /// The warm pools.
    pub(crate) sandboxes: sandbox::Sandboxes,
}

impl Lambda {
    /// No functions yet.
    pub fn new(_cloud: Weak<Cloud>) -> Self {
        Lambda {
            store: Store::new(SERVICE),
            sandboxes: sandbox::Sandboxes::default(),
        }
    }

    /// Tells sandboxes where the emulator listens, so functions reach the emulated services
    /// through `AWS_ENDPOINT_URL`. Called by [`crate::start`] once the listener is bound.
    pub fn set_endpoint(&self, endpoint: String) {
        self.sandboxes.set_endpoint(endpoint);
    }

    /// Stops every sandbox.
    pub async fn shutdown(&self) {
        self.sandboxes.shutdown().await;
    }

    /// The sandboxes of a function version (`$LATEST` or a number), for inspection.
    pub fn sandbox_stats(&self, function_arn: &str, version: &str) -> SandboxStats {
        self.sandboxes.stats(function_arn, version)
    }

    /// Reads the state.
    pub fn read<T>(&self, read: impl FnOnce(&State) -> AwsResult<T>) -> AwsResult<T> {
        self.store.read(read)
    }

    /// Makes a change: checks it against the state, journals it, applies it, and reads the
    /// result — all under the state lock, so changes are journaled in the order applied.
    pub fn write<T>(
        &self,
        cloud: &Cloud,
        change: impl FnOnce(&State) -> AwsResult<Change>,
        read: impl FnOnce(&State) -> AwsResult<T>,
    ) -> AwsResult<T> {
        let mut state = self.store.writer(cloud);
        let change = change(&state)?;
        let stopped = match &change {
            Change::Update { config, .. } => Some(config.arn.clone()),
            Change::Delete { arn } | Change::DeleteVersion { arn, .. } => Some(arn.clone()),
            _ => None,
        };
        state.commit(change)?;
        if let Some(arn) = stopped {
            self.sandboxes.retire(&arn);
        }
        read(&state)
    }

    /// The configuration and code a reference names, for running it.
    pub fn snapshot(&self, reference: &FunctionRef) -> AwsResult<(FunctionConfig, Code)> {
        self.read(|state| {
            let (config, code) = state.version(reference)?;
            Ok((config.clone(), code.clone()))
        })
    }
}

/// Serves one request.
pub async fn handle(cloud: &Arc<Cloud>, request: AwsRequest) -> Response {
    api::handle(cloud, request).await
}

/// How Invoke runs a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result.
    RequestResponse,
    /// Queue it and return 202 at once.
    Event,
    /// Check the parameters and permissions only (204).
    DryRun,
}

/// What one invocation returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// 200 (RequestResponse), 202 (Event) or 204 (DryRun).
    pub status_code: u16,
    /// The response payload (the function's result, or its error object).
    pub payload: bytes::Bytes,
    /// `Unhandled` (or `Handled`) when the function failed: `X-Amz-Function-Error`.
    pub function_error: Option<String>,
    /// The version that ran (`$LATEST`).
    pub executed_version: String,
}

/// Invokes a function by name, ARN or partial ARN (with an optional `:qualifier`): the HTTP API,
/// Step Functions tasks and EventBridge targets all come through here.
pub async fn invoke(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    function: &str,
    payload: bytes::Bytes,
    invocation_type: InvocationType,
) -> Result<Invocation, AwsError> {
    let call = invoke::Call {
        function: FunctionRef::parse(function, &ctx.region, None)?,
        payload,
        invocation_type,
        tail: false,
    };
    Ok(invoke::call(cloud, ctx, call).await?.invocation)
}
