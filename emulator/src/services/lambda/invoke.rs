//! Invoke: payload limits, the three invocation types, running the event on a warm sandbox,
//! and turning how it ended into what AWS replies (results, function errors, timeouts,
//! runtime exits, the `Tail` log).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::StatusCode;
use serde_json::json;

use super::model::{Code, FunctionConfig, FunctionRef};
use super::runtime_api::Outcome;
use super::sandbox::RunResult;
use super::{Invocation, InvocationType};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::request::RequestContext;

/// The largest payload of a synchronous invocation (request or response): 6 MB.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;

/// The largest payload of an asynchronous (`Event`) invocation: 256 KB.
pub const MAX_EVENT_PAYLOAD: usize = 256 * 1024;

/// How much of the log `X-Amz-Log-Result` carries.
const TAIL_BYTES: usize = 4096;

/// One Invoke request.
#[derive(Debug, Clone)]
pub struct Call {
    /// The function (and qualifier).
    pub function: FunctionRef,
    /// The event.
    pub payload: Bytes,
    /// RequestResponse, Event or DryRun.
    pub invocation_type: InvocationType,
    /// `X-Amz-Log-Type: Tail`.
    pub tail: bool,
}

/// An invocation's reply, with the base64 log tail when asked for.
#[derive(Debug, Clone)]
pub struct Reply {
    /// What Invoke returns.
    pub invocation: Invocation,
    /// `X-Amz-Log-Result`.
    pub log_result: Option<String>,
}

fn too_large(limit: usize) -> AwsError {
    AwsError::new(
        "RequestTooLargeException",
        format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
    )
    .with_status(StatusCode::PAYLOAD_TOO_LARGE)
}

/// Checks the payload against the invocation type's limit and parses it as JSON.
fn check_payload(payload: Bytes, invocation_type: InvocationType) -> AwsResult<Bytes> {
    let limit = match invocation_type {
        InvocationType::Event => MAX_EVENT_PAYLOAD,
        InvocationType::RequestResponse | InvocationType::DryRun => MAX_SYNC_PAYLOAD,
    };
    if payload.len() > limit {
        return Err(too_large(limit));
    }
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(&payload).map_err(|e| {
        AwsError::new(
            "InvalidRequestContentException",
            format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            ),
        )
    })?;
    Ok(payload)
}

/// Runs one Invoke request.
pub async fn call(cloud: &Arc<Cloud>, ctx: &RequestContext, call: Call) -> AwsResult<Reply> {
    let payload = check_payload(call.payload, call.invocation_type)?;
    let (config, code) = cloud.lambda.snapshot(&call.function)?;
    let executed_version = config.version.clone();
    let reply = |status: StatusCode| Reply {
        invocation: Invocation {
            status_code: status.as_u16(),
            payload: Bytes::new(),
            function_error: None,
            executed_version: executed_version.clone(),
        },
        log_result: None,
    };
    match call.invocation_type {
        InvocationType::DryRun => Ok(reply(StatusCode::NO_CONTENT)),
        InvocationType::Event => {
            let cloud = cloud.clone();
            let (region, request_id) = (call.function.region.clone(), ctx.request_id.clone());
            let invoked_arn = call.function.qualified_arn();
            tokio::spawn(async move {
                let _ = execute(
                    &cloud,
                    &region,
                    &request_id,
                    &invoked_arn,
                    &config,
                    &code,
                    payload,
                    false,
                )
                .await;
            });
            Ok(reply(StatusCode::ACCEPTED))
        }
        InvocationType::RequestResponse => {
            execute(
                cloud,
                &call.function.region,
                &ctx.request_id,
                &call.function.qualified_arn(),
                &config,
                &code,
                payload,
                call.tail,
            )
            .await
        }
    }
}

/// Runs the event on a sandbox of the version and builds the reply.
#[allow(clippy::too_many_arguments)] // one invocation's facts, each used once
async fn execute(
    cloud: &Arc<Cloud>,
    region: &str,
    request_id: &str,
    invoked_arn: &str,
    config: &FunctionConfig,
    code: &Code,
    payload: Bytes,
    tail: bool,
) -> AwsResult<Reply> {
    let sandboxes = &cloud.lambda.sandboxes;
    let unavailable = |e: std::io::Error| {
        AwsError::new(
            "ServiceException",
            format!(
                "The emulator could not start a sandbox for {}: {e}",
                config.name
            ),
        )
        .with_status(StatusCode::INTERNAL_SERVER_ERROR)
    };
    let launch = super::runtimes::launch(&config.runtime, config.handler.as_deref()).await?;
    let pool = sandboxes
        .pool(config, code, region, launch)
        .await
        .map_err(unavailable)?;
    let mut lease = sandboxes.acquire(&pool).await.map_err(unavailable)?;
    let Some(sandbox) = lease.sandbox() else {
        return Err(unavailable(std::io::Error::other("no sandbox")));
    };
    let timeout = Duration::from_secs(u64::from(config.timeout));
    let started = Instant::now();
    let result = sandbox.run(request_id, invoked_arn, payload, timeout).await;
    let elapsed = started.elapsed();
    let (status_payload, function_error, healthy) = outcome(&result, request_id, config);
    if tail {
        // Output written just before the answer may still be in the pipe.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = sandbox.take_logs();
    let log = log_text(request_id, config, &output, &result, elapsed);
    let stream = sandbox.log_stream().to_string();
    if healthy {
        lease.release();
    }
    // As on AWS, the function's log goes to /aws/lambda/<name>, a line an event.
    let lines: Vec<String> = String::from_utf8_lossy(&log)
        .lines()
        .map(str::to_string)
        .collect();
    let group = format!("/aws/lambda/{}", config.name);
    if let Err(e) = cloud.logs.append(cloud, region, &group, &stream, &lines) {
        eprintln!(
            "emulator: the log of {} was not kept: {}",
            config.name, e.message
        );
    }
    let log_result = tail.then(|| {
        let start = log.len().saturating_sub(TAIL_BYTES);
        base64::engine::general_purpose::STANDARD.encode(&log[start..])
    });
    Ok(Reply {
        invocation: Invocation {
            status_code: 200,
            payload: status_payload,
            function_error,
            executed_version: config.version.clone(),
        },
        log_result,
    })
}

/// The payload, `X-Amz-Function-Error`, and whether the sandbox can be used again.
fn outcome(
    result: &RunResult,
    request_id: &str,
    config: &FunctionConfig,
) -> (Bytes, Option<String>, bool) {
    let unhandled = Some("Unhandled".to_string());
    match result {
        RunResult::Answered(Outcome::Response(body)) if body.len() > MAX_SYNC_PAYLOAD => {
            let error = json!({
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": format!("Response payload size exceeded maximum allowed payload size ({MAX_SYNC_PAYLOAD} bytes)."),
            });
            (Bytes::from(error.to_string()), unhandled, true)
        }
        RunResult::Answered(Outcome::Response(body)) => (body.clone(), None, true),
        RunResult::Answered(Outcome::Error(body)) => (body.clone(), unhandled, true),
        RunResult::InitError(body) => (body.clone(), unhandled, false),
        RunResult::Exited(status) => {
            let error = json!({
                "errorType": "Runtime.ExitError",
                "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
            });
            (Bytes::from(error.to_string()), unhandled, false)
        }
        RunResult::TimedOut => {
            let error = json!({ "errorMessage": timed_out_message(request_id, config) });
            (Bytes::from(error.to_string()), unhandled, false)
        }
    }
}

fn timed_out_message(request_id: &str, config: &FunctionConfig) -> String {
    format!(
        "{} {request_id} Task timed out after {}.00 seconds",
        crate::protocol::iso8601(std::time::SystemTime::now()),
        config.timeout
    )
}

/// The invocation's log as CloudWatch shows it: START, the output, END, REPORT.
fn log_text(
    request_id: &str,
    config: &FunctionConfig,
    output: &[u8],
    result: &RunResult,
    elapsed: Duration,
) -> Vec<u8> {
    let mut log = format!(
        "START RequestId: {request_id} Version: {}\n",
        config.version
    )
    .into_bytes();
    log.extend_from_slice(output);
    if *result == RunResult::TimedOut {
        log.extend_from_slice(timed_out_message(request_id, config).as_bytes());
        log.push(b'\n');
    }
    let ms = elapsed.as_secs_f64() * 1000.0;
    log.extend_from_slice(
        format!(
            "END RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\t\n",
            ms.ceil() as u64,
            config.memory_size
        )
        .as_bytes(),
    );
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_limits_depend_on_the_invocation_type() {
        let big = Bytes::from(vec![b' '; MAX_EVENT_PAYLOAD + 1]);
        let err = check_payload(big.clone(), InvocationType::Event).unwrap_err();
        assert_eq!(err.code, "RequestTooLargeException");
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            check_payload(big, InvocationType::RequestResponse).unwrap(),
            Bytes::from_static(b"{}")
        );
        let err = check_payload(
            Bytes::from_static(b"{nope"),
            InvocationType::RequestResponse,
        )
        .unwrap_err();
        assert_eq!(err.code, "InvalidRequestContentException");
    }
}
