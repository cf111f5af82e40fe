//! Every class of TikTok failure, injected at the sandbox for the test's own
//! creator, through the real triggers: Retry (5xx, 429) waits with backoff
//! and publishes later; Wait (daily caps) reschedules without failing;
//! Permanent fails with TikTok's code and is never retried; the attempt
//! limit fails with TikTok's code; a chunk's 5xx is sent again; an expired
//! upload URL (403) fails the post without a second init.

use std::time::Duration;

use serde_json::json;
use shared::media::ContentType;
use shared::post::{PostKind, PostMode, PostStatus};

use crate::sandbox::{gap, trail, video_bytes, SETTLED};
use crate::world::World;

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn init_429_then_5xx_wait_with_growing_backoff_and_the_third_try_publishes() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_11").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    // The rules fire in order: the first init meets a 429, the second a 503.
    w.fault(&open_id, json!({"endpoint": "video_init", "kind": "http_429", "count": 1})).await;
    w.fault(&open_id, json!({"endpoint": "video_init", "kind": "http_5xx", "status": 503, "count": 1})).await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 11)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(240)).await;

    assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
    assert_eq!(done.attempts, 3);
    assert_eq!(w.calls(&open_id, "video_init").await, 3, "one init per attempt");
    let waits: Vec<&str> =
        done.history.iter().filter(|h| h.to == PostStatus::RetryWait).map(|h| h.reason.as_str()).collect();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert!(waits[0].contains("rate_limit_exceeded"), "{waits:?}");
    assert!(waits[1].contains("internal_error"), "{waits:?}");
    // Backoff before the post is claimed again (the dispatcher queues it up
    // to a minute ahead, with a delay): at least TikTok's hint — 60 s after a
    // 429; 5 s after a 5xx, doubled on the second attempt. Load only makes
    // the gaps longer.
    assert!(gap(&done, PostStatus::RetryWait, 0, PostStatus::Publishing) >= 60.0, "{:?}", done.history);
    assert!(gap(&done, PostStatus::RetryWait, 1, PostStatus::Publishing) >= 10.0, "{:?}", done.history);
    let publish_id = done.publish_id.clone().expect("publish id");
    assert_eq!(w.ledger(&publish_id).await.len(), 1);
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before + 1, "the refused inits created nothing");
}

#[tokio::test]
async fn tiktoks_daily_caps_reschedule_the_post_instead_of_failing_it() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_12").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();

    // The creator's daily cap, reported by creator_info before any init.
    w.fault(
        &open_id,
        json!({"endpoint": "creator_info", "kind": "error_code", "code": "spam_risk_too_many_posts", "count": 1}),
    )
    .await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 12)).await;
    let capped = w
        .post(&tenant, &account, PostKind::Video, PostMode::DirectPost, std::slice::from_ref(&video), 1)
        .await;
    w.tick().await;
    let waiting =
        w.until(&capped, &[PostStatus::RetryWait, PostStatus::Failed], Duration::from_secs(120)).await;
    assert_eq!(waiting.status, PostStatus::RetryWait, "{:?}", waiting.history);
    let reason = waiting.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("spam_risk_too_many_posts"), "{reason}");
    assert_eq!(waiting.attempts, 0, "never initiated");

    // The app-wide cap, answered by init itself.
    w.fault(
        &open_id,
        json!({"endpoint": "video_init", "kind": "error_code", "code": "reached_active_user_cap", "count": 1}),
    )
    .await;
    let app_capped = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let waiting =
        w.until(&app_capped, &[PostStatus::RetryWait, PostStatus::Failed], Duration::from_secs(120)).await;
    assert_eq!(waiting.status, PostStatus::RetryWait, "{:?}", waiting.history);
    let reason = waiting.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("reached_active_user_cap"), "{reason}");

    // Rescheduled for later (an hour), not retried now and not failed.
    for post in [&capped, &app_capped] {
        w.stays(post, PostStatus::RetryWait, 8).await;
    }
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before, "nothing was created at TikTok");
}

/// Reauth: TikTok answers init `access_token_invalid` (401; nothing was
/// created). The token is refreshed once and the init sent again; a fresh
/// token refused as well holds the post until the account is reconnected.
#[tokio::test]
async fn an_init_refused_for_the_token_is_refreshed_once_then_held() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_13").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    w.count_calls(&open_id, "token").await;
    let invalid =
        json!({"endpoint": "video_init", "kind": "error_code", "code": "access_token_invalid", "count": 1});
    w.fault(&open_id, invalid.clone()).await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 13)).await;
    let post = w
        .post(&tenant, &account, PostKind::Video, PostMode::DirectPost, std::slice::from_ref(&video), 1)
        .await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(120)).await;

    assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
    assert_eq!(w.calls(&open_id, "token").await, 1, "refreshed once");
    assert_eq!(w.calls(&open_id, "video_init").await, 2, "refused, then sent again with the new token");
    assert_eq!(w.ledger(done.publish_id.as_deref().expect("publish id")).await.len(), 1);
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before + 1);

    // Refused again with the fresh token: the account needs reconnecting.
    let mut twice = invalid;
    twice["count"] = json!(2);
    w.fault(&open_id, twice).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let held = w.until(&post, SETTLED, Duration::from_secs(120)).await;
    assert_eq!(held.status, PostStatus::Held, "{:?}", held.history);
    let reason = held.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("access_token_invalid"), "{reason}");
    assert_eq!(w.calls(&open_id, "token").await, 2, "one refresh for this post too");
    assert_eq!(w.calls(&open_id, "video_init").await, 4);
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before + 1, "nothing more was created");
}

#[tokio::test]
async fn a_permanent_refusal_fails_with_tiktoks_code_and_is_never_retried() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_14").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    w.count_calls(&open_id, "video_init").await;
    // Armed twice: a retry would meet the second one (and be counted).
    w.fault(
        &open_id,
        json!({"endpoint": "video_init", "kind": "error_code", "code": "privacy_level_option_mismatch", "count": 2}),
    )
    .await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 14)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(120)).await;

    assert_eq!(done.status, PostStatus::Failed, "{:?}", done.history);
    let reason = done.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("privacy_level_option_mismatch"), "TikTok's code is kept: {reason}");
    assert_eq!(done.attempts, 1);
    assert!(!trail(&done).contains(&PostStatus::RetryWait), "{:?}", done.history);
    w.stays(&post, PostStatus::Failed, 8).await;
    assert_eq!(w.calls(&open_id, "video_init").await, 1, "never retried");
    w.clear_faults(&open_id).await;
}

#[tokio::test]
async fn retryable_failures_stop_at_the_attempt_limit_with_tiktoks_code() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_15").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    // More failures than attempts: only the limit can stop the retries.
    w.fault(&open_id, json!({"endpoint": "video_init", "kind": "http_5xx", "status": 500, "count": 6})).await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(MIB, 15)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(240)).await;

    // PUBLISH_MAX_ATTEMPTS (3): three inits, two waits, then FAILED.
    assert_eq!(done.status, PostStatus::Failed, "{:?}", done.history);
    let reason = done.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("internal_error"), "TikTok's code is kept: {reason}");
    assert!(reason.contains("no attempts left"), "{reason}");
    assert_eq!(done.attempts, 3, "{:?}", done.history);
    assert_eq!(trail(&done).iter().filter(|s| **s == PostStatus::RetryWait).count(), 2);
    // Exponential: TikTok's 5 s hint after the first, doubled after the second.
    assert!(gap(&done, PostStatus::RetryWait, 0, PostStatus::Publishing) >= 5.0, "{:?}", done.history);
    assert!(gap(&done, PostStatus::RetryWait, 1, PostStatus::Publishing) >= 10.0, "{:?}", done.history);
    w.stays(&post, PostStatus::Failed, 6).await;
    assert_eq!(w.calls(&open_id, "video_init").await, 3, "exactly PUBLISH_MAX_ATTEMPTS inits");
    assert_eq!(w.tiktok_posts(&open_id).await.len(), before);
    w.clear_faults(&open_id).await;
}

#[tokio::test]
async fn a_chunk_meeting_a_5xx_is_sent_again_and_every_byte_arrives_once() {
    let w = World::start().await;
    let refuse_twice = json!({"endpoint": "upload", "kind": "http_5xx", "status": 502, "count": 2});
    // 24 MiB: two chunks of the production plan (10 MiB + 14 MiB).
    let video = w.video_through("pool_16", 24 * MIB, 16, &[refuse_twice]).await;

    w.holds_every_byte_once(&video).await;
    assert_eq!(video.done.attempts, 1, "the chunk was retried, not the init");
    assert_eq!(w.calls(&video.open_id, "upload").await, 4, "two refused PUTs, then the two chunks");
}

/// TikTok answers the second chunk 416: its progress is not where the
/// upload thinks. The upload asks TikTok how many bytes it holds and goes on
/// from the chunk that starts there: one init, every byte once.
#[tokio::test]
async fn a_chunk_refused_416_resumes_from_the_bytes_tiktok_holds() {
    let w = World::start().await;
    let refuse_second_chunk = json!({"endpoint": "upload", "kind": "error_code", "code": "range_not_satisfiable",
                                     "status": 416, "count": 1, "after": 1});
    // 35 MiB: three chunks of the production plan (10 + 10 + 15 MiB).
    let video = w.video_through("pool_26", 35 * MIB, 26, &[refuse_second_chunk]).await;

    w.holds_every_byte_once(&video).await;
    assert_eq!(video.done.attempts, 1, "the upload resumed; the init was not repeated");
    assert_eq!(w.calls(&video.open_id, "upload").await, 4, "chunk 1, chunk 2 refused, then chunks 2 and 3");
}

/// Two ways an upload breaks after init: TikTok answers a chunk 403 (the
/// upload URL expired), or the publisher dies mid-upload. Either fails the
/// post with the reason; neither sends a second init. (An upload is not
/// resumed by another invocation: see `a publisher dying` below.)
#[tokio::test]
async fn a_broken_upload_fails_the_post_and_never_initiates_again() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_17").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    let before = w.tiktok_posts(&open_id).await.len();
    w.count_calls(&open_id, "video_init").await;
    // The chunk PUT is answered 403: the upload URL expired.
    w.fault(
        &open_id,
        json!({"endpoint": "upload", "kind": "error_code", "code": "invalid_file_upload", "status": 403, "count": 1}),
    )
    .await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(24 * MIB, 17)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(180)).await;

    assert_eq!(done.status, PostStatus::Failed, "{:?}", done.history);
    let reason = done.status_reason.clone().unwrap_or_default();
    assert!(reason.contains("expired") && reason.contains("403"), "{reason}");
    assert!(done.publish_id.is_some());
    w.stays(&post, PostStatus::Failed, 8).await;
    assert_eq!(w.calls(&open_id, "video_init").await, 1, "never a second init");
    let created = w.tiktok_posts(&open_id).await;
    assert_eq!(created.len(), before + 1, "{created:?}");
    assert!(w.ledger(done.publish_id.as_deref().unwrap_or_default()).await.is_empty(), "nothing published");

    // A publisher dying mid-upload. Its stand-in is frozen inside every
    // chunk PUT (each hangs until the client gives up after its upload
    // timeout, 120 s, five times over), so nothing it sends lands for the
    // rest of the test: as dead as a live process gets. Death's other half is time: the lease
    // (PUBLISH_LEASE_SECS, 960 s, longer than the function's timeout) runs
    // out — moved to the past in the table, with the post's due-index entry,
    // instead of waiting 16 minutes. The dispatcher's tick and the publisher
    // run for real from there.
    w.clear_faults(&open_id).await;
    w.count_calls(&open_id, "video_init").await;
    w.fault(
        &open_id,
        json!({"endpoint": "upload", "kind": "latency", "latency_ms": 600_000, "probability": 1.0}),
    )
    .await;
    let video = w.media(&tenant, ContentType::Mp4, video_bytes(24 * MIB, 171)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let uploading =
        w.until(&post, &[PostStatus::Uploading, PostStatus::Failed], Duration::from_secs(120)).await;
    assert_eq!(uploading.status, PostStatus::Uploading, "{:?}", uploading.history);
    w.expire_lease(&uploading).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let done = loop {
        w.tick().await;
        let now = w.read(&post).await;
        if now.status != PostStatus::Uploading || tokio::time::Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    assert_eq!(done.status, PostStatus::Failed, "{:?}", done.history);
    let failed = done.history.last().expect("history");
    assert!(failed.reason.contains("interrupted"), "{failed:?}");
    w.stays(&post, PostStatus::Failed, 6).await;
    assert_eq!(w.calls(&open_id, "video_init").await, 1, "never a second init");
    // The frozen rule stays until the next run clears it: the stand-in
    // keeps retrying for a while, and a dead publisher sends nothing.
}
