//! `CheckStatus`: one status fetch per message, never a polling loop inside
//! an invocation. A publish still in progress gets the next check queued
//! with a growing delay (5 s doubling, capped at 900 s); TikTok's verdict is
//! applied through the same settle step as the webhooks, so whichever comes
//! first wins.

use shared::error::StoreError;
use shared::post::queue::{status_check_delay, Outgoing, PublishMessage};
use shared::post::settle::{settle, Settled, Verdict};
use shared::post::{Post, PostStatus, Transition, TransitionError};
use shared::tenant::TenantId;
use tiktok::{ErrorClass, PublishId};
use time::{Duration, OffsetDateTime};

use crate::limits::Call;
use crate::publish::jitter;
use crate::Deps;

pub async fn check(deps: &Deps, tenant: &TenantId, post_id: &str, check: u32) -> Result<(), StoreError> {
    let Some(post) = deps.posts.get(tenant.as_str(), post_id).await? else { return Ok(()) };
    let Some(publish_id) = post.publish_id.clone() else { return Ok(()) };
    if !matches!(post.status, PostStatus::Processing | PostStatus::NeedsAttention) {
        // Settled already (a webhook was faster), or not handed to TikTok yet.
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    if let Some(next) = deps.limiter.take(&post.account_id, Call::Status, now).await? {
        let wait = (next - now + jitter()).max(Duration::seconds(1));
        return again(deps, &post, check, std::time::Duration::try_from(wait).unwrap_or_default()).await;
    }
    let token = match deps.keeper.access_token(&post.account_id).await {
        Ok(token) => token,
        Err(e) => {
            // Without a token the webhook (or a reconnect) will tell.
            tracing::warn!(error = %e, "no token for the status check; trying later");
            return again(deps, &post, check + 1, status_check_delay(check + 1)).await;
        }
    };
    match deps.client().fetch_status(&token, &PublishId(publish_id)).await {
        Ok(status) => {
            let verdict = Verdict::of_status(&status);
            if verdict == Verdict::Pending {
                return pending(deps, &post, check).await;
            }
            let retry_at = now + Duration::seconds(30) + jitter();
            let settled =
                settle(&deps.posts, &post, &verdict, "publisher", retry_at, deps.config.max_attempts).await?;
            record(deps, &post, &verdict, &settled);
            Ok(())
        }
        Err(e) => match e.class() {
            ErrorClass::Retry { .. } | ErrorClass::Ambiguous | ErrorClass::Wait => {
                tracing::warn!(error = %e, "status fetch failed; trying later");
                again(deps, &post, check + 1, status_check_delay(check + 1)).await
            }
            ErrorClass::Reauth { .. } | ErrorClass::Permanent => {
                tracing::warn!(error = %e, "status fetch refused; the webhook may still settle the post");
                again(deps, &post, check + 1, status_check_delay(check + 1)).await
            }
        },
    }
}

/// TikTok is still working: check again later, or give up after the
/// configured time since the post was handed over.
async fn pending(deps: &Deps, post: &Post, check: u32) -> Result<(), StoreError> {
    let handed_over = post
        .history
        .iter()
        .rev()
        .find(|h| h.to == PostStatus::Initiating)
        .and_then(|h| OffsetDateTime::parse(&h.at, &time::format_description::well_known::Rfc3339).ok());
    let give_up = deps.config.status_give_up;
    if handed_over.is_some_and(|at| OffsetDateTime::now_utc() - at > give_up)
        && post.status == PostStatus::Processing
    {
        let reason = format!("TikTok did not finish processing within {} hours", give_up.as_secs() / 3600);
        let t = Transition::new(PostStatus::Failed, "publisher", reason);
        return match deps.posts.transition(&post.tenant, &post.id, PostStatus::Processing, t).await {
            Ok(_) | Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => Ok(()),
            Err(TransitionError::Store(e)) => Err(e),
        };
    }
    again(deps, post, check + 1, status_check_delay(check + 1)).await
}

/// Queues the next check, and moves the post's due-index reminder past it
/// (so the dispatcher sends one only if this message is lost).
async fn again(deps: &Deps, post: &Post, check: u32, delay: std::time::Duration) -> Result<(), StoreError> {
    let (Some(tenant), Ok(post_id)) = (TenantId::parse(&post.tenant), shared::ids::PostId::parse(&post.id))
    else {
        return Ok(());
    };
    deps.queue
        .send(&Outgoing { message: PublishMessage::CheckStatus { tenant, post_id, check }, delay })
        .await?;
    let reminder =
        OffsetDateTime::now_utc() + Duration::try_from(delay).unwrap_or_default() + Duration::minutes(10);
    deps.posts.refile(post, post.status, reminder).await?;
    Ok(())
}

/// Metrics of a settled post: outcome, reason, end-to-end latency.
fn record(deps: &Deps, post: &Post, verdict: &Verdict, settled: &Settled) {
    let Settled::Moved(to) = settled else {
        if *settled == Settled::AttemptsExhausted {
            deps.metrics.count("Failed", 1, &[("Reason", "attempts_exhausted")]);
        }
        return;
    };
    match (to, verdict) {
        (PostStatus::Published | PostStatus::InboxDelivered, _) => {
            let due =
                OffsetDateTime::parse(&post.scheduled_at, &time::format_description::well_known::Rfc3339);
            let latency = due.map(|d| (OffsetDateTime::now_utc() - d).as_seconds_f64()).unwrap_or(0.0);
            deps.metrics.emit(
                &[],
                &[
                    ("Published", 1.0, shared::emf::Unit::Count),
                    ("EndToEndLatency", latency, shared::emf::Unit::Seconds),
                ],
            );
        }
        (PostStatus::Failed, Verdict::Failed { reason }) => {
            deps.metrics.count("Failed", 1, &[("Reason", reason.as_str())]);
        }
        (PostStatus::RetryWait, _) => deps.metrics.count("Retried", 1, &[]),
        _ => {}
    }
}
