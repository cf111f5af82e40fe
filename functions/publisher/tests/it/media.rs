//! Big media through the whole pipeline: a 150 MiB video in chunks of the
//! production planner, and a 35-image carousel (TikTok's maximum) pulled from
//! presigned URLs — the sandbox's ledger shows exactly the bytes and images.

use std::time::Duration;

use shared::media::ContentType;
use shared::post::{PostKind, PostMode, PostStatus};

use crate::sandbox::{sha256_hex, video_bytes, SETTLED};
use crate::world::World;

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn a_150_mib_video_is_published_with_exactly_its_bytes() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_24").await;
    let open_id = account.open_id.clone();
    w.clear_faults(&open_id).await;
    w.count_calls(&open_id, "upload").await;
    let size = 150 * MIB;
    let plan = tiktok::plan_chunks(size as u64).expect("plan");
    assert!(plan.total_chunk_count() > 1, "multi-chunk: {plan:?}");
    // Generated once, uploaded to moto once; only its hash is kept here.
    let (sha, video) = {
        let bytes = video_bytes(size, 24);
        (sha256_hex(&bytes), w.media(&tenant, ContentType::Mp4, bytes).await)
    };
    let post = w.post(&tenant, &account, PostKind::Video, PostMode::DirectPost, &[video], 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(420)).await;

    assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
    let ledger = w.ledger(done.publish_id.as_deref().expect("publish id")).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["bytes_received"], size as u64);
    assert_eq!(ledger[0]["content_sha256"], sha, "TikTok holds exactly the source bytes, in order");
    assert_eq!(w.calls(&open_id, "upload").await, plan.total_chunk_count(), "each chunk once");
}

#[tokio::test]
async fn a_35_image_carousel_is_pulled_and_published_with_every_image_in_order() {
    let w = World::start().await;
    let (tenant, account) = w.connect("pool_25").await;
    let mut photos = Vec::new();
    let mut hashes = Vec::new();
    for i in 0..35u16 {
        // Each image distinct (its height), so order and identity show.
        let jpeg = testkit::media_files::jpeg(1080, 1080 + 8 * i);
        hashes.push(sha256_hex(&jpeg));
        photos.push(w.media(&tenant, ContentType::Jpeg, jpeg).await);
    }
    let post = w.post(&tenant, &account, PostKind::Photo, PostMode::DirectPost, &photos, 1).await;
    w.tick().await;
    let done = w.until(&post, SETTLED, Duration::from_secs(240)).await;

    assert_eq!(done.status, PostStatus::Published, "{:?}", done.history);
    let ledger = w.ledger(done.publish_id.as_deref().expect("publish id")).await;
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["media_type"], "PHOTO");
    assert_eq!(ledger[0]["source"], "PULL_FROM_URL");
    let pulled: Vec<String> = ledger[0]["images_sha256"]
        .as_array()
        .expect("images")
        .iter()
        .map(|h| h.as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(pulled.len(), 35);
    assert_eq!(pulled, hashes, "every image, exactly as uploaded, in carousel order");
}
