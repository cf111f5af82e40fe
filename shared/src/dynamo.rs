//! Small DynamoDB helpers the stores share: string attributes, reading one
//! item into a domain type, recognising a failed condition.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;

use crate::{error::StoreError, schema};

/// A string attribute.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// Whether a write failed its condition (someone else changed the item).
pub fn condition_failed<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// Maps a stored item to its domain type.
pub fn from_item<T: DeserializeOwned>(item: HashMap<String, AttributeValue>) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// One item by key, read consistently, as `T`.
pub async fn get_item<T: DeserializeOwned>(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    (pk, sk): (String, String),
) -> Result<Option<T>, StoreError> {
    let out = client
        .get_item()
        .table_name(table)
        .key(schema::PK, s(pk))
        .key(schema::SK, s(sk))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
    out.item.map(from_item).transpose()
}
