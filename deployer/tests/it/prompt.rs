//! The questions `deployer` asks on a terminal, answered as a user does, in a pseudo-terminal
//! (util-linux `script`): no, and Ctrl-C, both exit 1 with nothing changed.

use crate::common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{deployer_at, isolate};
use testkit::aws::sdk_config;

const PATTERN: &str = r#"{"source":["demo.orders"]}"#;

/// What a run on a terminal printed (stdout and stderr together) and its exit status.
struct Run {
    text: String,
    code: Option<i32>,
}

/// Runs `deployer args` on a pseudo-terminal and types `keys` once it asks its question.
async fn on_terminal(
    endpoint: &str,
    dir: &std::path::Path,
    args: &[&str],
    keys: &'static [u8],
) -> Run {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_deployer"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    // `exec`: the shell `script` starts must not stay in the terminal's foreground group, or
    // Ctrl-C reaches it too and a shell such as dash ends itself with SIGINT (status 130) after
    // deployer has handled the press and exited 1.
    let mut command = Command::new("script");
    command.args(["-qec", &format!("exec {}", quoted.join(" ")), "/dev/null"]);
    isolate(&mut command, endpoint, dir);
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("script (util-linux) runs");
        let mut stdout = child.stdout.take().unwrap();
        let text = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&text);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let start = Instant::now();
        while !text.lock().unwrap().contains("[y/N]") {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no question: {}",
                text.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(keys).unwrap();
        stdin.flush().unwrap();
        let status = child.wait().expect("script ends");
        drop(stdin);
        reader.join().unwrap();
        let text = text.lock().unwrap().clone();
        Run {
            text,
            code: status.code(),
        }
    })
    .await
    .expect("the terminal run")
}

fn up_args(suffix: &str) -> Vec<&str> {
    common::resumer_args(&["up"], suffix, PATTERN, &[])
}

async fn stacks(cfn: &aws_sdk_cloudformation::Client) -> Vec<String> {
    cfn.describe_stacks()
        .send()
        .await
        .expect("DescribeStacks")
        .stacks()
        .iter()
        .filter_map(|s| s.stack_name().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_and_ctrl_c_at_the_prompt_exit_1_and_change_nothing() {
    let emulator = emulator::start(emulator::Config::ephemeral())
        .await
        .expect("emulator");
    let endpoint = emulator.endpoint();
    let cfn = aws_sdk_cloudformation::Client::new(&sdk_config(&endpoint));
    let dir = tempfile::tempdir().unwrap();

    let declined = on_terminal(&endpoint, dir.path(), &up_args("Ask"), b"n\n").await;
    assert_eq!(declined.code, Some(1), "{}", declined.text);
    assert!(
        declined
            .text
            .contains("not deployed (declined at the prompt)"),
        "{}",
        declined.text
    );
    assert_eq!(
        stacks(&cfn).await,
        Vec::<String>::new(),
        "no stack, no change set left"
    );

    let cancelled = on_terminal(&endpoint, dir.path(), &up_args("Ask"), b"\x03").await;
    assert_eq!(cancelled.code, Some(1), "{}", cancelled.text);
    assert!(
        cancelled
            .text
            .contains("cancelled at the prompt (Ctrl-C): the change set was deleted"),
        "{}",
        cancelled.text
    );
    assert_eq!(
        stacks(&cfn).await,
        Vec::<String>::new(),
        "no stack, no change set left"
    );

    // down asks too: no keeps the stack, and says so with exit 1.
    let mut args = up_args("Ask");
    args.push("--yes");
    let up = deployer_at(&endpoint, dir.path(), &args).await;
    assert!(up.status.success(), "{}", common::stderr(&up));
    let kept = on_terminal(
        &endpoint,
        dir.path(),
        &["down", "--name-suffix", "Ask"],
        b"n\n",
    )
    .await;
    assert_eq!(kept.code, Some(1), "{}", kept.text);
    assert!(
        kept.text
            .contains("nothing deleted (declined at the prompt)"),
        "{}",
        kept.text
    );
    assert_eq!(stacks(&cfn).await, ["sfn-resume-Ask"]);
    emulator.shutdown().await;
}
