//! The stack's own configuration, read by every function. The reader itself
//! ([`EnvReader`]) lives in `foundation`, so crates without AWS share it.

use std::time::Duration;

use url::Url;

pub use foundation::config::{env_of, ConfigError, EnvReader, FunctionConfig, Problem};

/// Where the AWS resources of the stack are: read by every function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackConfig {
    /// The single DynamoDB table (see `schema`).
    pub table_name: String,
    /// The private media bucket.
    pub media_bucket: String,
    /// The publish queue's URL.
    pub publish_queue_url: String,
    /// The Secrets Manager id of the app secret (TikTok app credentials, token keys).
    pub app_secret_id: String,
    /// `AWS_ENDPOINT_URL`: set only for the local stack; turns on S3 path-style.
    pub endpoint_override: Option<Url>,
    /// `APP_SECRET_TTL_SECS` (300, 0..=3600): how long a function keeps the
    /// app secret in memory before reading it again, so a rotation reaches
    /// running functions within this time. 0 reads it on every use.
    pub app_secret_ttl: Duration,
}

impl StackConfig {
    /// Reads the stack configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut env = EnvReader::from_process();
        let value = Self::read(&mut env);
        env.finish(value)
    }

    /// Reads the stack configuration through a reader, so a function can
    /// combine it with its own variables and report every problem at once.
    pub fn read<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        Self {
            table_name: env.required("TABLE_NAME"),
            media_bucket: env.required("MEDIA_BUCKET"),
            publish_queue_url: env.required("PUBLISH_QUEUE_URL"),
            app_secret_id: env.required("APP_SECRET_ID"),
            endpoint_override: env.optional_url("AWS_ENDPOINT_URL"),
            app_secret_ttl: Duration::from_secs(env.number("APP_SECRET_TTL_SECS", 300, 0, 3_600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<StackConfig, ConfigError> {
        let mut env = env_of(vars);
        let value = StackConfig::read(&mut env);
        env.finish(value)
    }

    const GOOD: &[(&str, &str)] = &[
        ("TABLE_NAME", "t"),
        ("MEDIA_BUCKET", "b"),
        ("PUBLISH_QUEUE_URL", "http://127.0.0.1:4566/000000000000/q"),
        ("APP_SECRET_ID", "s"),
    ];

    #[test]
    fn complete_environment_is_accepted() {
        let cfg = read(GOOD).expect("valid");
        assert_eq!(cfg.table_name, "t");
        assert_eq!(cfg.endpoint_override, None);
    }

    #[test]
    fn every_missing_and_invalid_variable_is_named_in_one_error() {
        let err = read(&[("MEDIA_BUCKET", "b"), ("AWS_ENDPOINT_URL", "ftp://127.0.0.1:4566")])
            .expect_err("must fail");
        let names = err.variables();
        assert_eq!(names, ["TABLE_NAME", "PUBLISH_QUEUE_URL", "APP_SECRET_ID", "AWS_ENDPOINT_URL"]);
        let message = err.to_string();
        assert!(message.contains("TABLE_NAME is missing"), "{message}");
        assert!(message.contains("AWS_ENDPOINT_URL must be an http or https URL"), "{message}");
    }

    #[test]
    fn blank_values_count_as_missing() {
        let mut vars = GOOD.to_vec();
        vars[0] = ("TABLE_NAME", "   ");
        let err = read(&vars).expect_err("blank table name");
        assert_eq!(err.to_string(), "invalid configuration: TABLE_NAME is missing");
    }

    #[test]
    fn malformed_endpoint_is_refused() {
        let mut vars = GOOD.to_vec();
        vars.push(("AWS_ENDPOINT_URL", "http://"));
        let err = read(&vars).expect_err("no host");
        assert_eq!(err.problems[0].variable, "AWS_ENDPOINT_URL");
    }

    #[test]
    fn one_finish_reports_tiktok_and_stack_problems_together() {
        let mut env = env_of(&[("TIKTOK_AUTH_BASE_URL", "not a url"), ("TIKTOK_CONNECT_TIMEOUT_SECS", "0")]);
        let stack = StackConfig::read(&mut env);
        let tiktok = tiktok::TikTokConfig::read(&mut env);
        let err = env.finish((stack, tiktok)).expect_err("invalid");
        let names = err.variables();
        assert_eq!(
            names,
            [
                "TABLE_NAME",
                "MEDIA_BUCKET",
                "PUBLISH_QUEUE_URL",
                "APP_SECRET_ID",
                "TIKTOK_AUTH_BASE_URL",
                "TIKTOK_CONNECT_TIMEOUT_SECS"
            ]
        );
    }
}
