//! One analysis from request to answer: the cache first (a hit calls no
//! provider), then the tenant's rate limit, the provider within the time
//! budget, the metrics, the optional summary with what is left of the
//! budget, and the cache write for complete results only.

use std::sync::Arc;
use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::analysis::{Analysis, Summary};
use crate::cache::{AnalysisCache, CacheKey};
use crate::metrics::{compute, MetricsInput};
use crate::narrative::Narrator;
use crate::provider::{FetchError, VideoProvider};
use crate::request::{AnalysisRequest, Source};
use crate::resilience::Budget;
use shared::error::StoreError;
use shared::rate::TenantLimiter;

/// How the answer relates to the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the cache; no provider was called.
    Hit { max_age: u64 },
    /// Computed and stored for `max_age` seconds.
    Miss { max_age: u64 },
    /// Partial: computed, not stored, not to be cached by anyone.
    NotStored,
}

#[derive(Debug)]
pub struct Outcome {
    pub analysis: Analysis,
    pub cache: CacheStatus,
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("too many analyses; retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
}

impl From<StoreError> for AnalysisError {
    fn from(e: StoreError) -> Self {
        AnalysisError::Fetch(FetchError::Store(e))
    }
}

pub struct Analyst {
    pub own: Arc<dyn VideoProvider>,
    pub research: Arc<dyn VideoProvider>,
    pub cache: AnalysisCache,
    pub limiter: TenantLimiter,
    pub narrator: Option<Narrator>,
    pub time_budget: Duration,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl Analyst {
    pub async fn analyse(&self, request: AnalysisRequest) -> Result<Outcome, AnalysisError> {
        let budget = Budget::new(self.time_budget);
        let key = self.cache.key(&request);
        match self.cache.get(&key).await {
            Ok(Some(hit)) => return Ok(self.serve_hit(&key, hit.analysis, hit.expires_at, &budget).await),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cache read failed; computing"),
        }
        match self.limiter.take(&request.tenant).await {
            Ok(Ok(())) => {}
            Ok(Err(retry_after)) => return Err(AnalysisError::RateLimited { retry_after }),
            // Failing open: the quota ledger still guards TikTok's quota.
            Err(e) => tracing::warn!(error = %e, "rate limit unavailable"),
        }
        let source = match request.source {
            Source::Own => &self.own,
            Source::Research => &self.research,
        };
        let fetched = source.fetch(&request, &budget).await?;
        let computed_at = now();
        let metrics = compute(&MetricsInput {
            videos: &fetched.videos,
            tag: &request.tag,
            window: request.window,
            baseline: &fetched.baseline,
            now: computed_at.unix_timestamp(),
        });
        let mut analysis = Analysis {
            tag: request.tag,
            source: request.source,
            window: request.window,
            region: request.region,
            account_id: request.account,
            computed_at: computed_at.format(&Rfc3339).unwrap_or_default(),
            computed_at_unix: computed_at.unix_timestamp(),
            partial: !fetched.partial.is_empty(),
            partial_reasons: fetched.partial,
            reauth_accounts: fetched.reauth_accounts,
            quota: fetched.quota,
            fetch: fetched.stats,
            metrics,
            summary: Summary::Disabled,
        };
        if let Some(narrator) = &self.narrator {
            analysis.summary = narrator.summarise(&analysis, budget.remaining()).await;
        }
        tracing::info!(
            source = %analysis.source,
            videos = analysis.metrics.sample.videos,
            partial = analysis.partial,
            calls = analysis.fetch.calls,
            "analysis computed"
        );
        if analysis.partial {
            return Ok(Outcome { analysis, cache: CacheStatus::NotStored });
        }
        let cache = match self.cache.put(&key, &analysis).await {
            Ok(_) => CacheStatus::Miss { max_age: self.cache.ttl().as_secs() },
            Err(e) => {
                tracing::warn!(error = %e, "cache write failed");
                CacheStatus::NotStored
            }
        };
        Ok(Outcome { analysis, cache })
    }

    /// A cached analysis; a summary that was unavailable is asked for again
    /// (within the budget) and stored under the same expiry if it comes.
    async fn serve_hit(
        &self,
        key: &CacheKey,
        mut analysis: Analysis,
        expires_at: i64,
        budget: &Budget,
    ) -> Outcome {
        let max_age = (expires_at - now().unix_timestamp()).max(0) as u64;
        if let (Some(narrator), Summary::Unavailable { .. }) = (&self.narrator, &analysis.summary) {
            let summary = narrator.summarise(&analysis, budget.remaining()).await;
            if matches!(summary, Summary::Ok { .. }) {
                analysis.summary = summary;
                if let Err(e) = self.cache.put_until(key, &analysis, expires_at).await {
                    tracing::warn!(error = %e, "cache update failed");
                }
            }
        }
        Outcome { analysis, cache: CacheStatus::Hit { max_age } }
    }
}
