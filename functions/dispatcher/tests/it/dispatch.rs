//! Due posts: queued once, on their second, however the ticks fall.

use std::collections::HashSet;

use lambda_runtime::Context;
use shared::post::{PostStatus, Transition};
use shared::schema::keys::due_shard;
use time::Duration;

use crate::common::{now, per_post, publish, tenant, World, SECOND};

#[tokio::test]
async fn a_due_post_is_queued_and_its_message_arrives_on_its_second() {
    let world = World::start().await;
    // Far enough ahead that a slow tick on a loaded machine still ends
    // before the message's delay does.
    let due = now() + 25 * SECOND;
    let post = world.post_due(&tenant(), due).await;

    let summary = world.tick().await;

    assert_eq!((summary.found, summary.dispatched, summary.send_batches), (1, 1, 1), "{summary:?}");
    let queued = world.get(&post).await;
    assert_eq!(queued.status, PostStatus::Queued);
    let last = queued.history.last().expect("history");
    assert_eq!((last.by.as_str(), last.reason.as_str()), ("dispatcher", "due"));
    assert_eq!(world.isolated.counts().await, (0, 1), "sent with a delay: not visible yet");
    assert!(world.messages().await.is_empty());

    // SQS counts the delay from the send, which a loaded machine makes a
    // few seconds after the tick computed it (a CI run once saw nothing at
    // due + 1 s): from its second on, the message comes within a long poll.
    tokio::time::sleep((due - now()).try_into().unwrap_or_default()).await;
    assert_eq!(world.messages_within(10).await, vec![publish(&post)], "visible once its second has come");
    assert_eq!(world.metric("Dispatched"), vec![1.0]);
    assert!(world.metric("Late").is_empty(), "found ahead of its time");
    world.finish().await;
}

#[tokio::test]
async fn a_post_found_late_is_sent_at_once_and_its_lateness_measured() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() - 90 * SECOND).await;

    let summary = world.tick().await;

    assert_eq!(summary.dispatched, 1, "{summary:?}");
    assert!((90..100).contains(&summary.late_max_secs), "{summary:?}");
    assert_eq!(world.messages().await, vec![publish(&post)], "no delay for a late post");
    let late = world.metric("Late");
    assert!(late.len() == 1 && (90.0..100.0).contains(&late[0]), "{late:?}");
    world.finish().await;
}

#[tokio::test]
async fn overlapping_ticks_send_each_post_once() {
    let world = World::start().await;
    let tenant = tenant();
    let mut ids = HashSet::new();
    for i in 0..20 {
        ids.insert(world.post_due(&tenant, now() - (i + 1) * SECOND).await.id);
    }

    let (a, b) = tokio::join!(world.tick(), world.tick());

    assert_eq!(a.dispatched + b.dispatched, 20, "{a:?} {b:?}");
    assert!(a.found + b.found > 20, "the ticks overlapped: {a:?} {b:?}");
    assert_eq!(a.lost_races + b.lost_races, a.found + b.found - 20, "the tick that lost sent nothing");
    let messages = world.messages().await;
    let counts = per_post(&messages);
    assert_eq!(counts.keys().cloned().collect::<HashSet<_>>(), ids);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    let again = world.tick().await;
    assert_eq!((again.dispatched, again.requeued), (0, 0), "queued posts wait for their reminder");
    assert!(world.messages().await.is_empty());
    world.finish().await;
}

#[tokio::test]
async fn two_hundred_posts_across_many_tenants_go_out_in_one_tick() {
    let world = World::start().await;
    let tenants: Vec<String> = (0..40).map(|_| tenant()).collect();
    let start = now();
    let posts = futures::future::join_all((0..200).map(|i| {
        let at = start + Duration::milliseconds(300 * i - 30_000);
        world.post_due(&tenants[i as usize % tenants.len()], at)
    }))
    .await;
    let shards: HashSet<u32> = posts.iter().map(|p| due_shard(&p.id)).collect();
    assert!(shards.len() >= 12, "spread over the shards: {shards:?}");

    let summary = world.tick().await;

    assert_eq!((summary.found, summary.dispatched, summary.send_failed), (200, 200, 0), "{summary:?}");
    assert_eq!(summary.send_batches, 20, "ten messages per SendMessageBatch");
    let (visible, delayed) = world.isolated.counts().await;
    assert_eq!(visible + delayed, 200);
    for post in &posts {
        assert_eq!(world.get(post).await.status, PostStatus::Queued);
    }
    world.finish().await;
}

#[tokio::test]
async fn a_post_due_in_five_minutes_is_left_alone() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() + Duration::minutes(5)).await;

    let summary = world.tick().await;

    assert_eq!((summary.found, summary.dispatched), (0, 0), "{summary:?}");
    assert_eq!(world.get(&post).await.status, PostStatus::Scheduled);
    assert_eq!(world.isolated.counts().await, (0, 0));
    world.finish().await;
}

#[tokio::test]
async fn a_cancelled_post_is_ignored() {
    let world = World::start().await;
    let tenant = tenant();
    let cancel = || Transition::new(PostStatus::Cancelled, "api:t", "cancelled by its tenant");
    let post = world.post_due(&tenant, now() - 5 * SECOND).await;
    world.step(&post, cancel()).await;
    // Even one still filed in the index (a writer that kept the entry) is skipped.
    let filed = world.post_due(&tenant, now() - 5 * SECOND).await;
    world.step(&filed, cancel().due_at(now() - 5 * SECOND)).await;

    let summary = world.tick().await;

    assert_eq!((summary.found, summary.skipped, summary.dispatched), (1, 1, 0), "{summary:?}");
    assert_eq!(world.get(&post).await.status, PostStatus::Cancelled);
    assert_eq!(world.get(&filed).await.status, PostStatus::Cancelled);
    assert_eq!(world.isolated.counts().await, (0, 0));
    world.finish().await;
}

#[tokio::test]
async fn a_tick_takes_at_most_its_cap_and_leaves_the_rest_to_the_next() {
    let world = World::start_with(&[("DISPATCH_MAX_POSTS", "5")]).await;
    let tenant = tenant();
    for i in 0..8 {
        world.post_due(&tenant, now() - (i + 1) * SECOND).await;
    }

    let first = world.tick().await;
    let second = world.tick().await;

    assert_eq!((first.dispatched, first.deferred), (5, 3), "{first:?}");
    assert_eq!((second.dispatched, second.deferred), (3, 0), "{second:?}");
    assert_eq!(per_post(&world.messages().await).len(), 8);
    world.finish().await;
}

#[tokio::test]
async fn a_tick_without_time_left_starts_nothing() {
    let world = World::start().await;
    let post = world.post_due(&tenant(), now() - SECOND).await;
    let mut context = Context::default();
    // Five seconds left: inside the ten the dispatcher keeps in reserve.
    context.deadline =
        u64::try_from((now() + Duration::seconds(5)).unix_timestamp() * 1000).expect("deadline");

    let summary = world.tick_with(context).await;

    assert_eq!((summary.queries, summary.dispatched), (0, 0), "{summary:?}");
    assert_eq!(world.get(&post).await.status, PostStatus::Scheduled);
    assert_eq!(world.tick().await.dispatched, 1, "the next tick takes it");
    world.finish().await;
}
