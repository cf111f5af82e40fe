//! Where the Research API's app credentials come from.
//!
//! The app secret (`APP_SECRET_ID`, JSON) may hold `research_client_key` /
//! `research_client_secret` for a research-approved client; without them the
//! app's own `client_key` / `client_secret` are used. The parsed secret is
//! cached in memory for a TTL, so rotation is picked up without a redeploy.
//! It may also hold `narrative_api_key` for the optional summary endpoint.
//!
//! This adapter reads only what the hashtag analysis needs; when the shared
//! app-secret cache of the accounts work lands, implement
//! [`ResearchCredentials`] on it and drop [`AppSecretCredentials`].

use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::SecretString;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::StoreError;
use crate::tiktok::{AppCredentials, ClientKey, ClientSecret};

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

#[derive(Deserialize)]
struct AppSecretJson {
    #[serde(default)]
    client_key: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    research_client_key: Option<String>,
    #[serde(default)]
    research_client_secret: Option<String>,
    #[serde(default)]
    narrative_api_key: Option<String>,
}

impl AppSecretJson {
    fn research(&self) -> Option<AppCredentials> {
        let pair = |key: &Option<String>, secret: &Option<String>| match (key, secret) {
            (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => {
                Some(AppCredentials { client_key: ClientKey(k.clone()), client_secret: ClientSecret::new(s) })
            }
            _ => None,
        };
        pair(&self.research_client_key, &self.research_client_secret)
            .or_else(|| pair(&self.client_key, &self.client_secret))
    }
}

/// Reads the app secret from Secrets Manager, cached for `ttl`.
pub struct AppSecretCredentials {
    secrets: aws_sdk_secretsmanager::Client,
    secret_id: String,
    ttl: Duration,
    cached: Mutex<Option<(Instant, Option<AppCredentials>)>>,
}

impl AppSecretCredentials {
    pub fn new(secrets: aws_sdk_secretsmanager::Client, secret_id: impl Into<String>, ttl: Duration) -> Self {
        Self { secrets, secret_id: secret_id.into(), ttl, cached: Mutex::new(None) }
    }

    async fn read(&self) -> Result<AppSecretJson, StoreError> {
        let output = self
            .secrets
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("secretsmanager", e))?;
        // serde's messages could quote the secret: say only that it is malformed.
        serde_json::from_str(output.secret_string().unwrap_or_default())
            .map_err(|_| StoreError::Corrupt("the app secret is not the expected JSON".into()))
    }

    /// The summary endpoint's API key, if the secret holds one (read at init).
    pub async fn narrative_api_key(&self) -> Result<Option<SecretString>, StoreError> {
        let secret = self.read().await?;
        Ok(secret.narrative_api_key.filter(|k| !k.is_empty()).map(SecretString::from))
    }
}

impl ResearchCredentials for AppSecretCredentials {
    fn research_credentials(&self) -> BoxFuture<'_, Result<Option<AppCredentials>, StoreError>> {
        Box::pin(async move {
            let mut cached = self.cached.lock().await;
            if let Some((read_at, credentials)) = cached.as_ref() {
                if read_at.elapsed() < self.ttl {
                    return Ok(credentials.clone());
                }
            }
            let credentials = self.read().await?.research();
            *cached = Some((Instant::now(), credentials.clone()));
            Ok(credentials)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn research_pair_is_preferred_and_app_pair_is_the_fallback() {
        let both: AppSecretJson = serde_json::from_str(
            r#"{"client_key":"app","client_secret":"s1","research_client_key":"res","research_client_secret":"s2"}"#,
        )
        .expect("json");
        assert_eq!(both.research().map(|c| c.client_key.0), Some("res".to_owned()));
        let app: AppSecretJson =
            serde_json::from_str(r#"{"client_key":"app","client_secret":"s1","keys":{}}"#).expect("json");
        assert_eq!(app.research().map(|c| c.client_key.0), Some("app".to_owned()));
        let none: AppSecretJson = serde_json::from_str(r#"{"client_key":"app"}"#).expect("json");
        assert!(none.research().is_none());
    }
}
