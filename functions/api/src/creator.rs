//! creator_info per account, cached briefly: TikTok wants it fresh before
//! every post form and post, and allows 20 calls a minute per token.
//!
//! An entry belongs to one connection: it is keyed by the account's
//! `token_version`, which every connect and token write bumps, and callers
//! pass the account as just read (and refuse it unless `ACTIVE`), so a
//! disconnect — done by another function — invalidates it on the next read.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use shared::account::{Account, AccountStatus, TokenError};
use shared::http_surface::{ApiError, ErrorCode};
use tiktok::{CreatorInfo, ErrorClass};
use tokio::sync::Mutex;

use crate::Deps;

pub const CACHE_TTL: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct CreatorCache {
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    at: Instant,
    token_version: u64,
    info: CreatorInfo,
}

impl CreatorCache {
    /// creator_info for `account` as just read from the table; a cached
    /// answer only while the account is `ACTIVE` under the same connection.
    pub async fn get(&self, deps: &Deps, account: &Account) -> Result<CreatorInfo, ApiError> {
        let account_id = account.id.as_str();
        {
            let mut entries = self.entries.lock().await;
            if account.status != AccountStatus::Active {
                entries.remove(account_id);
                return Err(ApiError::new(ErrorCode::Conflict, "the account is not connected"));
            }
            if let Some(e) = entries.get(account_id) {
                if e.token_version == account.token_version && e.at.elapsed() < CACHE_TTL {
                    return Ok(e.info.clone());
                }
            }
        }
        let token = deps.keeper.access_token(account_id).await.map_err(token_error)?;
        let info = deps.keeper.client.creator_info(&token).await.map_err(|e| {
            tracing::warn!(error = %e, "creator_info failed");
            match e.class() {
                ErrorClass::Retry { .. } | ErrorClass::Ambiguous => {
                    ApiError::new(ErrorCode::Unavailable, "TikTok is unavailable; retry shortly")
                }
                ErrorClass::Wait => ApiError::new(
                    ErrorCode::Unprocessable,
                    "TikTok reports this creator cannot post more today; try again tomorrow",
                ),
                ErrorClass::Reauth { .. } => ApiError::new(
                    ErrorCode::Conflict,
                    "the account needs to be reconnected to TikTok before it can post",
                ),
                ErrorClass::Permanent => {
                    ApiError::new(ErrorCode::Unavailable, "TikTok refused the creator_info query")
                }
            }
        })?;
        let entry = Entry { at: Instant::now(), token_version: account.token_version, info: info.clone() };
        self.entries.lock().await.insert(account_id.to_owned(), entry);
        Ok(info)
    }
}

pub fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::ReauthRequired(_) => {
            ApiError::new(ErrorCode::Conflict, "the account needs to be reconnected to TikTok")
        }
        TokenError::NotFound => ApiError::not_found("account"),
        other if other.is_retryable() => {
            tracing::warn!(error = %other, "token unavailable");
            ApiError::new(ErrorCode::Unavailable, "a backing service is unavailable; retry later")
        }
        other => {
            tracing::error!(error = %other, "token failure");
            ApiError::new(ErrorCode::Internal, "internal error")
        }
    }
}
