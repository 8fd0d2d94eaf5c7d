//! DynamoDB's wire format: reading each operation's JSON input and writing its output. The
//! behaviour lives in the model, the expression modules and [`super::read`].

mod items;
mod queries;
pub(super) mod tables;
mod transactions;

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::expressions::ast::Condition;
use super::expressions::paths::PathSet;
use super::expressions::{parser, Kind, Placeholders};
use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json::{missing, Input};
use crate::protocol::validation::{constraint, rule};
use crate::request::RequestContext;

/// Runs one operation.
pub fn call(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    operation: &str,
    input: &Map<String, Value>,
) -> Result<Value, AwsError> {
    let input = Input(input);
    match operation {
        "CreateTable" => tables::create(cloud, ctx, input),
        "DescribeTable" => tables::describe(cloud, ctx, input),
        "DeleteTable" => tables::delete(cloud, ctx, input),
        "UpdateTable" => tables::update(cloud, ctx, input),
        "ListTables" => tables::list(cloud, ctx, input),
        "UpdateTimeToLive" => tables::update_ttl(cloud, ctx, input),
        "DescribeTimeToLive" => tables::describe_ttl(cloud, ctx, input),
        "TagResource" => tables::tag(cloud, ctx, input),
        "UntagResource" => tables::untag(cloud, ctx, input),
        "ListTagsOfResource" => tables::list_tags(cloud, ctx, input),
        "PutItem" => items::put(cloud, ctx, input),
        "GetItem" => items::get(cloud, ctx, input),
        "DeleteItem" => items::delete(cloud, ctx, input),
        "UpdateItem" => items::update(cloud, ctx, input),
        "BatchGetItem" => items::batch_get(cloud, ctx, input),
        "BatchWriteItem" => items::batch_write(cloud, ctx, input),
        "TransactWriteItems" => transactions::transact_write(cloud, ctx, input),
        "TransactGetItems" => transactions::transact_get(cloud, ctx, input),
        "Query" => queries::query(cloud, ctx, input),
        "Scan" => queries::scan(cloud, ctx, input),
        _ => Err(AwsError::unknown_operation(operation)),
    }
}

/// A table name member (`TableName`), checked against DynamoDB's length and character rules.
fn table_name<'a>(input: Input<'a>, member: &str) -> Result<&'a str, AwsError> {
    let name = input.str(member)?;
    let field = crate::protocol::json::lower_first(member);
    check_table_name(name, &field)?;
    Ok(name)
}

fn check_table_name(name: &str, field: &str) -> Result<(), AwsError> {
    if name.len() < 3 {
        return Err(constraint(field, name, &rule::min_length(3)));
    }
    if name.len() > 255 {
        return Err(constraint(field, name, &rule::max_length(255)));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(constraint(field, name, &rule::pattern("[a-zA-Z0-9_.-]+")));
    }
    Ok(())
}

/// A required object member.
fn object<'a>(input: Input<'a>, member: &str) -> Result<&'a Map<String, Value>, AwsError> {
    input.opt_object(member)?.ok_or_else(|| missing(member))
}

/// Refuses the legacy (pre-expression) parameters this emulator does not implement.
fn refuse_legacy(input: Input<'_>, members: &[&str]) -> Result<(), AwsError> {
    match members.iter().find(|m| input.get(m).is_some()) {
        Some(member) => Err(AwsError::validation(format!(
            "The legacy parameter {member} is not supported by this emulator; use the expression parameters (ConditionExpression, UpdateExpression, KeyConditionExpression, FilterExpression, ProjectionExpression)"
        ))),
        None => Ok(()),
    }
}

/// An enum member with its default, checked against the allowed values.
fn choice<'a>(
    input: Input<'a>,
    member: &str,
    allowed: &[&'a str],
    default: &'a str,
) -> Result<&'a str, AwsError> {
    match input.opt_str(member)? {
        None => Ok(default),
        Some(v) if allowed.contains(&v) => Ok(v),
        Some(v) => Err(constraint(
            &crate::protocol::json::lower_first(member),
            v,
            &rule::one_of(allowed),
        )),
    }
}

/// The expressions of one request, parsed against its placeholders.
struct Expressions {
    placeholders: Placeholders,
}

impl Expressions {
    /// Reads the placeholders; `members` are the expression members the operation takes.
    fn new(input: Input<'_>, members: &[&str]) -> Result<Expressions, AwsError> {
        let has_expression = members.iter().any(|m| input.get(m).is_some());
        let placeholders = Placeholders::from_request(
            input.opt_object("ExpressionAttributeNames")?,
            input.opt_object("ExpressionAttributeValues")?,
            has_expression,
        )?;
        Ok(Expressions { placeholders })
    }

    fn condition(&mut self, input: Input<'_>, kind: Kind) -> Result<Option<Condition>, AwsError> {
        input
            .opt_str(kind.member())?
            .map(|text| parser::parse_condition(text, kind, &mut self.placeholders))
            .transpose()
    }

    /// `ProjectionExpression`, or the legacy `AttributesToGet` list of names.
    fn projection(&mut self, input: Input<'_>) -> Result<Option<PathSet>, AwsError> {
        if let Some(text) = input.opt_str("ProjectionExpression")? {
            if input.get("AttributesToGet").is_some() {
                return Err(AwsError::validation(
                    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
                ));
            }
            return parser::parse_projection(text, &mut self.placeholders).map(Some);
        }
        let Some(names) = input.opt_array("AttributesToGet")? else {
            return Ok(None);
        };
        let mut set = PathSet::default();
        for name in names {
            let name = name.as_str().ok_or_else(|| {
                crate::protocol::json::wrong_type("AttributesToGet", "a list of strings", name)
            })?;
            let path =
                super::expressions::ast::Path(vec![super::expressions::ast::PathElem::Name(
                    name.to_string(),
                )]);
            set.insert(&path).map_err(|_| {
                AwsError::validation(format!(
                    "One or more parameter values were invalid: Duplicate value in attribute name: {name}"
                ))
            })?;
        }
        Ok(Some(set))
    }

    fn update(
        &mut self,
        input: Input<'_>,
    ) -> Result<Option<Vec<super::expressions::ast::UpdateAction>>, AwsError> {
        input
            .opt_str("UpdateExpression")?
            .map(|text| parser::parse_update(text, &mut self.placeholders))
            .transpose()
    }

    /// Every placeholder given must have been used.
    fn finish(self) -> Result<(), AwsError> {
        self.placeholders.check_all_used()
    }
}

/// `ReturnValuesOnConditionCheckFailure` is `ALL_OLD`.
fn old_on_failure(input: Input<'_>) -> Result<bool, AwsError> {
    Ok(choice(
        input,
        "ReturnValuesOnConditionCheckFailure",
        &["ALL_OLD", "NONE"],
        "NONE",
    )? == "ALL_OLD")
}

/// `ConsumedCapacity` when `ReturnConsumedCapacity` asks for it.
fn consumed(input: Input<'_>, table: &str, units: f64) -> Result<Option<Value>, AwsError> {
    let mode = choice(
        input,
        "ReturnConsumedCapacity",
        &["INDEXES", "TOTAL", "NONE"],
        "NONE",
    )?;
    Ok((mode != "NONE").then(|| {
        let mut value = json!({ "TableName": table, "CapacityUnits": units });
        if mode == "INDEXES" {
            value["Table"] = json!({ "CapacityUnits": units });
        }
        value
    }))
}
