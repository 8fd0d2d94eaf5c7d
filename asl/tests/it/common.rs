//! What the engine tests share: an invoker that hands every request to a closure, and the
//! StartExecution request of a test execution.

use std::sync::Arc;

use asl::engine::{StartExecution, TaskFailure, TaskInvoker, TaskRequest};
use asl::model::Definition;
use futures::future::BoxFuture;
use serde_json::Value;

type Handler = dyn Fn(TaskRequest) -> BoxFuture<'static, Result<Value, TaskFailure>> + Send + Sync;

/// A test invoker that hands every request to a closure.
pub struct FakeInvoker(Box<Handler>);

impl FakeInvoker {
    pub fn new<F, Fut>(f: F) -> Arc<FakeInvoker>
    where
        F: Fn(TaskRequest) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Value, TaskFailure>> + Send + 'static,
    {
        Arc::new(FakeInvoker(Box::new(move |r| Box::pin(f(r)))))
    }
}

impl TaskInvoker for FakeInvoker {
    fn invoke(&self, request: TaskRequest) -> BoxFuture<'static, Result<Value, TaskFailure>> {
        (self.0)(request)
    }
}

/// StartExecution for the execution `name` of the state machine `sm` in eu-west-1.
pub fn request(name: &str, definition: &Value, input: Value) -> StartExecution {
    StartExecution {
        execution_arn: format!("arn:aws:states:eu-west-1:123456789012:execution:sm:{name}"),
        state_machine_arn: "arn:aws:states:eu-west-1:123456789012:stateMachine:sm".into(),
        name: name.into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        definition: Arc::new(
            Definition::from_value(definition)
                .expect("definition parses")
                .into(),
        ),
        input,
        input_text: None,
    }
}
