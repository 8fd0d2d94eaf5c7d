//! The Lambda Runtime API (2018-06-01) that one sandbox's `bootstrap` polls: each sandbox has
//! its own listener on 127.0.0.1, as each AWS execution environment has its own endpoint.
//!
//! - `GET /2018-06-01/runtime/invocation/next`: long poll for the next event.
//! - `POST /2018-06-01/runtime/invocation/{id}/response`: the function's result.
//! - `POST /2018-06-01/runtime/invocation/{id}/error`: the function failed.
//! - `POST /2018-06-01/runtime/init/error`: the runtime could not start.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// One invocation handed to the runtime.
#[derive(Debug)]
pub struct Job {
    /// The request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// The event.
    pub payload: Bytes,
    /// When the function must be done, in Unix milliseconds (`Lambda-Runtime-Deadline-Ms`).
    pub deadline_ms: u128,
    /// The ARN it was invoked by (`Lambda-Runtime-Invoked-Function-Arn`).
    pub invoked_arn: String,
    /// Where the runtime's answer goes.
    pub reply: oneshot::Sender<Outcome>,
}

/// How the runtime answered one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `…/response`: the result.
    Response(Bytes),
    /// `…/error`: the error object (`errorType`, `errorMessage`, `stackTrace`).
    Error(Bytes),
}

struct Shared {
    jobs: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: watch::Sender<Option<Bytes>>,
}

/// A running Runtime API listener; dropping it stops the listener.
#[derive(Debug)]
pub struct RuntimeApi {
    /// `127.0.0.1:<port>`: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    /// Hands invocations to the runtime.
    pub jobs: mpsc::Sender<Job>,
    /// Set when the runtime reports an initialization error.
    pub init_error: watch::Receiver<Option<Bytes>>,
    task: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    /// Binds a listener on a free loopback port and serves the Runtime API on it.
    pub async fn start() -> std::io::Result<RuntimeApi> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?.to_string();
        let (jobs, receiver) = mpsc::channel(1);
        let (init_error_tx, init_error) = watch::channel(None);
        let shared = Arc::new(Shared {
            jobs: tokio::sync::Mutex::new(receiver),
            in_flight: Mutex::new(HashMap::new()),
            init_error: init_error_tx,
        });
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error_route))
            .with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RuntimeApi {
            address,
            jobs,
            init_error,
            task,
        })
    }
}

type Reply = (StatusCode, HeaderMap, Bytes);

fn accepted() -> Reply {
    (
        StatusCode::ACCEPTED,
        HeaderMap::new(),
        Bytes::from_static(br#"{"status":"OK"}"#),
    )
}

fn refused(status: StatusCode, error_type: &str, message: &str) -> Reply {
    let body = json!({ "errorMessage": message, "errorType": error_type });
    (status, HeaderMap::new(), Bytes::from(body.to_string()))
}

async fn next(State(shared): State<Arc<Shared>>) -> Reply {
    let job = shared.jobs.lock().await.recv().await;
    let Some(job) = job else {
        return refused(
            StatusCode::GONE,
            "Runtime.Shutdown",
            "The execution environment is shutting down",
        );
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("Lambda-Runtime-Aws-Request-Id", &job.request_id);
    set("Lambda-Runtime-Deadline-Ms", &job.deadline_ms.to_string());
    set("Lambda-Runtime-Invoked-Function-Arn", &job.invoked_arn);
    set("Lambda-Runtime-Trace-Id", &trace_id(&job.request_id));
    set("Content-Type", "application/json");
    shared
        .in_flight
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(job.request_id, job.reply);
    (StatusCode::OK, headers, job.payload)
}

/// An X-Ray trace header for an invocation (X-Ray itself is not emulated).
fn trace_id(request_id: &str) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let hex: String = request_id.chars().filter(|c| *c != '-').take(24).collect();
    format!(
        "Root=1-{secs:08x}-{hex};Parent={};Sampled=0",
        &hex[..16.min(hex.len())]
    )
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> Reply {
    let waiting = shared
        .in_flight
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(id);
    match waiting {
        Some(reply) => {
            let _ = reply.send(outcome);
            accepted()
        }
        None => refused(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            &format!("Invalid request ID: {id}"),
        ),
    }
}

async fn response(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Reply {
    finish(&shared, &id, Outcome::Response(body))
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    finish(&shared, &id, Outcome::Error(error_object(&headers, &body)))
}

async fn init_error_route(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    shared
        .init_error
        .send_replace(Some(error_object(&headers, &body)));
    accepted()
}

/// The error object a runtime posted; a body that is not a JSON object becomes one, typed by
/// `Lambda-Runtime-Function-Error-Type`.
fn error_object(headers: &HeaderMap, body: &Bytes) -> Bytes {
    if matches!(serde_json::from_slice::<Value>(body), Ok(Value::Object(_))) {
        return body.clone();
    }
    let error_type = headers
        .get("Lambda-Runtime-Function-Error-Type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Runtime.Unknown");
    let object = json!({
        "errorType": error_type,
        "errorMessage": String::from_utf8_lossy(body),
    });
    Bytes::from(object.to_string())
}
