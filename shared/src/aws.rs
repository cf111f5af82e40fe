//! AWS clients, built at init from one `aws-config` load.
//!
//! The standard `AWS_ENDPOINT_URL` (read by `aws-config` itself) points every
//! client at the local stack; S3 then needs path-style addressing because the
//! emulator is not reachable under bucket sub-domains.
//!
//! Each function builds only the clients it uses: a client that is never built
//! is code the function's release binary does not carry (the S3 client alone,
//! with its endpoint rules and checksums, is megabytes of a bootstrap).

use aws_config::BehaviorVersion;

use crate::config::StackConfig;

/// The SDK configuration, loaded once per cold start. Each `*()` method builds
/// a new client with its own connection pool: call it once at init and clone
/// the client (clients are `Arc`s).
#[derive(Clone, Debug)]
pub struct Aws {
    sdk: aws_config::SdkConfig,
    path_style: bool,
}

impl Aws {
    /// Loads the SDK configuration (region, credentials, endpoint) from the environment.
    pub async fn load(config: &StackConfig) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self { sdk, path_style: config.endpoint_override.is_some() }
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(self.path_style).build();
        aws_sdk_s3::Client::from_conf(config)
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }

    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk)
    }
}
