//! Query and Scan.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{choice, constraint, consumed, refuse_legacy, rule, table_name, Expressions};
use crate::cloud::Cloud;
use crate::error::AwsError;
use crate::protocol::json::Input;
use crate::request::RequestContext;
use crate::services::dynamodb::expressions::Kind;
use crate::services::dynamodb::model::capacity_units;
use crate::services::dynamodb::read::{
    condition_attributes, index_projection, key_condition, Read,
};
use crate::services::dynamodb::value::{item_from_value, item_size, item_to_json};

/// Query.
pub fn query(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
) -> Result<Value, AwsError> {
    read(cloud, ctx, input, true)
}

/// Scan.
pub fn scan(cloud: &Arc<Cloud>, ctx: &RequestContext, input: Input<'_>) -> Result<Value, AwsError> {
    read(cloud, ctx, input, false)
}

fn segment(input: Input<'_>) -> Result<Option<(usize, usize)>, AwsError> {
    match (input.opt_i64("Segment")?, input.opt_i64("TotalSegments")?) {
        (None, None) => Ok(None),
        (Some(segment), Some(total)) => {
            if !(1..=1_000_000).contains(&total) {
                return Err(constraint("totalSegments", &total.to_string(), &rule::max_value(1000000)));
            }
            if !(0..total).contains(&segment) {
                return Err(AwsError::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
                )));
            }
            Ok(Some((segment as usize, total as usize)))
        }
        (Some(_), None) => Err(AwsError::validation(
            "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
        )),
        (None, Some(_)) => Err(AwsError::validation(
            "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
        )),
    }
}

fn read(
    cloud: &Arc<Cloud>,
    ctx: &RequestContext,
    input: Input<'_>,
    is_query: bool,
) -> Result<Value, AwsError> {
    let name = table_name(input, "TableName")?;
    refuse_legacy(
        input,
        &[
            "KeyConditions",
            "QueryFilter",
            "ScanFilter",
            "ConditionalOperator",
        ],
    )?;
    let limit = match input.opt_i64("Limit")? {
        Some(l) if l < 1 => return Err(constraint("limit", &l.to_string(), &rule::min_value(1))),
        other => other.map(|l| l as usize),
    };
    let select = match input.opt_str("Select")? {
        None => None,
        Some(_) => Some(choice(
            input,
            "Select",
            &[
                "ALL_ATTRIBUTES",
                "ALL_PROJECTED_ATTRIBUTES",
                "SPECIFIC_ATTRIBUTES",
                "COUNT",
            ],
            "ALL_ATTRIBUTES",
        )?),
    };
    let forward = input.opt_bool("ScanIndexForward")?.unwrap_or(true);
    let consistent = input.opt_bool("ConsistentRead")?.unwrap_or(false);
    let segment = if is_query { None } else { segment(input)? };
    let exclusive_start = input
        .get("ExclusiveStartKey")
        .map(|v| item_from_value("ExclusiveStartKey", v))
        .transpose()?;
    let members: &[&str] = if is_query {
        &[
            "KeyConditionExpression",
            "FilterExpression",
            "ProjectionExpression",
        ]
    } else {
        &["FilterExpression", "ProjectionExpression"]
    };
    let mut expressions = Expressions::new(input, members)?;
    let key_expression = if is_query {
        let parsed = expressions.condition(input, Kind::KeyCondition)?;
        Some(parsed.ok_or_else(|| {
            AwsError::validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
            )
        })?)
    } else {
        None
    };
    let filter = expressions.condition(input, Kind::Filter)?;
    let projection = expressions.projection(input)?;
    expressions.finish()?;
    if projection.is_some() && select.is_some_and(|s| s != "SPECIFIC_ATTRIBUTES") {
        return Err(AwsError::validation(format!(
            "Cannot specify the ProjectionExpression when choosing to get {}",
            select.unwrap_or_default()
        )));
    }

    let state = cloud.dynamodb.store.reader();
    let table = state.table(&ctx.region, name)?;
    let index = input
        .opt_str("IndexName")?
        .map(|index| table.def.index(index))
        .transpose()?;
    if let Some(index) = index {
        if index.global && consistent {
            return Err(AwsError::validation(
                "Consistent reads are not supported on global secondary indexes",
            ));
        }
        if index.global
            && select == Some("ALL_ATTRIBUTES")
            && index.projection != crate::services::dynamodb::model::Projection::All
        {
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                index.name
            )));
        }
    } else if select == Some("ALL_PROJECTED_ATTRIBUTES") {
        return Err(AwsError::validation(
            "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is supported only for Query and Scan on indexes",
        ));
    }
    let schema = index.map_or(&table.def.key, |i| &i.key);
    let key_condition = key_expression
        .as_ref()
        .map(|c| key_condition(c, schema))
        .transpose()?;
    if let (true, Some(filter)) = (is_query, &filter) {
        if let Some(key) = condition_attributes(filter)
            .into_iter()
            .find(|a| schema.elements().any(|e| e.name == *a))
        {
            return Err(AwsError::validation(format!(
                "Filter Expression can only contain non-primary key attributes: Primary key attribute: {key}"
            )));
        }
    }
    let page = Read {
        table,
        index,
        key_condition,
        forward,
        exclusive_start,
        limit,
        filter: filter.as_ref(),
        segment,
    }
    .run()?;

    let mut out = Map::new();
    let bytes: usize = page.items.iter().map(|i| item_size(i)).sum();
    if select != Some("COUNT") {
        let items = page
            .items
            .iter()
            .map(|item| {
                let visible = match index {
                    Some(index) if select != Some("ALL_ATTRIBUTES") => {
                        index_projection(table, index, item)
                    }
                    _ => (*item).clone(),
                };
                let shown = match &projection {
                    Some(p) => p.project(&visible),
                    None => visible,
                };
                item_to_json(&shown)
            })
            .collect();
        out.insert("Items".into(), Value::Array(items));
    }
    out.insert("Count".into(), page.items.len().into());
    out.insert("ScannedCount".into(), page.scanned.into());
    if let Some(last) = page.last_key {
        out.insert("LastEvaluatedKey".into(), item_to_json(&last));
    }
    if let Some(capacity) = consumed(input, name, capacity_units(bytes, false, consistent))? {
        out.insert("ConsumedCapacity".into(), capacity);
    }
    Ok(Value::Object(out))
}
