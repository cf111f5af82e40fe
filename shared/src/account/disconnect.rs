//! Disconnecting an account, whoever asks: the tenant (`DELETE /accounts/{id}`)
//! or TikTok (`authorization.removed` webhook).
//!
//! Order matters, so a failure part-way leaves a state that a retry finishes:
//! 1. revoke at TikTok (tenant only; the user who removed the app already
//!    killed the grant) — a failure here changes nothing;
//! 2. mark the account — `DISCONNECTED` when the tenant asked,
//!    `REAUTH_REQUIRED` when the creator removed the app (the workspace still
//!    wants the account; connecting it again resumes its posts) — which
//!    deletes the sealed tokens and drops it from the refresh index in the
//!    same write;
//! 3. when the tenant asked, release the TikTok account's owner record, so
//!    that TikTok account can be connected to another workspace (the
//!    account record stays, `DISCONNECTED`; connecting it again to the same
//!    workspace continues it);
//! 4. hold its pending posts (idempotent; a repeat finds nothing to hold).
//!
//! A token that cannot be decrypted is an error, never a reason to skip the
//! revocation quietly: the tenant asked for the grant to die at TikTok.

use secrecy::ExposeSecret;

use super::{Account, AccountStatus, TokenError, TokenKeeper};
use crate::error::StoreError;
use crate::vault::{SecretError, VaultError};
use tiktok::{AccessToken, ErrorClass, TikTokError};

/// Who ended the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectCause {
    /// The tenant asked: revoke at TikTok first.
    Tenant,
    /// TikTok reported that the user removed the app (`authorization.removed`):
    /// the grant is already dead there, so nothing is revoked, and the
    /// account waits for a reconnect (`REAUTH_REQUIRED`).
    RemovedAtTikTok,
}

impl DisconnectCause {
    /// The status reason stored on the account and its held posts.
    pub fn reason(self) -> &'static str {
        match self {
            DisconnectCause::Tenant => "disconnected by the workspace",
            DisconnectCause::RemovedAtTikTok => "the creator removed the app at TikTok; connect again",
        }
    }
}

/// What a disconnect did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    pub account_id: String,
    /// TikTok confirmed the revocation (false: nothing to revoke, or already dead).
    pub revoked: bool,
    /// Scheduled posts moved to `HELD`.
    pub held_posts: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DisconnectError {
    /// The stored token cannot be opened, so it cannot be revoked; nothing changed.
    #[error("the stored token cannot be decrypted: {0}")]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// TikTok did not confirm the revocation; nothing changed.
    #[error("TikTok did not revoke the token: {0}")]
    Revoke(TikTokError),
    /// Getting a current token to revoke failed (store, lease wait, TikTok).
    #[error(transparent)]
    Token(TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DisconnectError {
    /// Whether trying again later can help.
    pub fn is_retryable(&self) -> bool {
        match self {
            DisconnectError::Vault(_) | DisconnectError::Secret(SecretError::Invalid(_)) => false,
            DisconnectError::Secret(SecretError::Unavailable(_)) => true,
            DisconnectError::Revoke(e) => {
                matches!(e.class(), ErrorClass::Retry { .. } | ErrorClass::Ambiguous)
            }
            DisconnectError::Token(e) => e.is_retryable(),
            DisconnectError::Store(e) => e.is_retryable(),
        }
    }
}

impl From<TokenError> for DisconnectError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Vault(e) => DisconnectError::Vault(e),
            TokenError::Secret(e) => DisconnectError::Secret(e),
            TokenError::Store(e) => DisconnectError::Store(e),
            other => DisconnectError::Token(other),
        }
    }
}

/// Disconnects `account` (see the module docs for the order of steps).
/// Repeating it is harmless: an account already `DISCONNECTED` is not
/// revoked again nor moved to `REAUTH_REQUIRED`, and only posts still
/// pending are held.
pub async fn disconnect(
    keeper: &TokenKeeper,
    account: &Account,
    cause: DisconnectCause,
) -> Result<Disconnected, DisconnectError> {
    let revoked = match cause {
        DisconnectCause::Tenant => revoke(keeper, account).await?,
        DisconnectCause::RemovedAtTikTok => false,
    };
    let reason = cause.reason();
    match cause {
        DisconnectCause::Tenant if account.status != AccountStatus::Disconnected => {
            keeper.accounts.set_status(&account.id, AccountStatus::Disconnected, reason).await?;
        }
        DisconnectCause::Tenant => {}
        // Leaves an account the tenant disconnected as it is.
        DisconnectCause::RemovedAtTikTok => {
            keeper.accounts.mark_removed_at_tiktok(&account.id, reason).await?;
        }
    }
    if cause == DisconnectCause::Tenant {
        // Also on a repeat, so a disconnect that failed after step 2 finishes.
        keeper.accounts.release_owner(account).await?;
    }
    let held_posts =
        keeper.posts.hold_account_posts(&account.tenant, &account.id, "disconnect", reason).await?;
    tracing::info!(account = %account.id, revoked, held_posts, cause = ?cause, "account disconnected");
    Ok(Disconnected { account_id: account.id.clone(), revoked, held_posts })
}

/// Revokes the account's grant at TikTok; `false` when there is nothing
/// left to revoke (already disconnected, or TikTok already refuses the token).
async fn revoke(keeper: &TokenKeeper, account: &Account) -> Result<bool, DisconnectError> {
    let Some(token) = token_to_revoke(keeper, account).await? else {
        return Ok(false);
    };
    let secret = keeper.secrets.get().await?;
    match keeper.client.revoke(&secret.credentials, &token).await {
        Ok(()) => Ok(true),
        // TikTok no longer accepts the token: the grant is already dead.
        Err(e) if matches!(e.class(), ErrorClass::Reauth { .. }) => Ok(false),
        Err(e) => Err(DisconnectError::Revoke(e)),
    }
}

async fn token_to_revoke(
    keeper: &TokenKeeper,
    account: &Account,
) -> Result<Option<AccessToken>, DisconnectError> {
    match account.status {
        // A current token (refreshed if it is about to expire), so TikTok
        // accepts the revocation and the refresh token dies with it.
        AccountStatus::Active => match keeper.access_token(&account.id).await {
            Ok(token) => Ok(Some(token)),
            // TikTok just refused a refresh: the grant is dead already.
            Err(TokenError::ReauthRequired(_)) => Ok(None),
            Err(e) => Err(e.into()),
        },
        // The refresh was refused or its answer lost: the stored token may
        // still live at TikTok, so revoke it if it is there.
        AccountStatus::ReauthRequired => match account.sealed_access_token.as_deref() {
            None => Ok(None),
            Some(sealed) => {
                let secret = keeper.secrets.get().await?;
                let token = secret.ring.open(&account.id, sealed)?;
                Ok(Some(AccessToken::new(token.expose_secret().to_owned())))
            }
        },
        AccountStatus::Disconnected => Ok(None),
    }
}
