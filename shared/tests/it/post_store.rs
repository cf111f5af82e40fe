//! The post state machine's conditional writes against the local stack's table.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use foundation::time_format::rfc3339;
use shared::{
    aws::Aws,
    config::StackConfig,
    post::{Post, PostSettings, PostStatus, PostStore, Transition, TransitionError},
};
use time::{Duration, OffsetDateTime};

async fn store() -> PostStore {
    let config = StackConfig::from_env().expect("stack env; run through `make test`");
    let aws = Aws::load(&config).await;
    PostStore::new(aws.dynamodb(), config.table_name)
}

fn new_post(tenant: &str) -> Post {
    let now = OffsetDateTime::now_utc();
    Post {
        id: ulid::Ulid::new().to_string(),
        tenant: tenant.to_owned(),
        account_id: "acct-1".into(),
        settings: PostSettings {
            media_ids: vec!["01JMEDIA".into()],
            caption: "a caption".into(),
            ..PostSettings::video("SELF_ONLY")
        },
        scheduled_at: rfc3339(now + Duration::hours(1)),
        status: PostStatus::Scheduled,
        history: vec![],
        publish_id: None,
        post_ids: vec![],
        lease_owner: None,
        lease_expires_at: None,
        attempts: 0,
        status_reason: None,
        created_at: rfc3339(now),
        updated_at: rfc3339(now),
    }
}

#[tokio::test]
async fn moves_are_recorded_with_who_when_and_why() {
    let store = store().await;
    let post = new_post("tenant-a");
    store.create(&post).await.expect("create");

    let queued = store
        .transition(
            "tenant-a",
            &post.id,
            PostStatus::Scheduled,
            Transition::new(PostStatus::Queued, "dispatcher", "due"),
        )
        .await
        .expect("queue");
    assert_eq!(queued.status, PostStatus::Queued);
    assert_eq!(queued.history.len(), 1);
    let entry = &queued.history[0];
    assert_eq!((entry.from, entry.to), (Some(PostStatus::Scheduled), PostStatus::Queued));
    assert_eq!((entry.by.as_str(), entry.reason.as_str()), ("dispatcher", "due"));
    assert!(OffsetDateTime::parse(&entry.at, &time::format_description::well_known::Rfc3339).is_ok());

    let stored = store.get("tenant-a", &post.id).await.expect("get").expect("exists");
    assert_eq!(stored, queued);
}

#[tokio::test]
async fn a_move_the_state_machine_refuses_writes_nothing() {
    let store = store().await;
    let post = new_post("tenant-a");
    store.create(&post).await.expect("create");
    let err = store
        .transition(
            "tenant-a",
            &post.id,
            PostStatus::Scheduled,
            Transition::new(PostStatus::Published, "test", "skip ahead"),
        )
        .await
        .expect_err("refused");
    assert!(matches!(err, TransitionError::Refused { .. }), "{err:?}");
    let stored = store.get("tenant-a", &post.id).await.expect("get").expect("exists");
    assert_eq!(stored, post, "unchanged");
}

#[tokio::test]
async fn a_stale_from_status_is_a_conflict() {
    let store = store().await;
    let post = new_post("tenant-a");
    store.create(&post).await.expect("create");
    let err = store
        .transition(
            "tenant-a",
            &post.id,
            PostStatus::Queued,
            Transition::new(PostStatus::Publishing, "publisher:x", "claim"),
        )
        .await
        .expect_err("post is still scheduled");
    assert!(matches!(err, TransitionError::Conflict { expected: PostStatus::Queued }), "{err:?}");
}

#[tokio::test]
async fn another_tenants_post_is_a_miss_and_cannot_be_moved() {
    let store = store().await;
    let post = new_post("tenant-a");
    store.create(&post).await.expect("create");
    assert!(store.get("tenant-b", &post.id).await.expect("get").is_none());
    let err = store
        .transition(
            "tenant-b",
            &post.id,
            PostStatus::Scheduled,
            Transition::new(PostStatus::Cancelled, "api:tenant-b", "cancel"),
        )
        .await
        .expect_err("not theirs");
    assert!(matches!(err, TransitionError::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn lease_owner_guards_moves_of_a_claimed_post() {
    let store = store().await;
    let post = new_post("tenant-a");
    store.create(&post).await.expect("create");
    let t = |to, by: &str| Transition::new(to, by, "test");
    store
        .transition("tenant-a", &post.id, PostStatus::Scheduled, t(PostStatus::Queued, "dispatcher"))
        .await
        .expect("queue");
    let mut claim = t(PostStatus::Publishing, "publisher:one");
    claim.set.push(("lease_owner", AttributeValue::S("one".into())));
    store.transition("tenant-a", &post.id, PostStatus::Queued, claim).await.expect("claim");

    let mut intruder = t(PostStatus::Initiating, "publisher:two");
    intruder.require_lease_owner = Some("two".into());
    let err = store
        .transition("tenant-a", &post.id, PostStatus::Publishing, intruder)
        .await
        .expect_err("not the owner");
    assert!(matches!(err, TransitionError::Conflict { .. }));

    let mut owner = t(PostStatus::Initiating, "publisher:one");
    owner.require_lease_owner = Some("one".into());
    let moved =
        store.transition("tenant-a", &post.id, PostStatus::Publishing, owner).await.expect("owner moves");
    assert_eq!(moved.status, PostStatus::Initiating);
}

#[tokio::test]
async fn cancel_racing_publish_claims_from_many_tasks_has_exactly_one_winner() {
    let store = Arc::new(store().await);
    let post = new_post("tenant-a");
    store.create(&post).await.expect("create");
    store
        .transition(
            "tenant-a",
            &post.id,
            PostStatus::Scheduled,
            Transition::new(PostStatus::Queued, "dispatcher", "due"),
        )
        .await
        .expect("queue");

    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = Arc::clone(&store);
        let id = post.id.clone();
        tasks.push(tokio::spawn(async move {
            let t = if i % 2 == 0 {
                Transition::new(PostStatus::Cancelled, "api:tenant-a", "user cancelled")
            } else {
                let mut t = Transition::new(PostStatus::Publishing, format!("publisher:{i}"), "claim");
                t.set.push(("lease_owner", AttributeValue::S(i.to_string())));
                t
            };
            store.transition("tenant-a", &id, PostStatus::Queued, t).await
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("join") {
            Ok(post) => winners.push(post.status),
            Err(TransitionError::Conflict { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one move applies: {winners:?}");
    let stored = store.get("tenant-a", &post.id).await.expect("get").expect("exists");
    assert_eq!(stored.status, winners[0]);
    assert_eq!(stored.history.len(), 2, "one history entry per applied move");
}
