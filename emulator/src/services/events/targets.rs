//! Targets: what kinds EventBridge can deliver to here, the input each receives (`Input`,
//! `InputPath`, `InputTransformer`, or the whole event), and delivery with retries.
//!
//! Shaping is pure ([`shape_input`]); delivery ([`spawn_delivery`]) runs in the background so
//! PutEvents replies at once, and records every attempt in the service's delivery log.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use asl::path::JsonPath;
use serde_json::{json, Value};

use super::model::{InputTransformer, RetryPolicy, Target};
use crate::cloud::Cloud;
use crate::error::{AwsError, AwsResult};
use crate::request::RequestContext;
use crate::services::lambda;
use crate::services::stepfunctions::executions::{self, StartRequest};

/// EventBridge's default for `MaximumRetryAttempts`.
const DEFAULT_RETRY_ATTEMPTS: u32 = 185;
/// EventBridge's default for `MaximumEventAgeInSeconds` (24 hours).
const DEFAULT_EVENT_AGE_SECONDS: u32 = 86_400;
/// The first retry waits this long; each next one twice as long, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The services this emulator delivers events to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A Step Functions state machine: StartExecution.
    StateMachine,
    /// A Lambda function: asynchronous Invoke.
    Lambda,
}

/// The kind of target an ARN names, if this emulator delivers to it.
pub fn target_kind(arn: &str) -> Option<TargetKind> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "states", _, _, "stateMachine", name] if !name.is_empty() => {
            Some(TargetKind::StateMachine)
        }
        ["arn", _, "lambda", _, _, "function", name] if !name.is_empty() => {
            Some(TargetKind::Lambda)
        }
        _ => None,
    }
}

/// The region in an ARN (`arn:aws:<service>:<region>:…`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// Checks a target before it is stored: a kind this emulator delivers to, at most one of
/// `Input`, `InputPath` and `InputTransformer`, and each of them well formed. The error is the
/// reason, to be wrapped in a `ValidationException`.
pub fn validate(target: &Target) -> Result<(), String> {
    let id = &target.id;
    if target_kind(&target.arn).is_none() {
        return Err(format!(
            "Target {id}: this emulator delivers events to Step Functions state machines \
             (arn:aws:states:<region>:<account>:stateMachine:<name>) and Lambda functions \
             (arn:aws:lambda:<region>:<account>:function:<name>); '{}' is neither",
            target.arn
        ));
    }
    let inputs = [
        target.input.is_some(),
        target.input_path.is_some(),
        target.input_transformer.is_some(),
    ];
    if inputs.iter().filter(|given| **given).count() > 1 {
        return Err(format!(
            "Target {id}: only one of Input, InputPath, or InputTransformer may be provided."
        ));
    }
    if let Some(input) = &target.input {
        serde_json::from_str::<Value>(input)
            .map_err(|e| format!("Target {id}: Input is not valid JSON: {e}"))?;
    }
    if let Some(path) = &target.input_path {
        JsonPath::parse(path).map_err(|e| format!("Target {id}: InputPath is not valid: {e}"))?;
    }
    if let Some(transformer) = &target.input_transformer {
        validate_transformer(transformer).map_err(|e| format!("Target {id}: {e}"))?;
    }
    Ok(())
}

fn validate_transformer(transformer: &InputTransformer) -> Result<(), String> {
    for (name, path) in &transformer.paths {
        if name.starts_with("aws.") {
            return Err(format!(
                "InputPathsMap key '{name}' is reserved: keys cannot start with 'aws.'"
            ));
        }
        JsonPath::parse(path).map_err(|e| {
            format!("InputPathsMap value for '{name}' is not a valid JSON path: {e}")
        })?;
    }
    let template = Template::parse(&transformer.template);
    if template.json {
        template.check_keys()?;
    }
    Ok(())
}

/// What a rule knows about the event it delivers, for the predefined placeholders.
#[derive(Debug, Clone, Copy)]
pub struct Delivered<'a> {
    /// The event envelope.
    pub event: &'a Value,
    /// The rule's name.
    pub rule_name: &'a str,
    /// The rule's ARN.
    pub rule_arn: &'a str,
    /// When EventBridge received the event (ISO 8601).
    pub ingestion_time: &'a str,
}

/// The text a target receives for an event.
pub fn shape_input(target: &Target, delivered: &Delivered<'_>) -> String {
    if let Some(input) = &target.input {
        return input.clone();
    }
    if let Some(path) = &target.input_path {
        return select(path, delivered.event).to_string();
    }
    match &target.input_transformer {
        Some(transformer) => transform(transformer, delivered),
        None => delivered.event.to_string(),
    }
}

/// The value a JSONPath selects in the event (`null` when it selects nothing).
fn select(path: &str, event: &Value) -> Value {
    JsonPath::parse(path)
        .and_then(|p| p.eval(event))
        .unwrap_or(Value::Null)
}

/// Applies an input transformer: each `<name>` placeholder is replaced by the value its path
/// selects (or a predefined value). In a JSON template, a placeholder inside a string is
/// inserted as text, one outside as JSON; in a plain-text template, values are inserted as
/// text.
pub fn transform(transformer: &InputTransformer, delivered: &Delivered<'_>) -> String {
    let template = Template::parse(&transformer.template);
    let mut out = String::with_capacity(transformer.template.len());
    for piece in &template.pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder { name, quoted } => {
                let value = placeholder_value(transformer, delivered, name);
                match value {
                    None => out.push_str(&format!("<{name}>")),
                    Some(value) if template.json && !*quoted => out.push_str(&value.to_string()),
                    Some(value) if template.json => out.push_str(&escape(&as_text(&value))),
                    Some(value) => out.push_str(&as_text(&value)),
                }
            }
        }
    }
    out
}

/// A placeholder's value: a predefined one, or what its path selects; `None` for a name the
/// transformer does not define (left in the text as written).
fn placeholder_value(
    transformer: &InputTransformer,
    delivered: &Delivered<'_>,
    name: &str,
) -> Option<Value> {
    match name {
        "aws.events.rule-name" => Some(json!(delivered.rule_name)),
        "aws.events.rule-arn" => Some(json!(delivered.rule_arn)),
        "aws.events.event.ingestion-time" => Some(json!(delivered.ingestion_time)),
        "aws.events.event.json" => Some(delivered.event.clone()),
        "aws.events.event" => {
            let mut event = delivered.event.clone();
            if let Value::Object(map) = &mut event {
                map.remove("detail");
            }
            Some(event)
        }
        _ => transformer
            .paths
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, path)| select(path, delivered.event)),
    }
}

/// A value as text: a string's contents, anything else as compact JSON; `null` is empty.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Text escaped for insertion inside a JSON string literal.
fn escape(text: &str) -> String {
    let quoted = Value::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// An input template cut into text and placeholders.
#[derive(Debug, PartialEq)]
struct Template {
    pieces: Vec<Piece>,
    /// Whether the template is JSON once its placeholders are filled in.
    json: bool,
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Placeholder { name: String, quoted: bool },
}

impl Template {
    fn parse(text: &str) -> Template {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut in_string = false;
        let mut escaped = false;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if c == '<' {
                if let Some(name) = placeholder_name(&rest[1..]) {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    pieces.push(Piece::Placeholder {
                        name: name.to_string(),
                        quoted: in_string,
                    });
                    rest = &rest[name.len() + 2..];
                    escaped = false;
                    continue;
                }
            }
            if in_string && !escaped && c == '\\' {
                escaped = true;
            } else {
                if c == '"' && !escaped {
                    in_string = !in_string;
                }
                escaped = false;
            }
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
        pieces.push(Piece::Text(literal));
        pieces.retain(|p| !matches!(p, Piece::Text(t) if t.is_empty()));
        let mut template = Template {
            pieces,
            json: false,
        };
        template.json = serde_json::from_str::<Value>(&template.sample()).is_ok();
        template
    }

    /// The template with every placeholder replaced by a stand-in of the right kind.
    fn sample(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.as_str(),
                Piece::Placeholder { quoted: true, .. } => "x",
                Piece::Placeholder { quoted: false, .. } => "null",
            })
            .collect()
    }

    /// AWS refuses a placeholder used as an object key in a JSON template.
    fn check_keys(&self) -> Result<(), String> {
        for (i, piece) in self.pieces.iter().enumerate() {
            let Piece::Placeholder { name, quoted: true } = piece else {
                continue;
            };
            let after = match self.pieces.get(i + 1) {
                Some(Piece::Text(text)) => text.as_str(),
                _ => "",
            };
            let closing = after.split('"').nth(1).unwrap_or("");
            if after.starts_with('"') && closing.trim_start().starts_with(':') {
                return Err(format!(
                    "InputTemplate: the placeholder <{name}> cannot be used as an object key"
                ));
            }
        }
        Ok(())
    }
}

/// The name of a placeholder at the start of `text` (after `<`), if `text` holds one.
fn placeholder_name(text: &str) -> Option<&str> {
    let end = text.find('>')?;
    let name = &text[..end];
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid.then_some(name)
}

/// The wait before retry number `retry` (1 for the first retry), or `None` when the policy
/// allows no more: past `MaximumRetryAttempts`, or when the event would be older than
/// `MaximumEventAgeInSeconds` by the time of the retry.
pub fn next_retry(policy: Option<RetryPolicy>, retry: u32, age: Duration) -> Option<Duration> {
    let max_attempts = policy
        .and_then(|p| p.maximum_retry_attempts)
        .unwrap_or(DEFAULT_RETRY_ATTEMPTS);
    let max_age = policy
        .and_then(|p| p.maximum_event_age_seconds)
        .unwrap_or(DEFAULT_EVENT_AGE_SECONDS);
    if retry > max_attempts {
        return None;
    }
    let factor = 1u32
        .checked_shl(retry.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let wait = FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF);
    (age + wait <= Duration::from_secs(u64::from(max_age))).then_some(wait)
}

/// Whether a failed delivery is worth retrying: throttling and service faults are, a missing
/// resource or a bad request is not (as EventBridge does).
pub fn is_retryable(error: &AwsError) -> bool {
    error.is_server_fault()
        || error.status == http::StatusCode::TOO_MANY_REQUESTS
        || error.code.contains("Throttl")
        || error.code == "TooManyRequestsException"
}

/// One delivery attempt, as the delivery log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The rule that matched.
    pub rule_arn: String,
    /// The target's id.
    pub target_id: String,
    /// The target's ARN.
    pub target_arn: String,
    /// The id of the event delivered.
    pub event_id: String,
    /// The text sent.
    pub input: String,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// What the target returned: a short description, or the error.
    pub outcome: Result<String, AwsError>,
}

/// A delivery to run: one event, one target.
#[derive(Debug, Clone)]
pub struct Job {
    /// The rule that matched.
    pub rule_arn: String,
    /// The target.
    pub target: Target,
    /// The id of the event.
    pub event_id: String,
    /// The shaped input.
    pub input: String,
}

/// Delivers `job` in the background, retrying per the target's policy, recording each attempt
/// with `cloud.events`. Stops when the emulator is gone.
pub fn spawn_delivery(cloud: Weak<Cloud>, job: Job) {
    tokio::spawn(deliver_with_retries(cloud, job));
}

/// The retry loop, boxed so that its type does not depend on the target services' futures
/// (which may themselves put events).
fn deliver_with_retries(cloud: Weak<Cloud>, job: Job) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let Some(strong) = cloud.upgrade() else {
                return;
            };
            let outcome = send(&strong, &job).await;
            let retry = match &outcome {
                Err(e) if is_retryable(e) => {
                    next_retry(job.target.retry_policy, attempt, started.elapsed())
                }
                _ => None,
            };
            strong.events.record_attempt(Attempt {
                rule_arn: job.rule_arn.clone(),
                target_id: job.target.id.clone(),
                target_arn: job.target.arn.clone(),
                event_id: job.event_id.clone(),
                input: job.input.clone(),
                attempt,
                outcome,
            });
            drop(strong);
            match retry {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return,
            }
            attempt += 1;
        }
    })
}

/// One attempt: StartExecution or an asynchronous Invoke.
fn send<'a>(
    cloud: &'a Arc<Cloud>,
    job: &'a Job,
) -> Pin<Box<dyn Future<Output = AwsResult<String>> + Send + 'a>> {
    Box::pin(async move {
        let arn = job.target.arn.as_str();
        let region = arn_region(arn).unwrap_or(crate::request::DEFAULT_REGION);
        match target_kind(arn) {
            Some(TargetKind::StateMachine) => {
                let request = StartRequest {
                    state_machine_arn: arn,
                    name: None,
                    input: Some(&job.input),
                };
                let record = executions::start_standard(cloud, request)?;
                Ok(executions::started_reply(&record).to_string())
            }
            Some(TargetKind::Lambda) => {
                let ctx = RequestContext::internal("lambda", region);
                let payload = bytes::Bytes::from(job.input.clone());
                let invocation =
                    lambda::invoke(cloud, &ctx, arn, payload, lambda::InvocationType::Event)
                        .await?;
                Ok(format!("status {}", invocation.status_code))
            }
            None => Err(AwsError::validation(format!(
                "Target {} ({arn}) is not a kind this emulator delivers to",
                job.target.id
            ))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(arn: &str) -> Target {
        Target {
            id: "t".into(),
            arn: arn.into(),
            role_arn: None,
            input: None,
            input_path: None,
            input_transformer: None,
            retry_policy: None,
            dead_letter_arn: None,
        }
    }

    const SFN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:resume";

    fn event() -> Value {
        json!({
            "version": "0", "id": "e-1", "detail-type": "Job Done", "source": "jobs",
            "account": "123456789012", "time": "2024-01-02T03:04:05Z", "region": "us-east-1",
            "resources": ["r1"],
            "detail": {"id": "job-7", "state": "ok", "count": 3, "quote": "say \"hi\"", "tags": ["a", "b"]}
        })
    }

    fn shaped(t: &Target) -> String {
        let event = event();
        shape_input(
            t,
            &Delivered {
                event: &event,
                rule_name: "rule-1",
                rule_arn: "arn:aws:events:us-east-1:123456789012:rule/rule-1",
                ingestion_time: "2024-01-02T03:04:06Z",
            },
        )
    }

    fn with_transformer(paths: &[(&str, &str)], template: &str) -> Target {
        Target {
            input_transformer: Some(InputTransformer {
                paths: paths
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                template: template.into(),
            }),
            ..target(SFN)
        }
    }

    #[test]
    fn kinds_of_targets() {
        assert_eq!(target_kind(SFN), Some(TargetKind::StateMachine));
        assert_eq!(
            target_kind("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            Some(TargetKind::Lambda)
        );
        assert_eq!(target_kind("arn:aws:sqs:us-east-1:123456789012:q"), None);
        assert_eq!(
            target_kind("arn:aws:states:us-east-1:123456789012:stateMachine:"),
            None
        );
        let err = validate(&target("arn:aws:sns:us-east-1:123456789012:topic")).unwrap_err();
        assert!(err.contains("Step Functions state machines"), "{err}");
    }

    #[test]
    fn whole_event_input_and_input_path() {
        assert_eq!(
            serde_json::from_str::<Value>(&shaped(&target(SFN))).unwrap(),
            event()
        );
        let constant = Target {
            input: Some(r#"{"fixed": true}"#.into()),
            ..target(SFN)
        };
        assert_eq!(shaped(&constant), r#"{"fixed": true}"#);
        let path = Target {
            input_path: Some("$.detail".into()),
            ..target(SFN)
        };
        assert_eq!(
            serde_json::from_str::<Value>(&shaped(&path)).unwrap(),
            event()["detail"]
        );
        let missing = Target {
            input_path: Some("$.detail.nothing".into()),
            ..target(SFN)
        };
        assert_eq!(shaped(&missing), "null");
    }

    #[test]
    fn transformer_inserts_text_inside_quotes_and_json_outside() {
        let t = with_transformer(
            &[
                ("id", "$.detail.id"),
                ("count", "$.detail.count"),
                ("tags", "$.detail.tags"),
                ("quote", "$.detail.quote"),
            ],
            r#"{"job": <id>, "n": <count>, "all": <tags>, "text": "job <id> has <count>: <quote>"}"#,
        );
        let out: Value = serde_json::from_str(&shaped(&t)).unwrap();
        assert_eq!(
            out,
            json!({"job": "job-7", "n": 3, "all": ["a", "b"], "text": "job job-7 has 3: say \"hi\""})
        );
    }

    #[test]
    fn transformer_plain_text_and_string_templates() {
        let t = with_transformer(
            &[("id", "$.detail.id"), ("state", "$.detail.state")],
            "<id> is in state <state>",
        );
        assert_eq!(shaped(&t), "job-7 is in state ok");
        let t = with_transformer(&[("id", "$.detail.id")], r#""job <id>""#);
        assert_eq!(shaped(&t), r#""job job-7""#);
    }

    #[test]
    fn transformer_predefined_placeholders_and_missing_paths() {
        let t = with_transformer(
            &[("none", "$.detail.absent")],
            r#"{"rule": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "at": <aws.events.event.ingestion-time>, "e": <aws.events.event>, "full": <aws.events.event.json>, "none": <none>, "empty": "<none>"}"#,
        );
        let out: Value = serde_json::from_str(&shaped(&t)).unwrap();
        assert_eq!(out["rule"], "rule-1");
        assert_eq!(
            out["arn"],
            "arn:aws:events:us-east-1:123456789012:rule/rule-1"
        );
        assert_eq!(out["at"], "2024-01-02T03:04:06Z");
        assert_eq!(out["e"]["source"], "jobs");
        assert!(out["e"].get("detail").is_none());
        assert_eq!(out["full"], event());
        assert_eq!(out["none"], Value::Null);
        assert_eq!(out["empty"], "");
    }

    #[test]
    fn targets_are_validated() {
        let both = Target {
            input: Some("{}".into()),
            input_path: Some("$.detail".into()),
            ..target(SFN)
        };
        assert!(validate(&both).unwrap_err().contains("only one of Input"));
        let bad_json = Target {
            input: Some("{".into()),
            ..target(SFN)
        };
        assert!(validate(&bad_json)
            .unwrap_err()
            .contains("Input is not valid JSON"));
        let bad_path = Target {
            input_path: Some("detail".into()),
            ..target(SFN)
        };
        assert!(validate(&bad_path)
            .unwrap_err()
            .contains("InputPath is not valid"));
        let reserved = with_transformer(&[("aws.x", "$.a")], "<aws.x>");
        assert!(validate(&reserved).unwrap_err().contains("reserved"));
        let key = with_transformer(&[("k", "$.a")], r#"{"<k>": 1}"#);
        assert!(validate(&key).unwrap_err().contains("object key"));
        let fine = with_transformer(&[("k", "$.a")], r#"{"v": "<k>: x", "w": <k>}"#);
        assert_eq!(validate(&fine), Ok(()));
    }

    #[test]
    fn retries_back_off_within_the_policy() {
        let policy = Some(RetryPolicy {
            maximum_retry_attempts: Some(3),
            maximum_event_age_seconds: Some(60),
        });
        let zero = Duration::ZERO;
        assert_eq!(next_retry(policy, 1, zero), Some(Duration::from_secs(1)));
        assert_eq!(next_retry(policy, 2, zero), Some(Duration::from_secs(2)));
        assert_eq!(next_retry(policy, 3, zero), Some(Duration::from_secs(4)));
        assert_eq!(next_retry(policy, 4, zero), None);
        assert_eq!(
            next_retry(policy, 1, Duration::from_secs(59)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(next_retry(policy, 2, Duration::from_secs(59)), None);
        // Defaults: 185 retries within 24 hours, waits capped at a minute.
        assert_eq!(next_retry(None, 40, zero), Some(MAX_BACKOFF));
        assert_eq!(next_retry(None, 186, zero), None);
        let none = Some(RetryPolicy {
            maximum_retry_attempts: Some(0),
            maximum_event_age_seconds: None,
        });
        assert_eq!(next_retry(none, 1, zero), None);
    }

    #[test]
    fn only_faults_and_throttling_are_retried() {
        assert!(is_retryable(&AwsError::internal("disk")));
        assert!(is_retryable(&AwsError::new(
            "ThrottlingException",
            "slow down"
        )));
        assert!(!is_retryable(&AwsError::new(
            "StateMachineDoesNotExist",
            "gone"
        )));
    }
}
