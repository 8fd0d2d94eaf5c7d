//! CloudFormation IMPORT change sets through aws-sdk-cloudformation: existing resources brought
//! into a stack as they are (a table keeps its items), then updated and deleted with the stack;
//! and the imports CloudFormation refuses.

use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::types::{
    ChangeAction, ChangeSetStatus, ChangeSetType, ResourceToImport, StackStatus,
};
use aws_sdk_cloudformation::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use super::cloudformation::{client, event_line, events, wait_change_set, wait_stack};

/// A table and a log group, both named, the table retained by a deletion.
const KEPT: &str = r#"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: orders
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: S
      KeySchema:
        - AttributeName: id
          KeyType: HASH
  Logs:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Delete
    Properties:
      LogGroupName: orders-logs
"#;

fn to_import(resource_type: &str, logical_id: &str, key: &str, value: &str) -> ResourceToImport {
    ResourceToImport::builder()
        .resource_type(resource_type)
        .logical_resource_id(logical_id)
        .resource_identifier(key, value)
        .build()
}

fn kept_resources() -> Vec<ResourceToImport> {
    vec![
        to_import("AWS::DynamoDB::Table", "Table", "TableName", "orders"),
        to_import("AWS::Logs::LogGroup", "Logs", "LogGroupName", "orders-logs"),
    ]
}

/// CreateChangeSet of type IMPORT named `adopt`; the change set once computed, or the call's
/// error code and message.
async fn import(
    cfn: &Client,
    stack: &str,
    template: &str,
    resources: Vec<ResourceToImport>,
) -> Result<DescribeChangeSetOutput, (String, String)> {
    import_named(cfn, stack, "adopt", template, resources).await
}

async fn import_named(
    cfn: &Client,
    stack: &str,
    name: &str,
    template: &str,
    resources: Vec<ResourceToImport>,
) -> Result<DescribeChangeSetOutput, (String, String)> {
    let created = cfn
        .create_change_set()
        .stack_name(stack)
        .change_set_name(name)
        .change_set_type(ChangeSetType::Import)
        .template_body(template)
        .set_resources_to_import(Some(resources))
        .send()
        .await;
    if let Err(err) = created {
        let err = err.into_service_error();
        return Err((
            err.meta().code().unwrap_or_default().to_string(),
            err.meta().message().unwrap_or_default().to_string(),
        ));
    }
    Ok(wait_change_set(cfn, stack, name).await)
}

async fn execute(cfn: &Client, stack: &str, change_set: &str) {
    cfn.execute_change_set()
        .stack_name(stack)
        .change_set_name(change_set)
        .send()
        .await
        .expect("ExecuteChangeSet");
}

/// The table `orders` with one item, and the log group `orders-logs`, made outside any stack.
async fn existing(emu: &emulator::Emulator) -> aws_sdk_dynamodb::Client {
    let config = testkit::aws::sdk_config(&emu.endpoint());
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    testkit::aws::string_key_table(&ddb, "orders", "id").await;
    ddb.put_item()
        .table_name("orders")
        .item("id", AttributeValue::S("o-1".into()))
        .item("token", AttributeValue::S("kept".into()))
        .send()
        .await
        .expect("PutItem");
    aws_sdk_cloudwatchlogs::Client::new(&config)
        .create_log_group()
        .log_group_name("orders-logs")
        .send()
        .await
        .expect("CreateLogGroup");
    ddb
}

async fn item_survives(ddb: &aws_sdk_dynamodb::Client) {
    let item = ddb
        .get_item()
        .table_name("orders")
        .key("id", AttributeValue::S("o-1".into()))
        .send()
        .await
        .expect("GetItem");
    assert_eq!(
        item.item().and_then(|i| i.get("token")),
        Some(&AttributeValue::S("kept".into()))
    );
}

#[tokio::test]
async fn an_import_adopts_resources_as_they_are_then_an_update_adds_the_rest() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    let ddb = existing(&emu).await;

    let planned = import(&cfn, "adopter", KEPT, kept_resources())
        .await
        .expect("CreateChangeSet");
    assert_eq!(
        planned.status(),
        Some(&ChangeSetStatus::CreateComplete),
        "{:?}",
        planned.status_reason()
    );
    let changes: Vec<(ChangeAction, &str, &str)> = planned
        .changes()
        .iter()
        .filter_map(|c| c.resource_change())
        .map(|r| {
            (
                r.action().cloned().unwrap(),
                r.logical_resource_id().unwrap(),
                r.physical_resource_id().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (ChangeAction::Import, "Table", "orders"),
            (ChangeAction::Import, "Logs", "orders-logs"),
        ]
    );
    assert_eq!(
        wait_stack(&cfn, "adopter").await.stack_status(),
        Some(&StackStatus::ReviewInProgress)
    );

    execute(&cfn, "adopter", "adopt").await;
    let stack = wait_stack(&cfn, "adopter").await;
    assert_eq!(stack.stack_status(), Some(&StackStatus::ImportComplete));
    item_survives(&ddb).await;
    let statuses: Vec<String> = events(&cfn, "adopter")
        .await
        .iter()
        .rev()
        .filter(|e| matches!(e.logical_resource_id(), Some("adopter" | "Table")))
        .map(event_line)
        .collect();
    assert_eq!(
        statuses,
        [
            "adopter REVIEW_IN_PROGRESS",
            "adopter IMPORT_IN_PROGRESS",
            "Table IMPORT_IN_PROGRESS",
            "Table IMPORT_COMPLETE",
            "adopter IMPORT_COMPLETE",
        ]
    );
    let listed = cfn
        .list_stack_resources()
        .stack_name("adopter")
        .send()
        .await
        .expect("ListStackResources");
    let resources: Vec<(&str, &str, &str)> = listed
        .stack_resource_summaries()
        .iter()
        .map(|r| {
            (
                r.logical_resource_id().unwrap(),
                r.physical_resource_id().unwrap(),
                r.resource_status().unwrap().as_str(),
            )
        })
        .collect();
    assert_eq!(
        resources,
        [
            ("Table", "orders", "IMPORT_COMPLETE"),
            ("Logs", "orders-logs", "IMPORT_COMPLETE"),
        ]
    );

    // A resource already in the stack cannot be imported again.
    let again = import_named(&cfn, "adopter", "again", KEPT, kept_resources()).await;
    let (code, message) = again.expect_err("an import of resources the stack holds");
    assert_eq!(code, "ValidationError");
    assert!(message.contains("already in a stack"), "{message}");

    // A normal update adds the rest; the imported resources are unchanged.
    let more = format!(
        "{KEPT}  Extra:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: extra\nOutputs:\n  TableArn:\n    Value: !GetAtt Table.Arn\n"
    );
    cfn.create_change_set()
        .stack_name("adopter")
        .change_set_name("rest")
        .change_set_type(ChangeSetType::Update)
        .template_body(&more)
        .send()
        .await
        .expect("CreateChangeSet UPDATE");
    let rest = wait_change_set(&cfn, "adopter", "rest").await;
    let added: Vec<(&ChangeAction, &str)> = rest
        .changes()
        .iter()
        .filter_map(|c| c.resource_change())
        .map(|r| (r.action().unwrap(), r.logical_resource_id().unwrap()))
        .collect();
    assert_eq!(added, [(&ChangeAction::Add, "Extra")]);
    execute(&cfn, "adopter", "rest").await;
    let updated = wait_stack(&cfn, "adopter").await;
    assert_eq!(updated.stack_status(), Some(&StackStatus::UpdateComplete));
    assert!(
        updated.outputs()[0]
            .output_value()
            .unwrap()
            .ends_with(":table/orders"),
        "{:?}",
        updated.outputs()
    );
    item_survives(&ddb).await;

    // The deletion honours each DeletionPolicy: the table stays, with its item.
    cfn.delete_stack()
        .stack_name("adopter")
        .send()
        .await
        .unwrap();
    let gone = wait_stack(&cfn, stack.stack_id().unwrap()).await;
    assert_eq!(gone.stack_status(), Some(&StackStatus::DeleteComplete));
    item_survives(&ddb).await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&testkit::aws::sdk_config(&emu.endpoint()));
    let groups = logs.describe_log_groups().send().await.unwrap();
    assert!(groups.log_groups().is_empty(), "{:?}", groups.log_groups());
}

#[tokio::test]
async fn imports_that_cannot_work_are_refused() {
    let emu = testkit::aws::emulator().await;
    let cfn = client(&emu);
    existing(&emu).await;
    let refused = |stack: &'static str, template: String, resources| {
        let cfn = cfn.clone();
        async move {
            import(&cfn, stack, &template, resources)
                .await
                .expect_err("a refused import")
        }
    };

    let (code, message) = refused(
        "no-policy",
        KEPT.replace("    DeletionPolicy: Retain\n", ""),
        kept_resources(),
    )
    .await;
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "The following resources to import [Table] must have DeletionPolicy attribute specified in the template."
    );

    let bucket = format!(
        "{KEPT}  Bucket:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n    Properties:\n      BucketName: b\n"
    );
    let mut with_bucket = kept_resources();
    with_bucket.push(to_import("AWS::S3::Bucket", "Bucket", "BucketName", "b"));
    let (code, message) = refused("unsupported", bucket.clone(), with_bucket).await;
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains(
            "Resource type AWS::S3::Bucket of [Bucket] in ResourcesToImport cannot be imported"
        ),
        "{message}"
    );

    let (_, message) = refused("not-imported", bucket, kept_resources()).await;
    assert!(
        message.starts_with(
            "You have modified resources [Bucket] in your template that are not being imported."
        ),
        "{message}"
    );

    let (_, message) = refused(
        "wrong-key",
        KEPT.to_string(),
        vec![to_import(
            "AWS::DynamoDB::Table",
            "Table",
            "TableArn",
            "orders",
        )],
    )
    .await;
    assert!(
        message.contains("identified by TableName alone"),
        "{message}"
    );

    let (_, message) = refused(
        "wrong-name",
        KEPT.to_string(),
        vec![
            to_import("AWS::DynamoDB::Table", "Table", "TableName", "other"),
            to_import("AWS::Logs::LogGroup", "Logs", "LogGroupName", "orders-logs"),
        ],
    )
    .await;
    assert!(
        message.contains("but the template names it TableName orders"),
        "{message}"
    );

    let with_outputs = format!("{KEPT}Outputs:\n  Name:\n    Value: !Ref Table\n");
    let (_, message) = refused("outputs", with_outputs, kept_resources()).await;
    assert_eq!(
        message,
        "As part of the import operation, you cannot modify or add [Outputs]"
    );
    for stack in [
        "no-policy",
        "unsupported",
        "not-imported",
        "wrong-key",
        "wrong-name",
        "outputs",
    ] {
        let described = cfn.describe_stacks().stack_name(stack).send().await;
        assert!(
            described.is_err(),
            "{stack}: a refused import makes no stack"
        );
    }

    // A resource that does not exist: the change set fails, with the reason.
    let ghost = KEPT.replace("TableName: orders", "TableName: ghost");
    let failed = import(
        &cfn,
        "ghost",
        &ghost,
        vec![
            to_import("AWS::DynamoDB::Table", "Table", "TableName", "ghost"),
            to_import("AWS::Logs::LogGroup", "Logs", "LogGroupName", "orders-logs"),
        ],
    )
    .await
    .expect("CreateChangeSet");
    assert_eq!(failed.status(), Some(&ChangeSetStatus::Failed));
    assert_eq!(
        failed.status_reason(),
        Some("Resource of type 'AWS::DynamoDB::Table' with identifier '{TableName=ghost}' was not found.")
    );

    // A resource another stack holds cannot be imported into a second one.
    let taken = import(&cfn, "first", KEPT, kept_resources())
        .await
        .expect("CreateChangeSet");
    assert_eq!(taken.status(), Some(&ChangeSetStatus::CreateComplete));
    execute(&cfn, "first", "adopt").await;
    let first = wait_stack(&cfn, "first").await;
    assert_eq!(first.stack_status(), Some(&StackStatus::ImportComplete));
    let second = import(&cfn, "second", KEPT, kept_resources())
        .await
        .expect("CreateChangeSet");
    assert_eq!(second.status(), Some(&ChangeSetStatus::Failed));
    let reason = second.status_reason().unwrap_or_default();
    assert!(
        reason.contains("'{TableName=orders}' already belongs to stack")
            && reason.contains(first.stack_id().unwrap()),
        "{reason}"
    );
}
