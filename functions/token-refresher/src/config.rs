//! The token refresher's configuration, read once at init; every problem
//! is reported in one message.

use std::time::Duration;

use shared::{
    config::{ConfigError, EnvReader, StackConfig},
    metrics::DEFAULT_NAMESPACE,
    tiktok::TikTokConfig,
};

#[derive(Debug, Clone)]
pub struct RefresherConfig {
    pub stack: StackConfig,
    pub tiktok: TikTokConfig,
    /// `REFRESH_WINDOW_SECONDS`: refresh tokens expiring within this much of
    /// now (default 1800). Longer than the schedule's period, so every token
    /// gets at least one chance before it expires.
    pub window_seconds: i64,
    /// `REFRESH_LOOKBACK_SECONDS`: also pick up tokens that expired up to this
    /// long ago while the refresher was not running (default 86400); their
    /// refresh tokens still work.
    pub lookback_seconds: i64,
    /// `REFRESH_CONCURRENCY`: accounts refreshed at once (default 8).
    pub concurrency: usize,
    /// `APP_SECRET_TTL_SECS`: how long the app secret is cached.
    pub secret_ttl: Duration,
    /// `METRICS_NAMESPACE`: the CloudWatch namespace of the EMF metrics.
    pub metrics_namespace: String,
}

impl RefresherConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::read(EnvReader::from_process())
    }

    pub fn read<F: Fn(&str) -> Option<String>>(mut env: EnvReader<F>) -> Result<Self, ConfigError> {
        let config = Self {
            stack: StackConfig::read(&mut env),
            tiktok: TikTokConfig::read(&mut env),
            window_seconds: env.number("REFRESH_WINDOW_SECONDS", 1_800, 300, 86_400) as i64,
            lookback_seconds: env.number("REFRESH_LOOKBACK_SECONDS", 86_400, 0, 604_800) as i64,
            concurrency: env.number("REFRESH_CONCURRENCY", 8, 1, 32) as usize,
            secret_ttl: Duration::from_secs(env.number("APP_SECRET_TTL_SECS", 300, 0, 3_600)),
            metrics_namespace: env.optional("METRICS_NAMESPACE", DEFAULT_NAMESPACE),
        };
        env.finish(config)
    }
}
