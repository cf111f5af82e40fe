//! Errors the functions share. Each variant knows whether retrying can help,
//! so callers (SQS consumers, HTTP handlers) decide once, in one place.

use aws_sdk_dynamodb::error::SdkError;

/// A failure talking to one of the stack's stores (DynamoDB, S3, SQS,
/// Secrets Manager).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write found the item in another state: someone else won.
    #[error("condition failed: {0}")]
    ConditionFailed(&'static str),
    /// The item does not exist.
    #[error("not found")]
    NotFound,
    /// A stored item does not have the shape the code expects.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// The service or the network failed; the operation may succeed later.
    #[error("{service} unavailable: {message}")]
    Unavailable { service: &'static str, message: String },
    /// The request itself was refused (permissions, validation): retrying will not help.
    #[error("{service} refused the request: {message}")]
    Refused { service: &'static str, message: String },
}

impl StoreError {
    /// Whether retrying the same operation later can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }

    /// Classifies any SDK error: timeouts, dispatch failures, throttling and
    /// 5xx are retryable; other service errors are refusals.
    pub fn from_sdk<E, R>(service: &'static str, err: SdkError<E, R>) -> Self
    where
        E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        let message = aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string();
        match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
                StoreError::Unavailable { service, message }
            }
            SdkError::ServiceError(ctx) => {
                let code = ctx.err().code().unwrap_or_default();
                let throttled = code.contains("Throttl")
                    || code == "ProvisionedThroughputExceededException"
                    || code == "RequestLimitExceeded"
                    || code == "InternalServerError"
                    || code == "ServiceUnavailable";
                if throttled {
                    StoreError::Unavailable { service, message }
                } else {
                    StoreError::Refused { service, message }
                }
            }
            _ => StoreError::Refused { service, message },
        }
    }
}
