//! OAuth token calls: code exchange, refresh (with forced persistence of the
//! rotated refresh token), revoke, and client-credentials tokens.
//!
//! Why refresh takes a `persist` step instead of returning tokens: TikTok
//! rotates refresh tokens, so once a refresh succeeds the stored one is dead.
//! A caller that used the new access token but failed to store the new
//! refresh token would lose the account at the next refresh. `refresh` hands
//! out the access token only after the caller's `persist` step succeeded;
//! a `#[must_use]` value can still be dropped with `let _ =`, a closure
//! cannot be skipped. If persisting fails, the error carries the
//! [`RotatedTokens`], whose only exit is another `persist` attempt.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::client::TikTokClient;
use super::error::{Mutation, TikTokError};
use super::secrets::{AccessToken, AppCredentials, AuthCode, PkceVerifier, RefreshToken};

/// A user's tokens, as TikTok's token endpoint answers them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: AccessToken,
    /// Seconds; never hard-coded (TikTok's docs disagree on lifetimes).
    pub expires_in: u64,
    pub open_id: String,
    pub refresh_token: RefreshToken,
    pub refresh_expires_in: u64,
    /// Comma-separated granted scopes.
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub token_type: String,
}

impl TokenSet {
    pub fn access_lifetime(&self) -> Duration {
        Duration::from_secs(self.expires_in)
    }

    pub fn refresh_lifetime(&self) -> Duration {
        Duration::from_secs(self.refresh_expires_in)
    }

    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(',').map(str::trim).filter(|s| !s.is_empty())
    }
}

/// A client-credentials token (Research API).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientToken {
    pub access_token: AccessToken,
    pub expires_in: u64,
    #[serde(default)]
    pub token_type: String,
}

/// Tokens a refresh produced that are not yet stored. The access token is
/// reachable only through [`RotatedTokens::persist`].
#[must_use = "the old refresh token is dead: persist these or lose the account"]
pub struct RotatedTokens(TokenSet);

impl fmt::Debug for RotatedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RotatedTokens").field(&self.0).finish()
    }
}

impl RotatedTokens {
    /// Runs the caller's persist step on the whole token set; only when it
    /// succeeds is the new access token handed out.
    pub async fn persist<F, E>(self, persist: F) -> Result<AccessToken, PersistFailed<E>>
    where
        F: AsyncFnOnce(&TokenSet) -> Result<(), E>,
    {
        match persist(&self.0).await {
            Ok(()) => Ok(self.0.access_token),
            Err(error) => Err(PersistFailed { error, tokens: self }),
        }
    }
}

/// The persist step failed; `tokens` can be persisted again.
#[derive(Debug)]
pub struct PersistFailed<E> {
    pub error: E,
    pub tokens: RotatedTokens,
}

/// A refresh that did not yield a usable access token.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError<E> {
    /// TikTok refused or failed (an `invalid_grant` is `TikTokError::Reauth`;
    /// `Ambiguous` means TikTok may have rotated the token: re-authorize).
    #[error(transparent)]
    TikTok(#[from] TikTokError),
    /// TikTok rotated the tokens but the caller's persist step failed.
    #[error("the rotated tokens could not be persisted")]
    Persist(PersistFailed<E>),
}

impl TikTokClient {
    /// Exchanges the callback's code (with the PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        app: &AppCredentials,
        code: &AuthCode,
        redirect_uri: &url::Url,
        verifier: &PkceVerifier,
    ) -> Result<TokenSet, TikTokError> {
        let form = [
            ("client_key", app.client_key.0.as_str()),
            ("client_secret", app.client_secret.expose_secret()),
            ("code", code.expose_secret()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", verifier.expose_secret()),
        ];
        self.oauth_post(&self.endpoints.token, &form, Mutation::Mutating).await
    }

    /// Refreshes, then runs `persist` on the new token set; returns the new
    /// access token only if `persist` succeeded.
    pub async fn refresh<F, E>(
        &self,
        app: &AppCredentials,
        token: &RefreshToken,
        persist: F,
    ) -> Result<AccessToken, RefreshError<E>>
    where
        F: AsyncFnOnce(&TokenSet) -> Result<(), E>,
    {
        let rotated = self.refresh_tokens(app, token).await?;
        rotated.persist(persist).await.map_err(RefreshError::Persist)
    }

    /// The refresh call alone; the result must go through `persist`.
    pub async fn refresh_tokens(
        &self,
        app: &AppCredentials,
        token: &RefreshToken,
    ) -> Result<RotatedTokens, TikTokError> {
        let form = [
            ("client_key", app.client_key.0.as_str()),
            ("client_secret", app.client_secret.expose_secret()),
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose_secret()),
        ];
        let tokens: TokenSet = self.oauth_post(&self.endpoints.token, &form, Mutation::Mutating).await?;
        Ok(RotatedTokens(tokens))
    }

    /// Revokes a user's access (answers `{}`). Repeating it is harmless, so
    /// a lost answer is retryable.
    pub async fn revoke(&self, app: &AppCredentials, token: &AccessToken) -> Result<(), TikTokError> {
        let form = [
            ("client_key", app.client_key.0.as_str()),
            ("client_secret", app.client_secret.expose_secret()),
            ("token", token.expose_secret()),
        ];
        let _: serde_json::Value = self.oauth_post(&self.endpoints.revoke, &form, Mutation::Read).await?;
        Ok(())
    }

    /// A client-credentials token for the Research API.
    pub async fn client_token(&self, app: &AppCredentials) -> Result<ClientToken, TikTokError> {
        let form = [
            ("client_key", app.client_key.0.as_str()),
            ("client_secret", app.client_secret.expose_secret()),
            ("grant_type", "client_credentials"),
        ];
        self.oauth_post(&self.endpoints.token, &form, Mutation::Read).await
    }
}
