use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn next_n_500s_then_normal_answers() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    env.admin(
        "/_sandbox/faults",
        json!({"endpoint": "creator_info", "kind": "http_5xx", "count": 2, "status": 503}),
    )
    .await;
    for _ in 0..2 {
        let (status, body) = env.api(&token, "/v2/post/publish/creator_info/query/", json!({})).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"]["code"], "internal_error");
    }
    assert_eq!(env.api(&token, "/v2/post/publish/creator_info/query/", json!({})).await.0, StatusCode::OK);
    assert_eq!(env.admin_get("/_sandbox/calls").await["creator_info"], 3);
}

#[tokio::test]
async fn error_code_fault_answers_with_the_documented_status() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let fault = json!({"endpoint": "video_init", "kind": "error_code", "code": "spam_risk_user_banned_from_posting", "count": 1});
    env.admin("/_sandbox/faults", fault).await;
    let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
    let (status, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "spam_risk_user_banned_from_posting");
    assert_eq!(body["data"], json!({}));
}

#[tokio::test]
async fn oauth_error_code_fault_is_flat() {
    let env = env().await;
    let tokens = env.connect("sandbox_creator").await;
    env.admin(
        "/_sandbox/faults",
        json!({"endpoint": "token", "kind": "error_code", "code": "invalid_grant", "count": 1}),
    )
    .await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, body) = env.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn dropped_connection_after_processing_is_a_client_error_but_the_post_exists() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    env.admin("/_sandbox/faults", json!({"endpoint": "video_init", "kind": "drop", "count": 1})).await;
    let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
    let result =
        env.http.post(env.url("/v2/post/publish/video/init/")).bearer_auth(&token).json(&init).send().await;
    let err = result.expect_err("the connection is dropped without an answer");
    assert!(!err.is_status());
    let posts = env.admin_get("/_sandbox/posts").await;
    assert_eq!(posts["posts"].as_array().unwrap().len(), 1, "processed before the drop");
    // The fault was used up: the next call is answered.
    assert_eq!(env.api(&token, "/v2/post/publish/video/init/", init).await.0, StatusCode::OK);
}

#[tokio::test]
async fn dropped_connection_before_processing_creates_nothing() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    env.admin("/_sandbox/faults", json!({"endpoint": "video_init", "kind": "drop_unprocessed", "count": 1}))
        .await;
    let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
    let result =
        env.http.post(env.url("/v2/post/publish/video/init/")).bearer_auth(&token).json(&init).send().await;
    assert!(result.is_err());
    assert_eq!(env.admin_get("/_sandbox/posts").await["posts"], json!([]));
    assert_eq!(env.admin_get("/_sandbox/calls").await["video_init"], 1);
}

#[tokio::test]
async fn latency_fault_delays_the_answer() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    env.admin(
        "/_sandbox/faults",
        json!({"endpoint": "creator_info", "kind": "latency", "latency_ms": 300, "count": 1}),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(env.api(&token, "/v2/post/publish/creator_info/query/", json!({})).await.0, StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn probability_one_fault_fires_until_cleared() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    env.admin(
        "/_sandbox/faults",
        json!({"endpoint": "creator_info", "kind": "http_429", "probability": 1.0}),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            env.api(&token, "/v2/post/publish/creator_info/query/", json!({})).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    env.http.delete(env.url("/_sandbox/faults")).send().await.unwrap();
    assert_eq!(env.api(&token, "/v2/post/publish/creator_info/query/", json!({})).await.0, StatusCode::OK);
}

#[tokio::test]
async fn admin_revocation_invalidates_the_account() {
    let env = env().await;
    let tokens = env.connect("sandbox_creator").await;
    let body = env.admin("/_sandbox/accounts/sandbox_creator/revoke", json!({})).await;
    assert_eq!(body["revoked_tokens"], 2);
    let token = tokens["access_token"].as_str().unwrap();
    let (status, _) = env.api(token, "/v2/post/publish/creator_info/query/", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        env.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await.1["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn reset_clears_state_but_keeps_the_data_set() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let before = env.admin_get("/_sandbox/dataset").await["videos"].as_array().unwrap().len();
    env.http.post(env.url("/_sandbox/reset")).send().await.unwrap();
    assert_eq!(
        env.api(&token, "/v2/post/publish/creator_info/query/", json!({})).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(env.admin_get("/_sandbox/dataset").await["videos"].as_array().unwrap().len(), before);
    assert_eq!(env.admin_get("/_sandbox/calls").await["creator_info"], 1);
}

#[tokio::test]
async fn a_fault_scoped_to_a_creator_spares_everyone_else_and_is_cleared_alone() {
    let env = env().await;
    let maria = env.connect("chef_maria").await;
    let (maria_token, maria_id) =
        (maria["access_token"].as_str().unwrap().to_string(), maria["open_id"].as_str().unwrap().to_string());
    let tom = env.access_token("travel_tom").await;
    let scoped =
        json!({"endpoint": "creator_info", "kind": "http_5xx", "probability": 1.0, "open_id": maria_id});
    env.admin("/_sandbox/faults", scoped).await;
    env.admin("/_sandbox/faults", json!({"endpoint": "status", "kind": "http_429", "probability": 1.0}))
        .await;
    let info = "/v2/post/publish/creator_info/query/";
    assert_eq!(env.api(&maria_token, info, json!({})).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(env.api(&tom, info, json!({})).await.0, StatusCode::OK, "another creator is spared");
    // Clearing one creator's faults leaves the others' rules.
    let cleared =
        env.http.delete(env.url(&format!("/_sandbox/faults?open_id={maria_id}"))).send().await.unwrap();
    assert!(cleared.status().is_success());
    assert_eq!(env.api(&maria_token, info, json!({})).await.0, StatusCode::OK);
    let rules = env.admin_get("/_sandbox/faults").await;
    assert_eq!(rules["faults"].as_array().unwrap().len(), 1, "{rules}");
    assert_eq!(rules["faults"][0]["spec"]["endpoint"], "status");
}

#[tokio::test]
async fn a_chunk_fault_is_scoped_by_the_uploads_creator_and_the_ledger_hashes_what_was_taken() {
    let env = env().await;
    let maria = env.connect("chef_maria").await;
    let (token, open_id) =
        (maria["access_token"].as_str().unwrap().to_string(), maria["open_id"].as_str().unwrap().to_string());
    let (status, body) = env
        .api(
            &token,
            "/v2/post/publish/video/init/",
            direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["data"]["upload_url"].as_str().unwrap().to_string();
    let fault =
        json!({"endpoint": "upload", "kind": "http_5xx", "status": 503, "count": 1, "open_id": open_id});
    env.admin("/_sandbox/faults", fault).await;
    let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
    let put = || {
        env.http
            .put(&url)
            .header("content-type", "video/mp4")
            .header("content-range", "bytes 0-999/1000")
            .body(bytes.clone())
            .send()
    };
    assert_eq!(put().await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE, "the upload's creator");
    assert_eq!(put().await.unwrap().status(), StatusCode::CREATED);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    for _ in 0..100 {
        let ledger = env.admin_get("/_sandbox/ledger").await;
        if let Some(entry) = ledger["posts"].as_array().unwrap().first() {
            assert_eq!(entry["content_sha256"], sha);
            assert_eq!(entry["bytes_received"], 1000);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the post never reached the ledger");
}
