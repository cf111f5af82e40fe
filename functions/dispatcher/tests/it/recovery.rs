//! Posts the pipeline left behind: lost messages, expired leases, retry
//! times and overdue status checks, each recovered the one safe way.

use aws_sdk_dynamodb::types::AttributeValue;
use dispatcher::plan::NEEDS_ATTENTION_REASON;
use shared::ids::PostId;
use shared::post::{queue::PublishMessage, PostStatus, Transition};
use shared::tenant::TenantId;
use time::Duration;

use crate::common::{leased, now, per_post, publish, tenant, World, SECOND};

#[tokio::test]
async fn a_retry_wait_post_whose_time_came_is_queued_again() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() - Duration::minutes(3)).await;
    let claimed = world.claimed(&post, "p1", now() + Duration::minutes(5)).await;
    let retry_at = now() - SECOND;
    let waiting = world
        .step(
            &claimed,
            Transition::new(PostStatus::RetryWait, "publisher:p1", "rate limited").due_at(retry_at),
        )
        .await;
    let later = world.post_due(&tenant(), now() + Duration::minutes(4)).await;
    let later = world.claimed(&later, "p2", now() + Duration::minutes(5)).await;
    world
        .step(
            &later,
            Transition::new(PostStatus::RetryWait, "publisher:p2", "daily cap")
                .due_at(now() + Duration::hours(3)),
        )
        .await;

    let summary = world.tick().await;

    assert_eq!((summary.requeued, summary.dispatched), (1, 0), "{summary:?}");
    assert_eq!(world.get(&waiting).await.status, PostStatus::Queued);
    assert_eq!(world.get(&later).await.status, PostStatus::RetryWait, "its retry time has not come");
    assert_eq!(world.messages().await, vec![publish(&post)]);
    assert_eq!(world.metric("Requeued"), vec![1.0]);
    world.finish().await;
}

#[tokio::test]
async fn an_expired_publishing_lease_is_queued_again_and_a_live_one_left_alone() {
    let world = World::start().await;
    let tenant = tenant();
    let dead = world.post_due(&tenant, now() - Duration::minutes(2)).await;
    world.claimed(&dead, "crashed", now() - 5 * SECOND).await;
    let alive = world.post_due(&tenant, now() - Duration::minutes(2)).await;
    world.claimed(&alive, "working", now() + 20 * SECOND).await;

    let summary = world.tick().await;

    assert_eq!((summary.requeued, summary.not_yet), (1, 1), "{summary:?}");
    let requeued = world.get(&dead).await;
    assert_eq!(requeued.status, PostStatus::Queued);
    assert_eq!(requeued.history.last().map(|h| h.by.as_str()), Some("dispatcher"));
    assert_eq!(world.get(&alive).await.status, PostStatus::Publishing);
    assert_eq!(world.messages().await, vec![publish(&dead)]);
    world.finish().await;
}

#[tokio::test]
async fn an_initiating_post_whose_lease_expired_needs_attention_and_is_never_queued() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() - Duration::minutes(2)).await;
    let claimed = world.claimed(&post, "p1", now() + Duration::minutes(5)).await;
    let expired = now() - 5 * SECOND;
    world.step(&claimed, leased(PostStatus::Initiating, "p1", expired).under_lease("p1")).await;

    let first = world.tick().await;
    let second = world.tick().await;

    assert_eq!((first.needs_attention, first.requeued, first.dispatched), (1, 0, 0), "{first:?}");
    assert_eq!((second.found, second.needs_attention), (0, 0), "out of the index: {second:?}");
    let flagged = world.get(&post).await;
    assert_eq!(flagged.status, PostStatus::NeedsAttention);
    assert_eq!(flagged.status_reason.as_deref(), Some(NEEDS_ATTENTION_REASON));
    assert_eq!(world.isolated.counts().await, (0, 0), "never queued");
    assert_eq!(world.metric("NeedsAttention"), vec![1.0, 0.0]);
    world.finish().await;
}

#[tokio::test]
async fn a_queued_post_whose_reminder_came_is_sent_once() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() - Duration::minutes(11)).await;
    // Queued ten minutes ago, and its message was lost.
    world.step(&post, Transition::new(PostStatus::Queued, "dispatcher", "due").due_at(now() - SECOND)).await;

    let (a, b) = tokio::join!(world.tick(), world.tick());
    let later = world.tick().await;

    assert_eq!(a.requeued + b.requeued, 1, "{a:?} {b:?}");
    assert_eq!(later.requeued, 0, "the next reminder is ten minutes on: {later:?}");
    assert_eq!(world.messages().await, vec![publish(&post)]);
    assert_eq!(world.get(&post).await.status, PostStatus::Queued, "a reminder moves no status");
    world.finish().await;
}

#[tokio::test]
async fn an_upload_whose_lease_expired_is_resumed() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() - Duration::minutes(2)).await;
    let claimed = world.claimed(&post, "p1", now() + Duration::minutes(5)).await;
    let initiating =
        world.step(&claimed, leased(PostStatus::Initiating, "p1", now() + Duration::minutes(5))).await;
    let expired = now() - 5 * SECOND;
    let with_id =
        leased(PostStatus::Uploading, "p1", expired).with("publish_id", AttributeValue::S("v_pub_1".into()));
    world.step(&initiating, with_id).await;

    let summary = world.tick().await;

    assert_eq!(summary.requeued, 1, "{summary:?}");
    assert_eq!(world.get(&post).await.status, PostStatus::Uploading, "the publisher resumes it");
    assert_eq!(world.messages().await, vec![publish(&post)]);
    world.finish().await;
}

#[tokio::test]
async fn an_overdue_status_check_is_sent_once() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() - Duration::minutes(2)).await;
    let claimed = world.claimed(&post, "p1", now() + Duration::minutes(5)).await;
    let initiating =
        world.step(&claimed, leased(PostStatus::Initiating, "p1", now() + Duration::minutes(5))).await;
    let processing = Transition::new(PostStatus::Processing, "publisher:p1", "init answered")
        .with("publish_id", AttributeValue::S("v_pub_1".into()))
        .due_at(now() - SECOND);
    world.step(&initiating, processing).await;

    let (a, b) = tokio::join!(world.tick(), world.tick());

    assert_eq!(a.status_checks + b.status_checks, 1, "{a:?} {b:?}");
    let check = PublishMessage::CheckStatus {
        tenant: TenantId::parse(&post.tenant).expect("tenant"),
        post_id: PostId::parse(&post.id).expect("id"),
        check: 0,
    };
    let messages = world.messages().await;
    assert_eq!(messages, vec![check], "{:?}", per_post(&messages));
    assert_eq!(world.get(&post).await.status, PostStatus::Processing);
    world.finish().await;
}
