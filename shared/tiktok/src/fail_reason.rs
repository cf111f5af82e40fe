//! Classification of the `fail_reason` a FAILED publish status carries.

use serde::{Deserialize, Serialize};

/// What to do about a publish that TikTok reports FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReasonClass {
    /// TikTok's side failed (`internal`, `video_pull_failed`, `photo_pull_failed`):
    /// a new attempt may succeed.
    Retry,
    /// Never retry (`auth_removed`, `spam_risk*`, and anything unknown: a
    /// blind retry of an unknown failure risks breaking TikTok's rules).
    NeverRetry,
    /// The media must change before another attempt.
    MediaMustChange,
    /// The post was cancelled through `POST /v2/post/publish/cancel/`.
    Cancelled,
}

/// TikTok's `fail_reason`, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FailReason(pub String);

/// Fail reasons after which a new attempt may succeed.
pub const RETRYABLE_FAIL_REASONS: &[&str] = &["internal", "video_pull_failed", "photo_pull_failed"];
/// Fail reasons that need different media.
pub const MEDIA_FAIL_REASONS: &[&str] = &[
    "file_format_check_failed",
    "duration_check_failed",
    "frame_rate_check_failed",
    "picture_size_check_failed",
];

impl FailReason {
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What to do about it.
    pub fn class(&self) -> FailReasonClass {
        let reason = self.as_str();
        if RETRYABLE_FAIL_REASONS.contains(&reason) {
            FailReasonClass::Retry
        } else if MEDIA_FAIL_REASONS.contains(&reason) {
            FailReasonClass::MediaMustChange
        } else if reason == "publish_cancelled" {
            FailReasonClass::Cancelled
        } else {
            FailReasonClass::NeverRetry
        }
    }

    /// `auth_removed`: the creator revoked the app; the account needs re-authorization.
    pub fn is_auth_removed(&self) -> bool {
        self.as_str() == "auth_removed"
    }
}
