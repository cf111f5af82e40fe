//! Every endpoint call puts the contract's request on the wire and reads
//! the contract's answer (against canned responses).

use crate::server;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use server::{app, client, json, ok, serve, token, token_body, video_init, Reply};
use tiktok::display::VideoListRequest;
use tiktok::oauth::TokenSet;
use tiktok::posting::{PhotoPostInfo, PhotoSource};
use tiktok::research::{Condition, Operation, ResearchQuery, ResearchVideoQuery};
use tiktok::{
    plan_chunks, AuthCode, ChunkOutcome, ErrorClass, FailReasonClass, InboxVideoInitRequest,
    PhotoInitRequest, PkceVerifier, PostMode, PrivacyLevel, PublishId, PublishStatusKind, RefreshError,
    RefreshToken, TikTokError, UploadUrl, VideoContentType, VideoSource,
};
use url::Url;

#[tokio::test]
async fn video_init_sends_the_chunk_plan_with_bearer_auth() {
    let (base, log) =
        serve(vec![ok(serde_json::json!({"publish_id": "v_pub_1", "upload_url": "https://up/1"}))]).await;
    let init = client(&base).init_video(&token(), &video_init()).await.unwrap();
    assert_eq!(init.publish_id, PublishId("v_pub_1".into()));
    assert_eq!(init.upload_url.unwrap().expose_secret(), "https://up/1");
    let request = log.lock().unwrap()[0].clone();
    assert_eq!((request.method.as_str(), request.target.as_str()), ("POST", "/v2/post/publish/video/init/"));
    assert_eq!(request.header("authorization"), Some("Bearer act.1"));
    let body = request.json();
    assert_eq!(body["source_info"]["source"], "FILE_UPLOAD");
    assert_eq!(body["source_info"]["video_size"], 30 * 1024 * 1024);
    assert_eq!(body["source_info"]["chunk_size"], 10 * 1024 * 1024);
    assert_eq!(body["source_info"]["total_chunk_count"], 3);
    assert_eq!(body["post_info"]["privacy_level"], "SELF_ONLY");
    assert_eq!(body["post_info"]["title"], "hello #tag");
}

#[tokio::test]
async fn inbox_and_photo_inits_and_cancel_use_their_endpoints() {
    let pull = VideoSource::PullFromUrl { video_url: "https://media.example/v.mp4".into() };
    let (base, log) = serve(vec![
        ok(serde_json::json!({"publish_id": "a"})),
        ok(serde_json::json!({})),
        ok(serde_json::json!({"publish_id": "p"})),
    ])
    .await;
    let c = client(&base);
    c.init_inbox_video(&token(), &InboxVideoInitRequest { source_info: pull }).await.unwrap();
    c.cancel(&token(), &PublishId("a".into())).await.unwrap();
    let photo = PhotoInitRequest::new(
        PostMode::DirectPost,
        PhotoPostInfo {
            title: Some("t".into()),
            privacy_level: Some(PrivacyLevel::PublicToEveryone),
            ..Default::default()
        },
        PhotoSource::pull_from_urls(vec!["https://media.example/1.jpg".into()], 0),
    );
    let init = c.init_photo(&token(), &photo).await.unwrap();
    assert_eq!(init.publish_id, PublishId("p".into()));
    let log = log.lock().unwrap();
    assert_eq!(log[2].target, "/v2/post/publish/content/init/");
    let body = log[2].json();
    assert_eq!(
        (body["media_type"].as_str(), body["post_mode"].as_str()),
        (Some("PHOTO"), Some("DIRECT_POST"))
    );
    assert_eq!(body["source_info"]["source"], "PULL_FROM_URL");
    assert_eq!(body["source_info"]["photo_images"][0], "https://media.example/1.jpg");
    assert_eq!(body["post_info"]["privacy_level"], "PUBLIC_TO_EVERYONE");
    assert_eq!(log[0].target, "/v2/post/publish/inbox/video/init/");
    assert_eq!(log[0].json()["source_info"]["source"], "PULL_FROM_URL");
    assert_eq!(log[1].target, "/v2/post/publish/cancel/");
    assert_eq!(log[1].json(), serde_json::json!({"publish_id": "a"}));
}

#[tokio::test]
async fn chunk_put_carries_range_headers_and_maps_206_and_201() {
    let empty = |status| Reply::Respond { status, headers: vec![], body: String::new() };
    let (base, log) = serve(vec![empty(206), empty(201)]).await;
    let c = client(&base);
    let size = 12 * 1024 * 1024;
    let plan = tiktok::plan_chunks_with(size, 5 * 1024 * 1024).unwrap();
    assert_eq!(plan.total_chunk_count(), 2);
    let url = UploadUrl::new(format!("{base}upload/1"));
    let mut outcomes = Vec::new();
    for chunk in plan.chunks() {
        let body = Bytes::from(vec![7u8; chunk.len() as usize]);
        outcomes.push(c.upload_chunk(&url, &plan, chunk, VideoContentType::Mp4, body).await.unwrap());
    }
    assert_eq!(outcomes, [ChunkOutcome::MoreExpected, ChunkOutcome::Complete]);
    let log = log.lock().unwrap();
    assert_eq!((log[0].method.as_str(), log[0].target.as_str()), ("PUT", "/upload/1"));
    assert_eq!(log[0].header("content-type"), Some("video/mp4"));
    assert_eq!(log[0].header("content-length"), Some("5242880"));
    assert_eq!(log[0].header("content-range"), Some("bytes 0-5242879/12582912"));
    assert_eq!(log[1].header("content-range"), Some("bytes 5242880-12582911/12582912"));
    assert_eq!(log[1].body.len(), 12582912 - 5242880);
}

#[tokio::test]
async fn chunk_that_does_not_match_the_plan_is_refused_locally() {
    let c = client(&Url::parse("http://127.0.0.1:1").unwrap());
    let plan = plan_chunks(1000).unwrap();
    let chunk = plan.chunk(0).unwrap();
    let url = UploadUrl::new("http://127.0.0.1:1/u");
    let err = c.upload_chunk(&url, &plan, chunk, VideoContentType::WebM, Bytes::from_static(b"short")).await;
    assert!(matches!(err, Err(TikTokError::Invalid(_))));
}

#[tokio::test]
async fn status_fetch_reads_every_field_in_either_id_shape() {
    let (base, log) = serve(vec![
        ok(serde_json::json!({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7300000000000000001u64], "uploaded_bytes": 10})),
        ok(serde_json::json!({"status": "FAILED", "fail_reason": "video_pull_failed", "publicaly_available_post_id": "7", "downloaded_bytes": 3})),
    ])
    .await;
    let c = client(&base);
    let done = c.fetch_status(&token(), &PublishId("p1".into())).await.unwrap();
    assert_eq!(done.status, PublishStatusKind::PublishComplete);
    assert_eq!(done.publicaly_available_post_id, ["7300000000000000001"]);
    assert_eq!(done.uploaded_bytes, Some(10));
    let failed = c.fetch_status(&token(), &PublishId("p1".into())).await.unwrap();
    assert_eq!(failed.fail_reason.unwrap().class(), FailReasonClass::Retry);
    assert_eq!(failed.publicaly_available_post_id, ["7"]);
    assert_eq!(log.lock().unwrap()[0].json(), serde_json::json!({"publish_id": "p1"}));
}

#[tokio::test]
async fn code_exchange_sends_the_documented_form() {
    let (base, log) = serve(vec![json(200, token_body("act.new", "rft.new"))]).await;
    let redirect = Url::parse("https://app.example/oauth/tiktok/callback").unwrap();
    let tokens = client(&base)
        .exchange_code(&app(), &AuthCode::new("code-1"), &redirect, &PkceVerifier::new("ver-1"))
        .await
        .unwrap();
    assert_eq!(tokens.access_token.expose_secret(), "act.new");
    assert_eq!(tokens.scopes().collect::<Vec<_>>(), ["user.info.basic", "video.publish"]);
    let request = log.lock().unwrap()[0].clone();
    assert_eq!(request.target, "/v2/oauth/token/");
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    for (key, value) in [
        ("client_key", "ck"),
        ("client_secret", "cs"),
        ("code", "code-1"),
        ("grant_type", "authorization_code"),
        ("redirect_uri", "https://app.example/oauth/tiktok/callback"),
        ("code_verifier", "ver-1"),
    ] {
        assert_eq!(request.form_value(key).as_deref(), Some(value), "{key}");
    }
}

#[tokio::test]
async fn refresh_hands_out_the_access_token_only_after_persisting_the_rotated_one() {
    let (base, log) = serve(vec![json(200, token_body("act.2", "rft.2"))]).await;
    let stored = Arc::new(Mutex::new(None::<String>));
    let store = stored.clone();
    let access = client(&base)
        .refresh(&app(), &RefreshToken::new("rft.1"), async |tokens: &TokenSet| {
            *store.lock().unwrap() = Some(tokens.refresh_token.expose_secret().to_owned());
            Ok::<(), String>(())
        })
        .await
        .unwrap();
    assert_eq!(access.expose_secret(), "act.2");
    assert_eq!(stored.lock().unwrap().as_deref(), Some("rft.2"));
    let request = log.lock().unwrap()[0].clone();
    assert_eq!(request.form_value("grant_type").as_deref(), Some("refresh_token"));
    assert_eq!(request.form_value("refresh_token").as_deref(), Some("rft.1"));
}

#[tokio::test]
async fn failed_persist_withholds_the_access_token_but_allows_another_attempt() {
    let (base, _) = serve(vec![json(200, token_body("act.2", "rft.2"))]).await;
    let result = client(&base)
        .refresh(&app(), &RefreshToken::new("rft.1"), async |_: &TokenSet| Err::<(), _>("table unavailable"))
        .await;
    let Err(RefreshError::Persist(failed)) = result else { panic!("persist failure expected") };
    assert_eq!(failed.error, "table unavailable");
    let access = failed.tokens.persist(async |_: &TokenSet| Ok::<(), &str>(())).await.unwrap();
    assert_eq!(access.expose_secret(), "act.2");
}

#[tokio::test]
async fn rejected_refresh_is_reauth_and_nothing_is_persisted() {
    let body = serde_json::json!({"error": "invalid_grant", "error_description": "Refresh token is invalid", "log_id": "L2"});
    let (base, _) = serve(vec![json(200, body)]).await;
    let persisted = Arc::new(Mutex::new(false));
    let flag = persisted.clone();
    let result = client(&base)
        .refresh(&app(), &RefreshToken::new("rft.1"), async |_: &TokenSet| {
            *flag.lock().unwrap() = true;
            Ok::<(), ()>(())
        })
        .await;
    let Err(RefreshError::TikTok(err)) = result else { panic!("TikTok error expected") };
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
    assert_eq!(err.log_id(), Some("L2"));
    assert!(!*persisted.lock().unwrap());
}

#[tokio::test]
async fn revoke_and_client_token_send_their_forms() {
    let client_token =
        serde_json::json!({"access_token": "clt.1", "expires_in": 7200, "token_type": "Bearer"});
    let (base, log) = serve(vec![json(200, serde_json::json!({})), json(200, client_token)]).await;
    let c = client(&base);
    c.revoke(&app(), &token()).await.unwrap();
    let research = c.client_token(&app()).await.unwrap();
    assert_eq!(research.access_token.expose_secret(), "clt.1");
    let log = log.lock().unwrap();
    assert_eq!(log[0].target, "/v2/oauth/revoke/");
    assert_eq!(log[0].form_value("token").as_deref(), Some("act.1"));
    assert_eq!(log[1].form_value("grant_type").as_deref(), Some("client_credentials"));
}

#[tokio::test]
async fn user_info_video_list_and_research_query_use_fields_and_paging() {
    let (base, log) = serve(vec![
        ok(serde_json::json!({"user": {"open_id": "o1", "display_name": "Dee"}})),
        ok(serde_json::json!({"videos": [{"id": "v1", "create_time": 1, "title": "a #x", "view_count": 5}], "cursor": 99, "has_more": true})),
        ok(serde_json::json!({"videos": [{"id": 123, "hashtag_names": ["x"], "create_time": 2}], "cursor": 100, "has_more": true, "search_id": "s-1"})),
    ])
    .await;
    let c = client(&base);
    assert_eq!(c.user_info(&token()).await.unwrap().display_name.as_deref(), Some("Dee"));
    let page = c.list_videos(&token(), &VideoListRequest::new(Some(5), 20).unwrap()).await.unwrap();
    assert_eq!((page.videos.len(), page.cursor, page.has_more), (1, 99, true));
    let query = ResearchQuery {
        and: vec![Condition {
            operation: Operation::In,
            field_name: "hashtag_name".into(),
            field_values: vec!["x".into()],
        }],
        ..Default::default()
    };
    let start = time::macros::date!(2024 - 01 - 01);
    let first = ResearchVideoQuery::new(query, start, time::macros::date!(2024 - 01 - 31), 100).unwrap();
    let page = c.research_videos(&token(), &first).await.unwrap();
    assert_eq!(page.videos[0].id, "123");
    let next = first.next_page(&page).unwrap();
    assert_eq!((next.cursor, next.search_id.as_deref()), (Some(100), Some("s-1")));

    let log = log.lock().unwrap();
    assert_eq!(log[0].method, "GET");
    assert!(log[0].target.starts_with("/v2/user/info/?fields=open_id%2Cunion_id"), "{}", log[0].target);
    assert!(log[1].target.starts_with("/v2/video/list/?fields=id%2Ccreate_time"), "{}", log[1].target);
    assert_eq!(log[1].json(), serde_json::json!({"cursor": 5, "max_count": 20}));
    assert!(log[2].target.starts_with("/v2/research/video/query/?fields=id%2Cvideo_description"));
    let body = log[2].json();
    assert_eq!(
        (body["start_date"].as_str(), body["end_date"].as_str()),
        (Some("20240101"), Some("20240131"))
    );
    assert_eq!(body["query"]["and"][0]["operation"], "IN");
    assert!(body.get("cursor").is_none());
}

#[test]
fn page_sizes_and_date_spans_beyond_the_limits_are_refused() {
    assert!(VideoListRequest::new(None, 21).is_err());
    assert!(VideoListRequest::new(None, 0).is_err());
    let query = ResearchQuery {
        or: vec![Condition {
            operation: Operation::Eq,
            field_name: "keyword".into(),
            field_values: vec!["k".into()],
        }],
        ..Default::default()
    };
    let start = time::macros::date!(2024 - 01 - 01);
    assert!(ResearchVideoQuery::new(query.clone(), start, time::macros::date!(2024 - 02 - 01), 10).is_err());
    assert!(ResearchVideoQuery::new(query.clone(), start, time::macros::date!(2023 - 12 - 31), 10).is_err());
    assert!(ResearchVideoQuery::new(query.clone(), start, start, 101).is_err());
    assert!(ResearchVideoQuery::new(ResearchQuery::default(), start, start, 10).is_err());
    assert!(ResearchVideoQuery::new(query, start, start, 100).is_ok());
}

#[test]
fn login_start_builds_a_pkce_authorize_url_on_the_auth_base() {
    let c = client(&Url::parse("http://127.0.0.1:4568").unwrap());
    let redirect = Url::parse("https://app.example/cb").unwrap();
    let login = c.start_login(&app().client_key, &redirect, &["user.info.basic"]).unwrap();
    assert_eq!(login.authorize_url.path(), "/v2/auth/authorize/");
    let expected = tiktok::pkce::challenge(&login.verifier, tiktok::PkceEncoding::Base64Url);
    let query: Vec<(String, String)> = login.authorize_url.query_pairs().into_owned().collect();
    assert!(query.contains(&("code_challenge".into(), expected)));
    assert!(query.contains(&("state".into(), login.state.expose_secret().to_owned())));
}
