//! The `own` source: the tenant's connected creators' own videos, from the
//! Display API — the source every commercial user has.
//!
//! The Display API lists a creator's videos newest first, 20 a page, with no
//! hashtag field: each creator is paged back until the window's start, tags
//! are parsed from title and description, and every video of the window is
//! the baseline for lift (so lift is exact here).

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::metrics::Baseline;
use crate::provider::{Fetch, FetchError, Fetched, PartialReason};
use crate::request::{AccountId, AnalysisRequest};
use crate::resilience::{Breaker, BreakerSettings, Budget, CallStats, Guard, RetryPolicy};
use crate::video::Video;
use shared::error::StoreError;
use shared::tenant::TenantId;
use tiktok::display::{VideoListRequest, VIDEO_LIST_MAX_COUNT};
use tiktok::{AccessToken, TikTokClient};

/// A connected creator of a tenant, with a usable access token.
#[derive(Debug, Clone)]
pub struct CreatorAccount {
    pub account_id: AccountId,
    /// How the creator is named in the analysis (display name or username).
    pub label: String,
    /// `None` when the account's authorization must be renewed.
    pub token: Option<AccessToken>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreatorTokensError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The narrow port the `own` source needs from the account store: a
/// tenant's connected creators, each with a valid (refreshed if need be)
/// access token. The account store implements it; tests implement it with
/// tokens from the sandbox's real OAuth flow.
pub trait CreatorTokens: Send + Sync {
    fn creators_of<'a>(
        &'a self,
        tenant: &'a TenantId,
    ) -> BoxFuture<'a, Result<Vec<CreatorAccount>, CreatorTokensError>>;
}

/// The account store's answer: the tenant's active accounts, each with a
/// valid access token (refreshed under the account's lease if need be); an
/// account that needs re-authorisation comes without a token.
impl CreatorTokens for shared::account::TokenKeeper {
    fn creators_of<'a>(
        &'a self,
        tenant: &'a TenantId,
    ) -> BoxFuture<'a, Result<Vec<CreatorAccount>, CreatorTokensError>> {
        Box::pin(async move {
            let mut creators = Vec::new();
            for account in self.accounts.list(tenant.as_str()).await? {
                if account.status == shared::account::AccountStatus::Disconnected {
                    continue;
                }
                let Ok(account_id) = AccountId::parse(&account.id) else { continue };
                let token = match self.access_token(&account.id).await {
                    Ok(token) => Some(token),
                    Err(e) if e.is_retryable() => {
                        return Err(
                            StoreError::Unavailable { service: "tokens", message: e.to_string() }.into()
                        )
                    }
                    Err(e) => {
                        tracing::warn!(account = %account.id, error = %e, "no usable token for the analysis");
                        None
                    }
                };
                creators.push(CreatorAccount { account_id, label: account.display_name, token });
            }
            Ok(creators)
        })
    }
}

/// Settings of the own source.
#[derive(Debug, Clone, Copy)]
pub struct OwnSettings {
    pub retry: RetryPolicy,
    pub breaker: BreakerSettings,
    /// Most videos read per creator.
    pub max_videos: usize,
}

pub struct OwnProvider {
    client: TikTokClient,
    creators: Arc<dyn CreatorTokens>,
    settings: OwnSettings,
    breaker: Breaker,
}

/// One creator's videos in the window.
#[derive(Default)]
struct CreatorVideos {
    videos: Vec<Video>,
    stats: CallStats,
    stopped: Option<PartialReason>,
}

impl OwnProvider {
    pub fn new(client: TikTokClient, creators: Arc<dyn CreatorTokens>, settings: OwnSettings) -> Self {
        Self { client, creators, settings, breaker: Breaker::new(settings.breaker) }
    }

    async fn creator_videos(
        &self,
        account: &CreatorAccount,
        request: &AnalysisRequest,
        guard: &Guard<'_>,
    ) -> CreatorVideos {
        let mut out = CreatorVideos::default();
        let Some(token) = &account.token else {
            out.stopped = Some(PartialReason::ReauthRequired);
            return out;
        };
        let window = request.window;
        let mut cursor = None;
        while let Ok(page_request) = VideoListRequest::new(cursor, VIDEO_LIST_MAX_COUNT) {
            let page =
                match guard.call(&mut out.stats, || self.client.list_videos(token, &page_request)).await {
                    Ok(page) => page,
                    Err(failure) => {
                        out.stopped = Some(PartialReason::of(&failure));
                        break;
                    }
                };
            out.stats.pages += 1;
            // Newest first: a video before the window means the rest are too.
            let reached_start = page.videos.iter().any(|v| v.create_time < window.start_ts());
            let exhausted = !page.has_more || page.videos.is_empty();
            out.videos.extend(
                page.videos
                    .into_iter()
                    .filter(|v| window.contains(v.create_time))
                    .map(|v| Video::from_display(v, &account.label)),
            );
            if out.videos.len() >= self.settings.max_videos {
                // A page may overshoot: the cap is exact.
                out.videos.truncate(self.settings.max_videos);
                out.stopped = Some(PartialReason::ResultCap);
                break;
            }
            if reached_start || exhausted {
                break;
            }
            cursor = Some(page.cursor);
        }
        out
    }
}

impl Fetch for OwnProvider {
    async fn run(&self, request: &AnalysisRequest, budget: &Budget) -> Result<Fetched, FetchError> {
        let mut accounts = self.creators.creators_of(&request.tenant).await.map_err(|e| match e {
            CreatorTokensError::Store(e) => FetchError::Store(e),
        })?;
        if let Some(wanted) = &request.account {
            accounts.retain(|a| &a.account_id == wanted);
            if accounts.is_empty() {
                return Err(FetchError::UnknownAccount);
            }
        }
        if accounts.is_empty() {
            return Err(FetchError::NoAccounts);
        }
        let guard = Guard { policy: &self.settings.retry, breaker: &self.breaker, budget };
        let per_creator =
            futures::future::join_all(accounts.iter().map(|a| self.creator_videos(a, request, &guard))).await;
        let mut out = Fetched::default();
        let mut all = Vec::new();
        for (account, creator) in accounts.iter().zip(per_creator) {
            out.stats.calls += creator.stats.calls;
            out.stats.retries += creator.stats.retries;
            out.stats.pages += creator.stats.pages;
            if let Some(reason) = creator.stopped {
                out.mark(reason);
                if reason == PartialReason::ReauthRequired {
                    out.reauth_accounts.push(account.account_id.as_str().to_owned());
                }
            }
            all.extend(creator.videos);
        }
        out.baseline = Baseline::of(&all);
        out.videos = all.into_iter().filter(|v| v.has(&request.tag)).collect();
        Ok(out)
    }
}
