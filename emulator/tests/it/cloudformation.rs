//! CloudFormation against the in-process emulator, through aws-sdk-cloudformation: change
//! sets, stack operations, events, and the real objects the providers create in the other
//! services.

use std::time::Duration;

use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, ExecutionStatus, Parameter, Stack, StackEvent,
    StackStatus, Tag,
};
use aws_sdk_cloudformation::Client;

pub(crate) fn client(emulator: &emulator::Emulator) -> Client {
    Client::new(&testkit::aws::sdk_config(&emulator.endpoint()))
}

/// Creates a change set and waits until it leaves CREATE_PENDING / CREATE_IN_PROGRESS.
async fn change_set(
    cfn: &Client,
    stack: &str,
    name: &str,
    kind: ChangeSetType,
    template: &str,
) -> aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput {
    cfn.create_change_set()
        .stack_name(stack)
        .change_set_name(name)
        .change_set_type(kind)
        .template_body(template)
        .capabilities(Capability::CapabilityIam)
        .tags(Tag::builder().key("team").value("core").build())
        .client_token(format!("token-{name}"))
        .send()
        .await
        .expect("CreateChangeSet");
    wait_change_set(cfn, stack, name).await
}

pub(crate) async fn wait_change_set(
    cfn: &Client,
    stack: &str,
    name: &str,
) -> aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput {
    for _ in 0..200 {
        let out = cfn
            .describe_change_set()
            .stack_name(stack)
            .change_set_name(name)
            .send()
            .await
            .expect("DescribeChangeSet");
        match out.status() {
            Some(ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            _ => return out,
        }
    }
    panic!("change set {name} never finished");
}

/// Polls DescribeStacks until the stack's status no longer ends in IN_PROGRESS.
pub(crate) async fn wait_stack(cfn: &Client, stack: &str) -> Stack {
    for _ in 0..500 {
        let out = cfn
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .expect("DescribeStacks");
        let stack = out.stacks()[0].clone();
        let status = stack
            .stack_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if !status.ends_with("_IN_PROGRESS") || status == "REVIEW_IN_PROGRESS" {
            return stack;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("stack {stack} never settled");
}

/// An event as `<logical id> <status>`.
pub(crate) fn event_line(e: &StackEvent) -> String {
    format!(
        "{} {}",
        e.logical_resource_id().unwrap_or_default(),
        e.resource_status().map_or("", |s| s.as_str())
    )
}

/// Every event of a stack, newest first, across pages.
pub(crate) async fn events(cfn: &Client, stack: &str) -> Vec<StackEvent> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = cfn
            .describe_stack_events()
            .stack_name(stack)
            .set_next_token(token)
            .send()
            .await
            .expect("DescribeStackEvents");
        out.extend(page.stack_events().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return out;
        }
    }
}

async fn deploy(
    cfn: &Client,
    stack: &str,
    name: &str,
    kind: ChangeSetType,
    template: &str,
) -> Stack {
    let cs = change_set(cfn, stack, name, kind, template).await;
    assert_eq!(
        cs.status(),
        Some(&ChangeSetStatus::CreateComplete),
        "{:?}",
        cs.status_reason()
    );
    cfn.execute_change_set()
        .stack_name(stack)
        .change_set_name(name)
        .client_request_token(format!("exec-{name}"))
        .send()
        .await
        .expect("ExecuteChangeSet");
    wait_stack(cfn, stack).await
}

fn output(stack: &Stack, key: &str) -> String {
    stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some(key))
        .and_then(|o| o.output_value())
        .unwrap_or_else(|| panic!("output {key}"))
        .to_string()
}

const APP: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Description: the application
Parameters:
  Suffix:
    Type: String
    Default: one
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: [states.amazonaws.com, events.amazonaws.com]}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: tables
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: dynamodb:GetItem
                Resource: !GetAtt Table.Arn
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 7
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt Role.Arn
      DefinitionSubstitutions:
        TableName: !Ref Table
      Definition:
        StartAt: Done
        States:
          Done:
            Type: Pass
            Result: "${TableName}"
            End: true
      LoggingConfiguration:
        Level: ALL
        IncludeExecutionData: true
        Destinations:
          - CloudWatchLogsLogGroup: {LogGroupArn: !GetAtt Logs.Arn}
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [jobs]}
      Targets:
        - Id: machine
          Arn: !Ref Machine
          RoleArn: !GetAtt Role.Arn
          InputPath: $.detail
  Bucket:
    Type: AWS::S3::Bucket
Outputs:
  MachineArn:
    Value: !Ref Machine
    Export: {Name: !Sub "${AWS::StackName}-machine"}
  TableName:
    Value: !Ref Table
  BucketDomain:
    Value: !GetAtt Bucket.DomainName
  Suffix:
    Value: !Ref Suffix
"#;

#[tokio::test]
async fn a_change_set_creates_a_stack_of_real_resources_and_delete_removes_them() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let config = testkit::aws::sdk_config(&emu.endpoint());

    let cs = change_set(&cfn, "app", "first", ChangeSetType::Create, APP).await;
    assert_eq!(cs.status(), Some(&ChangeSetStatus::CreateComplete));
    assert_eq!(cs.execution_status(), Some(&ExecutionStatus::Available));
    let mut added: Vec<(String, String)> = cs
        .changes()
        .iter()
        .filter_map(|c| c.resource_change())
        .map(|r| {
            assert_eq!(r.action().map(|a| a.as_str()), Some("Add"));
            (
                r.logical_resource_id().unwrap().to_string(),
                r.resource_type().unwrap().to_string(),
            )
        })
        .collect();
    added.sort();
    assert_eq!(
        added,
        [
            ("Bucket", "AWS::S3::Bucket"),
            ("Logs", "AWS::Logs::LogGroup"),
            ("Machine", "AWS::StepFunctions::StateMachine"),
            ("Role", "AWS::IAM::Role"),
            ("Rule", "AWS::Events::Rule"),
            ("Table", "AWS::DynamoDB::Table"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(cs.tags()[0].key(), Some("team"));
    assert_eq!(cs.capabilities(), [Capability::CapabilityIam]);

    let review = cfn
        .describe_stacks()
        .stack_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        review.stacks()[0].stack_status(),
        Some(&StackStatus::ReviewInProgress)
    );

    // The same ClientToken gives back the same change set.
    let again = cfn
        .create_change_set()
        .stack_name("app")
        .change_set_name("first")
        .change_set_type(ChangeSetType::Create)
        .template_body(APP)
        .capabilities(Capability::CapabilityIam)
        .client_token("token-first")
        .send()
        .await
        .unwrap();
    assert_eq!(again.id(), cs.change_set_id());
    let listed = cfn
        .list_change_sets()
        .stack_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.summaries().len(), 1);

    cfn.execute_change_set()
        .stack_name("app")
        .change_set_name("first")
        .client_request_token("exec-1")
        .send()
        .await
        .unwrap();
    let stack = wait_stack(&cfn, "app").await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::CreateComplete),
        "{:?}",
        stack.stack_status_reason()
    );
    assert_eq!(stack.description(), Some("the application"));
    assert_eq!(stack.tags()[0].value(), Some("core"));
    assert_eq!(stack.parameters()[0].parameter_value(), Some("one"));
    let executed = wait_change_set(&cfn, "app", "first").await;
    assert_eq!(
        executed.execution_status(),
        Some(&ExecutionStatus::ExecuteComplete)
    );

    // The objects exist in the other services.
    let machine_arn = output(&stack, "MachineArn");
    let table = output(&stack, "TableName");
    assert!(
        table.starts_with("app-Table-") && table.len() == "app-Table-".len() + 13,
        "{table}"
    );
    assert!(output(&stack, "BucketDomain").ends_with(".s3.amazonaws.com"));
    let sfn = aws_sdk_sfn::Client::new(&config);
    let machine = sfn
        .describe_state_machine()
        .state_machine_arn(&machine_arn)
        .send()
        .await
        .unwrap();
    assert!(
        machine.definition().contains(&format!("\"{table}\"")),
        "{}",
        machine.definition()
    );
    assert!(machine.name().starts_with("Machine-"));
    assert_eq!(
        machine
            .logging_configuration()
            .unwrap()
            .level()
            .map(|l| l.as_str()),
        Some("ALL")
    );
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    ddb.describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let resources = cfn
        .describe_stack_resources()
        .stack_name("app")
        .send()
        .await
        .unwrap();
    let physical = |id: &str| {
        resources
            .stack_resources()
            .iter()
            .find(|r| r.logical_resource_id() == Some(id))
            .and_then(|r| r.physical_resource_id())
            .unwrap()
            .to_string()
    };
    let iam = aws_sdk_iam::Client::new(&config);
    let role_name = physical("Role");
    let policy = iam
        .get_role_policy()
        .role_name(&role_name)
        .policy_name("tables")
        .send()
        .await
        .unwrap();
    assert!(policy.policy_document().contains("dynamodb"));
    let attached = iam
        .list_attached_role_policies()
        .role_name(&role_name)
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    let events_client = aws_sdk_eventbridge::Client::new(&config);
    let targets = events_client
        .list_targets_by_rule()
        .rule(physical("Rule"))
        .send()
        .await
        .unwrap();
    assert_eq!(targets.targets()[0].arn(), machine_arn);
    assert_eq!(targets.targets()[0].input_path(), Some("$.detail"));
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix(physical("Logs"))
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(7));

    // Events: the stack's own first and last, each resource created, newest first.
    let all = events(&cfn, "app").await;
    let last = &all[0];
    assert_eq!(last.logical_resource_id(), Some("app"));
    assert_eq!(
        last.resource_status().map(|s| s.as_str()),
        Some("CREATE_COMPLETE")
    );
    assert_eq!(last.resource_type(), Some("AWS::CloudFormation::Stack"));
    let first = all.last().unwrap();
    assert_eq!(
        first.resource_status().map(|s| s.as_str()),
        Some("REVIEW_IN_PROGRESS")
    );
    let started = all
        .iter()
        .find(|e| {
            e.resource_status().map(|s| s.as_str()) == Some("CREATE_IN_PROGRESS")
                && e.logical_resource_id() == Some("app")
        })
        .unwrap();
    assert_eq!(started.resource_status_reason(), Some("User Initiated"));
    assert_eq!(started.client_request_token(), Some("exec-1"));
    let table_done = all
        .iter()
        .find(|e| {
            e.logical_resource_id() == Some("Table")
                && e.resource_status().map(|s| s.as_str()) == Some("CREATE_COMPLETE")
        })
        .unwrap();
    assert_eq!(table_done.physical_resource_id(), Some(table.as_str()));
    assert!(table_done
        .resource_properties()
        .unwrap()
        .contains("PAY_PER_REQUEST"));
    // The role is created before the state machine that uses it.
    let position = |id: &str| {
        all.iter()
            .position(|e| {
                e.logical_resource_id() == Some(id)
                    && e.resource_status().map(|s| s.as_str()) == Some("CREATE_COMPLETE")
            })
            .unwrap()
    };
    assert!(position("Role") > position("Machine"));
    assert!(position("Machine") > position("Rule"));

    let template = cfn.get_template().stack_name("app").send().await.unwrap();
    assert_eq!(template.template_body(), Some(APP));
    let listed = cfn
        .list_stack_resources()
        .stack_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.stack_resource_summaries().len(), 6);

    // Delete: everything goes, in reverse order.
    let stack_id = stack.stack_id().unwrap().to_string();
    cfn.delete_stack().stack_name("app").send().await.unwrap();
    let gone = wait_stack(&cfn, &stack_id).await;
    assert_eq!(gone.stack_status(), Some(&StackStatus::DeleteComplete));
    assert!(gone.deletion_time().is_some());
    assert!(sfn
        .describe_state_machine()
        .state_machine_arn(&machine_arn)
        .send()
        .await
        .is_err());
    assert!(ddb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .is_err());
    assert!(iam.get_role().role_name(&role_name).send().await.is_err());
    let err = cfn
        .describe_stacks()
        .stack_name("app")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationError")
    );
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().message()),
        Some("Stack with id app does not exist")
    );
    let listed = cfn.list_stacks().send().await.unwrap();
    assert_eq!(
        listed.stack_summaries()[0].stack_status(),
        Some(&StackStatus::DeleteComplete)
    );
    let deleted = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::DeleteComplete)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.stack_summaries().len(), 1);
    let live = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::CreateComplete)
        .send()
        .await
        .unwrap();
    assert!(live.stack_summaries().is_empty());
    let err = cfn
        .list_stacks()
        .stack_status_filter(StackStatus::from("DELETED"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationError"),
        "a status the model does not have"
    );
    let all = events(&cfn, &stack_id).await;
    let position = |id: &str| {
        all.iter()
            .position(|e| {
                e.logical_resource_id() == Some(id)
                    && e.resource_status().map(|s| s.as_str()) == Some("DELETE_COMPLETE")
            })
            .unwrap()
    };
    assert!(
        position("Role") < position("Machine"),
        "the role is deleted after the machine"
    );
}

const ONE_TABLE: &str = r#"{
  "Resources": {
    "Table": {
      "Type": "AWS::DynamoDB::Table",
      "Properties": {
        "TableName": "orders",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]
      }
    }
  }
}"#;

#[tokio::test]
async fn updates_modify_in_place_or_replace_and_empty_change_sets_fail() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let stack = deploy(&cfn, "orders", "v1", ChangeSetType::Create, ONE_TABLE).await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete));

    // No change: FAILED with AWS's reason.
    let same = change_set(&cfn, "orders", "same", ChangeSetType::Update, ONE_TABLE).await;
    assert_eq!(same.status(), Some(&ChangeSetStatus::Failed));
    assert_eq!(same.execution_status(), Some(&ExecutionStatus::Unavailable));
    assert_eq!(
        same.status_reason(),
        Some("The submitted information didn't contain changes. Submit different information to create a change set.")
    );
    cfn.delete_change_set()
        .stack_name("orders")
        .change_set_name("same")
        .send()
        .await
        .unwrap();

    // A stream added: Modify, Replacement False.
    let streamed = ONE_TABLE.replace(
        r#""BillingMode": "PAY_PER_REQUEST","#,
        r#""BillingMode": "PAY_PER_REQUEST", "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},"#,
    );
    let cs = change_set(&cfn, "orders", "stream", ChangeSetType::Update, &streamed).await;
    let change = cs.changes()[0].resource_change().unwrap();
    assert_eq!(change.action().map(|a| a.as_str()), Some("Modify"));
    assert_eq!(change.replacement().map(|r| r.as_str()), Some("False"));
    assert_eq!(change.physical_resource_id(), Some("orders"));
    assert_eq!(
        change
            .scope()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        ["Properties"]
    );
    let detail = &change.details()[0];
    assert_eq!(detail.target().unwrap().name(), Some("StreamSpecification"));
    assert_eq!(
        detail
            .target()
            .unwrap()
            .requires_recreation()
            .map(|r| r.as_str()),
        Some("Never")
    );
    assert_eq!(detail.evaluation().map(|e| e.as_str()), Some("Static"));
    assert_eq!(
        detail.change_source().map(|e| e.as_str()),
        Some("DirectModification")
    );
    cfn.execute_change_set()
        .stack_name("orders")
        .change_set_name("stream")
        .send()
        .await
        .unwrap();
    let stack = wait_stack(&cfn, "orders").await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::UpdateComplete),
        "{:?}",
        stack.stack_status_reason()
    );
    let statuses: Vec<String> = events(&cfn, "orders")
        .await
        .iter()
        .take(5)
        .map(event_line)
        .collect();
    assert_eq!(
        statuses,
        [
            "orders UPDATE_COMPLETE",
            "orders UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            "Table UPDATE_COMPLETE",
            "Table UPDATE_IN_PROGRESS",
            "orders UPDATE_IN_PROGRESS",
        ]
    );

    // A new name: Modify, Replacement True; a new table, the old one deleted.
    let renamed = streamed.replace("\"orders\"", "\"orders-v2\"");
    let cs = change_set(&cfn, "orders", "rename", ChangeSetType::Update, &renamed).await;
    let change = cs.changes()[0].resource_change().unwrap();
    assert_eq!(change.replacement().map(|r| r.as_str()), Some("True"));
    let detail = &change.details()[0];
    assert_eq!(detail.target().unwrap().name(), Some("TableName"));
    assert_eq!(
        detail
            .target()
            .unwrap()
            .requires_recreation()
            .map(|r| r.as_str()),
        Some("Always")
    );
    cfn.execute_change_set()
        .stack_name("orders")
        .change_set_name("rename")
        .send()
        .await
        .unwrap();
    let stack = wait_stack(&cfn, "orders").await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::UpdateComplete),
        "{:?}",
        stack.stack_status_reason()
    );
    let ddb = aws_sdk_dynamodb::Client::new(&testkit::aws::sdk_config(&emu.endpoint()));
    ddb.describe_table()
        .table_name("orders-v2")
        .send()
        .await
        .unwrap();
    assert!(ddb
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .is_err());
    let all = events(&cfn, "orders").await;
    assert!(all.iter().any(|e| e.resource_status_reason()
        == Some("Requested update requires the creation of a new physical resource; hence creating one.")));
    assert!(all
        .iter()
        .any(|e| e.physical_resource_id() == Some("orders")
            && e.resource_status().map(|s| s.as_str()) == Some("DELETE_COMPLETE")));
}

#[tokio::test]
async fn a_failing_resource_rolls_the_stack_back() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let template = r#"
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    # Deleted all the same: the rollback undoes the operation that created it.
    DeletionPolicy: RetainExceptOnCreate
  Broken:
    Type: AWS::StepFunctions::StateMachine
    DependsOn: Logs
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/r
      DefinitionString: '{"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": true}}}'
  Other:
    Type: AWS::Logs::LogGroup
    DependsOn: Logs
"#;
    let stack = deploy(&cfn, "broken", "v1", ChangeSetType::Create, template).await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::RollbackComplete));
    let all = events(&cfn, "broken").await;
    let failed = all
        .iter()
        .find(|e| {
            e.logical_resource_id() == Some("Broken")
                && e.resource_status().map(|s| s.as_str()) == Some("CREATE_FAILED")
        })
        .unwrap();
    let reason = failed.resource_status_reason().unwrap();
    assert!(
        reason.starts_with("Resource handler returned message: \"Invalid State Machine Definition"),
        "{reason}"
    );
    assert!(
        reason.contains("HandlerErrorCode: InvalidRequest"),
        "{reason}"
    );
    // Other is independent of Broken: created in the same wave, concurrently; it succeeded, so
    // the rollback deletes it with Logs.
    let status_of = |id: &str, status: &str| {
        all.iter().any(|e| {
            e.logical_resource_id() == Some(id)
                && e.resource_status().map(|s| s.as_str()) == Some(status)
        })
    };
    assert!(status_of("Other", "CREATE_COMPLETE"));
    assert!(status_of("Other", "DELETE_COMPLETE"));
    // Events are newest first: both were in progress before either ended.
    let position = |id: &str, status: &str| {
        all.iter()
            .position(|e| {
                e.logical_resource_id() == Some(id)
                    && e.resource_status().map(|s| s.as_str()) == Some(status)
            })
            .unwrap()
    };
    assert!(position("Other", "CREATE_IN_PROGRESS") > position("Broken", "CREATE_FAILED"));
    assert!(position("Broken", "CREATE_IN_PROGRESS") > position("Other", "CREATE_COMPLETE"));
    let rollback = all
        .iter()
        .find(|e| e.resource_status().map(|s| s.as_str()) == Some("ROLLBACK_IN_PROGRESS"))
        .unwrap();
    assert_eq!(
        rollback.resource_status_reason(),
        Some("The following resource(s) failed to create: [Broken]. Rollback requested by user.")
    );
    assert!(all.iter().any(|e| e.logical_resource_id() == Some("Logs")
        && e.resource_status().map(|s| s.as_str()) == Some("DELETE_COMPLETE")));
    let logs = aws_sdk_cloudwatchlogs::Client::new(&testkit::aws::sdk_config(&emu.endpoint()));
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("broken-")
        .send()
        .await
        .unwrap();
    assert!(
        groups.log_groups().is_empty(),
        "the log group was rolled back"
    );
    // A stack in ROLLBACK_COMPLETE cannot be updated, only deleted.
    let err = cfn
        .create_change_set()
        .stack_name("broken")
        .change_set_name("v2")
        .template_body(template)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationError")
    );
}

#[tokio::test]
async fn capabilities_unknown_types_and_bad_templates_are_refused() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let role = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n";
    let err = cfn
        .create_change_set()
        .stack_name("iam")
        .change_set_name("c")
        .change_set_type(ChangeSetType::Create)
        .template_body(role)
        .send()
        .await
        .unwrap_err();
    let service = err.as_service_error().unwrap();
    assert!(service.is_insufficient_capabilities_exception());
    assert_eq!(
        service.meta().message(),
        Some("Requires capabilities : [CAPABILITY_IAM]")
    );

    let unknown = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    let cs = change_set(&cfn, "unknown", "c", ChangeSetType::Create, unknown).await;
    assert_eq!(cs.status(), Some(&ChangeSetStatus::Failed));
    assert_eq!(
        cs.status_reason(),
        Some("Template format error: Unrecognized resource types: [AWS::SQS::Queue]")
    );
    assert_eq!(cs.execution_status(), Some(&ExecutionStatus::Unavailable));

    let err = cfn
        .validate_template()
        .template_body("Resources: {}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationError")
    );
    let valid = cfn
        .validate_template()
        .template_body(role)
        .send()
        .await
        .unwrap();
    assert_eq!(valid.capabilities(), [Capability::CapabilityIam]);
    let summary = cfn
        .get_template_summary()
        .template_body(APP)
        .send()
        .await
        .unwrap();
    assert_eq!(summary.capabilities(), [Capability::CapabilityIam]);
    assert_eq!(summary.parameters()[0].parameter_key(), Some("Suffix"));
    assert_eq!(summary.parameters()[0].default_value(), Some("one"));
    assert!(summary
        .resource_types()
        .contains(&"AWS::StepFunctions::StateMachine".to_string()));

    let err = cfn
        .describe_change_set()
        .stack_name("unknown")
        .change_set_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_change_set_not_found_exception());
}

#[tokio::test]
async fn retained_resources_outlive_the_stack_and_events_page() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let mut template = String::from("Resources:\n  Kept:\n    Type: AWS::Logs::LogGroup\n    DeletionPolicy: Retain\n    Properties:\n      LogGroupName: kept\n  KeptToo:\n    Type: AWS::Logs::LogGroup\n    DeletionPolicy: RetainExceptOnCreate\n    Properties:\n      LogGroupName: kept-too\n");
    for n in 0..40 {
        template.push_str(&format!("  Group{n}:\n    Type: AWS::Logs::LogGroup\n"));
    }
    let created = cfn
        .create_stack()
        .stack_name("many")
        .template_body(&template)
        .parameters(
            Parameter::builder()
                .parameter_key("Unused")
                .parameter_value("x")
                .build(),
        )
        .send()
        .await;
    let err = created.unwrap_err();
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationError")
    );
    cfn.create_stack()
        .stack_name("many")
        .template_body(&template)
        .send()
        .await
        .unwrap();
    let stack = wait_stack(&cfn, "many").await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete));
    cfn.delete_stack().stack_name("many").send().await.unwrap();
    let gone = wait_stack(&cfn, stack.stack_id().unwrap()).await;
    assert_eq!(gone.stack_status(), Some(&StackStatus::DeleteComplete));

    let first = cfn
        .describe_stack_events()
        .stack_name(stack.stack_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(first.stack_events().len(), 100);
    assert!(first.next_token().is_some());
    let forged = cfn
        .describe_stack_events()
        .stack_name(stack.stack_id().unwrap())
        .next_token("100")
        .send()
        .await
        .expect_err("a token that is not one of CloudFormation's");
    assert_eq!(
        forged.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationError")
    );
    let all = events(&cfn, stack.stack_id().unwrap()).await;
    // 2 + 42 * 3 create events, 2 + 40 * 2 + 2 delete events.
    assert_eq!(all.len(), 2 + 42 * 3 + 2 + 40 * 2 + 2);
    let skipped = all
        .iter()
        .find(|e| e.logical_resource_id() == Some("Kept"))
        .unwrap();
    assert_eq!(
        skipped.resource_status().map(|s| s.as_str()),
        Some("DELETE_SKIPPED")
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(&testkit::aws::sdk_config(&emu.endpoint()));
    let groups = logs.describe_log_groups().send().await.unwrap();
    let names: Vec<&str> = groups
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name())
        .collect();
    assert_eq!(names, ["kept", "kept-too"]);
}

const ECHO: &str = r#"#!/bin/sh
while true; do
  headers=$(mktemp)
  body=$(curl -sS -D "$headers" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next")
  id=$(grep -i lambda-runtime-aws-request-id "$headers" | tr -d '\r' | cut -d' ' -f2)
  curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$id/response" -d "{\"echo\":$body}" >/dev/null
done
"#;

#[tokio::test]
async fn a_function_comes_from_an_s3_zip_and_a_missing_object_fails_the_resource() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let config = testkit::aws::sdk_config(&emu.endpoint());
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket("artifacts").send().await.unwrap();
    s3.put_object()
        .bucket("artifacts")
        .key("echo.zip")
        .body(testkit::package::bootstrap(ECHO.as_bytes()).into())
        .send()
        .await
        .unwrap();
    let template = |key: &str| {
        format!(
            r#"
Resources:
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      Role: arn:aws:iam::123456789012:role/lambda
      Timeout: 10
      Code: {{S3Bucket: artifacts, S3Key: {key}}}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Function
      Action: lambda:InvokeFunction
      Principal: events.amazonaws.com
Outputs:
  Arn:
    Value: !GetAtt Function.Arn
"#
        )
    };
    let stack = deploy(
        &cfn,
        "fn",
        "v1",
        ChangeSetType::Create,
        &template("echo.zip"),
    )
    .await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::CreateComplete),
        "{:?}",
        stack.stack_status_reason()
    );
    let arn = output(&stack, "Arn");
    assert!(arn.contains(":function:fn-Function-"), "{arn}");
    let lambda = aws_sdk_lambda::Client::new(&config);
    let policy = lambda
        .get_policy()
        .function_name(&arn)
        .send()
        .await
        .unwrap();
    assert!(policy.policy().unwrap().contains("events.amazonaws.com"));
    let out = lambda
        .invoke()
        .function_name(&arn)
        .payload(aws_sdk_lambda::primitives::Blob::new(r#"{"a":1}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(out.payload().unwrap().as_ref(), br#"{"echo":{"a":1}}"#);
    emu.cloud().lambda.shutdown().await;

    let stack = deploy(
        &cfn,
        "nofn",
        "v1",
        ChangeSetType::Create,
        &template("missing.zip"),
    )
    .await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::RollbackComplete));
    let all = events(&cfn, "nofn").await;
    let failed = all
        .iter()
        .find(|e| e.resource_status().map(|s| s.as_str()) == Some("CREATE_FAILED"))
        .unwrap();
    let reason = failed.resource_status_reason().unwrap();
    assert!(
        reason.contains("Error occurred while GetObject. S3 Error Code: NoSuchKey"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_failed_update_rolls_back_to_the_previous_definition() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let template = |start: &str| {
        format!(
            r#"
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: kept
      RoleArn: arn:aws:iam::123456789012:role/r
      DefinitionString: '{{"StartAt": "{start}", "States": {{"A": {{"Type": "Pass", "End": true}}}}}}'
"#
        )
    };
    let stack = deploy(&cfn, "sm", "v1", ChangeSetType::Create, &template("A")).await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete));
    let stack = deploy(&cfn, "sm", "v2", ChangeSetType::Update, &template("B")).await;
    assert_eq!(
        stack.stack_status(),
        Some(&StackStatus::UpdateRollbackComplete)
    );
    let all = events(&cfn, "sm").await;
    let statuses: Vec<String> = all.iter().take(6).map(event_line).collect();
    assert_eq!(
        statuses,
        [
            "sm UPDATE_ROLLBACK_COMPLETE",
            "sm UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
            "Machine UPDATE_COMPLETE",
            "Machine UPDATE_IN_PROGRESS",
            "sm UPDATE_ROLLBACK_IN_PROGRESS",
            "Machine UPDATE_FAILED",
        ]
    );
    assert_eq!(
        all[4].resource_status_reason(),
        Some("The following resource(s) failed to update: [Machine]. ")
    );
    let sfn = aws_sdk_sfn::Client::new(&testkit::aws::sdk_config(&emu.endpoint()));
    let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:kept";
    let machine = sfn
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap();
    assert!(machine.definition().contains("\"StartAt\": \"A\""));
    let template_now = cfn.get_template().stack_name("sm").send().await.unwrap();
    assert!(template_now
        .template_body()
        .unwrap()
        .contains("\"StartAt\": \"A\""));
}

#[tokio::test]
async fn stacks_their_events_and_change_sets_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    let emu = state.start().await;
    let cfn = client(&emu);
    let stack = deploy(&cfn, "orders", "v1", ChangeSetType::Create, ONE_TABLE).await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete));
    let before = events(&cfn, "orders").await.len();
    emu.shutdown().await;

    let emu = state.start().await;
    let cfn = client(&emu);
    let stack = wait_stack(&cfn, "orders").await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::CreateComplete));
    assert_eq!(events(&cfn, "orders").await.len(), before);
    let resources = cfn
        .list_stack_resources()
        .stack_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resources.stack_resource_summaries()[0].physical_resource_id(),
        Some("orders")
    );
    let cs = cfn
        .describe_change_set()
        .stack_name("orders")
        .change_set_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cs.execution_status(),
        Some(&ExecutionStatus::ExecuteComplete)
    );
    // The restored stack can still change: the journaled resources are the real ones.
    cfn.delete_stack()
        .stack_name("orders")
        .send()
        .await
        .unwrap();
    let gone = wait_stack(&cfn, stack.stack_id().unwrap()).await;
    assert_eq!(gone.stack_status(), Some(&StackStatus::DeleteComplete));
    let ddb = aws_sdk_dynamodb::Client::new(&testkit::aws::sdk_config(&emu.endpoint()));
    assert!(ddb
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn previous_parameter_values_include_defaults() {
    const WITH_DEFAULT: &str = r#"{
      "Parameters": {"Retention": {"Type": "Number", "Default": "7"}},
      "Resources": {"Logs": {"Type": "AWS::Logs::LogGroup",
                             "Properties": {"RetentionInDays": {"Ref": "Retention"}}}}
    }"#;
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    deploy(&cfn, "defaults", "v1", ChangeSetType::Create, WITH_DEFAULT).await;
    // The AWS CLI's `deploy` sends UsePreviousValue for every parameter it is not given: the
    // defaulted value counts as the previous one, and nothing changed.
    cfn.create_change_set()
        .stack_name("defaults")
        .change_set_name("again")
        .change_set_type(ChangeSetType::Update)
        .template_body(WITH_DEFAULT)
        .parameters(
            aws_sdk_cloudformation::types::Parameter::builder()
                .parameter_key("Retention")
                .use_previous_value(true)
                .build(),
        )
        .send()
        .await
        .expect("UsePreviousValue of a defaulted parameter");
    let again = wait_change_set(&cfn, "defaults", "again").await;
    assert_eq!(again.status(), Some(&ChangeSetStatus::Failed));
    assert!(again
        .status_reason()
        .unwrap()
        .starts_with("The submitted information didn't contain changes"));
    emu.shutdown().await;
}

#[tokio::test]
async fn resources_their_service_refuses_fail_with_its_message_and_are_rolled_back() {
    let cases = [
        (
            "retention",
            r#"{"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": "/app/kept-2-days", "RetentionInDays": 2}}}}"#,
            ("retentionInDays", "CloudWatchLogs"),
        ),
        (
            "log-tags",
            r#"{"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": "/app/tagged", "Tags": [{"Key": "n", "Value": 5}]}}}}"#,
            ("must be a string", "CloudWatchLogs"),
        ),
        (
            "rule",
            r#"{"Resources": {"Rule": {"Type": "AWS::Events::Rule",
                "Properties": {"Name": "never", "Description": "neither pattern nor schedule"}}}}"#,
            ("EventPattern or ScheduleExpression", "EventBridge"),
        ),
        (
            "rule-name",
            r#"{"Resources": {"Rule": {"Type": "AWS::Events::Rule",
                "Properties": {"Name": "not a rule name", "ScheduleExpression": "rate(1 day)"}}}}"#,
            ("regular expression pattern", "EventBridge"),
        ),
        (
            "table",
            r#"{"Resources": {"Table": {"Type": "AWS::DynamoDB::Table",
                "Properties": {"TableName": "lopsided", "BillingMode": "PAY_PER_REQUEST",
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                                             {"AttributeName": "spare", "AttributeType": "S"}]}}}}"#,
            ("does not exactly match", "DynamoDb"),
        ),
        (
            "machine",
            r#"{"Resources": {"Machine": {"Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/workflow",
                    "Definition": {"StartAt": "Nowhere", "States": {}}}}}}"#,
            ("Nowhere", "Sfn"),
        ),
    ];
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    for (name, template, (says, service)) in cases {
        let stack = deploy(&cfn, name, "v1", ChangeSetType::Create, template).await;
        assert_eq!(
            stack.stack_status(),
            Some(&StackStatus::RollbackComplete),
            "{name}"
        );
        let failed = events(&cfn, name)
            .await
            .into_iter()
            .find(|e| e.resource_status().map(|s| s.as_str()) == Some("CREATE_FAILED"))
            .expect("the resource's CREATE_FAILED event");
        let reason = failed.resource_status_reason().unwrap_or_default();
        assert!(
            reason.contains(says) && reason.contains(service),
            "{reason}"
        );
    }
    let sdk = testkit::aws::sdk_config(&emu.endpoint());
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let left = logs
        .describe_log_groups()
        .log_group_name_prefix("/app/")
        .send()
        .await
        .unwrap();
    assert!(
        left.log_groups().is_empty(),
        "the rollback deleted the group"
    );
    let tables = aws_sdk_dynamodb::Client::new(&sdk);
    let left = tables.list_tables().send().await.unwrap();
    assert!(left.table_names().is_empty(), "no table was made");
    let machines = aws_sdk_sfn::Client::new(&sdk);
    let left = machines.list_state_machines().send().await.unwrap();
    assert!(
        left.state_machines().is_empty(),
        "no state machine was made"
    );
    let rules = aws_sdk_eventbridge::Client::new(&sdk);
    let left = rules.list_rules().send().await.unwrap();
    assert!(left.rules().is_empty(), "no rule was made");
    emu.shutdown().await;
}
