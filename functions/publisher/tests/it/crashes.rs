//! Crash points and duplicate deliveries, injected for the test's own
//! creator: whatever happens, TikTok holds at most one post per scheduled
//! post, or the post is NEEDS_ATTENTION — never two. "TikTok's posts" are
//! every post the sandbox created (`/_sandbox/posts`), finished or not; the
//! ledger holds the finished ones.

use std::time::Duration;

use serde_json::json;
use shared::media::ContentType;
use shared::post::{PostKind, PostMode, PostStatus};

use crate::sandbox::{sha256_hex, trail, video_bytes, SETTLED};
use crate::world::World;

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn a_lost_init_answer_needs_attention_and_is_never_initiated_again() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_18").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    // TikTok creates the post, then the connection closes: no publish_id.
    w.fault(&open_id, json!({"endpoint": "video_init", "kind": "drop", "count": 1})).await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 18)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(120)).await;

    assert_eq!(done.status, PostStatus::NeedsAttention, "{:?}", done.history);
    let reason = done.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("resolve"), "the reason tells what to do: {reason}");
    assert_eq!(done.publish_id, None);
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before + 1, "TikTok did create the post");
    // Redeliveries and dispatcher ticks leave it alone: never a second init.
    w.send_publish(&post, 0).await;
    w.stays(&post, PostStatus::NeedsAttention, 10).await;
    assert_eq!(w.calls(&open_id, "video_init").await, 1);
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before + 1);
}

/// `drop_unprocessed`: the init request left, TikTok never processed it.
/// From our side this is indistinguishable from a lost answer — the
/// connection closed after the request was sent — so the rule holds:
/// never initiated again; NEEDS_ATTENTION, the tenant checks and resolves.
/// Re-sending it would post twice in the other case.
#[tokio::test]
async fn an_init_lost_before_tiktok_processed_it_is_still_ambiguous_and_needs_attention() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_19").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    w.fault(&open_id, json!({"endpoint": "video_init", "kind": "drop_unprocessed", "count": 1})).await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 19)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(120)).await;

    assert_eq!(done.status, PostStatus::NeedsAttention, "{:?}", done.history);
    w.stays(&post, PostStatus::NeedsAttention, 8).await;
    assert_eq!(w.calls(&open_id, "video_init").await, 1, "never a second init");
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before, "nothing reached TikTok");
}

/// SQS delivers at least once: the dispatcher's message arrives together
/// with two more copies of the same body (sent with the real SQS client), so
/// publishers race on one post; and two dispatcher ticks overlap on another.
#[tokio::test]
async fn duplicate_deliveries_and_overlapping_ticks_publish_each_post_once() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_20").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    let one = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 201)).await;
    let two = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 202)).await;
    let raced = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[one], 3).await;
    let ticked = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[two], 3).await;
    // Two ticks at once: both see both posts due.
    let (a, b) = tokio::join!(w.tick(), w.tick());
    assert!(a.is_object() && b.is_object(), "ticks answered: {a} {b}");
    // The raced post is QUEUED now; its copies become visible with the
    // dispatcher's message.
    tokio::join!(w.send_publish(&raced, 2), w.send_publish(&raced, 2));
    let raced_done = w.until(&raced, SETTLED, Duration::from_secs(180)).await;
    let ticked_done = w.until(&ticked, SETTLED, Duration::from_secs(180)).await;
    // And a late copy after it is published.
    w.send_publish(&raced, 0).await;

    for done in [&raced_done, &ticked_done] {
        assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
        assert_eq!(done.attempts, 1);
        let queued = trail(done).iter().filter(|s| **s == PostStatus::Queued).count();
        assert_eq!(queued, 1, "claimed once: {:?}", done.history);
        let ledger = w.ledger(done.publish_id.as_deref().expect("publish id")).await;
        assert_eq!(ledger.len(), 1, "{ledger:?}");
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(w.calls(&open_id, "video_init").await, 2, "one init per post");
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before + 2);
    assert_eq!(w.read(&raced).await.status, PostStatus::Published);
}

/// The answer to a chunk PUT is lost twice mid-upload: once after TikTok
/// took the chunk (`drop`), once before (`drop_unprocessed`). The publisher
/// sends the chunk again; TikTok takes it once. One post, every byte once.
#[tokio::test]
async fn chunk_answers_lost_mid_upload_end_in_one_post_with_every_byte_once() {
    let w = World::start().await;
    let answers_lost = [
        json!({"endpoint": "upload", "kind": "drop", "count": 1}),
        json!({"endpoint": "upload", "kind": "drop_unprocessed", "count": 1}),
    ];
    let video = w.video_through("pool_21", 24 * MIB, 21, &answers_lost).await;

    w.holds_every_byte_once(&video).await;
    // Chunk 0 three times (taken, lost unprocessed, replayed), then chunk 1.
    assert_eq!(w.calls(&video.open_id, "upload").await, 4);
    assert_eq!(video.done.attempts, 1, "one init");
}

/// A publisher still uploading when SQS's visibility timeout (20 s on the
/// test stack) hands its message to a second publisher: the second finds
/// the post UPLOADING under a live lease and leaves it; the first finishes.
/// (With a longer visibility timeout there is no second delivery and the
/// test checks the plain slow path.)
#[tokio::test]
async fn a_slow_upload_outliving_the_visibility_timeout_publishes_once() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_22").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    w.fault(&open_id, json!({"endpoint": "upload", "kind": "latency", "latency_ms": 25_000, "count": 1}))
        .await;
    let bytes = video_bytes(6 * MIB, 22);
    let sha = sha256_hex(&bytes);
    let video = w.media(&tenant, ContentType::Mp4, bytes).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(180)).await;

    assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
    assert_eq!(done.attempts, 1);
    let ledger = w.ledger(done.publish_id.as_deref().expect("publish id")).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["content_sha256"], sha);
    assert_eq!(w.calls(&open_id, "video_init").await, 1);
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before + 1);
}

/// Status checks that fail (a 5xx, then an answer lost) are tried again
/// later with a growing delay, and the post settles once. The creator's
/// webhooks are lost, so only the status checks can settle it.
#[tokio::test]
async fn failed_status_checks_are_tried_later_and_settle_the_post_once() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_23").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    w.fault(&open_id, json!({"endpoint": "webhook", "kind": "drop", "probability": 1.0})).await;
    w.count_calls(&open_id, "status").await;
    w.fault(&open_id, json!({"endpoint": "status", "kind": "http_5xx", "status": 503, "count": 1})).await;
    w.fault(&open_id, json!({"endpoint": "status", "kind": "drop", "count": 1})).await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 23)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(180)).await;

    assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
    let published: Vec<_> = done.history.iter().filter(|h| h.to == PostStatus::Published).collect();
    assert_eq!(published.len(), 1, "{:?}", done.history);
    assert_eq!(published[0].by, "publisher", "settled by a status check");
    assert!(w.calls(&open_id, "status").await >= 3, "two failed checks, then the one that settled");
    let ledger = w.ledger(done.publish_id.as_deref().expect("publish id")).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    w.clear_faults(&open_id).await;
}
