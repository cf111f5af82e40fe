//! Connecting an account again after the creator removed the app at TikTok:
//! its held posts still ahead resume (`SCHEDULED`, back in the due index),
//! the ones whose time passed stay `HELD`, visible to the tenant.

use crate::common;

use aws_sdk_dynamodb::types::AttributeValue;
use common::World;
use foundation::time_format::{minute_bucket, rfc3339};
use shared::account::{disconnect, AccountStatus, DisconnectCause};
use shared::dynamo::s;
use shared::post::{Post, PostStatus, Transition};
use shared::schema;
use time::{Duration, OffsetDateTime};

/// A post of the account at `at`, written straight through the post store.
async fn post_at(w: &World, tenant: &str, account: &str, at: OffsetDateTime) -> Post {
    let now = OffsetDateTime::now_utc();
    let post: Post = serde_json::from_value(serde_json::json!({
        "id": ulid::Ulid::new().to_string(), "tenant": tenant, "account_id": account,
        "settings": {"kind": "video", "post_mode": "DIRECT_POST", "media_ids": [], "caption": "c",
                     "privacy_level": "SELF_ONLY"},
        "scheduled_at": rfc3339(at), "status": "SCHEDULED",
        "created_at": rfc3339(now), "updated_at": rfc3339(now),
    }))
    .expect("post");
    w.deps.keeper.posts.create(&post).await.expect("create post");
    post
}

async fn stored(w: &World, post: &Post) -> Post {
    w.deps.keeper.posts.get(&post.tenant, &post.id).await.expect("get").expect("post")
}

/// The post's due-index partition, if it is filed there.
async fn due_partition(w: &World, post: &Post) -> Option<String> {
    let (pk, sk) = schema::keys::post(&post.tenant, &post.id);
    let item = w
        .aws
        .dynamodb()
        .get_item()
        .table_name(&w.table)
        .key(schema::PK, s(pk))
        .key(schema::SK, s(sk))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
        .expect("item");
    item.get(schema::GSI_BY_TIME_PK).and_then(|v: &AttributeValue| v.as_s().ok()).cloned()
}

#[tokio::test]
async fn reconnecting_resumes_held_posts_still_ahead_and_leaves_past_ones_held() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let id = w.connect(&tenant, "chef_maria").await;
    let at = OffsetDateTime::now_utc() + Duration::minutes(30);
    let ahead = post_at(&w, &tenant.id, &id, at).await;
    // A post whose time passed while the account was held.
    let past = post_at(&w, &tenant.id, &id, OffsetDateTime::now_utc() - Duration::hours(1)).await;
    let hold = Transition::new(PostStatus::Held, "test", "held while its time passed");
    w.deps.keeper.posts.transition(&tenant.id, &past.id, PostStatus::Scheduled, hold).await.expect("held");

    // The creator removes the app at TikTok (the webhook's path).
    let account = w.account(&id).await;
    let removed =
        disconnect(&w.deps.keeper, &account, DisconnectCause::RemovedAtTikTok).await.expect("removed");
    assert_eq!(removed.held_posts, 1);
    assert_eq!(w.account(&id).await.status, AccountStatus::ReauthRequired);
    assert_eq!(stored(&w, &ahead).await.status, PostStatus::Held);
    assert_eq!(due_partition(&w, &ahead).await, None, "a held post is out of the due index");

    let again = w.connect(&tenant, "chef_maria").await;
    assert_eq!(again, id, "the same TikTok account is the same account");
    let account = w.account(&id).await;
    assert_eq!(account.status, AccountStatus::Active);
    assert!(account.sealed_access_token.is_some(), "fresh tokens stored");

    let resumed = stored(&w, &ahead).await;
    assert_eq!(resumed.status, PostStatus::Scheduled);
    let last = resumed.history.last().expect("history");
    assert_eq!((last.from, last.by.as_str()), (Some(PostStatus::Held), "reconnect"));
    let due = schema::keys::due(&minute_bucket(at), schema::keys::due_shard(&ahead.id));
    assert_eq!(due_partition(&w, &ahead).await, Some(due), "filed under its own minute again");

    let still = stored(&w, &past).await;
    assert_eq!(still.status, PostStatus::Held, "its time passed: the tenant decides");
    assert_eq!(still.history.len(), 1);
}

#[tokio::test]
async fn another_tenants_connect_does_not_resume_anything() {
    let w = World::start(86_400).await;
    let (a, b) = (w.tenant().await, w.tenant().await);
    let id = w.connect(&a, "travel_tom").await;
    let post = post_at(&w, &a.id, &id, OffsetDateTime::now_utc() + Duration::hours(2)).await;
    let account = w.account(&id).await;
    disconnect(&w.deps.keeper, &account, DisconnectCause::RemovedAtTikTok).await.expect("removed");

    let back = w.consent(&b, "travel_tom").await;
    let refused = common::location(&w.callback(&back, None).await);
    assert_eq!(common::param(&refused, "error").as_deref(), Some("account_owned_by_another_workspace"));
    assert_eq!(stored(&w, &post).await.status, PostStatus::Held);
}
