//! A post as the API shows it: its settings, where it is, and its timeline —
//! every status move in order, who made it (by role only: lease owners and
//! tenant ids are internal), TikTok's ids, the attempts, and while it needs
//! attention, how to resolve it.

use serde::Serialize;
use shared::post::{HistoryEntry, Post, PostSettings, PostStatus};

use crate::resolve::Outcome;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PostView {
    pub id: String,
    pub account_id: String,
    #[schema(value_type = Object)]
    pub settings: PostSettings,
    pub scheduled_at: String,
    #[schema(value_type = String, example = "SCHEDULED")]
    pub status: PostStatus,
    /// Why the post is failed, held, waiting or needs attention.
    pub status_reason: Option<String>,
    /// Every status move, oldest first.
    pub history: Vec<TimelineEntry>,
    /// TikTok's id of the publish, once TikTok answered the init.
    pub publish_id: Option<String>,
    /// TikTok's public post ids, once published.
    pub post_ids: Vec<String>,
    /// Publish attempts so far.
    pub attempts: u32,
    /// Present only while the post is `NEEDS_ATTENTION`.
    pub resolve: Option<ResolveHint>,
    pub created_at: String,
    pub updated_at: String,
}

/// One status move.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// Absent on the first entry (creation).
    #[schema(value_type = Option<String>, example = "QUEUED")]
    pub from: Option<PostStatus>,
    #[schema(value_type = String, example = "PUBLISHING")]
    pub to: PostStatus,
    /// RFC 3339 UTC.
    pub at: String,
    /// Who moved it: `api`, `dispatcher`, `publisher`, `webhook`, ...
    #[schema(example = "publisher")]
    pub by: String,
    pub reason: String,
}

/// How a tenant settles a post that needs attention.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResolveHint {
    #[schema(example = "POST")]
    pub method: &'static str,
    #[schema(example = "/posts/01JDQ3Z8Q4M0V6C1R9T2X5Y7AB/resolve")]
    pub path: String,
    /// `retry` publishes again and may duplicate the post on TikTok.
    pub outcomes: Vec<Outcome>,
}

/// The role part of a `by` (`publisher:{lease owner}` → `publisher`,
/// `api:{tenant}` → `api`): what comes after the first `:` is internal.
fn role(by: &str) -> String {
    by.split(':').next().unwrap_or_default().to_owned()
}

impl From<HistoryEntry> for TimelineEntry {
    fn from(e: HistoryEntry) -> Self {
        Self { from: e.from, to: e.to, at: e.at, by: role(&e.by), reason: e.reason }
    }
}

impl From<Post> for PostView {
    fn from(p: Post) -> Self {
        let resolve = (p.status == PostStatus::NeedsAttention).then(|| ResolveHint {
            method: "POST",
            path: format!("/posts/{}/resolve", p.id),
            outcomes: Outcome::ALL.to_vec(),
        });
        Self {
            id: p.id,
            account_id: p.account_id,
            settings: p.settings,
            scheduled_at: p.scheduled_at,
            status: p.status,
            status_reason: p.status_reason,
            history: p.history.into_iter().map(TimelineEntry::from).collect(),
            publish_id: p.publish_id,
            post_ids: p.post_ids,
            attempts: p.attempts,
            resolve,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::role;

    #[test]
    fn only_the_role_of_a_mover_is_shown() {
        assert_eq!(role("publisher:lambda-7f3a:msg-1"), "publisher");
        assert_eq!(role("api:01JDQ3Z8Q4M0V6C1R9T2X5Y7AB"), "api");
        assert_eq!(role("dispatcher"), "dispatcher");
        assert_eq!(role(""), "");
    }
}
