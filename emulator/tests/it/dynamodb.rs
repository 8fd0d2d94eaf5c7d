//! DynamoDB through the real aws-sdk-dynamodb client against the in-process emulator.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ReturnValue, ReturnValuesOnConditionCheckFailure,
    ScalarAttributeType, Select, Tag, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use emulator::request::RequestContext;
use serde_json::json;
use testkit::aws::{string_key_table, Refusal};

/// An item, or a key: attribute names and their values.
type Item = HashMap<String, Av>;

fn client(emulator: &emulator::Emulator) -> Client {
    Client::new(&testkit::aws::sdk_config(&emulator.endpoint()))
}

fn s(v: &str) -> Av {
    Av::S(v.to_string())
}

fn n(v: &str) -> Av {
    Av::N(v.to_string())
}

fn key_element(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .unwrap()
}

/// CreateTable of a PAY_PER_REQUEST table `name` keyed by `id` (S), to send as is or with more.
fn id_table(
    client: &Client,
    name: &str,
) -> aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key_element("id", KeyType::Hash))
        .attribute_definitions(attribute("id", ScalarAttributeType::S))
}

/// The description of the table `name`.
async fn describe(ddb: &Client, name: &str) -> aws_sdk_dynamodb::types::TableDescription {
    ddb.describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap()
}

/// The item of `table` under `key`, read with GetItem (eventually consistent).
async fn read_item(ddb: &Client, table: &str, key: &[(&str, Av)]) -> Option<Item> {
    let key = key
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    ddb.get_item()
        .table_name(table)
        .set_key(Some(key))
        .send()
        .await
        .unwrap()
        .item
}

/// Turns TTL on for `table`, on the attribute `name`.
async fn ttl_on(ddb: &Client, table: &str, name: &str) {
    ddb.update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(name)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// The sort keys (`sk`, numbers) of `items`, in their order.
fn sort_keys(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["sk"].as_n().unwrap().as_str())
        .collect()
}

/// The `id`s (strings) of `items`, sorted.
fn sorted_ids(items: &[Item]) -> Vec<&str> {
    let mut ids: Vec<&str> = items
        .iter()
        .map(|i| i["id"].as_s().unwrap().as_str())
        .collect();
    ids.sort();
    ids
}

/// A table keyed by `pk` (S) and `sk` (N), with a GSI on `status` (S) / `sk`.
async fn sorted_table(client: &Client, name: &str) {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key_element("pk", KeyType::Hash))
        .key_schema(key_element("sk", KeyType::Range))
        .attribute_definitions(attribute("pk", ScalarAttributeType::S))
        .attribute_definitions(attribute("sk", ScalarAttributeType::N))
        .attribute_definitions(attribute("status", ScalarAttributeType::S))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by-status")
                .key_schema(key_element("status", KeyType::Hash))
                .key_schema(key_element("sk", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn table_lifecycle_tags_and_ttl() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    let created = id_table(&ddb, "jobs")
        .tags(Tag::builder().key("team").value("core").build().unwrap())
        .send()
        .await
        .unwrap();
    let description = created.table_description().unwrap();
    assert_eq!(
        description.table_arn(),
        Some("arn:aws:dynamodb:us-east-1:123456789012:table/jobs")
    );
    string_key_table(&ddb, "other", "id").await;

    let table = describe(&ddb, "jobs").await;
    assert_eq!(table.table_status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(table.item_count(), Some(0));
    assert_eq!(table.key_schema()[0].attribute_name(), "id");
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some("PAY_PER_REQUEST")
    );

    id_table(&ddb, "jobs")
        .send()
        .await
        .assert_error_message("ResourceInUseException", "Table already exists: jobs");

    let first = ddb.list_tables().limit(1).send().await.unwrap();
    assert_eq!(first.table_names(), ["jobs"]);
    assert_eq!(first.last_evaluated_table_name(), Some("jobs"));
    let second = ddb
        .list_tables()
        .exclusive_start_table_name("jobs")
        .send()
        .await
        .unwrap();
    assert_eq!(second.table_names(), ["other"]);
    assert_eq!(second.last_evaluated_table_name(), None);

    let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/jobs";
    ddb.tag_resource()
        .resource_arn(arn)
        .tags(Tag::builder().key("env").value("test").build().unwrap())
        .send()
        .await
        .unwrap();
    ddb.untag_resource()
        .resource_arn(arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = ddb
        .list_tags_of_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("env", "test")]);

    ttl_on(&ddb, "jobs", "expires").await;
    let ttl = ddb
        .describe_time_to_live()
        .table_name("jobs")
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
    assert_eq!(ttl.attribute_name(), Some("expires"));

    let deleted = ddb.delete_table().table_name("jobs").send().await.unwrap();
    assert_eq!(
        deleted
            .table_description()
            .and_then(|t| t.table_status())
            .map(|s| s.as_str()),
        Some("DELETING")
    );
    ddb.describe_table()
        .table_name("jobs")
        .send()
        .await
        .assert_error_message(
            "ResourceNotFoundException",
            "Requested resource not found: Table: jobs not found",
        );
    emulator.shutdown().await;
}

#[tokio::test]
async fn put_get_delete_every_type() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    string_key_table(&ddb, "things", "id").await;
    let item = HashMap::from([
        ("id".to_string(), s("a")),
        ("price".to_string(), n("01.50")),
        ("flag".to_string(), Av::Bool(true)),
        ("nothing".to_string(), Av::Null(true)),
        ("blob".to_string(), Av::B(vec![0, 1, 2].into())),
        ("tags".to_string(), Av::Ss(vec!["x".into(), "y".into()])),
        ("scores".to_string(), Av::Ns(vec!["1".into(), "2.5".into()])),
        (
            "nested".to_string(),
            Av::M(HashMap::from([(
                "elems".to_string(),
                Av::L(vec![s("p"), n("2")]),
            )])),
        ),
    ]);
    ddb.put_item()
        .table_name("things")
        .set_item(Some(item))
        .send()
        .await
        .unwrap();

    let got = ddb
        .get_item()
        .table_name("things")
        .key("id", s("a"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let got = got.item().unwrap();
    assert_eq!(got["price"], n("1.5")); // numbers come back canonical
    assert_eq!(got["blob"], Av::B(vec![0, 1, 2].into()));
    assert_eq!(got["nothing"], Av::Null(true));
    assert_eq!(
        got["nested"].as_m().unwrap()["elems"].as_l().unwrap()[1],
        n("2")
    );

    let projected = ddb
        .get_item()
        .table_name("things")
        .key("id", s("a"))
        .projection_expression("#n.elems[0], price")
        .expression_attribute_names("#n", "nested")
        .send()
        .await
        .unwrap();
    let projected = projected.item().unwrap();
    assert_eq!(projected.len(), 2);
    assert_eq!(
        projected["nested"],
        Av::M(HashMap::from([("elems".to_string(), Av::L(vec![s("p")]))]))
    );

    let deleted = ddb
        .delete_item()
        .table_name("things")
        .key("id", s("a"))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.attributes().unwrap()["flag"], Av::Bool(true));
    assert!(read_item(&ddb, "things", &[("id", s("a"))]).await.is_none());
    emulator.shutdown().await;
}

#[tokio::test]
async fn conditional_put_fails_the_second_time() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    string_key_table(&ddb, "tokens", "id").await;
    let put = || {
        ddb.put_item()
            .table_name("tokens")
            .item("id", s("job-1"))
            .item("token", s("t1"))
            .condition_expression("attribute_not_exists(id)")
    };
    put().send().await.unwrap();
    let err = put()
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .unwrap_err();
    let service = err.into_service_error();
    let aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(ccf) =
        service
    else {
        panic!("expected ConditionalCheckFailedException, got {service:?}");
    };
    assert_eq!(ccf.message(), Some("The conditional request failed"));
    assert_eq!(ccf.item().unwrap()["token"], s("t1"));

    // Delete conditioned on the stored token.
    let delete_if = |token: &str| {
        ddb.delete_item()
            .table_name("tokens")
            .key("id", s("job-1"))
            .condition_expression("#t = :t")
            .expression_attribute_names("#t", "token")
            .expression_attribute_values(":t", s(token))
            .send()
    };
    delete_if("other")
        .await
        .assert_error_code("ConditionalCheckFailedException");
    delete_if("t1").await.unwrap();
    emulator.shutdown().await;
}

#[tokio::test]
async fn update_expressions_with_return_values() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    string_key_table(&ddb, "counters", "id").await;
    let created = ddb
        .update_item()
        .table_name("counters")
        .key("id", s("c"))
        .update_expression(
            "SET hits = if_not_exists(hits, :zero) + :one, notes = :empty ADD tags :tags",
        )
        .expression_attribute_values(":zero", n("0"))
        .expression_attribute_values(":one", n("1"))
        .expression_attribute_values(":empty", Av::L(vec![]))
        .expression_attribute_values(":tags", Av::Ss(vec!["a".into(), "b".into()]))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .unwrap();
    let all_new = created.attributes().unwrap();
    assert_eq!(all_new["id"], s("c"));
    assert_eq!(all_new["hits"], n("1"));

    let updated = ddb
        .update_item()
        .table_name("counters")
        .key("id", s("c"))
        .update_expression(
            "SET hits = hits + :big, notes = list_append(notes, :more), price = :p - :q REMOVE gone DELETE tags :a",
        )
        .expression_attribute_values(":big", n("99999999999999999999999999999999999998"))
        .expression_attribute_values(":more", Av::L(vec![s("x")]))
        .expression_attribute_values(":p", n("0.3"))
        .expression_attribute_values(":q", n("0.1"))
        .expression_attribute_values(":a", Av::Ss(vec!["a".into()]))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    let new = updated.attributes().unwrap();
    assert_eq!(new["hits"], n("99999999999999999999999999999999999999"));
    assert_eq!(new["price"], n("0.2"));
    assert_eq!(new["notes"], Av::L(vec![s("x")]));
    assert_eq!(new["tags"], Av::Ss(vec!["b".into()]));
    assert!(!new.contains_key("id"));

    let old = ddb
        .update_item()
        .table_name("counters")
        .key("id", s("c"))
        .update_expression("ADD hits :minus")
        .expression_attribute_values(":minus", n("-99999999999999999999999999999999999999"))
        .return_values(ReturnValue::UpdatedOld)
        .send()
        .await
        .unwrap();
    assert_eq!(old.attributes().unwrap().len(), 1);
    assert_eq!(
        old.attributes().unwrap()["hits"],
        n("99999999999999999999999999999999999999")
    );
    let counter = read_item(&ddb, "counters", &[("id", s("c"))]).await;
    assert_eq!(counter.unwrap()["hits"], n("0"));

    ddb.update_item()
        .table_name("counters")
        .key("id", s("c"))
        .update_expression("SET hits = :big + :big")
        .expression_attribute_values(":big", n("99999999999999999999999999999999999999"))
        .send()
        .await
        .assert_error_code("ValidationException");

    let key_update = ddb
        .update_item()
        .table_name("counters")
        .key("id", s("c"))
        .update_expression("SET id = :v")
        .expression_attribute_values(":v", s("d"))
        .send()
        .await;
    assert_eq!(
        key_update.error_code_message().1,
        "One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key"
    );
    emulator.shutdown().await;
}

async fn fill_sorted(ddb: &Client, table: &str) {
    for i in 1..=10 {
        ddb.put_item()
            .table_name(table)
            .item("pk", s("user"))
            .item("sk", n(&i.to_string()))
            .item("status", s(if i % 2 == 0 { "even" } else { "odd" }))
            .item("payload", s(&format!("p{i}")))
            .send()
            .await
            .unwrap();
    }
    ddb.put_item()
        .table_name(table)
        .item("pk", s("other"))
        .item("sk", n("5"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn query_with_sort_key_range_and_pagination() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    sorted_table(&ddb, "events").await;
    fill_sorted(&ddb, "events").await;

    let mut seen = Vec::new();
    let mut start = None;
    let mut pages = 0;
    loop {
        let page = ddb
            .query()
            .table_name("events")
            .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
            .expression_attribute_values(":pk", s("user"))
            .expression_attribute_values(":lo", n("2"))
            .expression_attribute_values(":hi", n("9"))
            .limit(3)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(sort_keys(page.items()).into_iter().map(String::from));
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["2", "3", "4", "5", "6", "7", "8", "9"]);
    assert_eq!(pages, 3);

    let backwards = ddb
        .query()
        .table_name("events")
        .key_condition_expression("pk = :pk AND sk > :lo")
        .filter_expression("#s = :odd")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":pk", s("user"))
        .expression_attribute_values(":lo", n("4"))
        .expression_attribute_values(":odd", s("odd"))
        .scan_index_forward(false)
        .send()
        .await
        .unwrap();
    assert_eq!(sort_keys(backwards.items()), ["9", "7", "5"]);
    assert_eq!(backwards.scanned_count(), 6);

    let count = ddb
        .query()
        .table_name("events")
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", s("user"))
        .select(Select::Count)
        .send()
        .await
        .unwrap();
    assert_eq!(count.count(), 10);
    assert!(count.items().is_empty());
    emulator.shutdown().await;
}

#[tokio::test]
async fn scan_with_filter_and_gsi_query() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    sorted_table(&ddb, "events").await;
    fill_sorted(&ddb, "events").await;

    let mut total = 0;
    let mut start = None;
    loop {
        let page = ddb
            .scan()
            .table_name("events")
            .filter_expression("begins_with(payload, :p) AND sk >= :five")
            .expression_attribute_values(":p", s("p"))
            .expression_attribute_values(":five", n("5"))
            .limit(4)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        total += page.count();
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    assert_eq!(total, 6); // user items 5..=10; "other" has no payload

    let gsi = ddb
        .query()
        .table_name("events")
        .index_name("by-status")
        .key_condition_expression("#s = :even AND sk < :seven")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":even", s("even"))
        .expression_attribute_values(":seven", n("7"))
        .send()
        .await
        .unwrap();
    let items = gsi.items();
    assert_eq!(sort_keys(items), ["2", "4", "6"]);
    // KEYS_ONLY: the table's and the index's keys, not the payload.
    let mut names: Vec<&String> = items[0].keys().collect();
    names.sort();
    assert_eq!(names, ["pk", "sk", "status"]);
    let table = describe(&ddb, "events").await;
    let index = &table.global_secondary_indexes()[0];
    assert_eq!(index.item_count(), Some(10));
    emulator.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_aws_errors() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    sorted_table(&ddb, "events").await;

    ddb.get_item()
        .table_name("nope")
        .key("id", s("a"))
        .send()
        .await
        .assert_error_message("ResourceNotFoundException", "Requested resource not found");

    ddb.put_item()
        .table_name("events")
        .item("pk", s("a"))
        .item("sk", s("x"))
        .send()
        .await
        .assert_error_message(
            "ValidationException",
            "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S",
        );
    let missing_key = ddb.put_item().table_name("events").item("pk", s("a"));
    assert_eq!(
        missing_key.send().await.error_code_message().1,
        "One or more parameter values were invalid: Missing the key sk in the item"
    );
    let bad_key = ddb.get_item().table_name("events").key("pk", s("a"));
    assert_eq!(
        bad_key.send().await.error_code_message().1,
        "The provided key element does not match the schema"
    );

    ddb.put_item()
        .table_name("events")
        .item("pk", s("a"))
        .item("sk", n("1"))
        .condition_expression("attribute_not_exists(pk")
        .send()
        .await
        .assert_error_message(
            "ValidationException",
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"pk\"",
        );
    let reserved = ddb
        .scan()
        .table_name("events")
        .filter_expression("status = :s")
        .expression_attribute_values(":s", s("x"));
    assert_eq!(
        reserved.send().await.error_code_message().1,
        "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    let unused = ddb
        .scan()
        .table_name("events")
        .filter_expression("payload = :a")
        .expression_attribute_values(":a", s("x"))
        .expression_attribute_values(":b", s("y"));
    assert_eq!(
        unused.send().await.error_code_message().1,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}"
    );
    let undefined = ddb
        .query()
        .table_name("events")
        .key_condition_expression("pk = :pk");
    assert_eq!(
        undefined.send().await.error_code_message().1,
        "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :pk"
    );
    let key_in_filter = ddb
        .query()
        .table_name("events")
        .key_condition_expression("pk = :pk")
        .filter_expression("sk > :n")
        .expression_attribute_values(":pk", s("a"))
        .expression_attribute_values(":n", n("1"));
    assert_eq!(
        key_in_filter.send().await.error_code_message().1,
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"
    );
    let too_big = ddb
        .put_item()
        .table_name("events")
        .item("pk", s("a"))
        .item("sk", n("1"))
        .item("blob", s(&"x".repeat(410 * 1024)));
    assert_eq!(
        too_big.send().await.error_code_message().1,
        "Item size has exceeded the maximum allowed size"
    );

    id_table(&ddb, "extra-def")
        .attribute_definitions(attribute("extra", ScalarAttributeType::N))
        .send()
        .await
        .assert_error_message(
            "ValidationException",
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        );
    ddb.create_table()
        .table_name("no-capacity")
        .key_schema(key_element("id", KeyType::Hash))
        .attribute_definitions(attribute("id", ScalarAttributeType::S))
        .send()
        .await
        .assert_error_code("ValidationException");

    // Wrong JSON types reach the same code path as HTTP requests.
    let cloud = emulator.cloud();
    let ctx = RequestContext::internal("dynamodb", "us-east-1");
    let input = json!({"TableName": 5}).as_object().unwrap().clone();
    let err = emulator::services::dynamodb::call(cloud, &ctx, "GetItem", input)
        .await
        .unwrap_err();
    assert_eq!(err.code, "SerializationException");
    let input = json!({"TableName": "events", "Item": {"pk": {"S": 1}, "sk": {"N": "1"}}})
        .as_object()
        .unwrap()
        .clone();
    let err = emulator::services::dynamodb::call(cloud, &ctx, "PutItem", input)
        .await
        .unwrap_err();
    assert_eq!(err.code, "SerializationException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn internal_callers_use_the_same_json() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    string_key_table(&ddb, "pauses", "id").await;
    let cloud = emulator.cloud();
    let ctx = RequestContext::internal("dynamodb", "us-east-1");
    let put = json!({
        "TableName": "pauses",
        "Item": {"id": {"S": "job"}, "token": {"S": "tok"}},
        "ConditionExpression": "attribute_not_exists(id)"
    });
    let input = put.as_object().unwrap().clone();
    let out = emulator::services::dynamodb::call(cloud, &ctx, "PutItem", input.clone())
        .await
        .unwrap();
    assert_eq!(out, json!({}));
    let err = emulator::services::dynamodb::call(cloud, &ctx, "PutItem", input)
        .await
        .unwrap_err();
    assert_eq!(err.code, "ConditionalCheckFailedException");
    let got = read_item(&ddb, "pauses", &[("id", s("job"))]).await;
    assert_eq!(got.unwrap()["token"], s("tok"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn batch_operations() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    string_key_table(&ddb, "batch", "id").await;
    use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
    let put = |id: &str| {
        WriteRequest::builder()
            .put_request(
                PutRequest::builder()
                    .item("id", s(id))
                    .item("v", n("1"))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    ddb.batch_write_item()
        .request_items("batch", vec![put("a"), put("b"), put("c")])
        .send()
        .await
        .unwrap();
    let delete = WriteRequest::builder()
        .delete_request(DeleteRequest::builder().key("id", s("b")).build().unwrap())
        .build();
    ddb.batch_write_item()
        .request_items("batch", vec![delete])
        .send()
        .await
        .unwrap();
    let keys = KeysAndAttributes::builder()
        .keys(HashMap::from([("id".to_string(), s("a"))]))
        .keys(HashMap::from([("id".to_string(), s("b"))]))
        .keys(HashMap::from([("id".to_string(), s("c"))]))
        .projection_expression("id")
        .build()
        .unwrap();
    let got = ddb
        .batch_get_item()
        .request_items("batch", keys)
        .send()
        .await
        .unwrap();
    assert_eq!(sorted_ids(&got.responses().unwrap()["batch"]), ["a", "c"]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn tables_and_items_survive_a_restart() {
    let state = testkit::aws::StateDir::new();
    {
        let emulator = state.start().await;
        let ddb = client(&emulator);
        sorted_table(&ddb, "events").await;
        fill_sorted(&ddb, "events").await;
        ddb.update_item()
            .table_name("events")
            .key("pk", s("user"))
            .key("sk", n("3"))
            .update_expression("SET payload = :p")
            .expression_attribute_values(":p", s("changed"))
            .send()
            .await
            .unwrap();
        ddb.delete_item()
            .table_name("events")
            .key("pk", s("user"))
            .key("sk", n("4"))
            .send()
            .await
            .unwrap();
        ttl_on(&ddb, "events", "exp").await;
        emulator.shutdown().await;
    }
    let emulator = state.start().await;
    let ddb = client(&emulator);
    let table = describe(&ddb, "events").await;
    assert_eq!(table.item_count(), Some(10));
    assert_eq!(
        table.global_secondary_indexes()[0].index_name(),
        Some("by-status")
    );
    let changed = read_item(&ddb, "events", &[("pk", s("user")), ("sk", n("3"))]).await;
    assert_eq!(changed.unwrap()["payload"], s("changed"));
    let gone = read_item(&ddb, "events", &[("pk", s("user")), ("sk", n("4"))]).await;
    assert!(gone.is_none());
    let ttl = ddb
        .describe_time_to_live()
        .table_name("events")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description().unwrap().attribute_name(),
        Some("exp")
    );
    let gsi = ddb
        .query()
        .table_name("events")
        .index_name("by-status")
        .key_condition_expression("#s = :odd")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":odd", s("odd"))
        .send()
        .await
        .unwrap();
    assert_eq!(gsi.count(), 5);
    emulator.shutdown().await;
}

#[tokio::test]
async fn expired_items_are_deleted_once_ttl_is_on() {
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    string_key_table(&ddb, "leases", "id").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (id, expires) in [
        ("past", now - 60),
        ("future", now + 3600),
        ("ancient", now - 6 * 365 * 24 * 3600),
    ] {
        ddb.put_item()
            .table_name("leases")
            .item("id", s(id))
            .item("expires", n(&expires.to_string()))
            .send()
            .await
            .unwrap();
    }
    ddb.put_item()
        .table_name("leases")
        .item("id", s("text"))
        .item("expires", s("0"))
        .send()
        .await
        .unwrap();
    ttl_on(&ddb, "leases", "expires").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let scan = ddb.scan().table_name("leases").send().await.unwrap();
    assert_eq!(sorted_ids(scan.items()), ["ancient", "future", "text"]);
    emulator.shutdown().await;
}

/// Writes cost the larger of the item before and after them, as AWS counts PutItem,
/// UpdateItem and DeleteItem: a 3 KB item replaced, shrunk or deleted costs 3 units.
#[tokio::test]
async fn writes_cost_the_larger_of_the_item_before_and_after() {
    use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
    let emulator = testkit::aws::emulator().await;
    let ddb = client(&emulator);
    string_key_table(&ddb, "sized", "id").await;
    let big = "x".repeat(3000);
    let units = |capacity: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>| {
        capacity.and_then(|c| c.capacity_units())
    };
    let put = |body: &str| {
        ddb.put_item()
            .table_name("sized")
            .item("id", s("a"))
            .item("body", s(body))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
    };
    assert_eq!(
        units(put(&big).await.unwrap().consumed_capacity()),
        Some(3.0)
    );
    // Replaced by a small item: still the larger of the two.
    assert_eq!(
        units(put("small").await.unwrap().consumed_capacity()),
        Some(3.0)
    );
    assert_eq!(
        units(put("small").await.unwrap().consumed_capacity()),
        Some(1.0)
    );
    put(&big).await.unwrap();
    let shrunk = ddb
        .update_item()
        .table_name("sized")
        .key("id", s("a"))
        .update_expression("REMOVE body")
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(units(shrunk.consumed_capacity()), Some(3.0));
    put(&big).await.unwrap();
    let deleted = ddb
        .delete_item()
        .table_name("sized")
        .key("id", s("a"))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(units(deleted.consumed_capacity()), Some(3.0));
    emulator.shutdown().await;
}

mod transactions {
    use super::*;
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    use aws_sdk_dynamodb::types::{
        ConditionCheck, Delete, Get, Put, TransactGetItem, TransactWriteItem, Update,
    };

    fn update(
        id: &str,
        expression: &str,
        condition: Option<&str>,
        amount: &str,
    ) -> TransactWriteItem {
        let update = Update::builder()
            .table_name("accounts")
            .key("id", s(id))
            .update_expression(expression)
            .set_condition_expression(condition.map(String::from))
            .expression_attribute_values(":x", n(amount))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .unwrap();
        TransactWriteItem::builder().update(update).build()
    }

    /// Moves `amount` from a to b, writes a receipt and checks that no freeze item exists.
    fn transfer(amount: &str, receipt: &str) -> Vec<TransactWriteItem> {
        let put = Put::builder()
            .table_name("accounts")
            .item("id", s(receipt))
            .item("amount", n(amount))
            .build()
            .unwrap();
        let check = ConditionCheck::builder()
            .table_name("accounts")
            .key("id", s("freeze"))
            .condition_expression("attribute_not_exists(id)")
            .build()
            .unwrap();
        vec![
            update(
                "a",
                "SET balance = balance - :x",
                Some("balance >= :x"),
                amount,
            ),
            update("b", "SET balance = balance + :x", None, amount),
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().condition_check(check).build(),
        ]
    }

    /// TransactWriteItems of `items`, to send as is or with a client token.
    fn write(
        ddb: &Client,
        items: Vec<TransactWriteItem>,
    ) -> aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsFluentBuilder
    {
        ddb.transact_write_items().set_transact_items(Some(items))
    }

    async fn balances(ddb: &Client) -> Vec<(String, Option<String>)> {
        let mut items: Vec<(String, Option<String>)> = ddb
            .scan()
            .table_name("accounts")
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .map(|i| {
                let balance = i.get("balance").or(i.get("amount"));
                (
                    i["id"].as_s().unwrap().clone(),
                    balance.map(|b| b.as_n().unwrap().clone()),
                )
            })
            .collect();
        items.sort();
        items
    }

    async fn accounts(ddb: &Client) {
        string_key_table(ddb, "accounts", "id").await;
        for (id, balance) in [("a", "10"), ("b", "0")] {
            ddb.put_item()
                .table_name("accounts")
                .item("id", s(id))
                .item("balance", n(balance))
                .send()
                .await
                .unwrap();
        }
    }

    /// An in-memory emulator holding the accounts table, and a client of it.
    async fn accounts_emulator() -> (emulator::Emulator, Client) {
        let emulator = testkit::aws::emulator().await;
        let ddb = client(&emulator);
        accounts(&ddb).await;
        (emulator, ddb)
    }

    fn owned(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        pairs
            .iter()
            .map(|(id, v)| (id.to_string(), v.map(String::from)))
            .collect()
    }

    #[tokio::test]
    async fn write_all_or_none_with_a_reason_per_action() {
        let (emulator, ddb) = accounts_emulator().await;
        write(&ddb, transfer("6", "r1")).send().await.unwrap();
        let after_first = owned(&[("a", Some("4")), ("b", Some("6")), ("r1", Some("6"))]);
        assert_eq!(balances(&ddb).await, after_first);

        // a holds 4: its condition fails, and neither b nor the receipt is written.
        let err = write(&ddb, transfer("6", "r2")).send().await.unwrap_err();
        let TransactWriteItemsError::TransactionCanceledException(cancelled) =
            err.into_service_error()
        else {
            panic!("not a TransactionCanceledException");
        };
        assert_eq!(
            cancelled.message(),
            Some("Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None, None]")
        );
        let reasons = cancelled.cancellation_reasons();
        assert_eq!(reasons.len(), 4);
        assert_eq!(reasons[0].code(), Some("ConditionalCheckFailed"));
        assert_eq!(reasons[0].message(), Some("The conditional request failed"));
        assert_eq!(reasons[0].item().unwrap()["balance"], n("4"));
        assert_eq!(reasons[1].code(), Some("None"));
        assert_eq!(reasons[1].message(), None);
        assert_eq!(balances(&ddb).await, after_first);

        // A freeze item fails the ConditionCheck.
        ddb.put_item()
            .table_name("accounts")
            .item("id", s("freeze"))
            .send()
            .await
            .unwrap();
        let (code, message) = write(&ddb, transfer("1", "r3"))
            .send()
            .await
            .error_code_message();
        assert_eq!(code, "TransactionCanceledException");
        assert!(
            message.ends_with("[None, None, None, ConditionalCheckFailed]"),
            "{message}"
        );

        // An update the item's types refuse is a ValidationError reason, also writing nothing.
        ddb.delete_item()
            .table_name("accounts")
            .key("id", s("freeze"))
            .send()
            .await
            .unwrap();
        let bad = Update::builder()
            .table_name("accounts")
            .key("id", s("a"))
            .update_expression("SET balance = :text + :x")
            .expression_attribute_values(":text", s("ten"))
            .expression_attribute_values(":x", n("1"))
            .build()
            .unwrap();
        let mut items = transfer("1", "r4");
        items[0] = TransactWriteItem::builder().update(bad).build();
        let (code, message) = write(&ddb, items).send().await.error_code_message();
        assert_eq!(code, "TransactionCanceledException");
        assert!(
            message.ends_with("[ValidationError, None, None, None]"),
            "{message}"
        );
        assert_eq!(balances(&ddb).await, after_first);

        // Delete, and a transaction of checks only.
        let delete = Delete::builder()
            .table_name("accounts")
            .key("id", s("r1"))
            .condition_expression("amount = :x")
            .expression_attribute_values(":x", n("6"))
            .build()
            .unwrap();
        ddb.transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(delete).build())
            .send()
            .await
            .unwrap();
        let checks = transfer("1", "r5").split_off(3);
        write(&ddb, checks).send().await.unwrap();
        assert_eq!(
            balances(&ddb).await,
            owned(&[("a", Some("4")), ("b", Some("6"))])
        );
        emulator.shutdown().await;
    }

    fn put_z(table: &str) -> Put {
        Put::builder()
            .table_name(table)
            .item("id", s("z"))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn bad_transactions_get_aws_errors_and_change_nothing() {
        let (emulator, ddb) = accounts_emulator().await;
        let before = balances(&ddb).await;
        let send = |items: Vec<TransactWriteItem>| write(&ddb, items).send();
        let twice = vec![
            update("a", "SET balance = balance - :x", None, "1"),
            update("a", "SET balance = balance + :x", None, "1"),
        ];
        let validation = |message: &str| ("ValidationException".to_string(), message.to_string());
        assert_eq!(
            send(twice).await.error_code_message(),
            validation("Transaction request cannot include multiple operations on one item")
        );
        let put = put_z("accounts");
        let both = TransactWriteItem::builder()
            .put(put.clone())
            .delete(
                Delete::builder()
                    .table_name("accounts")
                    .key("id", s("z"))
                    .build()
                    .unwrap(),
            )
            .build();
        assert_eq!(
            send(vec![both]).await.error_code_message(),
            validation("TransactItems can only contain one of Check, Put, Update or Delete")
        );
        let elsewhere = put_z("no-such-table");
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().put(elsewhere).build(),
        ];
        assert_eq!(
            send(items).await.error_code_message().0,
            "ResourceNotFoundException"
        );
        let (code, message) = send(Vec::new()).await.error_code_message();
        assert_eq!(code, "ValidationException");
        assert!(message.contains("at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"), "{message}");
        let many = (0..101)
            .map(|i| update(&format!("k{i}"), "SET balance = :x", None, "1"))
            .collect();
        let (_, message) = send(many).await.error_code_message();
        assert!(
            message.contains("Member must have length less than or equal to 100"),
            "{message}"
        );
        let key_update = update("a", "SET id = :x", None, "1");
        let (_, message) = send(vec![key_update]).await.error_code_message();
        assert!(
            message.contains("Cannot update attribute id. This attribute is part of the key"),
            "{message}"
        );
        assert_eq!(balances(&ddb).await, before);
        emulator.shutdown().await;
    }

    #[tokio::test]
    async fn a_repeated_client_token_writes_once_even_after_a_restart() {
        let state = testkit::aws::StateDir::new();
        let token = "transfer-0001";
        {
            let emulator = state.start().await;
            let ddb = client(&emulator);
            accounts(&ddb).await;
            for _ in 0..2 {
                write(&ddb, transfer("3", "r1"))
                    .client_request_token(token)
                    .send()
                    .await
                    .unwrap();
            }
            emulator.shutdown().await;
        }
        let once = owned(&[("a", Some("7")), ("b", Some("3")), ("r1", Some("3"))]);
        let emulator = state.start().await;
        let ddb = client(&emulator);
        assert_eq!(balances(&ddb).await, once);
        write(&ddb, transfer("3", "r1"))
            .client_request_token(token)
            .send()
            .await
            .unwrap();
        assert_eq!(balances(&ddb).await, once);
        write(&ddb, transfer("4", "r1"))
            .client_request_token(token)
            .send()
            .await
            .assert_error_code("IdempotentParameterMismatchException");
        // Without a token of the caller's, the SDK makes a new one each time: it writes again.
        write(&ddb, transfer("3", "r1")).send().await.unwrap();
        assert_eq!(
            balances(&ddb).await[0],
            ("a".to_string(), Some("4".to_string()))
        );
        emulator.shutdown().await;
    }

    #[tokio::test]
    async fn transact_get_reads_each_key_in_order() {
        let (emulator, ddb) = accounts_emulator().await;
        let get = |id: &str| {
            TransactGetItem::builder()
                .get(
                    Get::builder()
                        .table_name("accounts")
                        .key("id", s(id))
                        .projection_expression("#b")
                        .expression_attribute_names("#b", "balance")
                        .build()
                        .unwrap(),
                )
                .build()
        };
        let got = ddb
            .transact_get_items()
            .transact_items(get("b"))
            .transact_items(get("missing"))
            .transact_items(get("a"))
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
            .send()
            .await
            .unwrap();
        let responses = got.responses();
        assert_eq!(responses.len(), 3);
        assert_eq!(
            responses[0].item(),
            Some(&HashMap::from([("balance".to_string(), n("0"))]))
        );
        assert_eq!(responses[1].item(), None);
        assert_eq!(responses[2].item().unwrap()["balance"], n("10"));
        let capacity = got.consumed_capacity();
        assert_eq!(capacity.len(), 1);
        assert_eq!(capacity[0].table_name(), Some("accounts"));
        assert_eq!(capacity[0].capacity_units(), Some(6.0));
        ddb.transact_get_items()
            .transact_items(get("a"))
            .transact_items(get("a"))
            .send()
            .await
            .assert_error_message(
                "ValidationException",
                "Transaction request cannot include multiple operations on one item",
            );
        emulator.shutdown().await;
    }
}
