//! Contract tests, the one error classification end to end: every class the client knows
//! (Retry, Wait, Reauth, Permanent, Ambiguous), provoked for real in the sandbox (limits,
//! caps, revocation, scopes) or by its fault rules, checked against what the sandbox did.

use crate::client_support;

use std::time::Duration;

use serde_json::json;
use tiktok::error::{RATE_LIMIT_BACKOFF, SERVER_BACKOFF, TRANSPORT_BACKOFF};
use tiktok::pkce::{SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_UPLOAD};
use tiktok::{
    plan_chunks_with, AccessToken, ChunkOutcome, ErrorClass, InboxVideoInitRequest, PrivacyLevel,
    RefreshError, RetryCause, TikTokClient, TikTokError, TokenSet, VideoContentType, VideoInitRequest,
    VideoSource,
};

use client_support::*;

fn file_init(privacy: PrivacyLevel) -> VideoInitRequest {
    let plan = plan_chunks_with(11 * MIB, 5 * MIB).unwrap();
    VideoInitRequest {
        post_info: post_info(privacy, "Outfit of the day #ootd"),
        source_info: VideoSource::file_upload(&plan),
    }
}

fn inbox_init() -> InboxVideoInitRequest {
    InboxVideoInitRequest { source_info: VideoSource::file_upload(&plan_chunks_with(MIB, 5 * MIB).unwrap()) }
}

fn transport_retry(err: &TikTokError) -> Duration {
    match err {
        TikTokError::Retry { after, cause: RetryCause::Transport(_) } => *after,
        other => panic!("expected a transport Retry, got {other:?}"),
    }
}

async fn refresh(h: &World, tokens: &TokenSet) -> Result<AccessToken, RefreshError<()>> {
    h.client.refresh(&h.app, &tokens.refresh_token, async |_: &TokenSet| Ok::<(), ()>(())).await
}

// ---- Retry ------------------------------------------------------------------------------

#[tokio::test]
async fn rate_limited_init_is_retry_with_the_backoff_suggestion_and_posts_nothing() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    h.fault(json!({"endpoint": "video_init", "kind": "http_429", "count": 1})).await;
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert_eq!(answer(&err), (Some(429), "rate_limit_exceeded"));
    assert_eq!(err.class(), ErrorClass::Retry { after: RATE_LIMIT_BACKOFF });
    assert!(h.posts().await.is_empty(), "a refused init created nothing");

    h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await.expect("the retry succeeds");
    assert_eq!(h.calls("video_init").await, 2, "the client itself did not retry");
    assert_eq!(h.posts().await.len(), 1);
}

#[tokio::test]
async fn seventh_init_in_a_minute_is_retry_from_the_real_rate_limit() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    for _ in 0..6 {
        h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await.unwrap();
    }
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert_eq!(answer(&err), (Some(429), "rate_limit_exceeded"));
    assert_eq!(err.class(), ErrorClass::Retry { after: RATE_LIMIT_BACKOFF });
    assert_eq!(h.posts().await.len(), 6);
    h.advance_clock(61).await;
    h.client
        .init_video(&token, &file_init(PrivacyLevel::SelfOnly))
        .await
        .expect("a new minute, a new window");
}

#[tokio::test]
async fn server_5xx_is_retry() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    h.fault(json!({"endpoint": "creator_info", "kind": "http_5xx", "status": 503, "count": 1})).await;
    let err = failed(h.client.creator_info(&token).await);
    assert_eq!(answer(&err), (Some(503), "internal_error"));
    assert_eq!(err.class(), ErrorClass::Retry { after: SERVER_BACKOFF });
    h.client.creator_info(&token).await.expect("the next call succeeds");
}

#[tokio::test]
async fn internal_error_code_is_retry_even_inside_http_200() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    let init = h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await.unwrap();
    h.fault(json!({"endpoint": "status", "kind": "error_code", "code": "internal_error", "status": 200, "count": 1}))
        .await;
    let err = failed(h.client.fetch_status(&token, &init.publish_id).await);
    assert_eq!(answer(&err), (Some(200), "internal_error"));
    assert_eq!(err.class(), ErrorClass::Retry { after: SERVER_BACKOFF });
}

#[tokio::test]
async fn unprocessed_drop_on_a_read_is_retry() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    h.fault(json!({"endpoint": "creator_info", "kind": "drop_unprocessed", "count": 1})).await;
    let err = failed(h.client.creator_info(&token).await);
    assert_eq!(transport_retry(&err), TRANSPORT_BACKOFF);
    assert_eq!(err.class(), ErrorClass::Retry { after: TRANSPORT_BACKOFF });
    assert_eq!(h.calls("creator_info").await, 1);
    h.client.creator_info(&token).await.expect("a read is safe to repeat");
}

#[tokio::test]
async fn chunk_put_answered_5xx_is_retry_and_the_chunk_is_taken_when_resent() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    let init = h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await.unwrap();
    let (url, plan) = (init.upload_url.unwrap(), plan_chunks_with(11 * MIB, 5 * MIB).unwrap());
    let chunk = plan.chunk(0).unwrap();
    let body = video_bytes(chunk.len());
    h.fault(json!({"endpoint": "upload", "kind": "http_5xx", "status": 502, "count": 1})).await;
    let err = failed(h.client.upload_chunk(&url, &plan, chunk, VideoContentType::Mp4, body.clone()).await);
    assert_eq!(err.failure().unwrap().http_status, Some(502));
    assert_eq!(err.class(), ErrorClass::Retry { after: SERVER_BACKOFF });
    let outcome = h.client.upload_chunk(&url, &plan, chunk, VideoContentType::Mp4, body).await.unwrap();
    assert_eq!(outcome, ChunkOutcome::MoreExpected);
}

#[tokio::test]
async fn refused_connection_is_retry_even_for_an_init() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    // A port that was just free (the sandbox's is taken): nothing listens, nothing is sent.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let mut config = h.client.config().clone();
    config.api_base_url = url::Url::parse(&format!("http://{closed}")).unwrap();
    let unreachable = TikTokClient::new(config).unwrap();
    let err = failed(unreachable.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert_eq!(transport_retry(&err), TRANSPORT_BACKOFF);
    assert!(h.posts().await.is_empty());
}

#[tokio::test]
async fn timeout_is_retry_for_a_read_but_ambiguous_for_an_init() {
    let h = world_with_config(|config| config.api_timeout = Duration::from_millis(300)).await;
    let token = h.token("sandbox_creator").await;
    h.fault(json!({"endpoint": "*", "kind": "latency", "latency_ms": 800, "count": 2})).await;
    let read = failed(h.client.creator_info(&token).await);
    assert_eq!(transport_retry(&read), TRANSPORT_BACKOFF);
    let init = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert_eq!(init.class(), ErrorClass::Ambiguous, "the init may have been processed");
}

// ---- Wait -------------------------------------------------------------------------------

#[tokio::test]
async fn daily_cap_is_wait_on_creator_info_and_on_init() {
    let h = world().await;
    // Tokens outlive the day here, so only the cap changes when the clock moves on.
    h.settings(json!({"daily_post_cap": 1, "access_token_ttl_secs": 172_800})).await;
    let token = h.token("sandbox_creator").await;
    h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await.unwrap();

    let err = failed(h.client.creator_info(&token).await);
    assert_eq!(answer(&err), (Some(200), "spam_risk_too_many_posts"), "creator_info says so with HTTP 200");
    assert_eq!(err.class(), ErrorClass::Wait);
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert_eq!(answer(&err), (Some(403), "spam_risk_too_many_posts"));
    assert_eq!(err.class(), ErrorClass::Wait);
    assert_eq!(h.posts().await.len(), 1, "the capped init created nothing");

    h.advance_clock(86_401).await;
    h.client.creator_info(&token).await.expect("the cap resets after 24 h");
}

#[tokio::test]
async fn sixth_pending_inbox_share_is_wait() {
    let h = world().await;
    let token = h.connect_with("sandbox_creator", &[SCOPE_VIDEO_UPLOAD]).await.access_token;
    for _ in 0..5 {
        h.client.init_inbox_video(&token, &inbox_init()).await.unwrap();
    }
    let err = failed(h.client.init_inbox_video(&token, &inbox_init()).await);
    assert_eq!(answer(&err), (Some(403), "spam_risk_too_many_pending_share"));
    assert_eq!(err.class(), ErrorClass::Wait);
    assert_eq!(h.posts().await.len(), 5);
    assert_eq!(h.calls("inbox_init").await, 6);
}

// ---- Reauth -----------------------------------------------------------------------------

#[tokio::test]
async fn revoked_token_is_reauth() {
    let h = world().await;
    let tokens = h.connect("sandbox_creator").await;
    h.admin_post("/_sandbox/accounts/sandbox_creator/revoke", json!({"reason": 1})).await;
    let err = failed(h.client.creator_info(&tokens.access_token).await);
    assert_eq!(answer(&err), (Some(401), "access_token_invalid"));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: true });
    // The refresh that this class suggests fails too: the user must re-authorize.
    let Err(RefreshError::TikTok(err)) = refresh(&h, &tokens).await else { panic!("refresh must fail") };
    assert_eq!(answer(&err), (Some(400), "invalid_grant"));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
}

#[tokio::test]
async fn token_revoked_during_a_call_is_reauth() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    h.fault(json!({"endpoint": "video_init", "kind": "revoke_token", "count": 1})).await;
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert_eq!(answer(&err), (Some(401), "access_token_invalid"));
    assert!(h.posts().await.is_empty());
}

#[tokio::test]
async fn missing_scope_is_reauth_that_refresh_cannot_fix() {
    let h = world().await;
    let token = h.connect_with("sandbox_creator", &[SCOPE_USER_INFO_BASIC]).await.access_token;
    let err = failed(h.client.creator_info(&token).await);
    assert_eq!(answer(&err), (Some(401), "scope_not_authorized"));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert_eq!(answer(&err), (Some(401), "scope_not_authorized"));
}

#[tokio::test]
async fn unknown_refresh_token_is_reauth_invalid_grant_and_nothing_is_persisted() {
    let h = world().await;
    let tokens = h.connect("sandbox_creator").await;
    let bogus = tiktok::RefreshToken::new("rft.not-issued-by-the-sandbox");
    let mut persisted = false;
    let result = h
        .client
        .refresh(&h.app, &bogus, async |_: &TokenSet| {
            persisted = true;
            Ok::<(), ()>(())
        })
        .await;
    let Err(RefreshError::TikTok(err)) = result else { panic!("refresh must fail") };
    assert_eq!(answer(&err), (Some(400), "invalid_grant"));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
    assert!(!persisted);
    refresh(&h, &tokens).await.expect("the real refresh token is untouched");
}

// ---- Permanent --------------------------------------------------------------------------

#[tokio::test]
async fn privacy_level_outside_the_creators_options_is_permanent() {
    let h = world().await;
    let token = h.token("private_pat").await;
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::PublicToEveryone)).await);
    assert_eq!(answer(&err), (Some(403), "privacy_level_option_mismatch"));
    assert_eq!(err.class(), ErrorClass::Permanent);
    assert!(h.posts().await.is_empty());
    h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await.expect("an offered level posts");
}

#[tokio::test]
async fn chunk_plan_against_the_rules_is_permanent_invalid_params() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    // floor(11 MiB / 5 MiB) is 2, not 3: built by hand, past the client's planner.
    let source_info =
        VideoSource::FileUpload { video_size: 11 * MIB, chunk_size: 5 * MIB, total_chunk_count: 3 };
    let request = VideoInitRequest { post_info: post_info(PrivacyLevel::SelfOnly, "x"), source_info };
    let err = failed(h.client.init_video(&token, &request).await);
    assert_eq!(answer(&err), (Some(400), "invalid_params"));
    assert_eq!(err.class(), ErrorClass::Permanent);
    assert!(h.posts().await.is_empty());
}

#[tokio::test]
async fn caption_over_2200_utf16_units_is_permanent_invalid_params() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    // 1101 astral characters: 1101 chars, 2202 UTF-16 units.
    let mut request = file_init(PrivacyLevel::SelfOnly);
    request.post_info.title = Some("😀".repeat(1101));
    let err = failed(h.client.init_video(&token, &request).await);
    assert_eq!(answer(&err), (Some(400), "invalid_params"));
    request.post_info.title = Some("😀".repeat(1100));
    h.client.init_video(&token, &request).await.expect("2200 units is allowed");
}

// ---- Ambiguous --------------------------------------------------------------------------

#[tokio::test]
async fn dropped_answer_to_video_init_is_ambiguous_and_the_post_exists() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    h.fault(json!({"endpoint": "video_init", "kind": "drop", "count": 1})).await;
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    assert!(matches!(err, TikTokError::Ambiguous { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Ambiguous);
    let posts = h.posts().await;
    assert_eq!(posts.len(), 1, "the sandbox created the post although the answer was lost");
    assert_eq!(posts[0]["status"], "PROCESSING_UPLOAD");
    assert_eq!(posts[0]["open_id"], h.creator("sandbox_creator").await["open_id"]);
    assert_eq!(h.calls("video_init").await, 1, "the client did not repeat the init");
}

#[tokio::test]
async fn lost_answer_to_init_is_ambiguous_even_when_nothing_was_created() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    h.fault(json!({"endpoint": "video_init", "kind": "drop_unprocessed", "count": 1})).await;
    let err = failed(h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await);
    // From the wire both drops look the same: the client must not guess.
    assert_eq!(err.class(), ErrorClass::Ambiguous);
    assert!(h.posts().await.is_empty());
}

#[tokio::test]
async fn dropped_answer_to_a_chunk_is_ambiguous_and_resending_it_is_safe() {
    let h = world().await;
    let token = h.token("sandbox_creator").await;
    let init = h.client.init_video(&token, &file_init(PrivacyLevel::SelfOnly)).await.unwrap();
    let (url, plan) = (init.upload_url.unwrap(), plan_chunks_with(11 * MIB, 5 * MIB).unwrap());
    let video = video_bytes(plan.video_size());
    let chunk = plan.chunk(0).unwrap();
    let body = video.slice(chunk.first as usize..=chunk.last as usize);
    h.fault(json!({"endpoint": "upload", "kind": "drop", "count": 1})).await;
    let err = failed(h.client.upload_chunk(&url, &plan, chunk, VideoContentType::Mp4, body.clone()).await);
    assert_eq!(err.class(), ErrorClass::Ambiguous);
    // The sandbox took the chunk; the same chunk again gets the same answer, counted once.
    let again = h.client.upload_chunk(&url, &plan, chunk, VideoContentType::Mp4, body).await.unwrap();
    assert_eq!(again, ChunkOutcome::MoreExpected);
    let last = plan.chunk(1).unwrap();
    let tail = video.slice(last.first as usize..);
    let done = h.client.upload_chunk(&url, &plan, last, VideoContentType::Mp4, tail).await.unwrap();
    assert_eq!(done, ChunkOutcome::Complete);
    let status = h.final_status(&token, &init.publish_id).await;
    assert_eq!(status.uploaded_bytes, Some(11 * MIB));
    assert_eq!(h.ledger().await.len(), 1);
}

#[tokio::test]
async fn dropped_answer_to_refresh_is_ambiguous_and_the_token_rotated() {
    let h = world().await;
    let tokens = h.connect("sandbox_creator").await;
    h.fault(json!({"endpoint": "token", "kind": "drop", "count": 1})).await;
    let Err(RefreshError::TikTok(err)) = refresh(&h, &tokens).await else { panic!("refresh must fail") };
    assert_eq!(err.class(), ErrorClass::Ambiguous);
    let Err(RefreshError::TikTok(err)) = refresh(&h, &tokens).await else { panic!("the token rotated") };
    assert_eq!(answer(&err), (Some(400), "invalid_grant"));
    assert_eq!(h.calls("token.refresh_token").await, 2);
}
