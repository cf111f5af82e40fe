//! Contract tests, Content Posting with PULL_FROM_URL: the sandbox really downloads from a
//! media host the test starts on loopback — videos and photo carousels, redirects refused,
//! unverified prefixes refused, oversize pictures failed.

use crate::client_support;

use bytes::Bytes;
use serde_json::json;
use tiktok::{
    ErrorClass, FailReasonClass, PhotoInitRequest, PhotoPostInfo, PhotoSource, PostMode, PrivacyLevel,
    PublishStatusKind, VideoInitRequest, VideoSource,
};

use client_support::*;

const VIDEO_LEN: u64 = 300_000;

fn pull_request(url: String) -> VideoInitRequest {
    VideoInitRequest {
        post_info: post_info(PrivacyLevel::FollowerOfCreator, "Cat vs cucumber #pets"),
        source_info: VideoSource::PullFromUrl { video_url: url },
    }
}

fn photo_request(mode: PostMode, urls: Vec<String>, description: &str) -> PhotoInitRequest {
    let info = PhotoPostInfo {
        title: Some("Weekend".into()),
        description: Some(description.into()),
        privacy_level: (mode == PostMode::DirectPost).then_some(PrivacyLevel::PublicToEveryone),
        ..PhotoPostInfo::default()
    };
    PhotoInitRequest::new(mode, info, PhotoSource::pull_from_urls(urls, 0))
}

#[tokio::test]
async fn pulled_video_is_downloaded_from_the_url_and_published() {
    let h = world().await;
    let host = media_host(vec![("/v/cat.mp4", "video/mp4", video_bytes(VIDEO_LEN))]).await;
    let token = h.token("sandbox_creator").await;
    let init = h.client.init_video(&token, &pull_request(host.url("/v/cat.mp4"))).await.unwrap();
    assert!(init.upload_url.is_none(), "PULL_FROM_URL has nothing to upload");

    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::PublishComplete);
    assert_eq!(status.downloaded_bytes, Some(VIDEO_LEN));
    assert_eq!(host.hits(), 1, "downloaded once");
    let ledger = h.ledger().await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["source"], "PULL_FROM_URL");
    assert_eq!(ledger[0]["bytes_received"], VIDEO_LEN);
}

#[tokio::test]
async fn pulled_video_behind_a_redirect_fails_as_video_pull_failed() {
    let h = world().await;
    let host = media_host(vec![("/v/cat.mp4", "video/mp4", video_bytes(VIDEO_LEN))]).await;
    let token = h.token("sandbox_creator").await;
    let init = h.client.init_video(&token, &pull_request(host.url("/moved"))).await.unwrap();

    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::Failed);
    let reason = status.fail_reason.unwrap();
    assert_eq!((reason.as_str(), reason.class()), ("video_pull_failed", FailReasonClass::Retry));
    assert_eq!(host.hits(), 0, "the redirect was not followed");
    assert!(h.ledger().await.is_empty());
}

#[tokio::test]
async fn pull_url_outside_the_verified_prefixes_is_permanent() {
    let h = world().await;
    h.settings(json!({"verified_url_prefixes": ["https://cdn.example.test/"]})).await;
    let host = media_host(vec![("/v/cat.mp4", "video/mp4", video_bytes(VIDEO_LEN))]).await;
    let token = h.token("sandbox_creator").await;
    let err = failed(h.client.init_video(&token, &pull_request(host.url("/v/cat.mp4"))).await);
    assert_eq!(answer(&err), (Some(403), "url_ownership_unverified"));
    assert_eq!(err.class(), ErrorClass::Permanent);
    assert!(h.posts().await.is_empty(), "no post was created");
    assert_eq!(host.hits(), 0);
}

#[tokio::test]
async fn photo_carousel_is_pulled_and_published() {
    let h = world().await;
    let (a, b) = (jpeg(1080, 1350), jpeg(1080, 1080));
    let total = (a.len() + b.len()) as u64;
    let host = media_host(vec![("/p/1.jpg", "image/jpeg", a), ("/p/2.jpg", "image/jpeg", b)]).await;
    let token = h.token("fit_with_lee").await;
    let description = "Leg day routine #fitness #gym";
    let request =
        photo_request(PostMode::DirectPost, vec![host.url("/p/1.jpg"), host.url("/p/2.jpg")], description);
    let init = h.client.init_photo(&token, &request).await.unwrap();

    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::PublishComplete);
    assert_eq!(host.hits(), 2);
    let ledger = h.ledger().await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["media_type"], "PHOTO");
    assert_eq!(ledger[0]["bytes_received"], total);
    assert_eq!(ledger[0]["caption_sha256"], sha256_hex(description), "a photo's caption is its description");
    assert_eq!(h.calls("content_init").await, 1);
}

#[tokio::test]
async fn photo_upload_mode_lands_in_the_inbox() {
    let h = world().await;
    let host = media_host(vec![("/p/1.webp", "image/jpeg", jpeg(720, 900))]).await;
    let token = h.token("sandbox_creator").await;
    let request = photo_request(PostMode::MediaUpload, vec![host.url("/p/1.webp")], "Study with me");
    let init = h.client.init_photo(&token, &request).await.unwrap();
    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::SendToUserInbox);
    assert_eq!(h.ledger().await[0]["post_mode"], "MEDIA_UPLOAD");
}

#[tokio::test]
async fn oversize_photo_fails_the_carousel_with_picture_size_check_failed() {
    let h = world().await;
    let ok_photo: Bytes = jpeg(1080, 1920);
    let host = media_host(vec![
        ("/p/ok.jpg", "image/jpeg", ok_photo),
        ("/p/big.jpg", "image/jpeg", jpeg(2160, 3840)),
    ])
    .await;
    let token = h.token("sandbox_creator").await;
    let urls = vec![host.url("/p/ok.jpg"), host.url("/p/big.jpg")];
    let init =
        h.client.init_photo(&token, &photo_request(PostMode::DirectPost, urls, "Too big")).await.unwrap();

    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::Failed);
    let reason = status.fail_reason.unwrap();
    assert_eq!(reason.as_str(), "picture_size_check_failed");
    assert_eq!(reason.class(), FailReasonClass::MediaMustChange);
    assert!(h.ledger().await.is_empty());
}
