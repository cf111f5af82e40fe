//! TikTok's word on a publish, applied to its post — the one place status
//! checks and webhooks both go through, so whichever arrives first wins and
//! the second finds nothing left to do.

use aws_sdk_dynamodb::types::AttributeValue;
use tiktok::{FailReason, FailReasonClass, PublishStatus, PublishStatusKind};
use time::OffsetDateTime;

use super::{Post, PostStatus, PostStore, Transition, TransitionError};
use crate::dynamo::s;
use crate::error::StoreError;

/// What TikTok said about a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Still uploading, downloading or processing: ask again later.
    Pending,
    /// Published; the public post id once TikTok gives it.
    Published { post_id: Option<String> },
    /// The draft is in the creator's inbox (`MEDIA_UPLOAD`).
    InboxDelivered,
    /// Failed for good, with TikTok's reason.
    Failed { reason: String },
    /// Failed on TikTok's side in a way a new attempt may fix (e.g. a pull
    /// failure): that attempt is over, so a new init cannot duplicate it.
    Retry { reason: String },
}

impl Verdict {
    /// The verdict a status fetch answers.
    pub fn of_status(status: &PublishStatus) -> Self {
        match status.status {
            PublishStatusKind::PublishComplete => {
                Verdict::Published { post_id: status.publicaly_available_post_id.first().cloned() }
            }
            PublishStatusKind::SendToUserInbox => Verdict::InboxDelivered,
            PublishStatusKind::Failed => {
                Self::of_failure(status.fail_reason.clone().unwrap_or_else(|| FailReason::new("unknown")))
            }
            PublishStatusKind::ProcessingUpload
            | PublishStatusKind::ProcessingDownload
            | PublishStatusKind::Unknown => Verdict::Pending,
        }
    }

    /// The verdict of a failure reason (status fetch or `post.publish.failed`).
    pub fn of_failure(reason: FailReason) -> Self {
        match reason.class() {
            FailReasonClass::Retry => Verdict::Retry { reason: reason.0 },
            FailReasonClass::NeverRetry | FailReasonClass::MediaMustChange | FailReasonClass::Cancelled => {
                Verdict::Failed { reason: reason.0 }
            }
        }
    }
}

/// What applying a verdict did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The post moved; this is its new status.
    Moved(PostStatus),
    /// Nothing to do: still pending, or already settled by someone else.
    Unchanged,
    /// A retryable failure, but the attempts are used up: failed instead.
    AttemptsExhausted,
}

/// How a verdict moves a post from where it is. Processing is the usual
/// place; NEEDS_ATTENTION (a lost init answer) and INITIATING/UPLOADING (a
/// lost write, or a webhook faster than our own bookkeeping) are settled by
/// TikTok's word too.
fn target(from: PostStatus, verdict: &Verdict) -> Option<PostStatus> {
    use PostStatus::*;
    let to = match verdict {
        Verdict::Pending => return None,
        Verdict::Published { .. } => Published,
        Verdict::InboxDelivered => InboxDelivered,
        Verdict::Failed { .. } => Failed,
        Verdict::Retry { .. } if from == NeedsAttention => Failed,
        Verdict::Retry { .. } => RetryWait,
    };
    match from {
        Processing | NeedsAttention => Some(to),
        // An earlier step's write did not land: pass through Processing.
        Initiating | Uploading => Some(to),
        _ => None,
    }
}

/// Applies `verdict` to `post` as `by` (`publisher`, `webhook`). Retries are
/// filed for `retry_at`, unless `post.attempts` reached `max_attempts`.
pub async fn settle(
    store: &PostStore,
    post: &Post,
    verdict: &Verdict,
    by: &str,
    retry_at: OffsetDateTime,
    max_attempts: u32,
) -> Result<Settled, StoreError> {
    let Some(mut to) = target(post.status, verdict) else { return Ok(Settled::Unchanged) };
    let mut exhausted = false;
    if to == PostStatus::RetryWait && post.attempts >= max_attempts {
        to = PostStatus::Failed;
        exhausted = true;
    }
    let mut from = post.status;
    if matches!(from, PostStatus::Initiating | PostStatus::Uploading) {
        let step = Transition::new(PostStatus::Processing, by, "TikTok reported on the publish");
        match store.transition(&post.tenant, &post.id, from, step).await {
            Ok(_) => from = PostStatus::Processing,
            Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => {
                return Ok(Settled::Unchanged)
            }
            Err(TransitionError::Store(e)) => return Err(e),
        }
    }
    let reason = match verdict {
        Verdict::Published { .. } => "published on TikTok".to_owned(),
        Verdict::InboxDelivered => "delivered to the creator's TikTok inbox".to_owned(),
        Verdict::Failed { reason } => format!("TikTok failed the publish: {reason}"),
        Verdict::Retry { reason } if exhausted => {
            format!("TikTok failed the publish ({reason}); no attempts left")
        }
        Verdict::Retry { reason } => format!("TikTok failed the attempt ({reason}); retrying"),
        Verdict::Pending => return Ok(Settled::Unchanged),
    };
    let mut t = Transition::new(to, by, reason);
    if let Verdict::Published { post_id: Some(id) } = verdict {
        t = t.with("post_ids", AttributeValue::L(vec![s(id.clone())]));
    }
    if to == PostStatus::RetryWait {
        t = t.due_at(retry_at);
    }
    match store.transition(&post.tenant, &post.id, from, t).await {
        Ok(_) if exhausted => Ok(Settled::AttemptsExhausted),
        Ok(_) => Ok(Settled::Moved(to)),
        Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => Ok(Settled::Unchanged),
        Err(TransitionError::Store(e)) => Err(e),
    }
}

/// Records the public TikTok post id of an already published post
/// (`post.publish.publicly_available` may come after the completion).
pub async fn record_public_id(store: &PostStore, post: &Post, post_id: &str) -> Result<bool, StoreError> {
    if post.post_ids.iter().any(|p| p == post_id) || post.status != PostStatus::Published {
        return Ok(false);
    }
    store.add_public_post_id(post, post_id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use PostStatus::*;

    #[test]
    fn verdicts_follow_the_contract() {
        let status = |kind, reason: Option<&str>| PublishStatus {
            status: kind,
            fail_reason: reason.map(FailReason::new),
            publicaly_available_post_id: vec!["7301".into()],
            uploaded_bytes: None,
            downloaded_bytes: None,
        };
        assert_eq!(
            Verdict::of_status(&status(PublishStatusKind::PublishComplete, None)),
            Verdict::Published { post_id: Some("7301".into()) }
        );
        assert_eq!(
            Verdict::of_status(&status(PublishStatusKind::SendToUserInbox, None)),
            Verdict::InboxDelivered
        );
        assert_eq!(Verdict::of_status(&status(PublishStatusKind::ProcessingUpload, None)), Verdict::Pending);
        assert!(matches!(
            Verdict::of_status(&status(PublishStatusKind::Failed, Some("video_pull_failed"))),
            Verdict::Retry { .. }
        ));
        for never in ["spam_risk_too_many_posts", "auth_removed", "duration_check_failed", "something_new"] {
            assert!(matches!(Verdict::of_failure(FailReason::new(never)), Verdict::Failed { .. }), "{never}");
        }
    }

    #[test]
    fn only_posts_tiktok_is_working_on_are_settled() {
        let published = Verdict::Published { post_id: None };
        let retry = Verdict::Retry { reason: "internal".into() };
        assert_eq!(target(Processing, &published), Some(Published));
        assert_eq!(target(NeedsAttention, &published), Some(Published));
        assert_eq!(target(Uploading, &published), Some(Published));
        assert_eq!(target(Processing, &retry), Some(RetryWait));
        // A post that needs attention is never re-queued by TikTok's word alone.
        assert_eq!(target(NeedsAttention, &retry), Some(Failed));
        for settled in [Published, InboxDelivered, Failed, Cancelled, Scheduled, Queued, Held] {
            assert_eq!(target(settled, &published), None, "{settled}");
        }
        assert_eq!(target(Processing, &Verdict::Pending), None);
    }
}
