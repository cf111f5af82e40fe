//! What the dispatcher does with one post it found in the due index: the
//! pipeline contract between dispatcher and publisher, as a pure function of
//! the post, the time it was filed under and the tick's clock.

use std::time::Duration as StdDuration;

use shared::post::{queue::MAX_DELAY, Post, PostStatus};
use time::{Duration, OffsetDateTime};

/// A tick acts on posts filed up to this far ahead: a post due in the next
/// minute is sent now with a delay, so it leaves on its second.
pub const LOOKAHEAD: Duration = Duration::seconds(60);
/// When the dispatcher looks again at a post it queued or re-sent a message
/// for: if that message was lost, this reminder sends another.
pub const REMINDER: Duration = Duration::minutes(10);
/// When the dispatcher looks again at a post whose status check it sent.
pub const CHECK_REMINDER: Duration = Duration::minutes(15);

/// Why the tick sends a `Publish` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// `SCHEDULED → QUEUED`: the post's time came.
    Due,
    /// `RETRY_WAIT → QUEUED`: its retry time came.
    Retry,
    /// `PUBLISHING → QUEUED`: the lease expired before init.
    Reclaim,
    /// `QUEUED`: the earlier message may be lost; send another.
    Resend,
    /// `UPLOADING`: the lease expired mid-upload; the publisher fails the
    /// post ("upload interrupted"), never a second init.
    Resume,
}

impl Cause {
    /// The reason recorded with the move to `QUEUED`.
    pub fn reason(self) -> &'static str {
        match self {
            Cause::Due => "due",
            Cause::Retry => "the retry time came",
            Cause::Reclaim => "the lease expired before init",
            Cause::Resend => "the queue message may be lost",
            Cause::Resume => "the lease expired during the upload",
        }
    }
}

/// The dispatcher's decision about one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Move to `QUEUED` (from `from`) and send `Publish` to become visible
    /// at `visible_at`; look again at `remind_at`.
    Queue { from: PostStatus, why: Cause, visible_at: OffsetDateTime, remind_at: OffsetDateTime },
    /// Keep the status, send `Publish` now and look again at `remind_at`.
    Resend { why: Cause, remind_at: OffsetDateTime },
    /// `PROCESSING` with its status check overdue: send `CheckStatus`.
    CheckStatus { remind_at: OffsetDateTime },
    /// `INITIATING` with an expired lease and no `publish_id`: TikTok may
    /// have created the post, so it is never queued again.
    NeedsAttention,
    /// Filed for later in this minute, or its lease is still held.
    NotYet,
    /// A status the dispatcher leaves alone.
    Skip,
}

/// The reason recorded on a post that needs attention.
pub const NEEDS_ATTENTION_REASON: &str =
    "the publisher stopped after sending TikTok's init; TikTok may have \
     created the post — resolve it with POST /posts/{id}/resolve";

/// Decides what to do with `post`, filed in the due index at `filed_at`,
/// for a tick running at `now`.
pub fn plan(post: &Post, filed_at: OffsetDateTime, now: OffsetDateTime) -> Action {
    if filed_at > now + LOOKAHEAD {
        return Action::NotYet;
    }
    let came = filed_at <= now;
    // Epoch seconds: a lease expiring at T is expired once T has passed.
    let lease_expired = post.lease_expires_at.map_or(came, |at| at < now.unix_timestamp());
    let queue = |from, why| Action::Queue {
        from,
        why,
        visible_at: filed_at.max(now),
        remind_at: filed_at.max(now) + REMINDER,
    };
    match post.status {
        PostStatus::Scheduled => queue(PostStatus::Scheduled, Cause::Due),
        PostStatus::RetryWait => queue(PostStatus::RetryWait, Cause::Retry),
        PostStatus::Queued if came => Action::Resend { why: Cause::Resend, remind_at: now + REMINDER },
        PostStatus::Publishing if lease_expired => queue(PostStatus::Publishing, Cause::Reclaim),
        PostStatus::Initiating if lease_expired && post.publish_id.is_none() => Action::NeedsAttention,
        // An init that answered: the publisher records the next status with
        // the id; nothing here may send it to TikTok again.
        PostStatus::Initiating if lease_expired => Action::Skip,
        PostStatus::Uploading if lease_expired => {
            Action::Resend { why: Cause::Resume, remind_at: now + REMINDER }
        }
        PostStatus::Processing if came => Action::CheckStatus { remind_at: now + CHECK_REMINDER },
        PostStatus::Queued
        | PostStatus::Publishing
        | PostStatus::Initiating
        | PostStatus::Uploading
        | PostStatus::Processing => Action::NotYet,
        PostStatus::Published
        | PostStatus::InboxDelivered
        | PostStatus::Failed
        | PostStatus::Cancelled
        | PostStatus::Held
        | PostStatus::NeedsAttention => Action::Skip,
    }
}

/// The SQS delay that makes a message visible at `visible_at` when sent at
/// `now`: whole seconds rounded up (never early), within 0..=900.
pub fn delay_until(visible_at: OffsetDateTime, now: OffsetDateTime) -> StdDuration {
    let nanos = (visible_at - now).whole_nanoseconds().max(0);
    let secs = u64::try_from((nanos + 999_999_999) / 1_000_000_000).unwrap_or(u64::MAX);
    StdDuration::from_secs(secs).min(MAX_DELAY)
}

/// How long after its due time a post was found; `None` when on time.
pub fn lateness(filed_at: OffsetDateTime, found: OffsetDateTime) -> Option<StdDuration> {
    let late = found - filed_at;
    late.is_positive().then(|| late.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::post::PostSettings;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-30 18:00:05 UTC);

    fn post(status: PostStatus) -> Post {
        let scheduled = Post::scheduled(
            "01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
            "t1".into(),
            "a1".into(),
            PostSettings::video("SELF_ONLY"),
            "2026-11-30T18:00:35Z".into(),
            String::new(),
        );
        Post { status, ..scheduled }
    }

    fn leased(status: PostStatus, expires: OffsetDateTime) -> Post {
        Post {
            lease_owner: Some("publisher:x".into()),
            lease_expires_at: Some(expires.unix_timestamp()),
            ..post(status)
        }
    }

    #[test]
    fn a_post_due_within_the_minute_is_queued_to_arrive_on_its_second() {
        let due = NOW + Duration::seconds(30);
        let action = plan(&post(PostStatus::Scheduled), due, NOW);
        assert_eq!(
            action,
            Action::Queue {
                from: PostStatus::Scheduled,
                why: Cause::Due,
                visible_at: due,
                remind_at: due + REMINDER
            }
        );
        assert_eq!(delay_until(due, NOW), StdDuration::from_secs(30));
        assert_eq!(lateness(due, NOW), None);
    }

    #[test]
    fn a_post_found_late_goes_at_once_and_its_lateness_is_measured() {
        let due = NOW - Duration::seconds(90);
        let Action::Queue { visible_at, remind_at, .. } = plan(&post(PostStatus::Scheduled), due, NOW) else {
            panic!("queued");
        };
        assert_eq!(visible_at, NOW, "no delay for a late post");
        assert_eq!(remind_at, NOW + REMINDER, "the reminder counts from now, not from the past");
        assert_eq!(delay_until(visible_at, NOW), StdDuration::ZERO);
        assert_eq!(lateness(due, NOW), Some(StdDuration::from_secs(90)));
    }

    #[test]
    fn delays_round_up_and_stay_within_what_sqs_takes() {
        assert_eq!(delay_until(NOW + Duration::milliseconds(29_100), NOW), StdDuration::from_secs(30));
        assert_eq!(delay_until(NOW + Duration::hours(2), NOW), MAX_DELAY);
        assert_eq!(delay_until(NOW - Duration::hours(2), NOW), StdDuration::ZERO);
    }

    #[test]
    fn later_posts_and_live_leases_are_left_alone() {
        assert_eq!(plan(&post(PostStatus::Scheduled), NOW + Duration::minutes(5), NOW), Action::NotYet);
        assert_eq!(plan(&post(PostStatus::Scheduled), NOW + Duration::seconds(61), NOW), Action::NotYet);
        let live = NOW + Duration::seconds(20);
        for status in [PostStatus::Publishing, PostStatus::Initiating, PostStatus::Uploading] {
            assert_eq!(
                plan(&leased(status, live), NOW - Duration::seconds(5), NOW),
                Action::NotYet,
                "{status}"
            );
        }
        // A reminder filed for later in this minute has not come yet.
        let later = NOW + Duration::seconds(20);
        assert_eq!(plan(&post(PostStatus::Queued), later, NOW), Action::NotYet);
        assert_eq!(plan(&post(PostStatus::Processing), later, NOW), Action::NotYet);
    }

    #[test]
    fn expired_leases_are_recovered_by_what_is_safe_for_their_status() {
        let expired = NOW - Duration::seconds(2);
        assert!(matches!(
            plan(&leased(PostStatus::Publishing, expired), expired, NOW),
            Action::Queue { from: PostStatus::Publishing, why: Cause::Reclaim, .. }
        ));
        assert_eq!(plan(&leased(PostStatus::Initiating, expired), expired, NOW), Action::NeedsAttention);
        let answered = Post { publish_id: Some("v_pub_1".into()), ..leased(PostStatus::Initiating, expired) };
        assert_eq!(plan(&answered, expired, NOW), Action::Skip, "never re-initiated, never flagged twice");
        assert!(matches!(
            plan(&leased(PostStatus::Uploading, expired), expired, NOW),
            Action::Resend { why: Cause::Resume, .. }
        ));
    }

    #[test]
    fn reminders_retries_and_status_checks_that_came_are_acted_on() {
        let came = NOW - Duration::seconds(1);
        assert_eq!(
            plan(&post(PostStatus::Queued), came, NOW),
            Action::Resend { why: Cause::Resend, remind_at: NOW + REMINDER }
        );
        assert_eq!(
            plan(&post(PostStatus::Processing), came, NOW),
            Action::CheckStatus { remind_at: NOW + CHECK_REMINDER }
        );
        let retry_at = NOW + Duration::seconds(12);
        assert!(matches!(
            plan(&post(PostStatus::RetryWait), retry_at, NOW),
            Action::Queue { from: PostStatus::RetryWait, why: Cause::Retry, visible_at, .. } if visible_at == retry_at
        ));
    }

    #[test]
    fn settled_cancelled_held_and_flagged_posts_are_skipped() {
        for status in [
            PostStatus::Published,
            PostStatus::InboxDelivered,
            PostStatus::Failed,
            PostStatus::Cancelled,
            PostStatus::Held,
            PostStatus::NeedsAttention,
        ] {
            assert_eq!(plan(&post(status), NOW - Duration::minutes(1), NOW), Action::Skip, "{status}");
        }
    }
}
