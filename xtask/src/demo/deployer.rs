//! The real `deployer` binary, run as a user would run it: each call is printed as the command
//! line, its progress (standard error) goes to the terminal, its result (standard output) is
//! returned.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::narrate::{command_line, shell_words};

/// How to run `deployer`.
#[derive(Debug, Clone)]
pub struct Deployer {
    /// The binary.
    pub path: PathBuf,
    /// The directory it runs in (the workspace root: `target/lambda` is relative to it).
    pub dir: PathBuf,
    /// Environment laid over this process's (the emulator's endpoint and test credentials).
    pub env: Vec<(String, String)>,
}

impl Deployer {
    /// Runs `deployer args…`; its standard output when it exits 0, else why not.
    pub async fn run(&self, args: &[&str]) -> Result<String, String> {
        command_line(&format!("deployer {}", shell_words(args)));
        let mut command = Command::new(&self.path);
        command
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        let shown = format!("deployer {}", args.first().copied().unwrap_or_default());
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| format!("{shown}: {e}"))?
            .map_err(|e| format!("cannot run {}: {e}", self.path.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "`deployer {}` exited with {} (its error is above){}",
                shell_words(args),
                output.status,
                if stdout.trim().is_empty() {
                    String::new()
                } else {
                    format!("; it printed: {}", stdout.trim())
                }
            ))
        }
    }

    /// Runs `deployer args… --output json` and parses what it prints.
    pub async fn json(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        let stdout = self.run(&all).await?;
        serde_json::from_str(&stdout)
            .map_err(|e| format!("`deployer {}` printed no JSON ({e}): {stdout}", all[0]))
    }
}
