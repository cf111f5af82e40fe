//! The token refresher's configuration, read once at init; every problem
//! is reported in one message.

use shared::{
    config::{EnvReader, FunctionConfig, StackConfig},
    emf::DEFAULT_NAMESPACE,
};
use tiktok::TikTokConfig;

#[derive(Debug, Clone)]
pub struct RefresherConfig {
    pub stack: StackConfig,
    pub tiktok: TikTokConfig,
    /// `REFRESH_WINDOW_SECS`: refresh tokens expiring within this much of
    /// now (default 1800). Longer than the schedule's period, so every token
    /// gets at least one chance before it expires.
    pub window_seconds: i64,
    /// `REFRESH_LOOKBACK_SECS`: also pick up tokens that expired up to this
    /// long ago while the refresher was not running (default 86400); their
    /// refresh tokens still work.
    pub lookback_seconds: i64,
    /// `REFRESH_CONCURRENCY`: accounts refreshed at once (default 8).
    pub concurrency: usize,
    /// `METRICS_NAMESPACE`: the CloudWatch namespace of the EMF metrics.
    pub metrics_namespace: String,
}

impl FunctionConfig for RefresherConfig {
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        Self {
            stack: StackConfig::read(env),
            tiktok: TikTokConfig::read(env),
            window_seconds: env.number("REFRESH_WINDOW_SECS", 1_800, 300, 86_400) as i64,
            lookback_seconds: env.number("REFRESH_LOOKBACK_SECS", 86_400, 0, 604_800) as i64,
            concurrency: env.number("REFRESH_CONCURRENCY", 8, 1, 32) as usize,
            metrics_namespace: env.optional("METRICS_NAMESPACE", DEFAULT_NAMESPACE),
        }
    }
}
