//! Python and Node.js functions on the host's interpreters: created from a zip, invoked
//! directly and from a state machine, with a timeout and with an exception, through the real
//! SDK clients. Python needs AWS's `awslambdaric` where the emulator looks for it (CI installs it,
//! see `.ci/run`); elsewhere a test without it says so and skips.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LogType, Runtime};
use aws_sdk_sfn::types::ExecutionStatus;
use base64::Engine as _;
use emulator::Emulator;
use serde_json::{json, Value};
use testkit::package::Entry;

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-role";

const PYTHON_APP: &str = r#"
import os

def handler(event, context):
    if event.get("fail"):
        raise ValueError("bad input: " + str(event["fail"]))
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    print("handling", event)
    return {
        "echo": event,
        "function": context.function_name,
        "request_id": context.aws_request_id,
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "cwd": os.getcwd(),
        "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
        "handler": os.environ.get("_HANDLER"),
        "region": os.environ.get("AWS_REGION"),
        "helper": helper(),
    }

from src.pkg.util import helper
"#;

const NODE_APP: &str = r#"
import { helper } from "./lib/util.mjs";

export const handler = async (event, context) => {
  if (event.fail) {
    throw new TypeError(`bad input: ${event.fail}`);
  }
  if (event.sleep) {
    await new Promise((resolve) => setTimeout(resolve, event.sleep * 1000));
  }
  console.log("handling", JSON.stringify(event));
  return {
    echo: event,
    function: context.functionName,
    request_id: context.awsRequestId,
    task_root: process.env.LAMBDA_TASK_ROOT,
    cwd: process.cwd(),
    execution_env: process.env.AWS_EXECUTION_ENV,
    handler: process.env._HANDLER,
    region: process.env.AWS_REGION,
    helper: helper(),
  };
};
"#;

/// Whether the Python runtime can run here; says why not (and panics under CI, which installs it).
async fn python_ready() -> bool {
    let venv = emulator::services::lambda::runtimes::python_venv().join("bin/python3");
    for python in [venv.as_path(), std::path::Path::new("python3")] {
        let ok = tokio::process::Command::new(python)
            .args(["-c", "import awslambdaric"])
            .output()
            .await
            .is_ok_and(|o| o.status.success());
        if ok {
            return true;
        }
    }
    let install = emulator::services::lambda::runtimes::python_install_command();
    if std::env::var_os("CI").is_some() {
        panic!("CI installs awslambdaric for the Python runtime tests: {install}");
    }
    eprintln!("skipped: the Python runtime needs awslambdaric; install it with `{install}`");
    false
}

/// Whether `node` runs here.
async fn node_ready() -> bool {
    let ok = tokio::process::Command::new("node")
        .arg("--version")
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("CI has node for the Node.js runtime tests");
        }
        eprintln!("skipped: the Node.js runtime needs node on PATH");
    }
    ok
}

fn python_package() -> Vec<u8> {
    testkit::package::zip(&[
        Entry {
            name: "src/app.py",
            mode: 0o644,
            content: PYTHON_APP.as_bytes(),
        },
        Entry {
            name: "src/pkg/__init__.py",
            mode: 0o644,
            content: b"",
        },
        Entry {
            name: "src/pkg/util.py",
            mode: 0o644,
            content: b"def helper():\n    return 'from pkg'\n",
        },
    ])
}

fn node_package() -> Vec<u8> {
    testkit::package::zip(&[
        Entry {
            name: "src/app.mjs",
            mode: 0o644,
            content: NODE_APP.as_bytes(),
        },
        Entry {
            name: "src/lib/util.mjs",
            mode: 0o644,
            content: b"export const helper = () => 'from lib';\n",
        },
    ])
}

async fn create(lambda: &aws_sdk_lambda::Client, name: &str, runtime: Runtime, zip: Vec<u8>) {
    lambda
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .role(ROLE)
        .handler("src/app.handler")
        .timeout(2)
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .send()
        .await
        .expect("the function is created");
}

struct Answer {
    payload: Value,
    function_error: Option<String>,
    log: String,
}

async fn invoke(lambda: &aws_sdk_lambda::Client, name: &str, event: Value) -> Answer {
    let out = lambda
        .invoke()
        .function_name(name)
        .log_type(LogType::Tail)
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .expect("the invocation is answered");
    let log = out
        .log_result()
        .and_then(|l| base64::engine::general_purpose::STANDARD.decode(l).ok())
        .map(|l| String::from_utf8_lossy(&l).to_string())
        .unwrap_or_default();
    Answer {
        payload: serde_json::from_slice(out.payload().map(Blob::as_ref).unwrap_or(b"null"))
            .unwrap_or(Value::Null),
        function_error: out.function_error().map(str::to_string),
        log,
    }
}

/// A function's life on one runtime: results, warm reuse, exceptions, timeouts, a state machine.
async fn exercise(emulator: &Emulator, name: &str, runtime: Runtime, zip: Vec<u8>) -> Answer {
    let lambda = aws_sdk_lambda::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let runtime_name = runtime.as_str().to_string();
    create(&lambda, name, runtime, zip).await;

    let ok = invoke(&lambda, name, json!({"n": 1})).await;
    assert_eq!(ok.function_error, None, "{:?} {}", ok.payload, ok.log);
    assert_eq!(ok.payload["echo"], json!({"n": 1}));
    assert_eq!(ok.payload["function"], name);
    assert_eq!(ok.payload["handler"], "src/app.handler");
    assert_eq!(ok.payload["region"], "us-east-1");
    assert_eq!(
        ok.payload["execution_env"],
        format!("AWS_Lambda_{runtime_name}")
    );
    assert_eq!(ok.payload["task_root"], ok.payload["cwd"]);
    assert!(ok.log.contains("handling"), "{}", ok.log);
    assert!(ok.log.starts_with("START RequestId:"), "{}", ok.log);

    let again = invoke(&lambda, name, json!({"n": 2})).await;
    assert_eq!(again.payload["echo"], json!({"n": 2}));
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    let stats = emulator.cloud().lambda.sandbox_stats(&arn, "$LATEST");
    assert_eq!(
        stats.started, 1,
        "the second invocation ran on the warm sandbox"
    );

    let failed = invoke(&lambda, name, json!({"fail": "x"})).await;
    assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(failed.payload["errorMessage"], "bad input: x");

    let timed_out = invoke(&lambda, name, json!({"sleep": 5})).await;
    assert_eq!(timed_out.function_error.as_deref(), Some("Unhandled"));
    let message = timed_out.payload["errorMessage"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.ends_with("Task timed out after 2.00 seconds"),
        "{message}"
    );

    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    let definition = json!({
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": name, "Payload.$": "$"},
                "OutputPath": "$.Payload.echo",
                "Next": "Fail"
            },
            "Fail": {
                "Type": "Task",
                "Resource": arn,
                "Parameters": {"fail": "from the machine"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
                "End": true
            },
            "Done": {"Type": "Succeed"}
        }
    });
    let described = crate::stepfunctions_integrations::run(
        &sfn,
        &format!("{name}-machine"),
        definition,
        json!({"from": "machine"}),
    )
    .await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(described.output().unwrap_or("null")).unwrap();
    assert_eq!(output["from"], "machine");
    let cause: Value = serde_json::from_str(output["error"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["errorMessage"], "bad input: from the machine");
    failed
}

#[tokio::test]
async fn python_functions_run_through_awslambdaric() {
    if !python_ready().await {
        return;
    }
    let emulator = testkit::aws::emulator().await;
    let failed = exercise(&emulator, "py-fn", Runtime::Python312, python_package()).await;
    assert_eq!(failed.payload["errorType"], "ValueError");
    let trace = failed.payload["stackTrace"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        trace
            .iter()
            .any(|l| l.as_str().unwrap_or_default().contains("app.py")),
        "{:?}",
        failed.payload
    );
}

#[tokio::test]
async fn python_import_errors_are_init_errors() {
    if !python_ready().await {
        return;
    }
    let emulator = testkit::aws::emulator().await;
    let lambda = aws_sdk_lambda::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    create(&lambda, "py-broken", Runtime::Python311, python_package()).await;
    lambda
        .update_function_configuration()
        .function_name("py-broken")
        .handler("src/missing.handler")
        .send()
        .await
        .unwrap();
    let answer = invoke(&lambda, "py-broken", json!({})).await;
    assert_eq!(answer.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(answer.payload["errorType"], "Runtime.ImportModuleError");
}

#[tokio::test]
async fn node_functions_run_on_the_emulators_runtime_client() {
    if !node_ready().await {
        return;
    }
    let emulator = testkit::aws::emulator().await;
    let failed = exercise(&emulator, "node-fn", Runtime::Nodejs20x, node_package()).await;
    assert_eq!(failed.payload["errorType"], "TypeError");
    let trace = failed.payload["trace"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        trace
            .iter()
            .any(|l| l.as_str().unwrap_or_default().contains("app.mjs")),
        "{:?}",
        failed.payload
    );
}

#[tokio::test]
async fn node_handlers_that_are_not_exported_are_init_errors() {
    if !node_ready().await {
        return;
    }
    let emulator = testkit::aws::emulator().await;
    let lambda = aws_sdk_lambda::Client::new(&testkit::aws::sdk_config(&emulator.endpoint()));
    create(&lambda, "node-broken", Runtime::Nodejs22x, node_package()).await;
    lambda
        .update_function_configuration()
        .function_name("node-broken")
        .handler("src/app.nope")
        .send()
        .await
        .unwrap();
    let answer = invoke(&lambda, "node-broken", json!({})).await;
    assert_eq!(answer.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(answer.payload["errorType"], "Runtime.HandlerNotFound");
    assert_eq!(
        answer.payload["errorMessage"],
        "app.nope is undefined or not exported"
    );
}
