//! Counters in the table: the Research API's daily quota (shared by every
//! Lambda instance, so it is respected app-wide, not per instance) and the
//! per-tenant limit on uncached analyses.
//!
//! Items (TTL on `expires_at`):
//! - `HASHTAGQUOTA#{app}#{YYYY-MM-DD}` / `QUOTA`: `requests`, `records` used that UTC day;
//! - `TENANT#{t}#RATE#HASHTAG#{unix minute}` / `RATE`: `count` of analyses started
//!   (the limiter is `shared::rate::TenantLimiter`).
//!
//! A request slot is reserved with a conditional `ADD` before each query, so
//! concurrent analyses cannot overrun the quota together.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use foundation::time_format::iso_date;
use shared::dynamo::{applied, n, read_item, update};
use shared::error::StoreError;
use shared::schema;

/// The Research API's daily limits (TikTok: 1,000 requests, 100,000 records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    pub requests: u64,
    pub records: u64,
}

/// The quota as reported with an analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuotaReport {
    /// The UTC day the quota counts.
    pub day: String,
    pub requests_used: u64,
    pub requests_limit: u64,
    pub records_used: u64,
    pub records_limit: u64,
    pub exhausted: bool,
    /// `YYYY-MM-DDT00:00:00Z`: when the next day's quota starts.
    pub resets_at: String,
}

fn number(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> u64 {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// The Research API quota ledger.
#[derive(Debug, Clone)]
pub struct QuotaLedger {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    limits: QuotaLimits,
}

impl QuotaLedger {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>, limits: QuotaLimits) -> Self {
        Self { dynamodb, table: table.into(), limits }
    }

    fn key(app: &str, now: OffsetDateTime) -> (String, String) {
        let app = hex::encode(Sha256::digest(app.as_bytes()).get(..8).unwrap_or_default());
        schema::keys::hashtag_quota(&app, &iso_date(now.date()))
    }

    fn expiry(now: OffsetDateTime) -> i64 {
        (now.date().midnight().assume_utc() + Duration::days(2)).unix_timestamp()
    }

    /// Reserves one request of today's quota for `app` (the research client
    /// key); `false` when the requests or records are used up.
    pub async fn reserve_request(&self, app: &str) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc();
        let result = update(&self.dynamodb, &self.table, Self::key(app, now))
            .update_expression("ADD #req :one SET #exp = if_not_exists(#exp, :exp)")
            .condition_expression(
                "(attribute_not_exists(#req) OR #req < :req_limit) AND \
                 (attribute_not_exists(#rec) OR #rec < :rec_limit)",
            )
            .expression_attribute_names("#req", "requests")
            .expression_attribute_names("#rec", "records")
            .expression_attribute_names("#exp", schema::TTL_ATTRIBUTE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":req_limit", n(self.limits.requests))
            .expression_attribute_values(":rec_limit", n(self.limits.records))
            .expression_attribute_values(":exp", n(Self::expiry(now)))
            .return_values(ReturnValue::None)
            .send()
            .await;
        applied(result)
    }

    /// Counts the records a page returned.
    pub async fn add_records(&self, app: &str, records: u64) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc();
        update(&self.dynamodb, &self.table, Self::key(app, now))
            .update_expression("ADD #rec :n SET #exp = if_not_exists(#exp, :exp)")
            .expression_attribute_names("#rec", "records")
            .expression_attribute_names("#exp", schema::TTL_ATTRIBUTE)
            .expression_attribute_values(":n", n(records))
            .expression_attribute_values(":exp", n(Self::expiry(now)))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        Ok(())
    }

    /// Marks today's requests spent (TikTok said so), so no instance sends more.
    pub async fn exhaust(&self, app: &str) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc();
        update(&self.dynamodb, &self.table, Self::key(app, now))
            .update_expression("SET #req = :limit, #exp = if_not_exists(#exp, :exp)")
            .expression_attribute_names("#req", "requests")
            .expression_attribute_names("#exp", schema::TTL_ATTRIBUTE)
            .expression_attribute_values(":limit", n(self.limits.requests))
            .expression_attribute_values(":exp", n(Self::expiry(now)))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        Ok(())
    }

    /// Today's use for `app`.
    pub async fn report(&self, app: &str) -> Result<QuotaReport, StoreError> {
        let now = OffsetDateTime::now_utc();
        let item = read_item(&self.dynamodb, &self.table, Self::key(app, now)).await?.unwrap_or_default();
        let (requests_used, records_used) = (number(&item, "requests"), number(&item, "records"));
        let tomorrow = now.date().next_day().unwrap_or(now.date());
        Ok(QuotaReport {
            day: iso_date(now.date()),
            requests_used,
            requests_limit: self.limits.requests,
            records_used,
            records_limit: self.limits.records,
            exhausted: requests_used >= self.limits.requests || records_used >= self.limits.records,
            resets_at: format!("{}T00:00:00Z", iso_date(tomorrow)),
        })
    }
}
