//! The emulator in-process, and SDK configs for the real AWS clients that talk to it.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

/// The region every test uses.
pub const REGION: &str = "us-east-1";

/// The account the emulator answers for.
pub const ACCOUNT: &str = "123456789012";

/// An in-memory emulator on a free loopback port.
pub async fn emulator() -> emulator::Emulator {
    emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts")
}

/// A state directory that outlives the emulators started on it: start one, shut it down, and
/// start another to see what a restart keeps. The directory is removed when this is dropped.
pub struct StateDir {
    dir: tempfile::TempDir,
}

impl StateDir {
    /// A new, empty temporary directory.
    pub fn new() -> StateDir {
        StateDir {
            dir: tempfile::tempdir().expect("a temporary state directory"),
        }
    }

    /// The directory.
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The config of an emulator persisting here, on a free loopback port.
    pub fn config(&self) -> emulator::Config {
        emulator::Config {
            state_dir: Some(self.path().to_path_buf()),
            ..emulator::Config::ephemeral()
        }
    }

    /// An emulator persisting here (replaying what earlier ones wrote), on a free loopback port.
    pub async fn start(&self) -> emulator::Emulator {
        emulator::start(self.config())
            .await
            .expect("the emulator starts on its state directory")
    }
}

impl Default for StateDir {
    fn default() -> Self {
        StateDir::new()
    }
}

/// An SDK config for `endpoint`: fixed region and static credentials (so nothing probes the
/// instance metadata address), no retries (tests expect errors to surface).
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::from_keys(
            "AKIDEMULATOR",
            "secret",
            None,
        )))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build()
}

/// The ARN of the IAM role `name` in the emulator's account (IAM is stored, not enforced, so
/// the role need not exist).
pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// The role test state machines run as.
pub const MACHINE_ROLE: &str = "arn:aws:iam::123456789012:role/sfn-test";

/// An aws-sdk-sfn client for `emulator`, configured by [`sdk_config`].
pub fn sfn_client(emulator: &emulator::Emulator) -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::new(&sdk_config(&emulator.endpoint()))
}

/// Creates the STANDARD state machine `name` running as [`MACHINE_ROLE`]; returns its ARN.
pub async fn create_machine(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    definition: impl std::fmt::Display,
) -> String {
    create_machine_of_type(sfn, name, definition, None).await
}

/// Creates the EXPRESS state machine `name` running as [`MACHINE_ROLE`]; returns its ARN.
pub async fn create_express_machine(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    definition: impl std::fmt::Display,
) -> String {
    let express = Some(aws_sdk_sfn::types::StateMachineType::Express);
    create_machine_of_type(sfn, name, definition, express).await
}

/// Creates the state machine `name` of type `kind` (the service's default, STANDARD, when
/// `None`) running as [`MACHINE_ROLE`]; returns its ARN.
async fn create_machine_of_type(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    definition: impl std::fmt::Display,
    kind: Option<aws_sdk_sfn::types::StateMachineType>,
) -> String {
    sfn.create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn(MACHINE_ROLE)
        .set_type(kind)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStateMachine {name}: {e:?}"))
        .state_machine_arn
}

/// What ValidateStateMachineDefinition says of `definition`.
pub async fn validate_definition(
    sfn: &aws_sdk_sfn::Client,
    definition: impl std::fmt::Display,
) -> aws_sdk_sfn::operation::validate_state_machine_definition::ValidateStateMachineDefinitionOutput
{
    sfn.validate_state_machine_definition()
        .definition(definition.to_string())
        .send()
        .await
        .expect("ValidateStateMachineDefinition")
}

/// Starts an execution of `machine` with `input`; returns its ARN.
pub async fn start_execution(
    sfn: &aws_sdk_sfn::Client,
    machine: &str,
    input: impl std::fmt::Display,
) -> String {
    sfn.start_execution()
        .state_machine_arn(machine)
        .input(input.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("StartExecution of {machine}: {e:?}"))
        .execution_arn
}

/// An SDK error's code and HTTP status (0 when no response came), what tests of refusals
/// compare.
pub fn code_status<E: aws_sdk_sfn::error::ProvideErrorMetadata>(
    err: &aws_sdk_sfn::error::SdkError<E>,
) -> (String, u16) {
    use aws_sdk_sfn::error::ProvideErrorMetadata;
    (
        err.code().unwrap_or_default().to_string(),
        err.raw_response().map_or(0, |r| r.status().as_u16()),
    )
}

/// An SDK error's code and message (empty when the error carries none).
pub fn code_message<E: aws_sdk_sfn::error::ProvideErrorMetadata>(
    err: &aws_sdk_sfn::error::SdkError<E>,
) -> (String, String) {
    use aws_sdk_sfn::error::ProvideErrorMetadata;
    (
        err.code().unwrap_or_default().to_string(),
        err.message().unwrap_or_default().to_string(),
    )
}

/// What tests of refusals check of an SDK call's result: that it failed, and with which error
/// code and HTTP status (as [`code_status`] reads them).
pub trait Refusal {
    /// Panics unless the call failed with error `code` and HTTP `status`.
    fn assert_error(self, code: &str, status: u16);
    /// Panics unless the call failed with error `code`, whatever the status.
    fn assert_error_code(self, code: &str);
    /// Panics unless the call failed with HTTP `status`, whatever the code (S3's HEAD
    /// requests and 304s carry none).
    fn assert_error_status(self, status: u16);
    /// The code and message the call failed with (as [`code_message`] reads them); panics if
    /// it succeeded.
    fn error_code_message(self) -> (String, String);
    /// Panics unless the call failed with error `code` and exactly `message`.
    fn assert_error_message(self, code: &str, message: &str);
}

impl<T: std::fmt::Debug, E: aws_sdk_sfn::error::ProvideErrorMetadata + std::fmt::Debug> Refusal
    for Result<T, aws_sdk_sfn::error::SdkError<E>>
{
    #[track_caller]
    fn assert_error(self, code: &str, status: u16) {
        assert_eq!(code_status(&self.unwrap_err()), (code.to_string(), status));
    }

    #[track_caller]
    fn assert_error_code(self, code: &str) {
        assert_eq!(code_status(&self.unwrap_err()).0, code);
    }

    #[track_caller]
    fn assert_error_status(self, status: u16) {
        assert_eq!(code_status(&self.unwrap_err()).1, status);
    }

    #[track_caller]
    fn error_code_message(self) -> (String, String) {
        code_message(&self.unwrap_err())
    }

    #[track_caller]
    fn assert_error_message(self, code: &str, message: &str) {
        assert_eq!(
            self.error_code_message(),
            (code.to_string(), message.to_string())
        );
    }
}

/// Creates the on-demand DynamoDB table `name` keyed by the string attribute `key`, the table
/// most tests need (tokens, counters, flags); panics if it cannot.
pub async fn string_key_table(ddb: &aws_sdk_dynamodb::Client, name: &str, key: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let attribute = AttributeDefinition::builder()
        .attribute_name(key)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("an attribute definition");
    let schema = KeySchemaElement::builder()
        .attribute_name(key)
        .key_type(KeyType::Hash)
        .build()
        .expect("a key schema");
    ddb.create_table()
        .table_name(name)
        .attribute_definitions(attribute)
        .key_schema(schema)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable {name}: {e:?}"));
}

/// Waits up to `seconds` for the execution `arn` to end (any status but RUNNING) and returns
/// its description; panics if it does not end in time.
pub async fn execution_end(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
    seconds: u64,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    crate::eventually(seconds, || async {
        let described = describe_execution(sfn, arn).await;
        (described.status != aws_sdk_sfn::types::ExecutionStatus::Running).then_some(described)
    })
    .await
    .unwrap_or_else(|| panic!("{arn} did not end in {seconds} s"))
}

/// The description of the execution `arn`, now; panics if it cannot be read.
pub async fn describe_execution(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    sfn.describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeExecution {arn}: {e:?}"))
}

/// Every event of the execution `arn`, oldest first, read in pages of 1000.
pub async fn history(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    history_in_pages(sfn, arn, 1000, false).await
}

/// Every event of the execution `arn` (newest first when `reverse`), following nextToken
/// with pages of `page`; panics if a page holds more than `page` events.
pub async fn history_in_pages(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
    page: i32,
    reverse: bool,
) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let reply = sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(page)
            .reverse_order(reverse)
            .set_next_token(token.take())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetExecutionHistory {arn}: {e:?}"));
        assert!(reply.events.len() <= page as usize);
        events.extend(reply.events);
        match reply.next_token {
            Some(next) => token = Some(next),
            None => return events,
        }
    }
}
