//! The pause task and the workflow role's grant in the form each IaC tool takes
//! (`deployer task --format asl|cdk-ts|terraform`). Every form references the resumer stack's
//! exports (`sfn-resume-<suffix>-TableArn`), never an account-specific ARN.

use serde_json::{json, Value};

use crate::resumer::PauseSpec;

/// The statements the workflow role needs, with `table_arn` as the table's resource.
pub fn grant_statements(table_arn: Value) -> Value {
    json!([
        {
            "Sid": "PauseTaskStoresItsToken",
            "Effect": "Allow",
            "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"],
            "Resource": table_arn,
        },
        {
            "Sid": "PauseTaskProbesOtherPauses",
            "Effect": "Allow",
            "Action": "states:SendTaskHeartbeat",
            "Resource": "*",
        },
    ])
}

/// The export holding the table's ARN.
fn table_arn_export(spec: &PauseSpec) -> String {
    format!("{}-TableArn", spec.stack_name())
}

/// `orders-2` → `Orders2`: the suffix as part of an identifier.
fn pascal_suffix(spec: &PauseSpec) -> String {
    spec.name_suffix
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(c) => c.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect()
}

/// A TypeScript module for aws-cdk-lib: a function making the pause state (a `CustomState`,
/// chained with `.next()`, so without `Next`) and one granting a role what the pause needs.
pub fn cdk_ts(spec: &PauseSpec, task: &Value) -> String {
    let mut state = task.clone();
    if let Some(map) = state.as_object_mut() {
        map.remove("Next");
    }
    let state = indent(&pretty(&state), "    ");
    let name = pascal_suffix(spec);
    let stack = spec.stack_name();
    let export = table_arn_export(spec);
    format!(
        r#"// The pause on the resumer {stack}, from `deployer task --format cdk-ts`.
import {{ Fn }} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {{ Construct }} from 'constructs';

/** The pause state: chain it with `.next(...)`; its result is the event's detail. */
export function sfnResume{name}Pause(scope: Construct, id: string): sfn.CustomState {{
  return new sfn.CustomState(scope, id, {{
    stateJson: {state},
  }});
}}

/** Lets the workflow's role store, read and delete its token, and probe other pauses. */
export function grantSfnResume{name}Pause(role: iam.IGrantable): void {{
  role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({{
    actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
    resources: [Fn.importValue('{export}')],
  }}));
  role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({{
    // Task tokens name no resource: AWS only accepts "*" here.
    actions: ['states:SendTaskHeartbeat'],
    resources: ['*'],
  }}));
}}
"#
    )
}

/// Terraform: the table ARN from the export, the pause state as a local (for the state
/// machine's `jsonencode`d definition) and the role policy, for a role given as a variable.
pub fn terraform(spec: &PauseSpec, task: &Value) -> String {
    let stack = spec.stack_name();
    let id = stack.replace('-', "_").to_lowercase();
    let export = table_arn_export(spec);
    // Heredocs interpolate `${` and `%{`: double them so the JSON stays as it is.
    let state = indent(&pretty(task), "    ")
        .replace("${", "$${")
        .replace("%{", "%%{");
    format!(
        r#"# The pause on the resumer {stack}, from `deployer task --format terraform`.
data "aws_cloudformation_export" "{id}_table_arn" {{
  name = "{export}"
}}

variable "{id}_workflow_role" {{
  description = "The name of the IAM role the workflow pausing on {stack} runs as"
  type        = string
}}

locals {{
  # The pause state: put it in your aws_sfn_state_machine's definition and set its "Next".
  {id}_pause = jsondecode(<<-EOT
    {state}
  EOT
  )
}}

resource "aws_iam_role_policy" "{id}_pause" {{
  name = "{stack}-pause-task"
  role = var.{id}_workflow_role
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid      = "PauseTaskStoresItsToken"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]
        Resource = data.aws_cloudformation_export.{id}_table_arn.value
      }},
      {{
        # Task tokens name no resource: AWS only accepts "*" here.
        Sid      = "PauseTaskProbesOtherPauses"
        Effect   = "Allow"
        Action   = "states:SendTaskHeartbeat"
        Resource = "*"
      }},
    ]
  }})
}}
"#
    )
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Every line but the first indented by `by`.
fn indent(text: &str, by: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                line.to_string()
            } else {
                format!("{by}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{pause_task, PauseOptions};

    fn spec() -> PauseSpec {
        PauseSpec {
            name_suffix: "orders-2".into(),
            path_to_id_pause_task: "$.orderId".into(),
            timeout_seconds: None,
        }
    }

    #[test]
    fn the_cdk_state_has_no_next_and_the_grant_imports_the_table_arn() {
        let task = pause_task(&spec(), &PauseOptions::default()).unwrap();
        let ts = cdk_ts(&spec(), &task);
        assert!(
            ts.contains("export function sfnResumeOrders2Pause("),
            "{ts}"
        );
        assert!(!ts.contains("\"Next\": \"<your"), "{ts}");
        assert!(
            ts.contains("Fn.importValue('sfn-resume-orders-2-TableArn')"),
            "{ts}"
        );
    }

    #[test]
    fn terraform_reads_the_export_and_keeps_the_json_uninterpolated() {
        let task = json!({"Type": "Pass", "Comment": "${not} %{this}"});
        let tf = terraform(&spec(), &task);
        assert!(
            tf.contains(r#"name = "sfn-resume-orders-2-TableArn""#),
            "{tf}"
        );
        assert!(tf.contains("$${not} %%{this}"), "{tf}");
        assert!(tf.contains("data.aws_cloudformation_export.sfn_resume_orders_2_table_arn.value"));
    }
}
