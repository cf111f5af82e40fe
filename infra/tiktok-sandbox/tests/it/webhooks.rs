use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::*;

/// A receiver that answers 500 to the first `fail_first` deliveries.
async fn receiver(fail_first: u32) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let failures = Arc::new(AtomicU32::new(fail_first));
    let router =
        Router::new()
            .route(
                "/hook",
                post(
                    |State((seen, failures)): State<(Seen, Arc<AtomicU32>)>,
                     headers: HeaderMap,
                     body: String| async move {
                        seen.lock().unwrap().push((headers, body));
                        let left = failures.load(Ordering::SeqCst);
                        if left > 0 {
                            failures.store(left - 1, Ordering::SeqCst);
                            return AxumStatus::INTERNAL_SERVER_ERROR;
                        }
                        AxumStatus::OK
                    },
                ),
            )
            .with_state((seen.clone(), failures));
    (format!("{}/hook", serve(router).await), seen)
}

fn verify(headers: &HeaderMap, body: &str) -> bool {
    let header = headers["tiktok-signature"].to_str().unwrap();
    let (t, s) = header.split_once(',').unwrap();
    let (t, s) = (t.strip_prefix("t=").unwrap(), s.strip_prefix("s=").unwrap());
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&hex::decode(s).unwrap()).is_ok()
}

async fn events_named(seen: &Seen, name: &str, want: usize) -> Vec<(HeaderMap, String)> {
    for _ in 0..100 {
        let found: Vec<_> = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, b)| serde_json::from_str::<Value>(b).unwrap()["event"] == name)
            .cloned()
            .collect();
        if found.len() >= want {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {want} {name} webhooks arrived");
}

async fn publish_one(env: &Env, privacy: &str) -> (String, String) {
    let tokens = env.connect("sandbox_creator").await;
    let token = tokens["access_token"].as_str().unwrap();
    let init = direct_post("hook", privacy, file_source(1000, 1000, 1));
    let (_, body) = env.api(token, "/v2/post/publish/video/init/", init).await;
    let url = body["data"]["upload_url"].as_str().unwrap();
    let response = env
        .http
        .put(url)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", "bytes 0-999/1000")
        .body(vec![0u8; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    (
        body["data"]["publish_id"].as_str().unwrap().to_string(),
        tokens["open_id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn publish_sends_signed_complete_and_publicly_available_webhooks() {
    let (url, seen) = receiver(0).await;
    let env = env_with(|c| c.settings.webhook_url = Some(url)).await;
    let (publish_id, open_id) = publish_one(&env, "PUBLIC_TO_EVERYONE").await;
    let complete = events_named(&seen, "post.publish.complete", 1).await;
    let (headers, raw) = &complete[0];
    assert!(verify(headers, raw), "signature verifies");
    let body: Value = serde_json::from_str(raw).unwrap();
    assert_eq!(body["client_key"], KEY);
    assert_eq!(body["user_openid"], open_id.as_str());
    assert!(body["create_time"].is_i64());
    let content: Value =
        serde_json::from_str(body["content"].as_str().expect("content is a string")).unwrap();
    assert_eq!(content["publish_id"], publish_id.as_str());
    let public = events_named(&seen, "post.publish.publicly_available", 1).await;
    let content: Value = serde_json::from_str(
        serde_json::from_str::<Value>(&public[0].1).unwrap()["content"].as_str().unwrap(),
    )
    .unwrap();
    assert!(content["post_id"].is_string());
}

#[tokio::test]
async fn a_failed_delivery_is_retried_until_accepted() {
    let (url, seen) = receiver(2).await;
    let env = env_with(|c| c.settings.webhook_url = Some(url)).await;
    // SELF_ONLY: only post.publish.complete goes out (no publicly_available).
    publish_one(&env, "SELF_ONLY").await;
    let attempts = events_named(&seen, "post.publish.complete", 3).await;
    assert!(attempts.iter().all(|(h, b)| verify(h, b)));
    let log = env.admin_get("/_sandbox/webhooks").await;
    let complete = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["event"] == "post.publish.complete")
        .cloned()
        .unwrap();
    assert_eq!(complete["attempts"], 3);
    assert_eq!(complete["delivered"], true);
}

#[tokio::test]
async fn webhook_url_and_duplicates_can_be_set_through_the_admin_api() {
    let (url, seen) = receiver(0).await;
    let env = env().await;
    env.settings(json!({"webhook_url": url, "duplicate_webhooks": true})).await;
    let tokens = env.connect("sandbox_creator").await;
    let response = env
        .http
        .post(env.url("/v2/oauth/revoke/"))
        .form(&[
            ("client_key", KEY),
            ("client_secret", SECRET),
            ("token", tokens["access_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let removed = events_named(&seen, "authorization.removed", 2).await;
    assert!(removed.iter().all(|(h, b)| verify(h, b)));
}
