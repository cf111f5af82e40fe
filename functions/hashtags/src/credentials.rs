//! Where the Research API's app credentials come from.
//!
//! The app secret (`APP_SECRET_ID`, JSON) may hold `research_client_key` /
//! `research_client_secret` for a research-approved client; without them the
//! app's own `client_key` / `client_secret` are used. The function's one
//! [`SecretCache`] reads and caches it, so rotation is picked up without a
//! redeploy and the secret is cached once per function.

use futures::future::BoxFuture;

use shared::error::StoreError;
use shared::vault::{SecretCache, SecretError};
use tiktok::AppCredentials;

/// The Research API credentials, when the deployment has any.
pub trait ResearchCredentials: Send + Sync {
    fn research_credentials(&self) -> BoxFuture<'_, Result<Option<AppCredentials>, StoreError>>;
}

/// Fixed credentials (tests, or a deployment that passes them in).
pub struct StaticCredentials(pub Option<AppCredentials>);

impl ResearchCredentials for StaticCredentials {
    fn research_credentials(&self) -> BoxFuture<'_, Result<Option<AppCredentials>, StoreError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

impl ResearchCredentials for SecretCache {
    fn research_credentials(&self) -> BoxFuture<'_, Result<Option<AppCredentials>, StoreError>> {
        Box::pin(async move {
            match self.get().await {
                Ok(secret) => Ok(Some(secret.research_credentials())),
                Err(SecretError::Unavailable(message)) => {
                    Err(StoreError::Unavailable { service: "secretsmanager", message })
                }
                Err(SecretError::Invalid(e)) => Err(StoreError::Corrupt(e.to_string())),
            }
        })
    }
}
