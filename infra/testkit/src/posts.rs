//! Posts as the pipeline's tests need them: a scheduled post written through
//! the real store, and a walk along the state machine to any status.

use foundation::time_format::rfc3339;
use shared::post::{Post, PostStatus, PostStore, Transition};
use time::{Duration, OffsetDateTime};

/// A `SCHEDULED` video post of `account_id` due at `at`, as the store
/// keeps one (no media or creator checks: those are the API's); not written.
pub fn new_post(tenant: &str, account_id: &str, at: OffsetDateTime) -> Post {
    let now = OffsetDateTime::now_utc();
    serde_json::from_value(serde_json::json!({
        "id": ulid::Ulid::new().to_string(), "tenant": tenant, "account_id": account_id,
        "settings": {"kind": "video", "post_mode": "DIRECT_POST", "media_ids": [], "caption": "c",
                     "privacy_level": "SELF_ONLY"},
        "scheduled_at": rfc3339(at), "status": "SCHEDULED",
        "created_at": rfc3339(now), "updated_at": rfc3339(now),
    }))
    .expect("post")
}

/// [`new_post`] due at `at`, written through the store (filed in the due index).
pub async fn scheduled_post_at(
    store: &PostStore,
    tenant: &str,
    account_id: &str,
    at: OffsetDateTime,
) -> Post {
    let post = new_post(tenant, account_id, at);
    store.create(&post).await.expect("create post");
    post
}

/// A scheduled post of the account, two hours out; returns its id.
pub async fn scheduled_post(store: &PostStore, tenant: &str, account_id: &str) -> String {
    let at = OffsetDateTime::now_utc() + Duration::hours(2);
    scheduled_post_at(store, tenant, account_id, at).await.id
}

/// Moves the post through each status of `path` in turn, every step a
/// conditional move of the store recorded as `by`; returns the post as the
/// last step wrote it.
pub async fn walk(store: &PostStore, tenant: &str, id: &str, by: &str, path: &[PostStatus]) -> Post {
    let mut post = store.get(tenant, id).await.expect("get post").expect("the post exists");
    for &to in path {
        let step = Transition::new(to, by, format!("test walk to {to}"));
        post = store.transition(tenant, id, post.status, step).await.unwrap_or_else(|e| panic!("{e}"));
    }
    post
}
