//! The dispatcher's configuration, read once at init; every problem is
//! reported in one message.

use shared::{
    config::{EnvReader, FunctionConfig, StackConfig},
    emf::DEFAULT_NAMESPACE,
};

#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    pub stack: StackConfig,
    /// `DISPATCH_LOOKBACK_MINUTES` (15, 1..=120): also query this many past
    /// minutes of the due index, so missed or slow ticks lose nothing.
    pub lookback_minutes: i64,
    /// `DISPATCH_MAX_POSTS` (10000, 1..=100000): posts acted on per tick; the
    /// rest stay in the index for the next tick, oldest first.
    pub max_posts: usize,
    /// `DISPATCH_QUERY_CONCURRENCY` (16, 1..=64): index queries in flight.
    pub query_concurrency: usize,
    /// `DISPATCH_CLAIM_CONCURRENCY` (32, 1..=128): conditional writes in flight.
    pub claim_concurrency: usize,
    /// `DISPATCH_CLAIMS_PER_SECOND` (4000, 1..=40000): pace of the writes, so
    /// a tick stays inside the shards' write budget (docs/pipeline-scale.md).
    pub claims_per_second: u32,
    /// `DISPATCH_SEND_CONCURRENCY` (16, 1..=64): `SendMessageBatch` calls in flight.
    pub send_concurrency: usize,
    /// `METRICS_NAMESPACE`: the CloudWatch namespace of the EMF metrics.
    pub metrics_namespace: String,
}

impl FunctionConfig for DispatcherConfig {
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        Self {
            stack: StackConfig::read(env),
            lookback_minutes: env.number("DISPATCH_LOOKBACK_MINUTES", 15, 1, 120) as i64,
            max_posts: env.number("DISPATCH_MAX_POSTS", 10_000, 1, 100_000) as usize,
            query_concurrency: env.number("DISPATCH_QUERY_CONCURRENCY", 16, 1, 64) as usize,
            claim_concurrency: env.number("DISPATCH_CLAIM_CONCURRENCY", 32, 1, 128) as usize,
            claims_per_second: env.number("DISPATCH_CLAIMS_PER_SECOND", 4_000, 1, 40_000) as u32,
            send_concurrency: env.number("DISPATCH_SEND_CONCURRENCY", 16, 1, 64) as usize,
            metrics_namespace: env.optional("METRICS_NAMESPACE", DEFAULT_NAMESPACE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::{env_of, ConfigError};

    fn read(vars: &[(&str, &str)]) -> Result<DispatcherConfig, ConfigError> {
        DispatcherConfig::read(env_of(vars))
    }

    use testkit::STACK_VARS as STACK;

    #[test]
    fn defaults_follow_the_pipeline_contract() {
        let config = read(STACK).expect("valid");
        assert_eq!(config.lookback_minutes, 15);
        assert_eq!(config.max_posts, 10_000);
        assert_eq!(config.metrics_namespace, DEFAULT_NAMESPACE);
    }

    #[test]
    fn one_error_names_every_bad_variable() {
        let err =
            read(&[("DISPATCH_LOOKBACK_MINUTES", "0"), ("DISPATCH_MAX_POSTS", "many")]).expect_err("invalid");
        let stack = STACK.iter().map(|(name, _)| *name);
        let expected: Vec<_> = stack.chain(["DISPATCH_LOOKBACK_MINUTES", "DISPATCH_MAX_POSTS"]).collect();
        assert_eq!(
            err.variables(),
            expected,
            "the stack's missing variables, then the dispatcher's bad ones"
        );
    }
}
