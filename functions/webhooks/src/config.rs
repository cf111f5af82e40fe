//! The webhooks function's configuration, read once at init; every problem
//! is reported in one message.

use std::time::Duration;

use shared::{
    config::{EnvReader, FunctionConfig, StackConfig},
    emf::DEFAULT_NAMESPACE,
};
use tiktok::TikTokConfig;

#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    pub stack: StackConfig,
    /// Read for the token keeper the account path shares; webhooks never call TikTok.
    pub tiktok: TikTokConfig,
    /// `WEBHOOK_TOLERANCE_SECS` (300, 30..=3600): how far a signature's `t`
    /// may lie from our clock, either way.
    pub tolerance: Duration,
    /// `PUBLISH_MAX_ATTEMPTS` (3, 1..=10): publish attempts of a post before a
    /// retryable failure fails it instead; the publisher's limit, the same number.
    pub max_attempts: u32,
    /// `METRICS_NAMESPACE`: the CloudWatch namespace of the EMF metrics.
    pub metrics_namespace: String,
}

impl FunctionConfig for WebhooksConfig {
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        Self {
            stack: StackConfig::read(env),
            tiktok: TikTokConfig::read(env),
            tolerance: Duration::from_secs(env.number("WEBHOOK_TOLERANCE_SECS", 300, 30, 3_600)),
            max_attempts: env.number("PUBLISH_MAX_ATTEMPTS", 3, 1, 10) as u32,
            metrics_namespace: env.optional("METRICS_NAMESPACE", DEFAULT_NAMESPACE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::{env_of, ConfigError};

    fn read(vars: &[(&str, &str)]) -> Result<WebhooksConfig, ConfigError> {
        let mut all = testkit::STACK_VARS.to_vec();
        all.extend_from_slice(vars);
        WebhooksConfig::read(env_of(&all))
    }

    #[test]
    fn defaults_follow_the_contract() {
        let cfg = read(&[]).expect("valid");
        assert_eq!(cfg.tolerance, Duration::from_secs(300));
        assert_eq!(cfg.max_attempts, 3);
        assert_eq!(cfg.metrics_namespace, DEFAULT_NAMESPACE);
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let err =
            read(&[("WEBHOOK_TOLERANCE_SECS", "0"), ("PUBLISH_MAX_ATTEMPTS", "many")]).expect_err("invalid");
        let names = err.variables();
        assert_eq!(names, ["WEBHOOK_TOLERANCE_SECS", "PUBLISH_MAX_ATTEMPTS"]);
    }
}
