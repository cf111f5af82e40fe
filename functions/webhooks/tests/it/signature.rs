//! What is refused before anything is applied: bad or stale signatures,
//! another app's deliveries, oversized or unusable bodies, other routes.

use crate::common;

use std::time::{Duration, SystemTime};

use common::{delivery, fixture, publish_id, World, TOLERANCE};
use serde_json::json;
use shared::http_surface::SECURITY_HEADERS;
use shared::post::PostStatus;
use tiktok::ClientSecret;

/// The reply refuses with `code`, carries none of the request and the
/// post did not move, and nothing was marked.
async fn assert_refused(w: &World, reply: &common::Reply, status: u16, code: &str, body: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.error_code(), code);
    let content: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    for leaked in [body, content["content"].as_str().unwrap_or("content"), "v_pub_file", "t="] {
        assert!(!reply.text.contains(leaked), "the reply echoes {leaked:?}: {}", reply.text);
    }
    assert!(w.mark(body).await.is_none(), "not marked");
}

#[tokio::test]
async fn a_validly_signed_delivery_is_applied_and_answered_with_an_empty_object() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let body =
        w.body("post.publish.complete", "oid", json!({"publish_id": id, "publish_type": "DIRECT_POST"}));

    let reply = w.deliver(&body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body, json!({}));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(reply.header(name), Some(value), "{name}");
    }
    assert!(reply.header("x-request-id").is_some_and(|id| id.starts_with("req-")));
    assert_eq!(w.post(&post).await.status, PostStatus::Published);
    assert_eq!(w.metric("WebhookApplied", &[("Event", "post.publish.complete"), ("Outcome", "moved")]), 1);
}

#[tokio::test]
async fn the_fixture_is_a_genuinely_signed_delivery_read_byte_for_byte() {
    // events/webhooks-post-publish-complete.json is signed with this secret at its `t`.
    let request = delivery(fixture("complete")["body"].as_str().expect("body"), None);
    let body = match request.body() {
        lambda_http::Body::Text(t) => t.clone(),
        other => panic!("text body expected: {other:?}"),
    };
    let header = fixture("complete")["headers"]["tiktok-signature"].as_str().expect("signature").to_owned();
    let t: u64 = header[2..header.find(',').expect(",")].parse().expect("t");
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(t);
    let secret = ClientSecret::new("sandbox-client-secret");
    assert_eq!(tiktok::webhook::verify(Some(&header), body.as_bytes(), &secret, at, TOLERANCE), Ok(()));
}

#[tokio::test]
async fn a_wrong_missing_or_malformed_signature_is_refused_and_changes_nothing() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let body = w.body("post.publish.complete", "oid", json!({"publish_id": id}));
    let now = SystemTime::now();
    let forged = tiktok::webhook::sign(body.as_bytes(), &ClientSecret::new("not-the-app-secret"), now);
    let genuine = w.signature_at(&body, now);
    let tampered_body = body.replace("post.publish.complete", "post.publish.failed");
    let extra_part = format!("{genuine},v=1");

    for (what, request) in [
        ("another key", delivery(&body, Some(&forged))),
        ("no header", delivery(&body, None)),
        ("not t=,s=", delivery(&body, Some("sha256=00ff"))),
        ("an unknown part", delivery(&body, Some(&extra_part))),
        ("a changed body", delivery(&tampered_body, Some(&genuine))),
    ] {
        let reply = w.send(request).await;
        assert_refused(&w, &reply, 401, "unauthorized", &body).await;
        assert!(reply.message().contains("TikTok-Signature"), "{what}: {}", reply.message());
    }
    assert_eq!(w.post(&post).await.status, PostStatus::Processing);
    assert_eq!(w.metric("WebhookRejected", &[("Reason", "signature_mismatch")]), 2);
    assert_eq!(w.metric("WebhookRejected", &[("Reason", "signature_missing")]), 1);
    assert_eq!(w.metric("WebhookRejected", &[("Reason", "signature_malformed")]), 2);
    assert_eq!(w.metric("WebhookApplied", &[]), 0);
}

#[tokio::test]
async fn a_stale_or_future_timestamp_is_refused_even_when_signed_with_the_right_key() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let body = w.body("post.publish.complete", "oid", json!({"publish_id": id}));
    let beyond = TOLERANCE + Duration::from_secs(30);
    for at in [SystemTime::now() - beyond, SystemTime::now() + beyond] {
        let reply = w.send(delivery(&body, Some(&w.signature_at(&body, at)))).await;
        assert_refused(&w, &reply, 401, "unauthorized", &body).await;
    }
    assert_eq!(w.post(&post).await.status, PostStatus::Processing);
    assert_eq!(w.metric("WebhookRejected", &[("Reason", "signature_stale")]), 2);

    let within = SystemTime::now() - (TOLERANCE - Duration::from_secs(30));
    let reply = w.send(delivery(&body, Some(&w.signature_at(&body, within)))).await;
    assert_eq!(reply.status, 200, "inside the window: {}", reply.text);
    assert_eq!(w.post(&post).await.status, PostStatus::Published);
}

#[tokio::test]
async fn a_delivery_for_another_app_is_refused_though_its_signature_verifies() {
    let w = World::start().await;
    let id = publish_id();
    let post = w.post_in(PostStatus::Processing, &id, 1).await;
    let mut envelope: serde_json::Value =
        serde_json::from_str(&w.body("post.publish.complete", "oid", json!({"publish_id": id})))
            .expect("json");
    envelope["client_key"] = "sbx-another-app".into();
    let body = envelope.to_string();
    let reply = w.deliver(&body).await;
    assert_refused(&w, &reply, 401, "unauthorized", &body).await;
    assert!(!reply.text.contains("sbx-another-app"));
    assert_eq!(w.post(&post).await.status, PostStatus::Processing);
    assert_eq!(w.metric("WebhookRejected", &[("Reason", "client_key")]), 1);
}

#[tokio::test]
async fn oversized_and_unusable_bodies_are_refused() {
    let w = World::start().await;
    let padding = "x".repeat(webhooks::MAX_BODY_BYTES);
    let big = w.body("post.publish.complete", "oid", json!({"publish_id": publish_id(), "pad": padding}));
    let reply = w.deliver(&big).await;
    assert_refused(&w, &reply, 413, "payload_too_large", &big).await;

    let not_an_envelope =
        json!({"client_key": w.app.client_key, "event": "post.publish.complete"}).to_string();
    let reply = w.deliver(&not_an_envelope).await;
    assert_refused(&w, &reply, 400, "bad_request", &not_an_envelope).await;

    let no_publish_id = w.body("post.publish.complete", "oid", json!({"publish_type": "DIRECT_POST"}));
    let reply = w.deliver(&no_publish_id).await;
    assert_refused(&w, &reply, 400, "bad_request", &no_publish_id).await;
    assert_eq!(w.metric("WebhookRejected", &[("Reason", "unusable")]), 2);
}

#[tokio::test]
async fn only_post_on_the_webhook_route_is_served() {
    let w = World::start().await;
    let body = w.body("post.publish.complete", "oid", json!({"publish_id": publish_id()}));
    let mut get = fixture("complete");
    get["requestContext"]["http"]["method"] = "GET".into();
    let reply = w.send(lambda_http::request::from_str(&get.to_string()).expect("event")).await;
    assert_eq!(reply.status, 405, "{}", reply.text);
    assert_eq!(reply.error_code(), "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("POST"));

    let mut elsewhere = fixture("complete");
    elsewhere["rawPath"] = "/webhooks/other".into();
    elsewhere["requestContext"]["http"]["path"] = "/webhooks/other".into();
    elsewhere["body"] = body.clone().into();
    let reply = w.send(lambda_http::request::from_str(&elsewhere.to_string()).expect("event")).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    assert_eq!(reply.error_code(), "not_found");
}
