//! Contract tests, Content Posting with FILE_UPLOAD: creator_info, direct and inbox video
//! init, chunk PUTs of a multi-chunk plan, status until final, the ledger, and cancel.

use crate::client_support;

use bytes::Bytes;
use serde_json::json;
use tiktok::pkce::SCOPE_VIDEO_UPLOAD;
use tiktok::{
    plan_chunks_with, ChunkOutcome, ErrorClass, FailReasonClass, InboxVideoInitRequest, PrivacyLevel,
    PublishStatusKind, TikTokError, UploadRefusal, UploadUrl, VideoContentType, VideoInitRequest,
    VideoSource,
};

use client_support::*;

const TITLE: &str = "Sunrise hike worth it #travel #hiking";

fn upload_refusal(err: &TikTokError) -> UploadRefusal {
    match err {
        TikTokError::Upload { refusal, .. } => *refusal,
        other => panic!("expected an upload refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn creator_info_differs_between_public_and_private_creators() {
    let h = world().await;
    let public = h.client.creator_info(&h.token("sandbox_creator").await).await.unwrap();
    let private = h.client.creator_info(&h.token("private_pat").await).await.unwrap();

    assert_eq!(public.creator_username, "sandbox_creator");
    assert_eq!(
        public.privacy_level_options,
        [
            PrivacyLevel::PublicToEveryone,
            PrivacyLevel::MutualFollowFriends,
            PrivacyLevel::FollowerOfCreator,
            PrivacyLevel::SelfOnly
        ]
    );
    assert_eq!(public.max_video_post_duration_sec, 600);
    assert_eq!(private.creator_username, "private_pat");
    assert_eq!(private.privacy_level_options, [PrivacyLevel::SelfOnly, PrivacyLevel::FollowerOfCreator]);
    assert!(private.duet_disabled && private.stitch_disabled && !private.comment_disabled);
    assert_eq!(private.max_video_post_duration_sec, 60);
    assert_eq!(h.calls("creator_info").await, 2);
}

#[tokio::test]
async fn multi_chunk_file_upload_publishes_once_with_every_byte() {
    let h = world().await;
    h.settings(json!({"processing_delay_ms": 0})).await;
    let token = h.token("sandbox_creator").await;
    let size = 11 * MIB;
    let plan = plan_chunks_with(size, 5 * MIB).unwrap();
    assert_eq!((plan.chunk_size(), plan.total_chunk_count()), (5 * MIB, 2), "the last chunk absorbs 1 MiB");
    let request = VideoInitRequest {
        post_info: post_info(PrivacyLevel::PublicToEveryone, TITLE),
        source_info: VideoSource::file_upload(&plan),
    };
    let init = h.client.init_video(&token, &request).await.unwrap();
    let upload_url = init.upload_url.expect("FILE_UPLOAD answers an upload_url");
    assert!(upload_url.expose_secret().starts_with(&format!("{}/upload/", h.sandbox.base_url)));

    let before = h.client.fetch_status(&token, &init.publish_id).await.unwrap();
    assert_eq!((before.status, before.uploaded_bytes), (PublishStatusKind::ProcessingUpload, Some(0)));
    let video = video_bytes(size);
    let outcomes = h.upload_all(&upload_url, &plan, &video).await;
    assert_eq!(outcomes, [ChunkOutcome::MoreExpected, ChunkOutcome::Complete]);

    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::PublishComplete);
    assert_eq!(status.uploaded_bytes, Some(size));
    let ledger = h.ledger().await;
    assert_eq!(ledger.len(), 1, "published exactly once: {ledger:?}");
    let entry = &ledger[0];
    assert_eq!(entry["publish_id"], init.publish_id.0);
    assert_eq!(entry["bytes_received"], size);
    assert_eq!(
        (entry["media_type"].as_str(), entry["source"].as_str()),
        (Some("VIDEO"), Some("FILE_UPLOAD"))
    );
    assert_eq!(entry["post_mode"], "DIRECT_POST");
    assert_eq!(entry["caption_sha256"], sha256_hex(TITLE));
    // Public posts name their post id; TikTok sends it as a number, the client keeps a string.
    assert_eq!(status.publicaly_available_post_id, [entry["post_id"].as_str().unwrap()]);
    assert_eq!(h.calls("upload").await, 2);
    assert_eq!(h.calls("video_init").await, 1);
}

#[tokio::test]
async fn resent_chunk_gets_the_same_answer_and_is_not_counted_twice() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    let plan = plan_chunks_with(11 * MIB, 5 * MIB).unwrap();
    let request = VideoInitRequest {
        post_info: post_info(PrivacyLevel::SelfOnly, TITLE),
        source_info: VideoSource::file_upload(&plan),
    };
    let init = h.client.init_video(&token, &request).await.unwrap();
    let url = init.upload_url.unwrap();
    let video = video_bytes(plan.video_size());
    let first = plan.chunk(0).unwrap();
    let body = || video.slice(first.first as usize..=first.last as usize);
    let put = |body: Bytes| h.client.upload_chunk(&url, &plan, first, VideoContentType::Mp4, body);
    assert_eq!(put(body()).await.unwrap(), ChunkOutcome::MoreExpected);
    assert_eq!(put(body()).await.unwrap(), ChunkOutcome::MoreExpected, "a replay is answered again");
    let last = plan.chunk(1).unwrap();
    let tail = video.slice(last.first as usize..);
    let outcome = h.client.upload_chunk(&url, &plan, last, VideoContentType::Mp4, tail).await.unwrap();
    assert_eq!(outcome, ChunkOutcome::Complete);
    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::PublishComplete);
    assert_eq!(status.uploaded_bytes, Some(11 * MIB), "the replayed chunk counted once");
    assert!(status.publicaly_available_post_id.is_empty(), "SELF_ONLY posts are not public");
}

#[tokio::test]
async fn out_of_order_chunk_is_a_range_mismatch() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    let plan = plan_chunks_with(11 * MIB, 5 * MIB).unwrap();
    let request = VideoInitRequest {
        post_info: post_info(PrivacyLevel::SelfOnly, TITLE),
        source_info: VideoSource::file_upload(&plan),
    };
    let url = h.client.init_video(&token, &request).await.unwrap().upload_url.unwrap();
    let second = plan.chunk(1).unwrap();
    let body = video_bytes(second.len());
    let err = failed(h.client.upload_chunk(&url, &plan, second, VideoContentType::Mp4, body).await);
    assert_eq!(upload_refusal(&err), UploadRefusal::RangeMismatch);
    assert_eq!(err.failure().unwrap().http_status, Some(416));
    assert_eq!(err.class(), ErrorClass::Permanent);
}

#[tokio::test]
async fn upload_url_expires_after_an_hour() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    let plan = plan_chunks_with(MIB, 5 * MIB).unwrap();
    assert_eq!(plan.total_chunk_count(), 1, "a file under 5 MiB goes whole");
    let request = VideoInitRequest {
        post_info: post_info(PrivacyLevel::SelfOnly, TITLE),
        source_info: VideoSource::file_upload(&plan),
    };
    let url = h.client.init_video(&token, &request).await.unwrap().upload_url.unwrap();
    h.advance_clock(3601).await;
    let chunk = plan.chunk(0).unwrap();
    let err =
        failed(h.client.upload_chunk(&url, &plan, chunk, VideoContentType::Mp4, video_bytes(MIB)).await);
    assert_eq!(upload_refusal(&err), UploadRefusal::UrlExpired);
    assert_eq!(err.failure().unwrap().http_status, Some(403));
}

#[tokio::test]
async fn unknown_upload_url_is_no_such_upload() {
    let h = world().await;
    let plan = plan_chunks_with(MIB, 5 * MIB).unwrap();
    let url = UploadUrl::new(h.url("/upload/01NOSUCHUPLOAD"));
    let chunk = plan.chunk(0).unwrap();
    let err =
        failed(h.client.upload_chunk(&url, &plan, chunk, VideoContentType::WebM, video_bytes(MIB)).await);
    assert_eq!(upload_refusal(&err), UploadRefusal::NoSuchUpload);
    assert_eq!(err.failure().unwrap().http_status, Some(404));
}

#[tokio::test]
async fn inbox_video_init_ends_in_the_creators_inbox() {
    let h = world().await;
    let token = h.connect_with("chef_maria", &[SCOPE_VIDEO_UPLOAD]).await.access_token;
    let plan = plan_chunks_with(3 * MIB, 5 * MIB).unwrap();
    let request = InboxVideoInitRequest { source_info: VideoSource::file_upload(&plan) };
    let init = h.client.init_inbox_video(&token, &request).await.unwrap();
    let outcomes = h.upload_all(&init.upload_url.unwrap(), &plan, &video_bytes(3 * MIB)).await;
    assert_eq!(outcomes, [ChunkOutcome::Complete]);

    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.status, PublishStatusKind::SendToUserInbox);
    let ledger = h.ledger().await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["post_mode"], "MEDIA_UPLOAD");
    assert_eq!(ledger[0]["bytes_received"], 3 * MIB);
    assert_eq!(ledger[0]["open_id"], h.creator("chef_maria").await["open_id"]);
    assert_eq!(h.calls("inbox_init").await, 1);
}

#[tokio::test]
async fn cancel_fails_the_post_as_publish_cancelled_and_nothing_is_published() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    let plan = plan_chunks_with(11 * MIB, 5 * MIB).unwrap();
    let request = VideoInitRequest {
        post_info: post_info(PrivacyLevel::SelfOnly, TITLE),
        source_info: VideoSource::file_upload(&plan),
    };
    let init = h.client.init_video(&token, &request).await.unwrap();
    h.client.cancel(&token, &init.publish_id).await.unwrap();

    let status = h.client.fetch_status(&token, &init.publish_id).await.unwrap();
    assert_eq!(status.status, PublishStatusKind::Failed);
    let reason = status.fail_reason.expect("a failed post names its reason");
    assert_eq!((reason.as_str(), reason.class()), ("publish_cancelled", FailReasonClass::Cancelled));
    // The upload session is closed, and a second cancel is refused.
    let chunk = plan.chunk(0).unwrap();
    let body = video_bytes(chunk.len());
    let url = init.upload_url.unwrap();
    let err = failed(h.client.upload_chunk(&url, &plan, chunk, VideoContentType::Mp4, body).await);
    assert_eq!(err.class(), ErrorClass::Permanent);
    let err = failed(h.client.cancel(&token, &init.publish_id).await);
    assert_eq!(answer(&err), (Some(400), "invalid_params"));
    assert!(h.ledger().await.is_empty());
}
