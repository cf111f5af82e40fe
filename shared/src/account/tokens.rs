//! A valid access token for an account, whoever asks.
//!
//! Refresh tokens rotate: two concurrent refreshes of one account would lose
//! it. So a refresh happens only under the account's lease (a conditional
//! write with an expiry); callers that find the lease taken wait for the
//! holder's result and read the new token. The rotated tokens are persisted
//! (sealed, under the lease) before the new access token is handed out.
//! A refresh TikTok refuses marks the account `REAUTH_REQUIRED` and holds its
//! pending posts.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use super::{Account, AccountStatus, AccountStore};
use crate::error::StoreError;
use crate::post::PostStore;
use crate::vault::{SecretCache, SecretError, VaultError};
use tiktok::{AccessToken, ErrorClass, RefreshError, RefreshToken, TikTokClient, TikTokError};

/// Refresh when the access token expires within this margin.
pub const REFRESH_MARGIN_SECONDS: i64 = 10 * 60;
const LEASE_SECONDS: i64 = 30;
const WAIT_STEP: Duration = Duration::from_millis(100);
const MAX_WAITS: u32 = 400;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no such account")]
    NotFound,
    /// The account needs to be connected again (refresh refused, app removed, disconnected).
    #[error("account needs re-authorisation: {0}")]
    ReauthRequired(String),
    /// The stored token cannot be opened: a typed failure, never a fallback.
    #[error("stored token cannot be decrypted: {0}")]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    TikTok(TikTokError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("timed out waiting for another refresh of the account")]
    LeaseTimeout,
}

impl TokenError {
    /// Whether trying again later can help.
    pub fn is_retryable(&self) -> bool {
        match self {
            TokenError::TikTok(e) => matches!(e.class(), ErrorClass::Retry { .. }),
            TokenError::Store(e) => e.is_retryable(),
            TokenError::Secret(SecretError::Unavailable(_)) | TokenError::LeaseTimeout => true,
            _ => false,
        }
    }
}

/// What [`TokenKeeper::refresh_expiring`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// TikTok issued new tokens and they are stored.
    Refreshed,
    /// The access token lives past the bound (another caller refreshed it).
    NotNeeded,
}

/// A refresh under the lease: rotated tokens, or the account as read when
/// its token turned out to be still valid.
enum Refreshed {
    Rotated(AccessToken),
    StillValid(Box<Account>),
}

/// Hands out valid access tokens; one per process, shared by handlers.
pub struct TokenKeeper {
    pub accounts: AccountStore,
    pub posts: PostStore,
    pub secrets: Arc<SecretCache>,
    pub client: TikTokClient,
    /// Identifies this process as a lease owner: `{function}:{ulid}`.
    pub owner: String,
}

impl TokenKeeper {
    /// The keeper of one function instance; `function` names it in lease
    /// owners and post histories (`oauth`, `publisher`, ...).
    pub fn new(
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
        secrets: Arc<SecretCache>,
        client: TikTokClient,
        function: &str,
    ) -> Self {
        Self {
            accounts: AccountStore::new(dynamodb.clone(), table),
            posts: PostStore::new(dynamodb.clone(), table),
            secrets,
            client,
            owner: format!("{function}:{}", ulid::Ulid::new()),
        }
    }

    /// A valid access token for `account_id`, refreshed first if it expires
    /// within the margin.
    pub async fn access_token(&self, account_id: &str) -> Result<AccessToken, TokenError> {
        for _ in 0..MAX_WAITS {
            let account = self.accounts.get(account_id).await?.ok_or(TokenError::NotFound)?;
            let now = OffsetDateTime::now_utc().unix_timestamp();
            if account.status != AccountStatus::Active {
                return Err(TokenError::ReauthRequired(account.status_reason.unwrap_or_default()));
            }
            if account.access_expires_at > now + REFRESH_MARGIN_SECONDS {
                return self.open_access(&account).await;
            }
            let owner = format!("{}:{}", self.owner, ulid::Ulid::new());
            if self.accounts.acquire_refresh_lease(account_id, &owner, LEASE_SECONDS).await? {
                return self.token_under_lease(account_id, &owner).await;
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
        Err(TokenError::LeaseTimeout)
    }

    async fn token_under_lease(&self, account_id: &str, owner: &str) -> Result<AccessToken, TokenError> {
        let refresh_before = OffsetDateTime::now_utc().unix_timestamp() + REFRESH_MARGIN_SECONDS;
        match self.refresh_under_lease(account_id, owner, refresh_before).await? {
            Refreshed::Rotated(token) => Ok(token),
            Refreshed::StillValid(account) => self.open_access(&account).await,
        }
    }

    async fn open_access(&self, account: &Account) -> Result<AccessToken, TokenError> {
        let secret = self.secrets.get().await?;
        let sealed = account.sealed_access_token.as_deref().ok_or(VaultError::Malformed)?;
        let token = secret.ring.open(&account.id, sealed)?;
        Ok(AccessToken::new(secrecy::ExposeSecret::expose_secret(&token).to_owned()))
    }

    /// Refreshes the account's tokens if its access token expires within the
    /// refresh margin (a valid token is returned either way).
    pub async fn refresh(&self, account_id: &str) -> Result<AccessToken, TokenError> {
        let owner = format!("{}:{}", self.owner, ulid::Ulid::new());
        if !self.accounts.acquire_refresh_lease(account_id, &owner, LEASE_SECONDS).await? {
            // Someone else is refreshing: their result is ours.
            return self.access_token(account_id).await;
        }
        self.token_under_lease(account_id, &owner).await
    }

    /// TikTok answered `access_token_invalid` to `rejected` although the
    /// stored expiry says it still lives (expired or revoked on TikTok's
    /// side first): refresh once, under the lease. A caller that finds the
    /// stored token already replaced (another caller refreshed meanwhile)
    /// gets the new one without a second refresh. A refused refresh marks the
    /// account `REAUTH_REQUIRED` as any refresh does.
    pub async fn refresh_rejected(
        &self,
        account_id: &str,
        rejected: &AccessToken,
    ) -> Result<AccessToken, TokenError> {
        for _ in 0..MAX_WAITS {
            let owner = format!("{}:{}", self.owner, ulid::Ulid::new());
            if !self.accounts.acquire_refresh_lease(account_id, &owner, LEASE_SECONDS).await? {
                tokio::time::sleep(WAIT_STEP).await;
                continue;
            }
            let account = match self.accounts.get(account_id).await {
                Ok(Some(account)) => account,
                Ok(None) => return Err(TokenError::NotFound),
                Err(e) => {
                    let _ = self.accounts.release_refresh_lease(account_id, &owner).await;
                    return Err(e.into());
                }
            };
            if account.status == AccountStatus::Active {
                if let Ok(current) = self.open_access(&account).await {
                    if current.expose_secret() != rejected.expose_secret() {
                        self.accounts.release_refresh_lease(account_id, &owner).await?;
                        return Ok(current);
                    }
                }
            }
            // Whatever the stored expiry says, the token is dead: refresh now.
            return match self.refresh_under_lease(account_id, &owner, i64::MAX).await? {
                Refreshed::Rotated(token) => Ok(token),
                Refreshed::StillValid(account) => self.open_access(&account).await,
            };
        }
        Err(TokenError::LeaseTimeout)
    }

    /// The token refresher's entry point: refreshes the account if its access
    /// token expires before `refresh_before` (epoch seconds), which may lie
    /// beyond the refresh margin. The expiry is checked again under the
    /// lease, and a caller finding the lease taken waits for it, so any number
    /// of concurrent refreshers cause one refresh.
    pub async fn refresh_expiring(
        &self,
        account_id: &str,
        refresh_before: i64,
    ) -> Result<RefreshOutcome, TokenError> {
        for _ in 0..MAX_WAITS {
            let owner = format!("{}:{}", self.owner, ulid::Ulid::new());
            if self.accounts.acquire_refresh_lease(account_id, &owner, LEASE_SECONDS).await? {
                return Ok(match self.refresh_under_lease(account_id, &owner, refresh_before).await? {
                    Refreshed::Rotated(_) => RefreshOutcome::Refreshed,
                    Refreshed::StillValid(_) => RefreshOutcome::NotNeeded,
                });
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
        Err(TokenError::LeaseTimeout)
    }

    async fn refresh_under_lease(
        &self,
        account_id: &str,
        owner: &str,
        refresh_before: i64,
    ) -> Result<Refreshed, TokenError> {
        let result = self.refresh_inner(account_id, owner, refresh_before).await;
        if result.is_err() {
            let _ = self.accounts.release_refresh_lease(account_id, owner).await;
        }
        result
    }

    async fn refresh_inner(
        &self,
        account_id: &str,
        owner: &str,
        refresh_before: i64,
    ) -> Result<Refreshed, TokenError> {
        // Read again under the lease: a refresh may have finished meanwhile.
        let account = self.accounts.get(account_id).await?.ok_or(TokenError::NotFound)?;
        if account.status != AccountStatus::Active {
            return Err(TokenError::ReauthRequired(account.status_reason.clone().unwrap_or_default()));
        }
        if account.access_expires_at > refresh_before {
            self.accounts.release_refresh_lease(account_id, owner).await?;
            return Ok(Refreshed::StillValid(Box::new(account)));
        }
        let secret = self.secrets.get().await?;
        let sealed = account.sealed_refresh_token.as_deref().ok_or(VaultError::Malformed)?;
        let refresh = secret.ring.open(account_id, sealed)?;
        let refresh = RefreshToken::new(secrecy::ExposeSecret::expose_secret(&refresh).to_owned());
        let persisted = self
            .client
            .refresh(&secret.credentials, &refresh, async |tokens| {
                self.accounts.store_refreshed(account_id, tokens, &secret.ring, owner).await
            })
            .await;
        match persisted {
            Ok(token) => Ok(Refreshed::Rotated(token)),
            Err(RefreshError::TikTok(e))
                if matches!(e.class(), ErrorClass::Reauth { .. } | ErrorClass::Permanent) =>
            {
                let reason = format!(
                    "TikTok refused the token refresh ({})",
                    e.failure().map_or("no code", |f| f.code.as_str())
                );
                self.require_reauth(&account, &reason).await?;
                Err(TokenError::ReauthRequired(reason))
            }
            Err(RefreshError::TikTok(e)) if matches!(e.class(), ErrorClass::Ambiguous) => {
                // TikTok may have rotated the token and we never saw the new
                // one: the old one is now likely dead. Only a reconnect is safe.
                let reason =
                    "the token refresh answer was lost; TikTok may have rotated the token".to_owned();
                self.require_reauth(&account, &reason).await?;
                Err(TokenError::ReauthRequired(reason))
            }
            Err(RefreshError::TikTok(e)) => Err(TokenError::TikTok(e)),
            Err(RefreshError::Persist(failed)) => {
                self.persist_again(account_id, owner, &secret.ring, failed).await.map(Refreshed::Rotated)
            }
        }
    }

    /// TikTok rotated the tokens but storing them failed: the old refresh
    /// token is already dead, so try a few more times before giving up.
    async fn persist_again(
        &self,
        account_id: &str,
        owner: &str,
        ring: &crate::vault::KeyRing,
        mut failed: tiktok::PersistFailed<StoreError>,
    ) -> Result<AccessToken, TokenError> {
        for attempt in 1..=3u64 {
            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            match failed
                .tokens
                .persist(async |t| self.accounts.store_refreshed(account_id, t, ring, owner).await)
                .await
            {
                Ok(token) => return Ok(token),
                Err(again) => failed = again,
            }
        }
        tracing::error!(account = %account_id, error = %failed.error, "rotated tokens could not be stored");
        Err(TokenError::Store(failed.error))
    }

    /// Marks the account `REAUTH_REQUIRED` and holds its pending posts.
    pub async fn require_reauth(&self, account: &Account, reason: &str) -> Result<(), StoreError> {
        self.accounts.set_status(&account.id, AccountStatus::ReauthRequired, reason).await?;
        let held =
            self.posts.hold_account_posts(&account.tenant, &account.id, "token-keeper", reason).await?;
        tracing::warn!(account = %account.id, held, "account needs re-authorisation");
        Ok(())
    }
}
