//! AWS clients, built once at init from `aws-config`.
//!
//! The standard `AWS_ENDPOINT_URL` (read by `aws-config` itself) points every
//! client at the local stack; S3 then needs path-style addressing because the
//! emulator is not reachable under bucket sub-domains.

use aws_config::BehaviorVersion;

use crate::config::StackConfig;

/// Every SDK client a function may need. Cloning is cheap (clients are `Arc`s).
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl AwsClients {
    /// Loads the shared SDK configuration once and builds each client from it.
    pub async fn load(config: &StackConfig) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self::from_sdk_config(&sdk, config)
    }

    /// Builds the clients from an already loaded SDK configuration.
    pub fn from_sdk_config(sdk: &aws_config::SdkConfig, config: &StackConfig) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(config.endpoint_override.is_some())
            .build();
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            sqs: aws_sdk_sqs::Client::new(sdk),
            secrets: aws_sdk_secretsmanager::Client::new(sdk),
        }
    }
}
