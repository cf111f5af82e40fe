//! Rate limits per access token (sliding one-minute windows) and per-creator daily caps.

use crate::envelope::ApiError;
use crate::posts::{PostMode, Status};
use crate::state::Store;

const WINDOW_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const PENDING_SHARE_CAP: usize = 5;

/// A per-token limit: (bucket name, calls per minute).
#[derive(Debug, Clone, Copy)]
pub struct Limit(pub &'static str, pub usize);

/// Video, inbox and photo init share one bucket.
pub const INIT: Limit = Limit("init", 6);
pub const CREATOR_INFO: Limit = Limit("creator_info", 20);
pub const STATUS: Limit = Limit("status", 30);
pub const VIDEO_LIST: Limit = Limit("video_list", 600);

/// Counts this call against `limit` for `token`, or answers 429.
pub fn take(store: &mut Store, token: &str, limit: Limit, now_ms: i64) -> Result<(), ApiError> {
    let window = store.windows.entry((token.to_string(), limit.0)).or_default();
    while window.front().is_some_and(|&t| t <= now_ms - WINDOW_MS) {
        window.pop_front();
    }
    if window.len() >= limit.1 {
        return Err(ApiError::rate_limited());
    }
    window.push_back(now_ms);
    Ok(())
}

/// Direct posts of a creator in the last 24 h that did not fail.
pub fn posts_today(store: &Store, open_id: &str, now_ms: i64) -> usize {
    store
        .posts
        .values()
        .filter(|p| p.open_id == open_id && p.mode == PostMode::DirectPost)
        .filter(|p| p.created_at_ms > now_ms - DAY_MS && p.status != Status::Failed)
        .count()
}

pub fn check_daily_cap(store: &Store, open_id: &str, cap: u32, now_ms: i64) -> Result<(), ApiError> {
    if posts_today(store, open_id, now_ms) >= cap as usize {
        return Err(ApiError::code(
            "spam_risk_too_many_posts",
            "The user has reached the daily post cap; try again tomorrow.",
        ));
    }
    Ok(())
}

/// At most five inbox drafts per creator per 24 h.
pub fn check_pending_shares(store: &Store, open_id: &str, now_ms: i64) -> Result<(), ApiError> {
    let pending = store
        .posts
        .values()
        .filter(|p| p.open_id == open_id && p.mode == PostMode::Inbox)
        .filter(|p| p.created_at_ms > now_ms - DAY_MS && p.status != Status::Failed)
        .count();
    if pending >= PENDING_SHARE_CAP {
        return Err(ApiError::code(
            "spam_risk_too_many_pending_share",
            "The user has too many pending inbox shares in the last 24 hours.",
        ));
    }
    Ok(())
}
