//! Scheduled posts published by the real triggers, exactly once.

use std::time::Duration;

use shared::media::ContentType;
use shared::post::{PostKind, PostMode, PostStatus};

use crate::world::World;

const DONE: &[PostStatus] =
    &[PostStatus::Published, PostStatus::InboxDelivered, PostStatus::Failed, PostStatus::NeedsAttention];

#[tokio::test]
async fn a_multi_chunk_video_is_published_once_with_every_byte() {
    let w = World::start().await;
    let (tenant, account) = w.connect("sandbox_creator").await;
    // 24 MiB: two chunks of the production plan (10 MiB chunks; a file up
    // to 64 MiB that the chunk size divides less than twice goes whole).
    let mut bytes = testkit::media_files::mp4(320, 240, 30, 30, true);
    bytes.resize(24 * 1024 * 1024, 0);
    let video = w.media(&tenant, ContentType::Mp4, bytes).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 2).await;
    w.tick().await;
    let done = w.until(&post, DONE, Duration::from_secs(180)).await;
    assert_eq!(done.status, PostStatus::Published, "{:?}", done.status_reason);
    let publish_id = done.publish_id.clone().expect("publish id");
    let ledger = w.ledger(&publish_id).await;
    assert_eq!(ledger.len(), 1, "exactly one TikTok post: {ledger:?}");
    assert_eq!(ledger[0]["bytes_received"], 24 * 1024 * 1024);
    assert!(w.ledger_of(&account.open_id).await.iter().any(|p| p["publish_id"] == publish_id.as_str()));
    let trail: Vec<PostStatus> = done.history.iter().map(|h| h.to).collect();
    assert_eq!(
        trail,
        [
            PostStatus::Scheduled,
            PostStatus::Queued,
            PostStatus::Publishing,
            PostStatus::Initiating,
            PostStatus::Uploading,
            PostStatus::Processing,
            PostStatus::Published
        ]
    );
}

#[tokio::test]
async fn a_photo_carousel_is_pulled_from_presigned_urls_and_published() {
    let w = World::start().await;
    let (tenant, account) = w.connect("chef_maria").await;
    let mut photos = Vec::new();
    for _ in 0..5 {
        photos.push(w.media(&tenant, ContentType::Jpeg, testkit::media_files::jpeg(1080, 1350)).await);
    }
    let post = w.post(&tenant, &account, PostKind::Photo, PostMode::DirectPost, &photos, 1).await;
    w.tick().await;
    let done = w.until(&post, DONE, Duration::from_secs(180)).await;
    assert_eq!(done.status, PostStatus::Published, "{:?}", done.status_reason);
    let ledger = w.ledger(done.publish_id.as_deref().expect("publish id")).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["media_type"], "PHOTO");
    assert_eq!(ledger[0]["source"], "PULL_FROM_URL");
}

#[tokio::test]
async fn an_inbox_draft_is_delivered_to_the_creators_inbox() {
    let w = World::start().await;
    let (tenant, account) = w.connect("travel_tom").await;
    let video = w.media(&tenant, ContentType::Mp4, testkit::media_files::mp4(320, 240, 30, 30, true)).await;
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::MediaUpload, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, DONE, Duration::from_secs(180)).await;
    assert_eq!(done.status, PostStatus::InboxDelivered, "{:?}", done.status_reason);
    let ledger = w.ledger(done.publish_id.as_deref().expect("publish id")).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["post_mode"], "MEDIA_UPLOAD");
    assert!(w.ledger_of(&account.open_id).await.iter().any(|p| p["publish_id"] == ledger[0]["publish_id"]));
}
