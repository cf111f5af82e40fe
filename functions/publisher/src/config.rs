//! The publisher's configuration, read once at init; one error names every
//! bad variable.

use std::time::Duration;

use shared::config::{EnvReader, FunctionConfig, StackConfig};
use shared::emf::DEFAULT_NAMESPACE;
use tiktok::TikTokConfig;
use url::Url;

/// TikTok's per-token and per-creator limits, shared by every concurrent
/// publisher through counters in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `LIMIT_INIT_PER_MINUTE` (6): video/photo/inbox inits per token.
    pub init_per_minute: u64,
    /// `LIMIT_CREATOR_INFO_PER_MINUTE` (20).
    pub creator_info_per_minute: u64,
    /// `LIMIT_STATUS_PER_MINUTE` (30).
    pub status_per_minute: u64,
    /// `LIMIT_POSTS_PER_DAY` (15): TikTok's creator cap, shared across apps,
    /// with no endpoint telling what is left — so we keep our own count.
    pub posts_per_day: u64,
}

#[derive(Debug, Clone)]
pub struct PublisherConfig {
    pub stack: StackConfig,
    pub tiktok: TikTokConfig,
    pub limits: Limits,
    /// `PUBLISH_LEASE_SECS` (960): how long a claim holds a post. Longer
    /// than the function's timeout, so a lease outlives the invocation that
    /// took it; the dispatcher recovers posts whose lease expired.
    pub lease: Duration,
    /// `PUBLISH_MAX_ATTEMPTS` (3): inits of one post before it fails.
    pub max_attempts: u32,
    /// `MEDIA_URL_TTL_SECS` (3600, 3600..=604800): life of the presigned GETs
    /// TikTok pulls photos from (TikTok wants about an hour).
    pub media_url_ttl: Duration,
    /// `MEDIA_PUBLIC_BASE_URL` (unset): a verified domain or CDN in front of
    /// the bucket; photo URLs become `{base}/{key}` instead of presigned S3.
    pub media_base_url: Option<Url>,
    /// `PUBLISH_CONCURRENCY` (4): messages of one batch handled at once.
    pub concurrency: usize,
    /// `STATUS_GIVE_UP_SECS` (259200 = 72 h): how long TikTok may take to
    /// process a publish (moderation can take hours) before it is failed.
    pub status_give_up: Duration,
    /// `METRICS_NAMESPACE`.
    pub metrics_namespace: String,
}

impl FunctionConfig for PublisherConfig {
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        Self {
            stack: StackConfig::read(env),
            tiktok: TikTokConfig::read(env),
            limits: Limits {
                init_per_minute: env.number("LIMIT_INIT_PER_MINUTE", 6, 1, 1_000),
                creator_info_per_minute: env.number("LIMIT_CREATOR_INFO_PER_MINUTE", 20, 1, 1_000),
                status_per_minute: env.number("LIMIT_STATUS_PER_MINUTE", 30, 1, 1_000),
                posts_per_day: env.number("LIMIT_POSTS_PER_DAY", 15, 1, 1_000),
            },
            lease: Duration::from_secs(env.number("PUBLISH_LEASE_SECS", 960, 30, 3_600)),
            max_attempts: env.number("PUBLISH_MAX_ATTEMPTS", 3, 1, 10) as u32,
            media_url_ttl: Duration::from_secs(env.number("MEDIA_URL_TTL_SECS", 3_600, 3_600, 604_800)),
            media_base_url: env.optional_url("MEDIA_PUBLIC_BASE_URL"),
            concurrency: env.number("PUBLISH_CONCURRENCY", 4, 1, 10) as usize,
            status_give_up: Duration::from_secs(env.number("STATUS_GIVE_UP_SECS", 259_200, 60, 604_800)),
            metrics_namespace: env.optional("METRICS_NAMESPACE", DEFAULT_NAMESPACE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::{env_of, ConfigError};

    fn read(vars: &[(&str, &str)]) -> Result<PublisherConfig, ConfigError> {
        PublisherConfig::read(env_of(vars))
    }

    use testkit::STACK_VARS as STACK;

    #[test]
    fn defaults_are_tiktoks_limits() {
        let config = read(STACK).expect("valid");
        assert_eq!(
            config.limits,
            Limits {
                init_per_minute: 6,
                creator_info_per_minute: 20,
                status_per_minute: 30,
                posts_per_day: 15
            }
        );
        assert_eq!(config.media_url_ttl, Duration::from_secs(3_600));
    }

    #[test]
    fn every_bad_variable_is_named_at_once() {
        let mut vars = STACK.to_vec();
        vars.extend([
            ("LIMIT_POSTS_PER_DAY", "0"),
            ("MEDIA_URL_TTL_SECS", "60"),
            ("MEDIA_PUBLIC_BASE_URL", "ftp://x"),
        ]);
        let err = read(&vars).expect_err("invalid");
        let names = err.variables();
        assert_eq!(names, ["LIMIT_POSTS_PER_DAY", "MEDIA_URL_TTL_SECS", "MEDIA_PUBLIC_BASE_URL"]);
    }
}
