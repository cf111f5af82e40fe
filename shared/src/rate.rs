//! Per-tenant rate limits, shared by every instance: a counter per tenant,
//! scope and UTC minute in the table, taken by one conditional write. API
//! Gateway's throttles bound a route for everyone; these keep one tenant
//! from using a route's share, TikTok's quota or the table's capacity up
//! for the others.

use time::OffsetDateTime;

use crate::dynamo::count_within;
use crate::error::StoreError;
use crate::http_surface::{ApiError, ErrorCode};
use crate::schema;
use crate::tenant::TenantId;

/// What a limit counts; the scope is part of the counter's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Uncached hashtag analyses: each spends TikTok calls and quota.
    Hashtag,
    /// The api's writes, and its creator-info reads (a TikTok call each).
    Api,
    /// Account connects and disconnects (a TikTok token exchange or revoke each).
    OAuth,
}

impl Scope {
    fn key(self) -> &'static str {
        match self {
            Scope::Hashtag => "HASHTAG",
            Scope::Api => "API",
            Scope::OAuth => "OAUTH",
        }
    }
}

/// At most `per_minute` actions of one scope per tenant and UTC minute.
#[derive(Debug, Clone)]
pub struct TenantLimiter {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    scope: Scope,
    per_minute: u64,
}

impl TenantLimiter {
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        table: impl Into<String>,
        scope: Scope,
        per_minute: u64,
    ) -> Self {
        Self { dynamodb, table: table.into(), scope, per_minute }
    }

    /// Takes one slot of the current minute; `Err(seconds until the next
    /// minute)` when none is left. The counter lives two minutes (TTL).
    pub async fn take(&self, tenant: &TenantId) -> Result<Result<(), u64>, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let minute = now.div_euclid(60);
        let key = schema::keys::tenant_rate(tenant.as_str(), self.scope.key(), minute);
        let counted =
            count_within(&self.dynamodb, &self.table, key, "count", self.per_minute, (minute + 2) * 60)
                .await?;
        Ok(if counted { Ok(()) } else { Err(60u64.saturating_sub(now.rem_euclid(60).unsigned_abs())) })
    }

    /// [`take`](Self::take) as the HTTP surface answers it: a refused slot is
    /// a 429 with `Retry-After`, a store failure the usual 503.
    pub async fn admit(&self, tenant: &TenantId, what: &str) -> Result<(), ApiError> {
        match self.take(tenant).await? {
            Ok(()) => Ok(()),
            Err(retry_after) => Err(too_many(what, retry_after)),
        }
    }
}

/// The 429 of a per-tenant limit, with the seconds to wait (at least one).
pub fn too_many(what: &str, retry_after: u64) -> ApiError {
    ApiError::new(
        ErrorCode::TooManyRequests,
        format!("too many {what} for this tenant; retry after the indicated delay"),
    )
    .with_header(lambda_http::http::header::RETRY_AFTER, retry_after.max(1).into())
}
