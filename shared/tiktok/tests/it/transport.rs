//! Classification of answers and transport failures on the wire: what was
//! sent and lost is ambiguous, what never left is retryable.

use crate::server;

use std::time::Duration;

use server::{app, client, json, serve, token, video_init, Reply};
use tiktok::oauth::TokenSet;
use tiktok::{ErrorClass, PublishId, RefreshError, RefreshToken};
use tokio::net::TcpListener;
use url::Url;

#[tokio::test]
async fn connection_refused_before_sending_is_retryable_even_for_init() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let err = client(&base).init_video(&token(), &video_init()).await.unwrap_err();
    assert!(matches!(err.class(), ErrorClass::Retry { .. }), "{err:?}");
}

#[tokio::test]
async fn connection_closed_after_a_mutating_request_was_read_is_ambiguous() {
    let (base, log) = serve(vec![Reply::CloseAfterRead]).await;
    let err = client(&base).init_video(&token(), &video_init()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Ambiguous, "{err:?}");
    assert_eq!(log.lock().unwrap().len(), 1, "TikTok received the init");
}

#[tokio::test]
async fn connection_closed_after_a_read_is_retryable() {
    let (base, _) = serve(vec![Reply::CloseAfterRead]).await;
    let err = client(&base).creator_info(&token()).await.unwrap_err();
    assert!(matches!(err.class(), ErrorClass::Retry { .. }), "{err:?}");
}

#[tokio::test]
async fn timeouts_are_ambiguous_for_mutations_and_retryable_for_reads() {
    let (base, _) = serve(vec![Reply::Hang]).await;
    let err = client(&base).cancel(&token(), &PublishId("p".into())).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Ambiguous, "{err:?}");
    let (base, _) = serve(vec![Reply::Hang]).await;
    let err = client(&base).fetch_status(&token(), &PublishId("p".into())).await.unwrap_err();
    assert!(matches!(err.class(), ErrorClass::Retry { .. }), "{err:?}");
}

#[tokio::test]
async fn lost_answer_to_a_refresh_is_ambiguous() {
    let (base, _) = serve(vec![Reply::CloseAfterRead]).await;
    let result = client(&base)
        .refresh(&app(), &RefreshToken::new("rft.1"), async |_: &TokenSet| Ok::<(), ()>(()))
        .await;
    let Err(RefreshError::TikTok(err)) = result else { panic!("expected a TikTok error") };
    assert_eq!(err.class(), ErrorClass::Ambiguous);
}

#[tokio::test]
async fn failure_inside_an_http_200_is_detected() {
    let body = serde_json::json!({"data": {}, "error": {"code": "spam_risk_too_many_posts", "message": "cap", "log_id": "L9"}});
    let (base, _) = serve(vec![json(200, body)]).await;
    let err = client(&base).creator_info(&token()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Wait);
    assert_eq!(err.log_id(), Some("L9"));
}

#[tokio::test]
async fn rate_limit_honours_retry_after_and_5xx_html_retries() {
    let body = serde_json::json!({"data": {}, "error": {"code": "rate_limit_exceeded", "message": "", "log_id": "L"}});
    let Reply::Respond { status, mut headers, body } = json(429, body) else { unreachable!() };
    headers.push(("Retry-After", "12".into()));
    let html = Reply::Respond { status: 502, headers: vec![], body: "<html>bad gateway</html>".into() };
    let (base, _) = serve(vec![Reply::Respond { status, headers, body }, html]).await;
    let c = client(&base);
    let err = c.creator_info(&token()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Retry { after: Duration::from_secs(12) });
    let err = c.init_video(&token(), &video_init()).await.unwrap_err();
    assert!(matches!(err.class(), ErrorClass::Retry { .. }), "{err:?}");
}

#[tokio::test]
async fn unreadable_success_after_init_is_ambiguous() {
    let (base, _) =
        serve(vec![Reply::Respond { status: 200, headers: vec![], body: "not json".into() }]).await;
    let err = client(&base).init_video(&token(), &video_init()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Ambiguous);
}

/// A well-formed envelope padded past the answer cap: the client stops reading
/// at the cap instead of holding the whole body.
fn oversized() -> Reply {
    let padding = "a".repeat(tiktok::client::MAX_ANSWER_BYTES);
    let body = serde_json::json!({"data": {"padding": padding}, "error": {"code": "ok", "message": "", "log_id": "L1"}});
    json(200, body)
}

#[tokio::test]
async fn an_answer_past_the_size_cap_is_refused_and_after_init_is_ambiguous() {
    let (base, _) = serve(vec![oversized()]).await;
    let err = client(&base).creator_info(&token()).await.unwrap_err();
    assert!(err.to_string().contains("answer larger than"), "{err}");
    assert_ne!(err.class(), ErrorClass::Ambiguous, "a read is never ambiguous: {err:?}");
    let (base, log) = serve(vec![oversized()]).await;
    let err = client(&base).init_video(&token(), &video_init()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Ambiguous, "TikTok took the init: {err:?}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let redirect = Reply::Respond {
        status: 302,
        headers: vec![("Location", "http://127.0.0.1:1/x".into())],
        body: String::new(),
    };
    let (base, log) = serve(vec![redirect]).await;
    let err = client(&base).creator_info(&token()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Permanent);
    assert_eq!(log.lock().unwrap().len(), 1);
}
