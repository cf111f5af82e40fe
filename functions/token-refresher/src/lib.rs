//! The token refresher: on an EventBridge schedule, finds the accounts whose
//! access token expires within the window (the `by-time` index, hour by
//! hour — never a Scan) and refreshes each, a few at a time.
//!
//! Each refresh goes through `TokenKeeper::refresh_expiring`, under the
//! account's lease, so a refresher racing the publisher (or another
//! refresher) causes one refresh. A refresh TikTok refuses marks the account
//! `REAUTH_REQUIRED` and holds its posts (inside the keeper). A token that
//! cannot be decrypted is a failure with its typed kind, never a fallback.
//! One EMF line per outcome is emitted per run; the run's summary is returned.

pub mod config;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::eventbridge::EventBridgeEvent;
use futures::stream::{self, StreamExt};
use lambda_runtime::{Context, Error, LambdaEvent};
use serde::Serialize;
use shared::{
    account::{RefreshOutcome, TokenError, TokenKeeper},
    aws::Aws,
    emf::Metrics,
    vault::{SecretCache, SecretError, VaultError},
};
use tiktok::{TikTokClient, TikTokError};
use time::OffsetDateTime;
use tracing::Instrument;

use crate::config::RefresherConfig;

/// Stop starting refreshes when less than this remains of the invocation.
const DEADLINE_RESERVE: Duration = Duration::from_secs(10);
/// The metric every outcome line carries, with an `Outcome` dimension.
pub const METRIC: &str = "TokenRefreshes";
/// Failures listed by id in the summary (the counts cover all).
const MAX_LISTED: usize = 100;

/// What the refresher needs, built once at init.
pub struct Deps {
    pub config: RefresherConfig,
    pub keeper: TokenKeeper,
    pub metrics: Metrics,
}

impl Deps {
    /// The keeper takes the app credentials from the cached app secret for
    /// every refresh.
    pub fn new(config: RefresherConfig, aws: &Aws, metrics: Metrics) -> Result<Self, TikTokError> {
        let client = TikTokClient::new(config.tiktok.clone())?;
        let secrets = Arc::new(SecretCache::for_stack(aws.secrets(), &config.stack));
        Ok(Self {
            keeper: TokenKeeper::new(
                &aws.dynamodb(),
                &config.stack.table_name,
                secrets,
                client,
                "token-refresher",
            ),
            metrics,
            config,
        })
    }
}

/// One account's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Refreshed,
    /// Fresh by the time the lease was held (refreshed by another caller).
    NotNeeded,
    ReauthRequired,
    /// With its kind, e.g. `vault_undecryptable`.
    Failed(&'static str),
}

/// An account that was not refreshed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unrefreshed {
    pub account_id: String,
    pub kind: &'static str,
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub found: usize,
    pub refreshed: usize,
    pub not_needed: usize,
    pub reauth_required: usize,
    pub failed: usize,
    /// Left for the next run: the invocation was about to time out.
    pub deferred: usize,
    /// Accounts marked `REAUTH_REQUIRED` or failed (at most 100).
    pub unrefreshed: Vec<Unrefreshed>,
}

impl Summary {
    fn add(&mut self, account_id: String, outcome: Outcome) {
        let kind = match outcome {
            Outcome::Refreshed => return self.refreshed += 1,
            Outcome::NotNeeded => return self.not_needed += 1,
            Outcome::ReauthRequired => {
                self.reauth_required += 1;
                "reauth_required"
            }
            Outcome::Failed(kind) => {
                self.failed += 1;
                kind
            }
        };
        if self.unrefreshed.len() < MAX_LISTED {
            self.unrefreshed.push(Unrefreshed { account_id, kind });
        }
    }
}

/// One scheduled run. A failing index query fails the invocation (EventBridge
/// retries it); single accounts' failures are counted, not raised.
pub async fn handle(event: LambdaEvent<EventBridgeEvent>, deps: &Deps) -> Result<Summary, Error> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let until = now + deps.config.window_seconds;
    let mut seen = HashSet::new();
    let ids: Vec<String> = deps
        .keeper
        .accounts
        .expiring(now - deps.config.lookback_seconds, until)
        .await?
        .into_iter()
        .map(|a| a.id)
        .filter(|id| seen.insert(id.clone()))
        .collect();
    let cutoff = cutoff(&event.context);
    let found = ids.len();
    let outcomes: Vec<(String, Outcome)> = stream::iter(ids)
        .take_while(|_| std::future::ready(cutoff.is_none_or(|c| SystemTime::now() < c)))
        .map(|id| async move {
            let span = tracing::info_span!("refresh", account = %id);
            let outcome = refresh_one(&id, until, deps).instrument(span).await;
            (id, outcome)
        })
        .buffer_unordered(deps.config.concurrency)
        .collect()
        .await;
    let mut summary = Summary { found, deferred: found - outcomes.len(), ..Summary::default() };
    for (id, outcome) in outcomes {
        summary.add(id, outcome);
    }
    emit(&deps.metrics, &summary);
    tracing::info!(
        found = summary.found,
        refreshed = summary.refreshed,
        not_needed = summary.not_needed,
        reauth_required = summary.reauth_required,
        failed = summary.failed,
        deferred = summary.deferred,
        "token refresh run"
    );
    Ok(summary)
}

/// When to stop starting refreshes; `None` without a deadline (tests).
fn cutoff(context: &Context) -> Option<SystemTime> {
    (context.deadline > 0)
        .then(|| UNIX_EPOCH + Duration::from_millis(context.deadline))
        .and_then(|deadline| deadline.checked_sub(DEADLINE_RESERVE))
}

async fn refresh_one(id: &str, until: i64, deps: &Deps) -> Outcome {
    let outcome = match deps.keeper.refresh_expiring(id, until).await {
        Ok(RefreshOutcome::Refreshed) => Outcome::Refreshed,
        Ok(RefreshOutcome::NotNeeded) => Outcome::NotNeeded,
        Err(TokenError::ReauthRequired(_)) => Outcome::ReauthRequired,
        Err(e) => {
            let kind = failure_kind(&e);
            tracing::error!(kind, retryable = e.is_retryable(), error = %e, "token refresh failed");
            Outcome::Failed(kind)
        }
    };
    tracing::info!(outcome = ?outcome, "token refresh");
    outcome
}

/// A stable, typed name for a failure (metrics, summary, alarms).
pub fn failure_kind(e: &TokenError) -> &'static str {
    match e {
        TokenError::Vault(VaultError::Undecryptable) => "vault_undecryptable",
        TokenError::Vault(VaultError::UnknownKey(_)) => "vault_unknown_key",
        TokenError::Vault(VaultError::Malformed) => "vault_malformed",
        TokenError::Vault(VaultError::BadSecret(_)) | TokenError::Secret(SecretError::Invalid(_)) => {
            "app_secret_invalid"
        }
        TokenError::Secret(SecretError::Unavailable(_)) => "app_secret_unavailable",
        TokenError::TikTok(_) => "tiktok",
        TokenError::Store(_) => "store",
        TokenError::LeaseTimeout => "lease_timeout",
        TokenError::NotFound => "not_found",
        TokenError::ReauthRequired(_) => "reauth_required",
    }
}

/// One line per outcome, zeros included, so alarms always have data.
fn emit(metrics: &Metrics, s: &Summary) {
    for (outcome, count) in [
        ("refreshed", s.refreshed),
        ("not_needed", s.not_needed),
        ("reauth_required", s.reauth_required),
        ("failed", s.failed),
        ("deferred", s.deferred),
    ] {
        metrics.count(METRIC, count as u64, &[("Outcome", outcome)]);
    }
}
