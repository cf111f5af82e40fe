//! The one trait every video source implements, and what a fetch yields.
//!
//! A provider never fails because TikTok failed: it returns what it could
//! get, marked partial with the reasons. It fails only for the caller's
//! mistakes (an unknown account) or missing setup.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::metrics::Baseline;
use crate::quota::QuotaReport;
use crate::request::AnalysisRequest;
use crate::resilience::{Budget, CallFailure, CallStats};
use crate::video::Video;
use shared::error::StoreError;
use tiktok::{ErrorClass, TikTokError};

/// Why a result is partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartialReason {
    /// The time budget ran out.
    TimeBudget,
    /// The provider kept failing (5xx, transport) through the retries.
    ProviderUnavailable,
    /// The circuit is open after repeated failures: TikTok was not called.
    CircuitOpen,
    /// TikTok rate-limited the calls.
    RateLimited,
    /// The Research API's daily quota is spent.
    QuotaExhausted,
    /// A connected account must be re-authorized; its videos are missing.
    ReauthRequired,
    /// TikTok refused a call for a reason retrying cannot fix.
    ProviderRefused,
    /// More videos than an analysis reads.
    ResultCap,
}

impl PartialReason {
    /// The reason a guarded call's failure stands for.
    pub fn of(failure: &CallFailure) -> Self {
        match failure {
            CallFailure::Budget => PartialReason::TimeBudget,
            CallFailure::CircuitOpen => PartialReason::CircuitOpen,
            CallFailure::Exhausted(e) if is_rate_limit(e) => PartialReason::RateLimited,
            CallFailure::Exhausted(_) => PartialReason::ProviderUnavailable,
            CallFailure::Refused(e) if matches!(e.class(), ErrorClass::Reauth { .. }) => {
                PartialReason::ReauthRequired
            }
            CallFailure::Refused(_) => PartialReason::ProviderRefused,
        }
    }
}

fn is_rate_limit(error: &TikTokError) -> bool {
    error.failure().is_some_and(|f| f.http_status == Some(429) || f.code == "rate_limit_exceeded")
}

/// What a provider fetched.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Videos with the tag, inside the window, each once.
    pub videos: Vec<Video>,
    /// The population lift is measured against.
    pub baseline: Baseline,
    /// Empty when complete.
    pub partial: Vec<PartialReason>,
    pub stats: CallStats,
    /// Research API quota after the fetch.
    pub quota: Option<QuotaReport>,
    /// Connected accounts whose authorization must be renewed.
    pub reauth_accounts: Vec<String>,
}

impl Fetched {
    pub fn mark(&mut self, reason: PartialReason) {
        if !self.partial.contains(&reason) {
            self.partial.push(reason);
        }
    }
}

/// A fetch that could not start.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no such connected account")]
    UnknownAccount,
    #[error("the tenant has no connected TikTok account")]
    NoAccounts,
    #[error("{0}")]
    NotConfigured(&'static str),
    #[error("TikTok refused the app's Research API credentials")]
    ResearchRefused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A source of videos for an analysis.
pub trait VideoProvider: Send + Sync {
    /// The videos of `request` (tag, window, region or account), within `budget`.
    fn fetch<'a>(
        &'a self,
        request: &'a AnalysisRequest,
        budget: &'a Budget,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>>;
}

/// What a provider implements: its fetch as a plain `async fn`.
/// [`VideoProvider`], which the analysis holds as a trait object, boxes it.
pub trait Fetch: Send + Sync {
    /// The videos of `request` (tag, window, region or account), within `budget`.
    fn run(
        &self,
        request: &AnalysisRequest,
        budget: &Budget,
    ) -> impl std::future::Future<Output = Result<Fetched, FetchError>> + Send;
}

impl<T: Fetch> VideoProvider for T {
    fn fetch<'a>(
        &'a self,
        request: &'a AnalysisRequest,
        budget: &'a Budget,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(self.run(request, budget))
    }
}
