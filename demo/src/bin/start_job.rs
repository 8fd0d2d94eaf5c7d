//! `start_job`: a Lambda function that "starts a job" and returns its id merged with its input:
//! the input's `jobId` when it names one, else `job-<the invocation's request id>` (new for every
//! call).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let job_id = format!("job-{}", event.context.request_id);
        Ok::<Value, Error>(demo::start_job(event.payload, &job_id))
    }))
    .await
}
