//! Cached analyses in the table, keyed by (source, tag, window, region, and
//! the tenant and account for `own`), with a TTL.
//!
//! Item: `HASHTAG#{version}#{source}#{scope}#{region}#{start}#{end}#{tag}` / `ANALYSIS`,
//! attributes `body` (the analysis JSON) and `expires_at` (TTL, epoch
//! seconds; also checked on read, since TTL deletion is eventual). Research
//! results are the same for every tenant and are shared; `own` results carry
//! the tenant in the key, so another tenant's read is a miss. Every part of
//! the key is a parsed value that cannot contain `#`. `version` is the
//! cache version setting: bumping it (say, when a metric's definition
//! changes) makes every older entry a miss.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use crate::analysis::Analysis;
use crate::request::{AnalysisRequest, Source};
use foundation::time_format::iso_date;
use shared::dynamo::s;
use shared::error::StoreError;
use shared::schema;

/// Largest body stored (an item holds at most 400 KB).
const MAX_BODY_BYTES: usize = 350 * 1024;

/// The cache key of a request: the item's `pk` and `sk`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    pk: String,
    sk: String,
}

impl CacheKey {
    pub fn of(version: &CacheVersion, request: &AnalysisRequest) -> Self {
        let scope = match request.source {
            Source::Research => "ALL".to_owned(),
            Source::Own => {
                format!("T={}:A={}", request.tenant, request.account.as_ref().map_or("ALL", |a| a.as_str()))
            }
        };
        let region = request.region.as_ref().map_or("ALL", |r| r.as_str());
        let (pk, sk) = schema::keys::hashtag_analysis(
            &version.0,
            request.source.as_str(),
            &scope,
            region,
            &iso_date(request.window.start()),
            &iso_date(request.window.end()),
            request.tag.as_str(),
        );
        Self { pk, sk }
    }

    /// The item's `pk`.
    pub fn as_str(&self) -> &str {
        &self.pk
    }
}

/// The cache version: 1–40 of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheVersion(String);

impl CacheVersion {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = (1..=40).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned()))
    }
}

impl Default for CacheVersion {
    fn default() -> Self {
        Self("1".to_owned())
    }
}

/// A cached analysis and when it expires (epoch seconds).
#[derive(Debug, Clone)]
pub struct Cached {
    pub analysis: Analysis,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct AnalysisCache {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    ttl: Duration,
    version: CacheVersion,
}

impl AnalysisCache {
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        table: impl Into<String>,
        ttl: Duration,
        version: CacheVersion,
    ) -> Self {
        Self { dynamodb, table: table.into(), ttl, version }
    }

    /// The key of `request` in this cache.
    pub fn key(&self, request: &AnalysisRequest) -> CacheKey {
        CacheKey::of(&self.version, request)
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The unexpired analysis under `key`. An unreadable body is a miss.
    pub async fn get(&self, key: &CacheKey) -> Result<Option<Cached>, StoreError> {
        let item = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(schema::PK, s(&key.pk))
            .key(schema::SK, s(&key.sk))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?
            .item;
        let Some(item) = item else { return Ok(None) };
        let expires_at = item
            .get(schema::TTL_ATTRIBUTE)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        if expires_at <= OffsetDateTime::now_utc().unix_timestamp() {
            return Ok(None);
        }
        let body = item.get("body").and_then(|v| v.as_s().ok());
        match body.map(|b| serde_json::from_str::<Analysis>(b)) {
            Some(Ok(analysis)) => Ok(Some(Cached { analysis, expires_at })),
            _ => {
                tracing::warn!("cached analysis is unreadable; treated as a miss");
                Ok(None)
            }
        }
    }

    /// Stores `analysis` for the TTL; returns its expiry.
    pub async fn put(&self, key: &CacheKey, analysis: &Analysis) -> Result<i64, StoreError> {
        let expires_at = OffsetDateTime::now_utc().unix_timestamp() + self.ttl.as_secs() as i64;
        self.put_until(key, analysis, expires_at).await?;
        Ok(expires_at)
    }

    /// Stores `analysis` until `expires_at` (epoch seconds).
    pub async fn put_until(
        &self,
        key: &CacheKey,
        analysis: &Analysis,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string(analysis).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if body.len() > MAX_BODY_BYTES {
            tracing::warn!(bytes = body.len(), "analysis too large to cache");
            return Ok(());
        }
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .item(schema::PK, s(&key.pk))
            .item(schema::SK, s(&key.sk))
            .item("body", s(body))
            .item(schema::TTL_ATTRIBUTE, AttributeValue::N(expires_at.to_string()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{AccountId, Region};
    use crate::tag::Hashtag;
    use crate::window::Window;
    use shared::tenant::TenantId;

    fn request(source: Source) -> AnalysisRequest {
        AnalysisRequest {
            tenant: TenantId::parse("t1").expect("tenant"),
            tag: Hashtag::parse("#Food").expect("tag"),
            source,
            window: Window::ending(time::macros::date!(2025 - 03 - 30), 7).expect("window"),
            region: None,
            account: None,
        }
    }

    #[test]
    fn research_keys_are_shared_and_own_keys_carry_tenant_and_account() {
        let v1 = CacheVersion::parse("1").expect("version");
        let research = CacheKey::of(&v1, &request(Source::Research));
        assert_eq!(research.as_str(), "HASHTAG#1#research#ALL#ALL#2025-03-24#2025-03-30#food");
        let mut other_tenant = request(Source::Research);
        other_tenant.tenant = TenantId::parse("t2").expect("tenant");
        assert_eq!(CacheKey::of(&v1, &other_tenant), research);

        let mut own = request(Source::Own);
        own.account = AccountId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").ok();
        own.region = Region::parse("us");
        assert_eq!(
            CacheKey::of(&v1, &own).as_str(),
            "HASHTAG#1#own#T=t1:A=01ARZ3NDEKTSV4RRFFQ69G5FAV#US#2025-03-24#2025-03-30#food"
        );
        assert!(CacheVersion::parse("a#b").is_none());
    }
}
