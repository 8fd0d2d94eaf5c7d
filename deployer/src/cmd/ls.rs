//! `deployer ls`: the stacks deployer made, with their status.

use crate::aws::stack::{status, tag};
use crate::aws::Aws;
use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::stacks::{self, KIND_TAG, SUFFIX_TAG};
use crate::ui::console::Console;
use crate::ui::stack::table;

/// Runs `deployer ls`.
pub async fn run(global: &GlobalArgs, console: &Console) -> CliResult {
    let aws = Aws::connect(global).await?;
    let stacks = stacks::owned(&aws).await?;
    let rows: Vec<Vec<String>> = stacks
        .iter()
        .map(|s| {
            let updated = s.last_updated_time().or(s.creation_time());
            vec![
                s.stack_name().unwrap_or_default().to_string(),
                tag(s, KIND_TAG).unwrap_or("-").to_string(),
                tag(s, SUFFIX_TAG).unwrap_or("-").to_string(),
                status(s).to_string(),
                updated.map(|t| t.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    if console.json() {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "stack": r[0], "kind": r[1], "nameSuffix": r[2], "status": r[3], "updated": r[4],
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else if rows.is_empty() {
        console.note(format!("no stacks made by deployer in {}", aws.region()));
    } else {
        console.result(table(
            &["STACK", "KIND", "SUFFIX", "STATUS", "UPDATED"],
            &rows,
        ));
    }
    Ok(())
}
