//! What the demo tests share: the demo binaries created as Lambda functions in the emulator.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};

/// The role functions and state machines run as (stored, not enforced).
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/demo";

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
                .zip_file(Blob::new(testkit::package::bootstrap_of_binary(binary)))
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
    let emulator = testkit::aws::emulator().await;
    let lambda = aws_sdk_lambda::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let arn = create_function(&lambda, name, binary).await;
    (emulator, lambda, arn)
}
