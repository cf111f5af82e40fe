use axum::http::{header, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

const VIDEO_BYTES: usize = 300_000;

async fn media_server() -> String {
    let router = Router::new()
        .route(
            "/video.mp4",
            get(|| async { ([(header::CONTENT_TYPE, "video/mp4")], vec![1u8; VIDEO_BYTES]) }),
        )
        .route(
            "/moved.mp4",
            get(|| async { (AxumStatus::FOUND, [(header::LOCATION, "/video.mp4")]).into_response() }),
        )
        .route("/ok.jpg", get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], jpeg(1080, 1920)) }))
        .route("/big.jpg", get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], jpeg(2000, 1500)) }));
    serve(router).await
}

async fn pull_video(env: &Env, token: &str, url: String) -> String {
    let init = direct_post("pulled", "SELF_ONLY", json!({"source": "PULL_FROM_URL", "video_url": url}));
    let (status, body) = env.api(token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["data"].get("upload_url").is_none());
    body["data"]["publish_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn pull_from_url_really_downloads_the_video() {
    let env = env().await;
    let media = media_server().await;
    let token = env.access_token("sandbox_creator").await;
    let publish_id = pull_video(&env, &token, format!("{media}/video.mp4")).await;
    assert_eq!(env.wait_final(&publish_id).await, "PUBLISH_COMPLETE");
    let (_, body) =
        env.api(&token, "/v2/post/publish/status/fetch/", json!({"publish_id": publish_id})).await;
    assert_eq!(body["data"]["downloaded_bytes"], VIDEO_BYTES);
    let ledger = env.admin_get("/_sandbox/ledger").await;
    assert_eq!(ledger["posts"][0]["bytes_received"], VIDEO_BYTES);
    assert_eq!(ledger["posts"][0]["source"], "PULL_FROM_URL");
}

#[tokio::test]
async fn a_redirect_fails_the_pull() {
    let env = env().await;
    let media = media_server().await;
    let token = env.access_token("sandbox_creator").await;
    let publish_id = pull_video(&env, &token, format!("{media}/moved.mp4")).await;
    assert_eq!(env.wait_final(&publish_id).await, "FAILED");
    let (_, body) =
        env.api(&token, "/v2/post/publish/status/fetch/", json!({"publish_id": publish_id})).await;
    assert_eq!(body["data"]["fail_reason"], "video_pull_failed");
    assert_eq!(env.admin_get("/_sandbox/ledger").await["posts"], json!([]));
}

#[tokio::test]
async fn unverified_url_prefix_is_refused_at_init() {
    let env = env_with(|c| c.settings.verified_url_prefixes = vec!["https://cdn.example.test/".into()]).await;
    let token = env.access_token("sandbox_creator").await;
    let init = direct_post(
        "t",
        "SELF_ONLY",
        json!({"source": "PULL_FROM_URL", "video_url": "https://bucket.s3.amazonaws.com/v.mp4"}),
    );
    let (status, body) = env.api(&token, "/v2/post/publish/video/init/", init).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("url_ownership_unverified"))
    );
}

fn photo_post(images: Vec<String>) -> serde_json::Value {
    json!({
        "media_type": "PHOTO",
        "post_mode": "DIRECT_POST",
        "post_info": {"title": "Carousel", "description": "Two shots #travel", "privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": {"source": "PULL_FROM_URL", "photo_images": images, "photo_cover_index": 0},
    })
}

#[tokio::test]
async fn photo_post_with_valid_jpegs_publishes() {
    let env = env().await;
    let media = media_server().await;
    let token = env.access_token("sandbox_creator").await;
    let body = photo_post(vec![format!("{media}/ok.jpg"), format!("{media}/ok.jpg")]);
    let (status, body) = env.api(&token, "/v2/post/publish/content/init/", body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let publish_id = body["data"]["publish_id"].as_str().unwrap().to_string();
    assert_eq!(env.wait_final(&publish_id).await, "PUBLISH_COMPLETE");
    assert_eq!(env.admin_get("/_sandbox/ledger").await["posts"][0]["media_type"], "PHOTO");
}

#[tokio::test]
async fn one_oversize_photo_fails_the_whole_post() {
    let env = env().await;
    let media = media_server().await;
    let token = env.access_token("sandbox_creator").await;
    let body = photo_post(vec![format!("{media}/ok.jpg"), format!("{media}/big.jpg")]);
    let (_, body) = env.api(&token, "/v2/post/publish/content/init/", body).await;
    let publish_id = body["data"]["publish_id"].as_str().unwrap().to_string();
    assert_eq!(env.wait_final(&publish_id).await, "FAILED");
    let (_, body) =
        env.api(&token, "/v2/post/publish/status/fetch/", json!({"publish_id": publish_id})).await;
    assert_eq!(body["data"]["fail_reason"], "picture_size_check_failed");
}

#[tokio::test]
async fn photo_title_over_90_is_invalid_params() {
    let env = env().await;
    let token = env.access_token("sandbox_creator").await;
    let mut body = photo_post(vec!["http://127.0.0.1:1/a.jpg".into()]);
    body["post_info"]["title"] = json!("x".repeat(91));
    let (status, body) = env.api(&token, "/v2/post/publish/content/init/", body).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_params")));
}
