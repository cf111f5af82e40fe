//! The optional summary, against a tiny OpenAI-compatible server started in
//! the test: it gets aggregates only, and when it fails or is slow the
//! numbers stay and the summary says it is unavailable.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use common::{Setup, World};
use serde_json::{json, Value};

/// A request the endpoint received: its `Authorization` header and JSON body.
type Received = (Option<String>, Value);

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Received>>>);

#[derive(Clone, Copy)]
enum Behaviour {
    Answer,
    Slow,
    Fail,
    /// A valid completion padded to a megabyte: more than any summary needs.
    Oversized,
}

async fn completions(
    State((seen, behaviour)): State<(Seen, Behaviour)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    seen.0.lock().expect("lock").push((auth, body));
    match behaviour {
        Behaviour::Answer => {
            let text = "#fyp is steady; evenings post best.\u{0007}";
            (StatusCode::OK, Json(json!({"choices": [{"message": {"role": "assistant", "content": text}}]})))
        }
        Behaviour::Slow => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            (StatusCode::OK, Json(json!({"choices": []})))
        }
        Behaviour::Fail => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": "boom"}))),
        Behaviour::Oversized => {
            let padding = "x".repeat(1024 * 1024);
            let message = json!({"role": "assistant", "content": "fine", "padding": padding});
            (StatusCode::OK, Json(json!({"choices": [{"message": message}]})))
        }
    }
}

/// Serves the fake endpoint on an ephemeral loopback port.
async fn endpoint(behaviour: Behaviour) -> (String, Seen) {
    let seen = Seen::default();
    let app =
        Router::new().route("/v1/chat/completions", post(completions)).with_state((seen.clone(), behaviour));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}/v1/chat/completions"), seen)
}

async fn world(url: String) -> World {
    World::start(Setup {
        // 2 s: a loopback answer on a loaded two-core runner (six tests, a
        // browser and the linters at once) took longer than 400 ms.
        env: vec![("NARRATIVE_URL", url), ("NARRATIVE_TIMEOUT_MS", "2000".into())],
        narrative_key: Some("sk-test-narrative"),
        ..Setup::default()
    })
    .await
}

#[tokio::test]
async fn a_summary_of_the_aggregates_is_added() {
    let (url, seen) = endpoint(Behaviour::Answer).await;
    let h = world(url).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/fyp/analysis?source=research&days=14", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["summary"], json!({"status": "ok", "text": "#fyp is steady; evenings post best."}));

    let seen = seen.0.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let (auth, body) = &seen[0];
    assert_eq!(auth.as_deref(), Some("Bearer sk-test-narrative"));
    let sent = body.to_string();
    let top = &reply.body["metrics"]["top_videos"][0];
    assert!(!sent.contains(top["id"].as_str().expect("id")), "no video ids are sent");
    assert!(!sent.contains(top["creator"].as_str().expect("creator")), "no creator names are sent");
    assert!(sent.len() < 6000, "aggregates, not videos: {} bytes", sent.len());
}

#[tokio::test]
async fn a_slow_endpoint_leaves_the_numbers_and_says_the_summary_is_unavailable() {
    let (url, _seen) = endpoint(Behaviour::Slow).await;
    let h = world(url).await;
    let tenant = h.tenant().await;
    let started = Instant::now();
    let reply = h.get("/hashtags/fyp/analysis?source=research&days=14", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    // The endpoint answers after 60 s; the analysis is back long before.
    assert!(started.elapsed() < Duration::from_secs(40), "the hard timeout held: {:?}", started.elapsed());
    assert_eq!(reply.body["summary"], json!({"status": "unavailable", "message": "summary unavailable"}));
    assert_eq!(reply.body["partial"], false, "the numbers are complete");
    assert!(reply.body["metrics"]["sample"]["videos"].as_u64().expect("videos") > 0);
}

#[tokio::test]
async fn a_failing_endpoint_leaves_the_numbers_and_says_the_summary_is_unavailable() {
    let (url, seen) = endpoint(Behaviour::Fail).await;
    let h = world(url).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/food/analysis?source=research&days=14", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["summary"]["status"], "unavailable");
    assert!(reply.body["metrics"]["views"]["total"].as_u64().expect("views") > 0);

    // The cached analysis asks again on a hit; still failing, it stays unavailable.
    let again = h.get("/hashtags/food/analysis?source=research&days=14", &tenant.key).await;
    assert_eq!(again.header("x-cache"), Some("hit"));
    assert_eq!(again.body["summary"]["status"], "unavailable");
    assert_eq!(seen.0.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn an_oversized_answer_is_not_read_and_the_summary_is_unavailable() {
    let (url, seen) = endpoint(Behaviour::Oversized).await;
    let h = world(url).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/dance/analysis?source=research&days=14", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["summary"], json!({"status": "unavailable", "message": "summary unavailable"}));
    assert_eq!(seen.0.lock().expect("lock").len(), 1, "the endpoint was asked");
}
