//! Lambda's state: functions (configuration, code, tags, resource policy, published versions),
//! the changes the journal records, and how a function is named (name, ARN, partial ARN,
//! qualifier).

use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Digest;

use crate::error::{AwsError, AwsResult};
use crate::protocol::validation::{constraint, rule};
use crate::request::ACCOUNT_ID;
use crate::services::store::Journaled;

/// The version every function has: the code and configuration being edited.
pub const LATEST: &str = "$LATEST";

/// Default Timeout (seconds) and its AWS bounds.
pub const DEFAULT_TIMEOUT: u32 = 3;
/// The largest Timeout Lambda accepts (15 minutes).
pub const MAX_TIMEOUT: u32 = 900;
/// Default MemorySize (MB) and its AWS bounds.
pub const DEFAULT_MEMORY: u32 = 128;
/// The largest MemorySize.
pub const MAX_MEMORY: u32 = 10_240;

/// Environment variables AWS sets itself and refuses to let a function override.
const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// A deployment package (.zip bytes), base64 in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(pub Bytes);

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(|bytes| Code(Bytes::from(bytes)))
            .map_err(serde::de::Error::custom)
    }
}

impl Code {
    /// `CodeSha256`: the base64 of the package's SHA-256.
    pub fn sha256(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&self.0))
    }
}

/// One version's configuration, as FunctionConfiguration describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionConfig {
    /// The function's name.
    pub name: String,
    /// The unqualified function ARN.
    pub arn: String,
    /// `provided.al2023` or `provided.al2`.
    pub runtime: String,
    /// The execution role's ARN (stored, not enforced).
    pub role: String,
    /// The handler (free text for `provided` runtimes).
    pub handler: Option<String>,
    /// The description.
    pub description: String,
    /// Seconds an invocation may run.
    pub timeout: u32,
    /// Megabytes (reported to the function, not enforced).
    pub memory_size: u32,
    /// The user's environment variables.
    pub environment: Option<BTreeMap<String, String>>,
    /// `x86_64` or `arm64` (stored; the host's binaries run as they are).
    pub architectures: Vec<String>,
    /// Base64 SHA-256 of the package.
    pub code_sha256: String,
    /// The package's size in bytes.
    pub code_size: u64,
    /// When it last changed (`2024-01-01T00:00:00.000+0000`).
    pub last_modified: String,
    /// Changes whenever the function does.
    pub revision_id: String,
    /// `$LATEST` or a published version number.
    pub version: String,
}

impl FunctionConfig {
    /// The ARN naming this version: unqualified for `$LATEST` (as GetFunction returns it),
    /// `…:function:name:N` for a published version.
    pub fn version_arn(&self) -> String {
        if self.version == LATEST {
            self.arn.clone()
        } else {
            format!("{}:{}", self.arn, self.version)
        }
    }

    /// The key a version's sandboxes are pooled under: its qualified ARN and revision.
    pub fn pool_key(&self) -> String {
        format!("{}:{}#{}", self.arn, self.version, self.revision_id)
    }
}

/// A published version: a frozen configuration and its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The configuration, with `version` set to its number.
    pub config: FunctionConfig,
    /// Its code.
    pub code: Code,
}

/// A function: `$LATEST`, its published versions, its tags and resource policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// `$LATEST`'s configuration.
    pub latest: FunctionConfig,
    /// `$LATEST`'s code.
    pub code: Code,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Resource-based policy statements (AddPermission).
    pub policy: Vec<Value>,
    /// Published versions by number.
    pub versions: BTreeMap<u32, Published>,
}

impl Function {
    /// A version's configuration and code.
    pub fn version(&self, qualifier: &str) -> Option<(&FunctionConfig, &Code)> {
        if qualifier == LATEST {
            return Some((&self.latest, &self.code));
        }
        let n: u32 = qualifier.parse().ok()?;
        self.versions.get(&n).map(|p| (&p.config, &p.code))
    }
}

/// One journaled change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Change {
    /// CreateFunction.
    Create(Box<Function>),
    /// UpdateFunctionCode / UpdateFunctionConfiguration: the new `$LATEST` configuration, and
    /// the new code when it changed.
    Update {
        /// The new configuration.
        config: Box<FunctionConfig>,
        /// The new code, if any.
        code: Option<Code>,
    },
    /// DeleteFunction.
    Delete {
        /// The unqualified ARN.
        arn: String,
    },
    /// DeleteFunction with a version number as Qualifier.
    DeleteVersion {
        /// The unqualified ARN.
        arn: String,
        /// The version.
        number: u32,
    },
    /// PublishVersion: `$LATEST` frozen as version `number`.
    Publish {
        /// The unqualified ARN.
        arn: String,
        /// The new version number.
        number: u32,
        /// When it was published.
        last_modified: String,
    },
    /// TagResource / UntagResource: the tags afterwards.
    SetTags {
        /// The unqualified ARN.
        arn: String,
        /// The tags.
        tags: BTreeMap<String, String>,
    },
    /// AddPermission / RemovePermission: the statements afterwards.
    SetPolicy {
        /// The unqualified ARN.
        arn: String,
        /// The statements.
        statements: Vec<Value>,
        /// The function's new revision id.
        revision_id: String,
    },
}

/// Every region's functions, keyed by unqualified ARN.
#[derive(Debug, Default)]
pub struct State {
    /// The functions.
    pub functions: BTreeMap<String, Function>,
}

impl Journaled for State {
    type Change = Change;

    /// Applies a change (from an operation or from the journal).
    fn apply(&mut self, change: Change) -> Result<(), String> {
        match change {
            Change::Create(function) => {
                self.functions
                    .insert(function.latest.arn.clone(), *function);
            }
            Change::Update { config, code } => {
                let function = self.get_mut(&config.arn)?;
                if let Some(code) = code {
                    function.code = code;
                }
                function.latest = *config;
            }
            Change::Delete { arn } => {
                self.functions.remove(&arn);
            }
            Change::DeleteVersion { arn, number } => {
                self.get_mut(&arn)?.versions.remove(&number);
            }
            Change::Publish {
                arn,
                number,
                last_modified,
            } => {
                let function = self.get_mut(&arn)?;
                let mut config = function.latest.clone();
                config.version = number.to_string();
                config.last_modified = last_modified;
                let code = function.code.clone();
                function.versions.insert(number, Published { config, code });
            }
            Change::SetTags { arn, tags } => self.get_mut(&arn)?.tags = tags,
            Change::SetPolicy {
                arn,
                statements,
                revision_id,
            } => {
                let function = self.get_mut(&arn)?;
                function.policy = statements;
                function.latest.revision_id = revision_id;
            }
        }
        Ok(())
    }

    fn snapshot(&self, emit: &mut dyn FnMut(Change)) {
        self.functions
            .values()
            .for_each(|f| emit(Change::Create(Box::new(f.clone()))));
    }
}

impl State {
    fn get_mut(&mut self, arn: &str) -> Result<&mut Function, String> {
        self.functions
            .get_mut(arn)
            .ok_or_else(|| format!("no function {arn}"))
    }

    /// The function a reference names, or ResourceNotFoundException.
    pub fn function(&self, reference: &FunctionRef) -> AwsResult<&Function> {
        self.functions
            .get(&reference.arn())
            .ok_or_else(|| not_found(&reference.arn()))
    }

    /// The version a reference names (`$LATEST` when unqualified), or
    /// ResourceNotFoundException.
    pub fn version(&self, reference: &FunctionRef) -> AwsResult<(&FunctionConfig, &Code)> {
        let function = self.function(reference)?;
        function
            .version(reference.qualifier_or_latest())
            .ok_or_else(|| not_found(&reference.qualified_arn()))
    }
}

/// ResourceNotFoundException (404) for a function, as AWS words it.
pub fn not_found(arn: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        format!("Function not found: {arn}"),
    )
    .with_status(http::StatusCode::NOT_FOUND)
}

/// InvalidParameterValueException (400).
pub fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterValueException", message)
}

/// ResourceConflictException (409).
pub fn conflict(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceConflictException", message).with_status(http::StatusCode::CONFLICT)
}

/// A function named by name, full ARN or partial ARN, with an optional qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The region (from the ARN, else the request's).
    pub region: String,
    /// The function's name.
    pub name: String,
    /// `$LATEST`, a version number or an alias name.
    pub qualifier: Option<String>,
}

impl FunctionRef {
    /// Reads `name`, `name:qualifier`, `123456789012:function:name[:qualifier]` or
    /// `arn:aws:lambda:region:123456789012:function:name[:qualifier]`; `qualifier` is the
    /// `Qualifier` parameter, which must agree with one in the name.
    pub fn parse(text: &str, region: &str, qualifier: Option<&str>) -> AwsResult<FunctionRef> {
        let parts: Vec<&str> = text.split(':').collect();
        let (region, rest) = match parts.as_slice() {
            ["arn", partition, "lambda", region, account, "function", rest @ ..]
                if partition.starts_with("aws") && is_account(account) =>
            {
                (region.to_string(), rest)
            }
            [account, "function", rest @ ..] if is_account(account) => (region.to_string(), rest),
            rest => (region.to_string(), rest),
        };
        let (name, from_name) = match rest {
            [name] => (*name, None),
            [name, q] => (*name, Some(*q)),
            _ => return Err(bad_name(text)),
        };
        if !valid_name(name) || from_name.is_some_and(|q| !valid_qualifier(q)) {
            return Err(bad_name(text));
        }
        let qualifier = match (from_name, qualifier) {
            (Some(a), Some(b)) if a != b => {
                return Err(invalid(
                    "The derived qualifier from the function name does not match the specified qualifier.",
                ))
            }
            (Some(q), _) | (None, Some(q)) => Some(q.to_string()),
            (None, None) => None,
        };
        Ok(FunctionRef {
            region,
            name: name.to_string(),
            qualifier,
        })
    }

    /// The unqualified ARN.
    pub fn arn(&self) -> String {
        function_arn(&self.region, &self.name)
    }

    /// The ARN with its qualifier, if any.
    pub fn qualified_arn(&self) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{q}", self.arn()),
            None => self.arn(),
        }
    }

    /// The qualifier, `$LATEST` when none was given.
    pub fn qualifier_or_latest(&self) -> &str {
        self.qualifier.as_deref().unwrap_or(LATEST)
    }
}

/// `arn:aws:lambda:<region>:<account>:function:<name>`.
pub fn function_arn(region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}")
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_qualifier(q: &str) -> bool {
    q == LATEST
        || ((1..=128).contains(&q.len())
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn bad_name(text: &str) -> AwsError {
    constraint(
        "functionName",
        text,
        &rule::pattern("(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"),
    )
}

/// Refuses a runtime this emulator cannot run (see [`super::runtimes`]).
pub fn check_runtime(runtime: Option<&str>) -> AwsResult<String> {
    super::runtimes::check(runtime)
}

/// Checks a Timeout against AWS's bounds.
pub fn check_timeout(timeout: i64) -> AwsResult<u32> {
    bounded("timeout", timeout, 1, i64::from(MAX_TIMEOUT))
}

/// Checks a MemorySize against AWS's bounds.
pub fn check_memory(memory: i64) -> AwsResult<u32> {
    bounded("memorySize", memory, 128, i64::from(MAX_MEMORY))
}

fn bounded(member: &str, value: i64, min: i64, max: i64) -> AwsResult<u32> {
    if value < min {
        return Err(constraint(
            member,
            &value.to_string(),
            &rule::min_value(min),
        ));
    }
    if value > max {
        return Err(constraint(
            member,
            &value.to_string(),
            &rule::max_value(max),
        ));
    }
    u32::try_from(value).map_err(|_| invalid(format!("{member} is out of range")))
}

/// Refuses environment variables AWS reserves for itself.
pub fn check_environment(variables: &BTreeMap<String, String>) -> AwsResult<()> {
    let reserved: Vec<&str> = variables
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_VARIABLES.contains(k))
        .collect();
    if reserved.is_empty() {
        return Ok(());
    }
    Err(invalid(format!(
        "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
        reserved.join(",")
    )))
}

/// Checks Architectures: one of `x86_64`, `arm64`.
pub fn check_architectures(architectures: Vec<String>) -> AwsResult<Vec<String>> {
    match architectures.as_slice() {
        [a] if a == "x86_64" || a == "arm64" => Ok(architectures),
        _ => Err(constraint(
            "architectures",
            &format!("[{}]", architectures.join(", ")),
            &format!(
                "Member must satisfy constraint: [{}] and {}",
                rule::one_of(&["x86_64", "arm64"]),
                rule::max_length(1)
            ),
        )),
    }
}

/// `LastModified` as Lambda writes it (`2024-01-01T00:00:00.000+0000`).
pub fn now_last_modified() -> String {
    let iso = crate::protocol::iso8601(std::time::SystemTime::now());
    format!("{}+0000", iso.trim_end_matches('Z'))
}

/// A new RevisionId.
pub fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The configuration members CreateFunction and UpdateFunctionConfiguration take; `None`
/// keeps the current value (or the default).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Runtime.
    pub runtime: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// Handler.
    pub handler: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Timeout (unchecked).
    pub timeout: Option<i64>,
    /// MemorySize (unchecked).
    pub memory_size: Option<i64>,
    /// Environment.Variables.
    pub environment: Option<BTreeMap<String, String>>,
    /// Architectures.
    pub architectures: Option<Vec<String>>,
}

impl Settings {
    /// Applies these settings over `config`, checking each.
    fn apply_to(self, config: &mut FunctionConfig) -> AwsResult<()> {
        if let Some(runtime) = self.runtime {
            config.runtime = check_runtime(Some(&runtime))?;
        }
        if let Some(role) = self.role {
            config.role = check_role(&role)?;
        }
        if let Some(handler) = self.handler {
            config.handler = Some(handler);
        }
        if let Some(description) = self.description {
            config.description = description;
        }
        if let Some(timeout) = self.timeout {
            config.timeout = check_timeout(timeout)?;
        }
        if let Some(memory) = self.memory_size {
            config.memory_size = check_memory(memory)?;
        }
        if let Some(variables) = self.environment {
            check_environment(&variables)?;
            config.environment = Some(variables);
        }
        if let Some(architectures) = self.architectures {
            config.architectures = check_architectures(architectures)?;
        }
        Ok(())
    }
}

/// Checks a Role ARN's shape (the role itself is not looked up: IAM is not enforced).
pub fn check_role(role: &str) -> AwsResult<String> {
    let shaped = role
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":iam::"))
        .and_then(|(_, r)| r.split_once(":role/"))
        .is_some_and(|(account, name)| is_account(account) && !name.is_empty());
    if shaped {
        Ok(role.to_string())
    } else {
        Err(constraint(
            "role",
            role,
            &rule::pattern("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"),
        ))
    }
}

impl State {
    /// CreateFunction: the new function, checked.
    pub fn create(
        &self,
        reference: &FunctionRef,
        settings: Settings,
        code: Code,
        tags: BTreeMap<String, String>,
    ) -> AwsResult<Change> {
        if self.functions.contains_key(&reference.arn()) {
            return Err(conflict(format!(
                "Function already exist: {}",
                reference.name
            )));
        }
        let runtime = check_runtime(settings.runtime.as_deref())?;
        super::runtimes::check_package(&runtime, &code.0)?;
        let Some(role) = settings.role.as_deref() else {
            return Err(crate::protocol::json::missing("Role"));
        };
        let mut config = FunctionConfig {
            name: reference.name.clone(),
            arn: reference.arn(),
            runtime,
            role: check_role(role)?,
            handler: None,
            description: String::new(),
            timeout: DEFAULT_TIMEOUT,
            memory_size: DEFAULT_MEMORY,
            environment: None,
            architectures: vec!["x86_64".to_string()],
            code_sha256: code.sha256(),
            code_size: code.0.len() as u64,
            last_modified: now_last_modified(),
            revision_id: new_revision(),
            version: LATEST.to_string(),
        };
        settings.apply_to(&mut config)?;
        Ok(Change::Create(Box::new(Function {
            latest: config,
            code,
            tags,
            policy: Vec::new(),
            versions: BTreeMap::new(),
        })))
    }

    /// DeleteFunction: the whole function, or one published version when qualified.
    pub fn delete(&self, reference: &FunctionRef) -> AwsResult<Change> {
        let function = self.function(reference)?;
        let arn = function.latest.arn.clone();
        match reference.qualifier.as_deref() {
            None => Ok(Change::Delete { arn }),
            Some(LATEST) => Err(invalid(
                "$LATEST version cannot be deleted without deleting the function.",
            )),
            Some(q) => match q.parse::<u32>() {
                Ok(number) if function.versions.contains_key(&number) => {
                    Ok(Change::DeleteVersion { arn, number })
                }
                _ => Err(not_found(&reference.qualified_arn())),
            },
        }
    }

    /// UpdateFunctionConfiguration / UpdateFunctionCode: the new `$LATEST`.
    pub fn update(
        &self,
        reference: &FunctionRef,
        settings: Settings,
        code: Option<Code>,
        revision_id: Option<&str>,
    ) -> AwsResult<Change> {
        let function = self.function(reference)?;
        check_revision(&function.latest, revision_id)?;
        let mut config = function.latest.clone();
        settings.apply_to(&mut config)?;
        let package = code.as_ref().unwrap_or(&function.code);
        super::runtimes::check_package(&config.runtime, &package.0)?;
        if let Some(code) = &code {
            config.code_sha256 = code.sha256();
            config.code_size = code.0.len() as u64;
        }
        config.last_modified = now_last_modified();
        config.revision_id = new_revision();
        Ok(Change::Update {
            config: Box::new(config),
            code,
        })
    }

    /// PublishVersion: `$LATEST` frozen under the next number, unless the newest version
    /// already has the same code and configuration (AWS then returns that version).
    pub fn publish(
        &self,
        reference: &FunctionRef,
        code_sha256: Option<&str>,
        revision_id: Option<&str>,
    ) -> AwsResult<Result<Change, u32>> {
        let function = self.function(reference)?;
        check_revision(&function.latest, revision_id)?;
        if let Some(sha) = code_sha256 {
            if sha != function.latest.code_sha256 {
                return Err(invalid(format!(
                    "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                    function.latest.code_sha256
                )));
            }
        }
        if let Some((number, newest)) = function.versions.iter().next_back() {
            let unchanged = FunctionConfig {
                version: LATEST.to_string(),
                last_modified: function.latest.last_modified.clone(),
                revision_id: function.latest.revision_id.clone(),
                ..newest.config.clone()
            };
            if unchanged == function.latest {
                return Ok(Err(*number));
            }
        }
        let number = function.versions.keys().next_back().map_or(1, |n| n + 1);
        Ok(Ok(Change::Publish {
            arn: function.latest.arn.clone(),
            number,
            last_modified: now_last_modified(),
        }))
    }

    /// AddPermission: the policy with one more statement.
    pub fn add_permission(
        &self,
        reference: &FunctionRef,
        statement: Value,
        revision_id: Option<&str>,
    ) -> AwsResult<Change> {
        let function = self.function(reference)?;
        check_revision(&function.latest, revision_id)?;
        let sid = statement.get("Sid");
        if function.policy.iter().any(|s| s.get("Sid") == sid) {
            return Err(conflict(
                "The statement id (sid) provided already exists. Please provide a new statement id, or remove the existing statement.",
            ));
        }
        let mut statements = function.policy.clone();
        statements.push(statement);
        Ok(Change::SetPolicy {
            arn: function.latest.arn.clone(),
            statements,
            revision_id: new_revision(),
        })
    }

    /// RemovePermission: the policy without one statement.
    pub fn remove_permission(
        &self,
        reference: &FunctionRef,
        sid: &str,
        revision_id: Option<&str>,
    ) -> AwsResult<Change> {
        let function = self.function(reference)?;
        check_revision(&function.latest, revision_id)?;
        let statements: Vec<Value> = function
            .policy
            .iter()
            .filter(|s| s.get("Sid").and_then(Value::as_str) != Some(sid))
            .cloned()
            .collect();
        if statements.len() == function.policy.len() {
            return Err(AwsError::new(
                "ResourceNotFoundException",
                format!("Statement {sid} is not found in resource policy."),
            )
            .with_status(http::StatusCode::NOT_FOUND));
        }
        Ok(Change::SetPolicy {
            arn: function.latest.arn.clone(),
            statements,
            revision_id: new_revision(),
        })
    }

    /// TagResource / UntagResource: the tags afterwards.
    pub fn retag(
        &self,
        reference: &FunctionRef,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> AwsResult<Change> {
        let function = self.function(reference)?;
        let mut tags = function.tags.clone();
        tags.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
        tags.retain(|k, _| !remove.contains(k));
        Ok(Change::SetTags {
            arn: function.latest.arn.clone(),
            tags,
        })
    }
}

/// PreconditionFailedException (412) when a RevisionId was given and is not the current one.
fn check_revision(config: &FunctionConfig, revision_id: Option<&str>) -> AwsResult<()> {
    match revision_id {
        Some(r) if r != config.revision_id => Err(AwsError::new(
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )
        .with_status(http::StatusCode::PRECONDITION_FAILED)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_named_by_name_arn_or_partial_arn() {
        let r = FunctionRef::parse("f", "eu-west-1", None).unwrap();
        assert_eq!(r.arn(), "arn:aws:lambda:eu-west-1:123456789012:function:f");
        let r = FunctionRef::parse("123456789012:function:f:$LATEST", "eu-west-1", None).unwrap();
        assert_eq!(r.qualifier.as_deref(), Some("$LATEST"));
        let r = FunctionRef::parse(
            "arn:aws:lambda:us-west-2:123456789012:function:f:3",
            "eu-west-1",
            Some("3"),
        )
        .unwrap();
        assert_eq!(
            r.qualified_arn(),
            "arn:aws:lambda:us-west-2:123456789012:function:f:3"
        );
        assert!(FunctionRef::parse("f:1", "r", Some("2")).is_err());
        assert_eq!(
            FunctionRef::parse("bad name", "r", None).unwrap_err().code,
            "ValidationException"
        );
        assert!(FunctionRef::parse("a:b:c:d", "r", None).is_err());
    }

    #[test]
    fn java_dotnet_and_ruby_do_not_run() {
        assert_eq!(check_runtime(Some("provided.al2")).unwrap(), "provided.al2");
        let err = check_runtime(Some("java21")).unwrap_err();
        assert_eq!(err.code, "InvalidParameterValueException");
        assert!(err.message.contains("java21"));
    }
}
