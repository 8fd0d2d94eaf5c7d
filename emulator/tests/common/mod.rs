//! What every integration test needs: an emulator on an ephemeral port and an SDK config that
//! points the real AWS clients at it.
#![allow(dead_code)] // each test binary uses its own part of this module

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use emulator::{Config, Emulator};

/// The region the tests use.
pub const REGION: &str = "us-east-1";

/// An in-memory emulator on a free port.
pub async fn emulator() -> Emulator {
    emulator::start(Config::ephemeral())
        .await
        .expect("the emulator starts")
}

/// An SDK config for `endpoint`: fixed region and static credentials (so nothing probes the
/// instance metadata address), no retries (tests expect errors to surface).
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
