//! The analysis settings, read once at init through [`EnvReader`] so every
//! problem is reported at once.

use std::time::Duration;

use crate::cache::CacheVersion;
use crate::narrative::NarrativeSettings;
use crate::quota::QuotaLimits;
use crate::resilience::{BreakerSettings, RetryPolicy};
use shared::config::EnvReader;

/// API Gateway ends a request at 29 s: the budget must leave room for the
/// metrics, the cache write and the answer.
pub const MAX_TIME_BUDGET_MS: u64 = 25_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisSettings {
    /// `HASHTAG_TIME_BUDGET_MS` (default 20000, 200..=25000): fetching and
    /// summarising stop then, and the answer is partial.
    pub time_budget: Duration,
    /// `HASHTAG_CACHE_TTL_SECS` (default 3600, 60..=86400).
    pub cache_ttl: Duration,
    /// `HASHTAG_CACHE_VERSION` (default `1`): part of every cache key.
    pub cache_version: CacheVersion,
    /// `HASHTAG_RETRY_ATTEMPTS` (3, 1..=6), `HASHTAG_RETRY_BASE_MS` (200,
    /// 10..=5000), `HASHTAG_RETRY_CAP_MS` (2000, 10..=10000).
    pub retry: RetryPolicy,
    /// `HASHTAG_BREAKER_THRESHOLD` (5, 1..=100), `HASHTAG_BREAKER_COOLDOWN_SECS` (30, 1..=900).
    pub breaker: BreakerSettings,
    /// `RESEARCH_DAILY_REQUESTS` (1000), `RESEARCH_DAILY_RECORDS` (100000).
    pub research_quota: QuotaLimits,
    /// `RESEARCH_BASELINE_PAGES` (3, 0..=10): pages sampled for lift.
    pub baseline_pages: u32,
    /// `HASHTAG_MAX_VIDEOS` (20000, 100..=100000): most videos one analysis reads.
    pub max_videos: usize,
    /// `HASHTAG_ANALYSES_PER_MINUTE` (10, 1..=1000): uncached analyses per tenant and minute.
    pub analyses_per_minute: u64,
    /// `NARRATIVE_URL` (unset: no summary), `NARRATIVE_MODEL` (`gpt-4o-mini`),
    /// `NARRATIVE_TIMEOUT_MS` (4000, 100..=10000).
    pub narrative: Option<NarrativeSettings>,
}

impl AnalysisSettings {
    pub fn read<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        let ms = Duration::from_millis;
        let secs = Duration::from_secs;
        let retry = RetryPolicy {
            attempts: env.number("HASHTAG_RETRY_ATTEMPTS", 3, 1, 6) as u32,
            base: ms(env.number("HASHTAG_RETRY_BASE_MS", 200, 10, 5_000)),
            cap: ms(env.number("HASHTAG_RETRY_CAP_MS", 2_000, 10, 10_000)),
        };
        if retry.cap < retry.base {
            env.invalid("HASHTAG_RETRY_CAP_MS", "must not be below HASHTAG_RETRY_BASE_MS");
        }
        let narrative = env.optional_url("NARRATIVE_URL").map(|url| NarrativeSettings {
            url,
            model: env.optional("NARRATIVE_MODEL", "gpt-4o-mini"),
            timeout: ms(env.number("NARRATIVE_TIMEOUT_MS", 4_000, 100, 10_000)),
        });
        let cache_version =
            CacheVersion::parse(&env.optional("HASHTAG_CACHE_VERSION", "1")).unwrap_or_else(|| {
                env.invalid("HASHTAG_CACHE_VERSION", "must be 1-40 of [A-Za-z0-9_-]");
                CacheVersion::default()
            });
        Self {
            cache_version,
            time_budget: ms(env.number("HASHTAG_TIME_BUDGET_MS", 20_000, 200, MAX_TIME_BUDGET_MS)),
            cache_ttl: secs(env.number("HASHTAG_CACHE_TTL_SECS", 3_600, 60, 86_400)),
            retry,
            breaker: BreakerSettings {
                threshold: env.number("HASHTAG_BREAKER_THRESHOLD", 5, 1, 100) as u32,
                cooldown: secs(env.number("HASHTAG_BREAKER_COOLDOWN_SECS", 30, 1, 900)),
            },
            research_quota: QuotaLimits {
                requests: env.number("RESEARCH_DAILY_REQUESTS", 1_000, 1, 1_000_000),
                records: env.number("RESEARCH_DAILY_RECORDS", 100_000, 1, 100_000_000),
            },
            baseline_pages: env.number("RESEARCH_BASELINE_PAGES", 3, 0, 10) as u32,
            max_videos: env.number("HASHTAG_MAX_VIDEOS", 20_000, 100, 100_000) as usize,
            analyses_per_minute: env.number("HASHTAG_ANALYSES_PER_MINUTE", 10, 1, 1_000),
            narrative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<AnalysisSettings, shared::config::ConfigError> {
        let mut env = shared::config::env_of(vars);
        let value = AnalysisSettings::read(&mut env);
        env.finish(value)
    }

    #[test]
    fn defaults_stay_under_api_gateway_limit() {
        let s = read(&[]).expect("defaults");
        assert_eq!(s.time_budget, Duration::from_secs(20));
        assert!(s.narrative.is_none());
        assert_eq!(s.research_quota, QuotaLimits { requests: 1_000, records: 100_000 });
    }

    #[test]
    fn budgets_beyond_api_gateway_and_bad_urls_are_refused_together() {
        let err = read(&[
            ("HASHTAG_TIME_BUDGET_MS", "29000"),
            ("NARRATIVE_URL", "ftp://x"),
            ("HASHTAG_RETRY_BASE_MS", "500"),
            ("HASHTAG_RETRY_CAP_MS", "100"),
        ])
        .expect_err("invalid");
        let names = err.variables();
        assert_eq!(names, ["HASHTAG_RETRY_CAP_MS", "NARRATIVE_URL", "HASHTAG_TIME_BUDGET_MS"]);
    }
}
