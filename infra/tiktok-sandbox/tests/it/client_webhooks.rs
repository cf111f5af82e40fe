//! Contract tests, webhooks: what the sandbox signs, the client's `webhook::verify` accepts
//! (and refuses under another secret), and the bodies parse as `WebhookEvent`s.

use crate::client_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tiktok::webhook::{verify, WebhookContent, SIGNATURE_HEADER};
use tiktok::{
    plan_chunks_with, ClientSecret, PrivacyLevel, PublishStatusKind, SignatureError, VideoInitRequest,
    VideoSource, WebhookEvent,
};

use client_support::*;

/// One delivery as the app's handler saw it: the verdict and the parsed body.
type Received = Arc<Mutex<Vec<(Result<(), SignatureError>, WebhookEvent)>>>;

/// An app webhook endpoint that verifies with `secret` and answers 401 to a bad signature.
async fn receiver(secret: &str) -> (String, Received) {
    let received: Received = Arc::default();
    let state = (ClientSecret::new(secret), received.clone());
    let router =
        Router::new()
            .route(
                "/webhooks/tiktok",
                post(
                    |State((secret, seen)): State<(ClientSecret, Received)>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
                        let verdict =
                            verify(header, &body, &secret, SystemTime::now(), Duration::from_secs(300));
                        let status = if verdict.is_ok() { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
                        let event: WebhookEvent = serde_json::from_slice(&body).expect("a WebhookEvent body");
                        seen.lock().unwrap().push((verdict, event));
                        status
                    },
                ),
            )
            .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/tiktok", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, received)
}

/// Waits until `count` deliveries arrived.
async fn deliveries(received: &Received, count: usize) -> Vec<(Result<(), SignatureError>, WebhookEvent)> {
    for _ in 0..100 {
        let seen = received.lock().unwrap().clone();
        if seen.len() >= count {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {count} deliveries: {:?}", received.lock().unwrap());
}

fn content(event: &WebhookEvent) -> WebhookContent {
    event.content().expect("content is a JSON string")
}

#[tokio::test]
async fn published_post_webhooks_verify_with_the_client_signature_check() {
    let h = world().await;
    let (url, received) = receiver(SECRET).await;
    h.settings(json!({"webhook_url": url})).await;
    let token = h.token("sandbox_creator").await;
    let plan = plan_chunks_with(2 * MIB, 5 * MIB).unwrap();
    let request = VideoInitRequest {
        post_info: post_info(PrivacyLevel::PublicToEveryone, "Hidden beach nobody knows #beach"),
        source_info: VideoSource::file_upload(&plan),
    };
    let init = h.client.init_video(&token, &request).await.unwrap();
    h.upload_all(&init.upload_url.unwrap(), &plan, &video_bytes(2 * MIB)).await;
    assert_eq!(h.final_status(&token, &init.publish_id).await.status, PublishStatusKind::PublishComplete);

    let seen = deliveries(&received, 2).await;
    assert!(seen.iter().all(|(verdict, _)| verdict.is_ok()), "{seen:?}");
    let mut events: Vec<&str> = seen.iter().map(|(_, e)| e.event.as_str()).collect();
    events.sort_unstable(); // each delivery runs on its own: arrival order is not guaranteed
    assert_eq!(events, ["post.publish.complete", "post.publish.publicly_available"]);
    let open_id = h.creator("sandbox_creator").await["open_id"].as_str().unwrap().to_owned();
    for (_, event) in &seen {
        assert_eq!((event.client_key.as_str(), event.user_openid.as_str()), (KEY, open_id.as_str()));
        assert_eq!(content(event).publish_id.as_deref(), Some(init.publish_id.0.as_str()));
    }
    let public = seen.iter().find(|(_, e)| e.event == "post.publish.publicly_available").unwrap();
    assert_eq!(content(&public.1).post_id.as_deref(), h.ledger().await[0]["post_id"].as_str());
}

#[tokio::test]
async fn revoke_sends_a_verifiable_authorization_removed() {
    let h = world().await;
    let (url, received) = receiver(SECRET).await;
    h.settings(json!({"webhook_url": url})).await;
    let tokens = h.connect("chef_maria").await;
    h.client.revoke(&h.app, &tokens.access_token).await.unwrap();

    let seen = deliveries(&received, 1).await;
    let (verdict, event) = &seen[0];
    assert!(verdict.is_ok(), "{verdict:?}");
    assert_eq!(event.event, "authorization.removed");
    assert_eq!(event.user_openid, tokens.open_id);
    assert_eq!(content(event).reason, Some(Value::from(5)), "reason 5: the developer revoked");
}

#[tokio::test]
async fn webhook_checked_with_another_secret_is_refused_and_redelivered() {
    let h = world().await;
    let (url, received) = receiver("not-the-app-secret").await;
    h.settings(json!({"webhook_url": url, "webhook_max_attempts": 3, "webhook_retry_base_ms": 10})).await;
    h.admin_post("/_sandbox/accounts/travel_tom/revoke", json!({"reason": 2})).await;

    let seen = deliveries(&received, 3).await;
    assert!(seen.iter().all(|(verdict, _)| *verdict == Err(SignatureError::Mismatch)), "{seen:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let log = array(&h.admin_get("/_sandbox/webhooks").await["deliveries"]);
    assert_eq!(log.len(), 1);
    assert_eq!((log[0]["attempts"].as_u64(), log[0]["delivered"].as_bool()), (Some(3), Some(false)));
    assert_eq!(log[0]["last_status"], 401);
}
