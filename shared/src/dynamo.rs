//! Small DynamoDB helpers the stores share: string and number attributes,
//! reading one item into a domain type, an update addressed by key, the
//! outcome of a conditional write, and the one bounded counter every limit
//! (hashtag requests per minute, posts per day) counts with.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;

use crate::{error::StoreError, schema};

/// A string attribute.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// An `UpdateItem` on the item at `(pk, sk)`; the caller adds the
/// expressions.
pub fn update(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    (pk, sk): (String, String),
) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
    client.update_item().table_name(table).key(schema::PK, s(pk)).key(schema::SK, s(sk))
}

/// A `DeleteItem` of the item at `(pk, sk)`; the caller adds the condition.
pub fn delete(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    (pk, sk): (String, String),
) -> aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder {
    client.delete_item().table_name(table).key(schema::PK, s(pk)).key(schema::SK, s(sk))
}

/// A `Query` on the global secondary index `index`; the caller adds the key
/// condition and its names and values.
pub fn index_query(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    index: &str,
) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
    client.query().table_name(table).index_name(index)
}

/// What a conditional write came to: `true` when it was applied, `false`
/// when its condition did not hold (another writer got there first, or the
/// item is not in the state the write expects); any other failure is a
/// store error.
pub fn applied<O, E, R>(result: Result<O, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if condition_failed(&e) => Ok(false),
        Err(e) => Err(StoreError::from_sdk("dynamodb", e)),
    }
}

/// A `PutItem` of a new item at `(pk, sk)`, refused (its condition fails)
/// when an item is there already; the caller adds the other attributes.
pub fn insert(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    (pk, sk): (String, String),
) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
    client
        .put_item()
        .table_name(table)
        .item(schema::PK, s(pk))
        .item(schema::SK, s(sk))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", schema::PK)
}

/// A conditional write whose failed condition the caller names (`"post
/// exists"`, `"refresh lease lost"`): that is `ConditionFailed(lost)`, any
/// other failure a store error.
pub fn or_conflict<O, E, R>(result: Result<O, SdkError<E, R>>, lost: &'static str) -> Result<O, StoreError>
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(out) => Ok(out),
        Err(e) if condition_failed(&e) => Err(StoreError::ConditionFailed(lost)),
        Err(e) => Err(StoreError::from_sdk("dynamodb", e)),
    }
}

/// Adds one to the number `attribute` of the item at `key` unless it has
/// reached `limit`, in one conditional `UpdateItem`, so every concurrent
/// instance shares the count. The item expires at `expires` (unix seconds,
/// set by the first count). `false`: the limit was reached, nothing counted.
pub async fn count_within(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: (String, String),
    attribute: &str,
    limit: u64,
    expires: i64,
) -> Result<bool, StoreError> {
    let result = update(client, table, key)
        .update_expression("ADD #count :one SET #exp = if_not_exists(#exp, :exp)")
        .condition_expression("attribute_not_exists(#count) OR #count < :limit")
        .expression_attribute_names("#count", attribute)
        .expression_attribute_names("#exp", schema::TTL_ATTRIBUTE)
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":limit", n(limit))
        .expression_attribute_values(":exp", n(expires))
        .send()
        .await;
    applied(result)
}

/// Whether a write failed its condition (someone else changed the item).
pub fn condition_failed<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// Maps a stored item to its domain type.
pub fn from_item<T: DeserializeOwned>(item: HashMap<String, AttributeValue>) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Maps a domain value to the item that stores it.
pub fn to_item<T: serde::Serialize>(value: &T) -> Result<HashMap<String, AttributeValue>, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The item at `(pk, sk)` as stored, read consistently.
pub async fn read_item(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    (pk, sk): (String, String),
) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
    let out = client
        .get_item()
        .table_name(table)
        .key(schema::PK, s(pk))
        .key(schema::SK, s(sk))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
    Ok(out.item)
}

/// Every item `query` matches, page after page, as `T`.
pub async fn query_all<T: DeserializeOwned>(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
) -> Result<Vec<T>, StoreError> {
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let out = query
            .clone()
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        for item in out.items.unwrap_or_default() {
            found.push(from_item(item)?);
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(found);
        }
    }
}

/// One item by key, read consistently, as `T`.
pub async fn get_item<T: DeserializeOwned>(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: (String, String),
) -> Result<Option<T>, StoreError> {
    read_item(client, table, key).await?.map(from_item).transpose()
}
