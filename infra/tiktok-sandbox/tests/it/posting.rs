use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::*;

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn creator_info_differs_for_private_creators() {
    let env = env().await;
    let public = env.access_token("sandbox_creator").await;
    let private = env.access_token("private_pat").await;
    let (status, body) = env.api(&public, "/v2/post/publish/creator_info/query/", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"]["privacy_level_options"],
        json!(["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"])
    );
    let (_, body) = env.api(&private, "/v2/post/publish/creator_info/query/", json!({})).await;
    assert_eq!(body["data"]["privacy_level_options"], json!(["SELF_ONLY", "FOLLOWER_OF_CREATOR"]));
    assert_eq!(body["data"]["stitch_disabled"], true);
    assert!(body["data"]["max_video_post_duration_sec"].is_number());
}

async fn put_chunk(env: &Env, url: &str, first: u64, last: u64, total: u64) -> StatusCode {
    let body = vec![7u8; (last - first + 1) as usize];
    env.http
        .put(url)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", format!("bytes {first}-{last}/{total}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn chunked_upload_publishes_once_and_lands_in_the_ledger() {
    let env = env().await;
    let tokens = env.connect("sandbox_creator").await;
    let token = tokens["access_token"].as_str().unwrap();
    let size = 11 * MIB;
    let init = direct_post("Hello #fyp", "PUBLIC_TO_EVERYONE", file_source(size, 5 * MIB, 2));
    let (status, body) = env.api(token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let publish_id = body["data"]["publish_id"].as_str().unwrap().to_string();
    let upload_url = body["data"]["upload_url"].as_str().unwrap().to_string();
    assert!(upload_url.starts_with(&env.sandbox.base_url));

    assert_eq!(put_chunk(&env, &upload_url, 0, 5 * MIB - 1, size).await, StatusCode::PARTIAL_CONTENT);
    assert_eq!(put_chunk(&env, &upload_url, 5 * MIB, size - 1, size).await, StatusCode::CREATED);
    assert_eq!(env.wait_final(&publish_id).await, "PUBLISH_COMPLETE");

    let (status, body) =
        env.api(token, "/v2/post/publish/status/fetch/", json!({"publish_id": publish_id})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["status"], "PUBLISH_COMPLETE");
    assert_eq!(body["data"]["uploaded_bytes"], size);
    assert_eq!(body["data"]["publicaly_available_post_id"].as_array().unwrap().len(), 1);

    let ledger = env.admin_get("/_sandbox/ledger").await;
    let posts = ledger["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["publish_id"], publish_id.as_str());
    assert_eq!(posts[0]["open_id"], tokens["open_id"]);
    assert_eq!(posts[0]["bytes_received"], size);
    assert_eq!(posts[0]["caption_sha256"], hex::encode(Sha256::digest("Hello #fyp")));
    assert_eq!(posts[0]["post_mode"], "DIRECT_POST");
}

#[tokio::test]
async fn out_of_order_chunk_is_416_and_unknown_upload_is_404() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let size = 11 * MIB;
    let init = direct_post("t", "SELF_ONLY", file_source(size, 5 * MIB, 2));
    let (_, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    let upload_url = body["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(
        put_chunk(&env, &upload_url, 5 * MIB, size - 1, size).await,
        StatusCode::RANGE_NOT_SATISFIABLE
    );
    assert_eq!(
        put_chunk(&env, &upload_url, 0, 5 * MIB - 1, size + 1).await,
        StatusCode::RANGE_NOT_SATISFIABLE
    );
    let unknown = format!("{}/upload/01HZZZZZZZZZZZZZZZZZZZZZZZ", env.sandbox.base_url);
    assert_eq!(put_chunk(&env, &unknown, 0, 99, 100).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn upload_url_expires_after_an_hour() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
    let (_, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    let upload_url = body["data"]["upload_url"].as_str().unwrap().to_string();
    env.admin("/_sandbox/clock/advance", json!({"seconds": 3601})).await;
    assert_eq!(put_chunk(&env, &upload_url, 0, 999, 1000).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn privacy_level_outside_the_options_is_403() {
    let env = env().await;
    let token = env.access_token("quiet_studio").await;
    let init = direct_post("t", "PUBLIC_TO_EVERYONE", file_source(1000, 1000, 1));
    let (status, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "privacy_level_option_mismatch");
}

#[tokio::test]
async fn invalid_chunk_plan_and_long_title_are_invalid_params() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let init = direct_post("t", "SELF_ONLY", file_source(20 * MIB, 5 * MIB, 3));
    let (status, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_params")));
    let init = direct_post(&"é".repeat(2201), "SELF_ONLY", file_source(1000, 1000, 1));
    let (status, _) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = env.api(&token, "/v2/post/publish/video/init/", json!({"nonsense": true})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_params")));
}

#[tokio::test]
async fn seventh_init_in_a_minute_is_429() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    for i in 0..6 {
        let (status, body) = if i % 2 == 0 {
            let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
            env.api(&token, "/v2/post/publish/video/init/", init).await
        } else {
            env.api(
                &token,
                "/v2/post/publish/inbox/video/init/",
                json!({"source_info": file_source(1000, 1000, 1)}),
            )
            .await
        };
        assert_eq!(status, StatusCode::OK, "init {i}: {body}");
    }
    let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
    let (status, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    assert!(body["error"]["log_id"].is_string());
}

#[tokio::test]
async fn daily_cap_is_403_at_init_and_200_error_at_creator_info() {
    let env = env_with(|c| c.settings.daily_post_cap = 1).await;
    let token = env.access_token("sandbox_creator").await;
    let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
    assert_eq!(env.api(&token, "/v2/post/publish/video/init/", init.clone()).await.0, StatusCode::OK);
    let (status, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("spam_risk_too_many_posts"))
    );
    let (status, body) = env.api(&token, "/v2/post/publish/creator_info/query/", json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::OK, Some("spam_risk_too_many_posts")));
}

#[tokio::test]
async fn sixth_pending_inbox_draft_is_refused() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let body = json!({"source_info": file_source(1000, 1000, 1)});
    for _ in 0..5 {
        assert_eq!(
            env.api(&token, "/v2/post/publish/inbox/video/init/", body.clone()).await.0,
            StatusCode::OK
        );
    }
    env.admin("/_sandbox/clock/advance", json!({"seconds": 61})).await; // past the init rate window
    let (status, body) = env.api(&token, "/v2/post/publish/inbox/video/init/", body).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("spam_risk_too_many_pending_share"))
    );
}

#[tokio::test]
async fn inbox_upload_ends_in_the_inbox() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let body = json!({"source_info": file_source(1000, 1000, 1)});
    let (_, body) = env.api(&token, "/v2/post/publish/inbox/video/init/", body).await;
    let publish_id = body["data"]["publish_id"].as_str().unwrap().to_string();
    let url = body["data"]["upload_url"].as_str().unwrap().to_string();
    assert_eq!(put_chunk(&env, &url, 0, 999, 1000).await, StatusCode::CREATED);
    assert_eq!(env.wait_final(&publish_id).await, "SEND_TO_USER_INBOX");
}

#[tokio::test]
async fn cancel_fails_the_post_with_publish_cancelled() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let init = direct_post("t", "SELF_ONLY", file_source(1000, 1000, 1));
    let (_, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    let publish_id = body["data"]["publish_id"].as_str().unwrap().to_string();
    let (status, _) = env.api(&token, "/v2/post/publish/cancel/", json!({"publish_id": publish_id})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) =
        env.api(&token, "/v2/post/publish/status/fetch/", json!({"publish_id": publish_id})).await;
    assert_eq!(body["data"]["status"], "FAILED");
    assert_eq!(body["data"]["fail_reason"], "publish_cancelled");
}
