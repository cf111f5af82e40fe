//! The post state machine: the statuses a post moves through from intake to
//! TikTok, and the one table of which moves are allowed. Stores consult
//! [`PostStatus::can_move_to`] before every conditional write, so no code path
//! can write a status change the table does not allow.

use serde::{Deserialize, Serialize};

/// Declares the statuses once: the enum, and [`PostStatus::ALL`] in the
/// same order, so a new status cannot be left out of the list the tests and
/// `parse` walk.
macro_rules! post_statuses {
    ($($(#[doc = $doc:literal])* $status:ident,)*) => {
        /// Where a post is in the publishing pipeline.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum PostStatus {
            $($(#[doc = $doc])* $status,)*
        }

        impl PostStatus {
            /// Every status, in declaration order.
            pub const ALL: &'static [PostStatus] = &[$(PostStatus::$status,)*];
        }
    };
}

post_statuses! {
    /// Accepted, waiting for its time; editable and cancellable.
    Scheduled,
    /// Sent to the publish queue by the dispatcher; still cancellable.
    Queued,
    /// Claimed by a publisher under a lease; checks (token, limits, creator_info) run.
    Publishing,
    /// About to call TikTok's init: from here a crash is ambiguous.
    Initiating,
    /// Init answered a `publish_id`; chunks are being uploaded.
    Uploading,
    /// TikTok has the media and is processing it; status checks follow.
    Processing,
    /// A retryable failure (rate limit, 5xx, daily cap): waits for its retry time.
    RetryWait,
    /// Live on TikTok.
    Published,
    /// Delivered to the creator's inbox as a draft (`MEDIA_UPLOAD`).
    InboxDelivered,
    /// Failed for good; the reason says why.
    Failed,
    /// Cancelled by its tenant before publishing started.
    Cancelled,
    /// Paused because its account needs re-authorisation or was disconnected.
    Held,
    /// TikTok may or may not have acted (crash or lost connection after init
    /// was sent): never re-initiated; an operator or a webhook resolves it.
    NeedsAttention,
}

use PostStatus::*;

impl PostStatus {
    /// The statuses this one may move to. This is the whole state machine.
    pub fn next(self) -> &'static [PostStatus] {
        match self {
            Scheduled => &[Queued, Cancelled, Held],
            Queued => &[Publishing, Cancelled, Held],
            // Queued again: the lease expired before init was attempted.
            Publishing => &[Initiating, RetryWait, Held, Failed, Queued],
            Initiating => &[Uploading, Processing, RetryWait, Failed, Held, NeedsAttention],
            Uploading => &[Processing, Failed, NeedsAttention],
            // RetryWait: TikTok reported a retryable failure (e.g. `video_pull_failed`),
            // so a new init is safe: the earlier one ended on TikTok's side.
            Processing => &[Published, InboxDelivered, Failed, RetryWait],
            RetryWait => &[Queued, Cancelled, Held],
            Held => &[Scheduled, Cancelled],
            // A webhook or status check settles it (Published, InboxDelivered,
            // Failed); or the tenant resolves it: Scheduled only through
            // `resolve` with outcome `retry`, their recorded acceptance of a
            // possible duplicate.
            NeedsAttention => &[Published, InboxDelivered, Failed, Cancelled, Scheduled],
            Published | InboxDelivered | Failed | Cancelled => &[],
        }
    }

    pub fn can_move_to(self, to: PostStatus) -> bool {
        self.next().contains(&to)
    }

    /// No move leaves a terminal status.
    pub fn is_terminal(self) -> bool {
        self.next().is_empty()
    }

    /// The tenant may still edit or reschedule the post.
    pub fn is_editable(self) -> bool {
        self == Scheduled
    }

    /// The wire and storage name (`SCHEDULED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheduled => "SCHEDULED",
            Queued => "QUEUED",
            Publishing => "PUBLISHING",
            Initiating => "INITIATING",
            Uploading => "UPLOADING",
            Processing => "PROCESSING",
            RetryWait => "RETRY_WAIT",
            Published => "PUBLISHED",
            InboxDelivered => "INBOX_DELIVERED",
            Failed => "FAILED",
            Cancelled => "CANCELLED",
            Held => "HELD",
            NeedsAttention => "NEEDS_ATTENTION",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == raw)
    }
}

impl std::fmt::Display for PostStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification, written out pair by pair: every allowed move.
    const ALLOWED: &[(PostStatus, PostStatus)] = &[
        (Scheduled, Queued),
        (Scheduled, Cancelled),
        (Scheduled, Held),
        (Queued, Publishing),
        (Queued, Cancelled),
        (Queued, Held),
        (Publishing, Initiating),
        (Publishing, RetryWait),
        (Publishing, Held),
        (Publishing, Failed),
        (Publishing, Queued),
        (Initiating, Uploading),
        (Initiating, Processing),
        (Initiating, RetryWait),
        (Initiating, Failed),
        (Initiating, Held),
        (Initiating, NeedsAttention),
        (Uploading, Processing),
        (Uploading, Failed),
        (Uploading, NeedsAttention),
        (Processing, Published),
        (Processing, InboxDelivered),
        (Processing, Failed),
        (Processing, RetryWait),
        (RetryWait, Queued),
        (RetryWait, Cancelled),
        (RetryWait, Held),
        (Held, Scheduled),
        (Held, Cancelled),
        (NeedsAttention, Published),
        (NeedsAttention, InboxDelivered),
        (NeedsAttention, Failed),
        (NeedsAttention, Cancelled),
        (NeedsAttention, Scheduled),
    ];

    #[test]
    fn every_pair_is_allowed_exactly_when_the_table_says_so() {
        let mut checked = 0;
        for &from in PostStatus::ALL {
            for &to in PostStatus::ALL {
                let expected = ALLOWED.contains(&(from, to));
                assert_eq!(from.can_move_to(to), expected, "{from} -> {to}");
                checked += 1;
            }
        }
        assert_eq!(checked, 169);
    }

    #[test]
    fn once_initiated_a_post_can_never_be_queued_again_without_a_tiktok_verdict() {
        // Never publish twice: after init may have reached TikTok, only
        // TikTok's own answer (Processing -> RetryWait) may lead back, or the
        // tenant's explicit retry of a post that needs attention.
        for from in [Initiating, Uploading, NeedsAttention] {
            assert!(!from.can_move_to(Queued), "{from}");
            assert!(!from.can_move_to(Publishing), "{from}");
        }
        // Initiating -> RetryWait is only for a refusal TikTok answered
        // (nothing was created); an upload in progress has a publish_id.
        assert!(!Uploading.can_move_to(RetryWait));
        assert!(!NeedsAttention.can_move_to(RetryWait));
        assert!(!Initiating.can_move_to(Scheduled));
        assert!(!Uploading.can_move_to(Scheduled));
    }

    #[test]
    fn terminal_statuses_have_no_way_out() {
        for s in [Published, InboxDelivered, Failed, Cancelled] {
            assert!(s.is_terminal());
            assert!(PostStatus::ALL.iter().all(|to| !s.can_move_to(*to)));
        }
    }

    #[test]
    fn a_claimed_post_cannot_be_cancelled() {
        for s in [Publishing, Initiating, Uploading, Processing] {
            assert!(!s.can_move_to(Cancelled), "{s}");
        }
    }

    #[test]
    fn names_round_trip_through_storage_and_serde() {
        for &s in PostStatus::ALL {
            assert_eq!(PostStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).expect("json"), format!("\"{}\"", s.as_str()));
        }
        assert_eq!(PostStatus::parse("scheduled"), None);
    }
}
