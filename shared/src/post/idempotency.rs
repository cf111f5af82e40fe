//! `Idempotency-Key`: a post and its idempotency record are written in one
//! transaction, so a client retry finds the first post instead of creating a
//! second, and the same key with another body is told apart by its hash.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use time::OffsetDateTime;

use super::{store::PostStore, Post};
use crate::{dynamo::s, error::StoreError, schema};

/// Idempotency records live a day.
pub const RECORD_SECONDS: i64 = 24 * 3600;

/// A client's `Idempotency-Key`: 1–128 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = (1..=128).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(raw.to_owned()))
    }
}

/// What creating a post with a key came to.
#[derive(Debug)]
pub enum Created {
    /// A new post.
    New,
    /// The key was used before with the same body: this is the first post's id.
    Replayed(String),
    /// The key was used before with a different body.
    Conflict,
}

impl PostStore {
    /// Creates `post`, recording `key` with the request's hash in the same
    /// transaction.
    pub async fn create_idempotent(
        &self,
        post: &Post,
        key: &IdempotencyKey,
        request_hash: &str,
    ) -> Result<Created, StoreError> {
        let (record_pk, record_sk) = schema::keys::idempotency(&post.tenant, &key.0);
        let expires = OffsetDateTime::now_utc().unix_timestamp() + RECORD_SECONDS;
        let post_put = Put::builder()
            .table_name(self.table())
            .set_item(Some(self.post_item(post)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .build()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let record_put = Put::builder()
            .table_name(self.table())
            .item(schema::PK, s(&record_pk))
            .item(schema::SK, s(&record_sk))
            .item("post_id", s(&post.id))
            .item("request_hash", s(request_hash))
            .item(schema::TTL_ATTRIBUTE, AttributeValue::N(expires.to_string()))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .build()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let result = self
            .client()
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(record_put).build())
            .transact_items(TransactWriteItem::builder().put(post_put).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Created::New),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_transaction_canceled_exception()) => {
                let record = crate::dynamo::read_item(self.client(), self.table(), (record_pk, record_sk))
                    .await?
                    .ok_or(StoreError::ConditionFailed("post id collision"))?;
                let field =
                    |name: &str| record.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let live = record
                    .get(schema::TTL_ATTRIBUTE)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .is_some_and(|at| at > OffsetDateTime::now_utc().unix_timestamp());
                if !live {
                    return Err(StoreError::ConditionFailed(
                        "idempotency record expired but not yet deleted",
                    ));
                }
                if field("request_hash") == request_hash {
                    Ok(Created::Replayed(field("post_id")))
                } else {
                    Ok(Created::Conflict)
                }
            }
            Err(e) => Err(StoreError::from_sdk("dynamodb", e)),
        }
    }
}

/// The hash of a request body over its bytes as received: a retry sends the
/// same bytes; a body that differs in any byte is another request.
pub fn request_hash(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(body))
}
