//! Publish events settle posts through the same step status checks take:
//! once, whichever arrives first, with TikTok's fail reasons classified.

use crate::common;

use common::{publish_id, World};
use serde_json::json;
use shared::post::settle::{settle, Settled, Verdict};
use shared::post::{Post, PostStatus};
use time::OffsetDateTime;

/// The history entries `by` wrote.
fn moves_by<'a>(post: &'a Post, by: &str) -> Vec<&'a shared::post::HistoryEntry> {
    post.history.iter().filter(|h| h.by == by).collect()
}

#[tokio::test]
async fn a_duplicate_delivery_is_applied_once() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let body = w.body("post.publish.failed", "oid", json!({"publish_id": id, "reason": "internal"}));

    let first = w.deliver(&body).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let after_first = w.post(&post).await;
    assert_eq!(after_first.status, PostStatus::RetryWait);
    let mark = w.mark(&body).await.expect("marked once applied");
    let expires: i64 = mark["expires_at"].as_n().expect("ttl").parse().expect("number");
    let now = OffsetDateTime::now_utc().unix_timestamp();
    assert!((now + 4 * 86_400 - 60..=now + 4 * 86_400).contains(&expires), "kept 4 days: {}", expires - now);

    // TikTok retries (re-signed, same body), and sometimes sends two copies.
    for _ in 0..2 {
        let again = w.deliver(&body).await;
        assert_eq!(again.status, 200, "{}", again.text);
        assert_eq!(again.body, json!({}));
    }
    assert_eq!(w.post(&post).await, after_first, "nothing written again");
    assert_eq!(moves_by(&after_first, "webhook").len(), 1);
    assert_eq!(w.metric("WebhookApplied", &[]), 1);
    assert_eq!(w.metric("WebhookDuplicate", &[("Event", "post.publish.failed")]), 2);
}

#[tokio::test]
async fn webhook_first_then_the_status_check_finds_nothing_to_do() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let reply = w.deliver(&w.body("post.publish.complete", "oid", json!({"publish_id": id}))).await;
    assert_eq!(reply.status, 200, "{}", reply.text);

    // The publisher's status check read the post before the webhook landed.
    let verdict = Verdict::Published { post_id: None };
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let settled = settle(&w.deps.keeper.posts, &post, &verdict, "publisher", later, 3).await.expect("settle");
    assert_eq!(settled, Settled::Unchanged);
    let stored = w.post(&post).await;
    assert_eq!(stored.status, PostStatus::Published);
    let published: Vec<_> = stored.history.iter().filter(|h| h.to == PostStatus::Published).collect();
    assert_eq!(published.len(), 1, "settled once");
    assert_eq!(published[0].by, "webhook");
}

#[tokio::test]
async fn status_check_first_then_the_webhook_finds_nothing_to_do() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let verdict = Verdict::Published { post_id: None };
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let settled = settle(&w.deps.keeper.posts, &post, &verdict, "publisher", later, 3).await.expect("settle");
    assert_eq!(settled, Settled::Moved(PostStatus::Published));

    let reply = w.deliver(&w.body("post.publish.complete", "oid", json!({"publish_id": id}))).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let stored = w.post(&post).await;
    assert!(moves_by(&stored, "webhook").is_empty(), "{:?}", stored.history);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "unchanged")]), 1);
}

#[tokio::test]
async fn a_retryable_failure_waits_for_a_retry_and_a_permanent_one_fails() {
    let w = World::start().await;
    let (pull, banned) = (publish_id(), publish_id());
    let retry = w.post_in(PostStatus::Processing, &pull, 1).await;
    let fail = w.post_in(PostStatus::Processing, &banned, 1).await;
    let pull_failed =
        json!({"publish_id": pull, "reason": "video_pull_failed", "publish_type": "DIRECT_POST"});
    assert_eq!(w.deliver(&w.body("post.publish.failed", "oid", pull_failed)).await.status, 200);
    let banned_body = json!({"publish_id": banned, "reason": "spam_risk_user_banned_from_posting"});
    assert_eq!(w.deliver(&w.body("post.publish.failed", "oid", banned_body)).await.status, 200);

    let retry = w.post(&retry).await;
    assert_eq!(retry.status, PostStatus::RetryWait);
    assert!(retry.status_reason.as_deref().is_some_and(|r| r.contains("video_pull_failed")), "{retry:?}");
    let fail = w.post(&fail).await;
    assert_eq!(fail.status, PostStatus::Failed);
    assert!(fail.status_reason.as_deref().is_some_and(|r| r.contains("spam_risk_user_banned_from_posting")));
}

#[tokio::test]
async fn a_retryable_failure_with_no_attempts_left_fails() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 3).await;
    let reply = w
        .deliver(&w.body("post.publish.failed", "oid", json!({"publish_id": id, "reason": "internal"})))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(w.post(&post).await.status, PostStatus::Failed);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "attempts_exhausted")]), 1);
}

#[tokio::test]
async fn inbox_delivery_settles_the_post() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let content = json!({"publish_id": id, "publish_type": "INBOX_SHARE"});
    assert_eq!(w.deliver(&w.body("post.publish.inbox_delivered", "oid", content)).await.status, 200);
    assert_eq!(w.post(&post).await.status, PostStatus::InboxDelivered);
}

#[tokio::test]
async fn publicly_available_records_the_tiktok_post_id_on_a_published_post() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Published, &id, 1).await;
    let body = w.body("post.publish.publicly_available", "oid", json!({"publish_id": id, "post_id": "7301"}));
    assert_eq!(w.deliver(&body).await.status, 200);
    let stored = w.post(&post).await;
    assert_eq!(stored.status, PostStatus::Published);
    assert_eq!(stored.post_ids, ["7301"]);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "post_id_recorded")]), 1);
}

#[tokio::test]
async fn publicly_available_first_publishes_a_processing_post_with_its_id() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let public = json!({"publish_id": id, "post_id": "7302"});
    assert_eq!(w.deliver(&w.body("post.publish.publicly_available", "oid", public)).await.status, 200);
    // The completion arrives second: nothing left to do, the id stays.
    assert_eq!(
        w.deliver(&w.body("post.publish.complete", "oid", json!({"publish_id": id}))).await.status,
        200
    );
    let stored = w.post(&post).await;
    assert_eq!(stored.status, PostStatus::Published);
    assert_eq!(stored.post_ids, ["7302"]);
}

#[tokio::test]
async fn news_of_unknown_publishes_earlier_attempts_and_unknown_events_is_acknowledged_only() {
    let w = World::start().await;
    let (earlier, current) = (publish_id(), publish_id());
    let post = w.post_in(PostStatus::Processing, &current, 2).await;
    // The earlier attempt's reference points at the same post.
    let reference = shared::post::PublishRef {
        publish_id: earlier.clone(),
        tenant: post.tenant.clone(),
        post_id: post.id.clone(),
        account_id: post.account_id.clone(),
    };
    w.deps.keeper.posts.record_publish_ref(&reference).await.expect("ref");

    let stale = json!({"publish_id": earlier, "reason": "internal"});
    let unknown = json!({"publish_id": publish_id()});
    for body in [
        w.body("post.publish.failed", "oid", stale),
        w.body("post.publish.complete", "oid", unknown),
        w.body("video.some_new_event", "oid", json!({"anything": true})),
        w.body("post.publish.no_longer_publicaly_available", "oid", json!({"publish_id": current})),
    ] {
        let reply = w.deliver(&body).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert!(w.mark(&body).await.is_some(), "acknowledged deliveries are marked");
    }
    assert_eq!(w.post(&post).await.status, PostStatus::Processing);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "earlier_attempt")]), 1);

    // A retry is initiating while the post still carries the failed attempt's
    // id: a late copy of that failure must not settle the new attempt.
    let failed_attempt = publish_id();
    let retrying = w.post_in(PostStatus::Processing, &failed_attempt, 1).await;
    let store = &w.deps.keeper.posts;
    let mut at = PostStatus::Processing;
    for to in [PostStatus::RetryWait, PostStatus::Queued, PostStatus::Publishing, PostStatus::Initiating] {
        let t = shared::post::Transition::new(to, "test", "retry");
        store.transition(&w.tenant, &retrying.id, at, t).await.expect("walk");
        at = to;
    }
    let late = json!({"publish_id": failed_attempt, "reason": "video_pull_failed"});
    let late = w.body("post.publish.failed", "oid", late);
    assert_eq!(w.deliver(&late).await.status, 200);
    assert_eq!(w.post(&retrying).await.status, PostStatus::Initiating);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "earlier_attempt")]), 2);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "unknown_publish")]), 1);
    assert_eq!(w.metric("WebhookApplied", &[("Event", "other"), ("Outcome", "ignored")]), 1);
    let noted = [("Event", "post.publish.no_longer_publicaly_available"), ("Outcome", "noted")];
    assert_eq!(w.metric("WebhookApplied", &noted), 1);
}
