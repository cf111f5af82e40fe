//! The de-duplication marks: `WEBHOOK#{sha256 of the body}`, kept past
//! TikTok's 72 h of retries. A mark is written only after its delivery was
//! applied, so a failed application leaves no mark and TikTok's retry is
//! applied; two copies racing both apply, which the conditional status moves
//! make harmless.

use aws_sdk_dynamodb::types::AttributeValue;
use foundation::time_format::rfc3339;
use sha2::{Digest, Sha256};
use shared::dynamo::{applied, s};
use shared::error::StoreError;
use shared::schema;
use time::OffsetDateTime;

/// Marks outlive TikTok's retries (72 h) by a day.
pub const MARK_SECONDS: i64 = 4 * 24 * 3600;

/// The hex SHA-256 of a raw body: the delivery's identity.
pub fn delivery_hash(raw_body: &[u8]) -> String {
    hex::encode(Sha256::digest(raw_body))
}

#[derive(Clone, Debug)]
pub struct DeliveryLog {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

impl DeliveryLog {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { dynamodb, table: table.into() }
    }

    /// Whether a delivery with this hash was already applied (and its mark
    /// has not expired: DynamoDB deletes expired items only eventually).
    pub async fn applied(&self, hash: &str) -> Result<bool, StoreError> {
        let (pk, sk) = schema::keys::webhook_delivery(hash);
        let out = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .projection_expression("#ttl")
            .expression_attribute_names("#ttl", schema::TTL_ATTRIBUTE)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let expires = out
            .item
            .as_ref()
            .and_then(|i| i.get(schema::TTL_ATTRIBUTE))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok());
        Ok(expires.is_some_and(|at| at > now))
    }

    /// Marks a delivery applied; `false` when a racing copy marked it first.
    pub async fn mark_applied(&self, hash: &str, event: &str) -> Result<bool, StoreError> {
        let (pk, sk) = schema::keys::webhook_delivery(hash);
        let now = OffsetDateTime::now_utc();
        let expires = now.unix_timestamp() + MARK_SECONDS;
        let result = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item(schema::PK, s(pk))
            .item(schema::SK, s(sk))
            .item("event", s(event))
            .item("applied_at", s(rfc3339(now)))
            .item(schema::TTL_ATTRIBUTE, AttributeValue::N(expires.to_string()))
            // An expired mark that DynamoDB has not deleted yet is replaced.
            .condition_expression("attribute_not_exists(#pk) OR #ttl <= :now")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#ttl", schema::TTL_ATTRIBUTE)
            .expression_attribute_values(":now", AttributeValue::N(now.unix_timestamp().to_string()))
            .send()
            .await;
        applied(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_bodys_hex_sha256() {
        // printf '{}' | sha256sum
        assert_eq!(delivery_hash(b"{}"), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }
}
