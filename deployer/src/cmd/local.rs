//! `deployer local serve`: the embedded AWS emulator as a long-running process.

use crate::cli::ServeArgs;
use crate::error::{CliError, CliResult};

/// Without the `local` feature there is no emulator in this build.
#[cfg(not(feature = "local"))]
pub fn serve(_args: &ServeArgs) -> CliResult {
    Err(CliError::usage(
        "this deployer was built without the embedded emulator (cargo feature `local`): \
         build it with default features to use `deployer local serve`",
    ))
}

/// `--repair`: cuts the journal back to the records before its first damaged line.
#[cfg(feature = "local")]
fn repair(dir: &std::path::Path) -> CliResult {
    match emulator::journal::repair(dir).map_err(|e| CliError::Failed(e.to_string()))? {
        Some(done) => eprintln!(
            "repaired {}: line {} was damaged; kept the {} records before it, the journal as it was is in {}",
            dir.display(),
            done.line,
            done.kept,
            done.backup.display()
        ),
        None => eprintln!("{}: the journal needs no repair", dir.display()),
    }
    Ok(())
}

/// Runs the emulator until Ctrl-C or SIGTERM.
#[cfg(feature = "local")]
pub fn serve(args: &ServeArgs) -> CliResult {
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    if let (Some(dir), true) = (&args.state_dir, args.repair) {
        repair(dir)?;
    }
    runtime.block_on(async {
        let config = emulator::Config {
            host: args.host,
            port: args.port,
            state_dir: args.state_dir.clone(),
        };
        let running = emulator::start(config).await.map_err(|e| match e {
            emulator::StartError::Bind { .. } => CliError::Failed(format!(
                "{e}\nIs another emulator already running? Stop it or pick another --port."
            )),
            emulator::StartError::State(message) if message.contains("is damaged") => {
                CliError::Failed(format!(
                    "{message}\nRun again with --repair to keep the records before that line \
                     (the journal as it is is kept as journal.jsonl.damaged)."
                ))
            }
            emulator::StartError::State(_) => CliError::Failed(e.to_string()),
        })?;
        let endpoint = running.endpoint();
        let state = match &args.state_dir {
            Some(dir) => format!("state kept in {}", dir.display()),
            None => "state in memory".to_string(),
        };
        println!("AWS emulator listening on {endpoint} ({state})");
        if !args.host.is_loopback() {
            eprintln!(
                "warning: listening on {}: anyone who can reach this address can use the emulated AWS API",
                args.host
            );
        }
        println!("Point AWS clients at it:");
        println!(
            "  export AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1"
        );
        println!("  aws stepfunctions list-state-machines");
        println!(
            "StartSyncExecution and TestState: the AWS CLI and boto3 send them to a `sync-` host \
             prefix; turn that off with AWS_DISABLE_HOST_PREFIX_INJECTION=true"
        );
        println!("Ctrl-C stops it.");
        wait_for_stop_signal().await;
        running.shutdown().await;
        Ok(())
    })
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM.
#[cfg(feature = "local")]
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
