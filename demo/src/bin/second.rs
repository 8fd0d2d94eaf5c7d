//! `second`: a Lambda function that fails unless its input has `foo`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        demo::second(event.payload)
    }))
    .await
}
