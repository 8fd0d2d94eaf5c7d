//! AWS clients: one SDK configuration from the standard chain (environment, profiles, SSO,
//! IMDS) and the global flags, and errors turned into messages that say what to do.

pub mod artifacts;
pub mod iam;
pub mod leftovers;
pub mod machines;
pub mod pauses;
pub mod retry;
pub mod sfn;
pub mod stack;
pub mod trust;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult};

/// Where `deployer local serve` listens by default (`--local`).
pub const LOCAL_ENDPOINT: &str = "http://127.0.0.1:4566";

/// The port of [`LOCAL_ENDPOINT`], the default of `deployer local serve --port`.
pub const LOCAL_PORT: u16 = 4566;

/// The region used against the emulator when none is configured.
const LOCAL_REGION: &str = "us-east-1";

/// The SDK configuration every client of one command shares.
#[derive(Clone, Debug)]
pub struct Aws {
    config: SdkConfig,
    endpoint: Option<String>,
    /// The Step Functions client, made once: every new client builds its own HTTPS connector
    /// and parses the root certificates again, which dominated a batch resume's CPU time.
    sfn: Arc<OnceLock<aws_sdk_sfn::Client>>,
}

impl Aws {
    /// Loads the configuration: the standard chain, with `--region`, `--profile`,
    /// `--endpoint-url` (or AWS_ENDPOINT_URL) and `--local` laid over it. An endpoint on this
    /// machine (the emulator) gets test credentials when the environment names none, so the
    /// chain never probes the EC2 metadata service.
    pub async fn connect(global: &GlobalArgs) -> CliResult<Aws> {
        let endpoint = if global.local {
            Some(LOCAL_ENDPOINT.to_string())
        } else {
            global.endpoint_url.clone().filter(|url| !url.is_empty())
        };
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &global.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &global.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let local = endpoint.as_deref().is_some_and(is_loopback);
        if let Some(url) = &endpoint {
            loader = loader.endpoint_url(url);
        }
        if local && global.profile.is_none() && std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            loader = loader.credentials_provider(SharedCredentialsProvider::new(
                Credentials::from_keys("test", "test", None),
            ));
        }
        let mut config = loader.load().await;
        if config.region().is_none() {
            if !local {
                return Err(CliError::usage(
                    "no AWS region is configured: pass --region (e.g. --region us-east-1), set \
                     AWS_REGION, or set a region in your profile",
                ));
            }
            config = config
                .into_builder()
                .region(Region::new(LOCAL_REGION))
                .build();
        }
        Ok(Aws {
            config,
            endpoint,
            sfn: Arc::default(),
        })
    }

    /// The region every call goes to.
    pub fn region(&self) -> &str {
        self.config.region().map(Region::as_ref).unwrap_or_default()
    }

    /// The same configuration aimed at another region (for a resource that lives there).
    pub fn in_region(&self, region: &str) -> Aws {
        let config = self
            .config
            .clone()
            .into_builder()
            .region(Region::new(region.to_string()))
            .build();
        Aws {
            config,
            endpoint: self.endpoint.clone(),
            sfn: Arc::default(),
        }
    }

    /// The endpoint every call goes to, when one was given (`--endpoint-url`, `--local`).
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// CloudFormation.
    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.config)
    }

    /// CloudWatch Logs.
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    /// DynamoDB.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    /// Step Functions (one client per configuration, shared by every call).
    pub fn sfn(&self) -> aws_sdk_sfn::Client {
        self.sfn
            .get_or_init(|| aws_sdk_sfn::Client::new(&self.config))
            .clone()
    }

    /// STS.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    /// IAM.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    /// S3 (path-style addressing when an endpoint is set: the emulator has no bucket hosts).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let builder = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.endpoint.is_some());
        aws_sdk_s3::Client::from_conf(builder.build())
    }

    /// Turns a failed call into a message: the service's error code and message, or why the
    /// endpoint could not be reached.
    pub fn error<E, R>(&self, call: &str, err: SdkError<E, R>) -> CliError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        CliError::Failed(match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                format!(
                    "{call}: {}: {}",
                    e.code().unwrap_or("error"),
                    e.message().unwrap_or("no message")
                )
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                let target = self.endpoint.as_deref().unwrap_or("AWS");
                let hint = if self.endpoint.as_deref() == Some(LOCAL_ENDPOINT) {
                    " (is `deployer local serve` running?)"
                } else {
                    ""
                };
                format!("{call}: cannot reach {target}{hint}: {}", chain(&err))
            }
            _ => format!("{call}: {}", chain(&err)),
        })
    }
}

/// Polling intervals: about 250 ms at first, growing by half each time to 5 s, with jitter so
/// that many deployers do not poll in step.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next: Duration::from_millis(250),
        }
    }
}

impl Backoff {
    /// Sleeps for the next interval.
    pub async fn wait(&mut self) {
        let jitter = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() % 100);
        let delay = self.next.mul_f64(0.9 + f64::from(jitter) / 500.0);
        tokio::time::sleep(delay).await;
        self.next = (self.next.mul_f64(1.5)).min(Duration::from_secs(5));
    }
}

/// The error with its causes, one after the other.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The error code of a failed call, if the service answered.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// The error message of a failed call, if the service answered.
pub fn error_message<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().message(),
        _ => None,
    }
}

fn is_loopback(url: &str) -> bool {
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    ["127.", "localhost:", "localhost/", "[::1]"]
        .iter()
        .any(|start| authority.starts_with(start))
        || authority == "localhost"
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_endpoints_are_the_emulator() {
        assert!(is_loopback("http://127.0.0.1:4566"));
        assert!(is_loopback("http://localhost:4566/"));
        assert!(!is_loopback(
            "https://cloudformation.us-east-1.amazonaws.com"
        ));
    }
}
