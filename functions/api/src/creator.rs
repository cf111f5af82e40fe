//! creator_info per account, cached briefly: TikTok wants it fresh before
//! every post form and post, and allows 20 calls a minute per token.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use shared::account::TokenError;
use shared::http_surface::{ApiError, ErrorCode};
use tiktok::{CreatorInfo, ErrorClass};
use tokio::sync::Mutex;

use crate::Deps;

pub const CACHE_TTL: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct CreatorCache {
    entries: Mutex<HashMap<String, (Instant, CreatorInfo)>>,
}

impl CreatorCache {
    pub async fn get(&self, deps: &Deps, account_id: &str) -> Result<CreatorInfo, ApiError> {
        if let Some((at, info)) = self.entries.lock().await.get(account_id) {
            if at.elapsed() < CACHE_TTL {
                return Ok(info.clone());
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
        self.entries.lock().await.insert(account_id.to_owned(), (Instant::now(), info.clone()));
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
