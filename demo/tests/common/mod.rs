//! What the demo tests share: an SDK config for the in-process emulator, and the demo binaries
//! packaged and created as Lambda functions.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::io::Write;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};

/// The region the tests use.
pub const REGION: &str = "us-east-1";

/// The role functions and state machines run as (stored, not enforced).
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/demo";

/// An SDK config for the emulator: fixed region, static credentials, no retries.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::from_keys(
                "AKIDEMULATOR",
                "secret",
                None,
            )),
        )
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build()
}

/// A package holding the binary as an executable `bootstrap`, stored uncompressed (deflating
/// a debug binary in a debug build takes seconds; AWS accepts stored entries too).
pub fn package(binary: &str) -> Vec<u8> {
    let bytes = std::fs::read(binary).expect("the demo binary is built");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755);
    writer.start_file("bootstrap", options).unwrap();
    writer.write_all(&bytes).unwrap();
    writer.finish().unwrap().into_inner()
}

/// An in-memory emulator on a free port.
pub async fn emulator() -> emulator::Emulator {
    emulator::start(emulator::Config::ephemeral())
        .await
        .expect("the emulator starts")
}

/// Creates a `provided.al2023` function running `binary`; returns its ARN.
pub async fn create_function(lambda: &aws_sdk_lambda::Client, name: &str, binary: &str) -> String {
    let created = lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE_ARN)
        .handler("bootstrap")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(package(binary)))
                .build(),
        )
        .send()
        .await
        .expect("the function is created");
    created.function_arn().unwrap().to_string()
}

/// An emulator with one function running `binary`, and a client for it.
pub async fn deployed(
    name: &str,
    binary: &str,
) -> (emulator::Emulator, aws_sdk_lambda::Client, String) {
    let emulator = emulator().await;
    let lambda = aws_sdk_lambda::Client::new(&sdk_config(&emulator.endpoint()));
    let arn = create_function(&lambda, name, binary).await;
    (emulator, lambda, arn)
}
