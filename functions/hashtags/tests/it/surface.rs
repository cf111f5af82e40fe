//! The HTTP surface: hostile tags are a 400 before anything else happens,
//! authentication and tenant scope, security headers, the CORS allow-list,
//! JSON errors, strict parameters, the SVG picture, per-tenant rate
//! limiting, a health check that tells nothing, and init that fails clearly.

use crate::common;

use std::process::Command;

use common::{unique_tag, Call, Reply, Setup, World, ORIGIN};
use shared::http_surface::SECURITY_HEADERS;

fn assert_security_headers(reply: &Reply) {
    for (name, value) in SECURITY_HEADERS.iter().filter(|(n, _)| *n != "cache-control") {
        assert_eq!(reply.header(name), Some(*value), "{name}");
    }
    assert!(reply.header("cache-control").is_some());
    assert!(reply.header("x-request-id").is_some());
}

#[tokio::test]
async fn hostile_tags_are_refused_with_400_and_reach_nobody() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    let long = "a".repeat(10 * 1024);
    let hostile = [
        "..",
        "..%2F..%2Fetc%2Fpasswd",
        "%2E%2E%2F",
        "fyp%2Fanalysis",
        "%27%20OR%20%271%27%3D%271",
        "fyp%3B%20DROP%20TABLE%20videos%3B--",
        "%7B%22%24ne%22%3A%20null%7D",
        "%24where",
        "fyp%00",
        "fyp%0D%0ASet-Cookie%3A%20x",
        "%1B%5B31mred",
        "%E2%80%AEpyf",
        "fyp%E2%80%8B",
        "%FF%FE",
        "%23%23fyp",
        "a%20b",
        "%3Cscript%3E",
        long.as_str(),
    ];
    for tag in hostile {
        let reply = h.get(&format!("/hashtags/{tag}/analysis?source=research"), &tenant.key).await;
        let shown = &tag[..tag.len().min(40)];
        assert_eq!(reply.status, 400, "{shown}: {}", reply.text);
        assert_eq!(reply.error_code(), "bad_request", "{shown}");
        assert!(reply.message().len() < 200, "the message does not echo the input");
        assert_security_headers(&reply);
    }
    let literal = h.get("/hashtags/../analysis", &tenant.key).await;
    assert_eq!(literal.status, 400);
    assert_eq!(h.calls("research_query").await + h.calls("token").await, 0, "TikTok was never called");
}

#[tokio::test]
async fn parameters_are_strict() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    for query in [
        "days=6",
        "days=31",
        "days=7.5",
        "days=-1",
        "source=tiktok",
        "source=research&region=USA",
        "source=research&region=u1",
        "source=own&region=US",
        "source=research&account_id=acc1",
        "source=own&account_id=a%23b",
        "format=png",
        "limit=5",
        "source=research&region=",
        "account_id=",
        "days=",
        "format=",
    ] {
        let reply = h.get(&format!("/hashtags/fyp/analysis?{query}"), &tenant.key).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.text);
        assert_eq!(reply.error_code(), "bad_request");
    }
}

#[tokio::test]
async fn callers_are_authenticated_and_errors_have_one_shape() {
    let h = World::start(Setup::default()).await;
    let no_key = h.send(Call::new("GET", "/hashtags/fyp/analysis")).await;
    assert_eq!(no_key.status, 401);
    assert_eq!(no_key.error_code(), "unauthorized");
    assert_security_headers(&no_key);
    let wrong = h.get("/hashtags/fyp/analysis", &format!("tk_abcdefghij23_{}", "A".repeat(43))).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(h.get("/hashtags/fyp", "x").await.status, 404);
    let post = h.send(Call::new("POST", "/hashtags/fyp/analysis")).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.error_code(), "method_not_allowed");
    assert_eq!(post.header("allow"), Some("GET"));
}

#[tokio::test]
async fn cors_echoes_only_allow_listed_origins() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    let allowed = h
        .send(
            Call::new("GET", "/hashtags/fyp/analysis?source=research")
                .bearer(&tenant.key)
                .header("origin", ORIGIN),
        )
        .await;
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ORIGIN));
    let evil = h
        .send(
            Call::new("GET", "/hashtags/fyp/analysis")
                .bearer(&tenant.key)
                .header("origin", "https://evil.example"),
        )
        .await;
    assert_eq!(evil.header("access-control-allow-origin"), None);
    let preflight = h.send(Call::new("OPTIONS", "/hashtags/fyp/analysis").header("origin", ORIGIN)).await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(preflight.header("access-control-allow-methods").is_some_and(|m| m.contains("GET")));
}

#[tokio::test]
async fn svg_draws_the_heatmap_and_daily_volume() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/%23Food/analysis?source=research&days=14&format=svg", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("image/svg+xml; charset=utf-8"));
    // Kept for a look: target/tmp/hashtags-analysis.svg.
    let _ = std::fs::write(concat!(env!("CARGO_TARGET_TMPDIR"), "/hashtags-analysis.svg"), &reply.text);
    assert!(reply.text.starts_with("<svg"), "{}", &reply.text[..reply.text.len().min(80)]);
    for expected in
        ["#food", "research source", "Videos per day", "Median engagement rate", "Mon", "Sun", "<rect"]
    {
        assert!(reply.text.contains(expected), "{expected} in the picture");
    }
    assert_security_headers(&reply);
}

#[tokio::test]
async fn uncached_analyses_are_rate_limited_per_tenant() {
    let h =
        World::start(Setup { env: vec![("HASHTAG_ANALYSES_PER_MINUTE", "1".into())], ..Setup::default() })
            .await;
    let tenant = h.tenant().await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..3 {
        let reply = h
            .get(&format!("/hashtags/{}/analysis?source=research&days=7", unique_tag("r")), &tenant.key)
            .await;
        if reply.status == 429 {
            assert_eq!(reply.error_code(), "too_many_requests");
            retry_after = reply.header("retry-after").map(str::to_owned);
        }
        statuses.push(reply.status);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let seconds: u64 = retry_after.expect("retry-after").parse().expect("seconds");
    assert!((1..=60).contains(&seconds));
    let other = h.tenant().await;
    let reply =
        h.get(&format!("/hashtags/{}/analysis?source=research&days=7", unique_tag("r")), &other.key).await;
    assert_eq!(reply.status, 200, "another tenant has its own allowance");
}

#[tokio::test]
async fn the_recorded_api_gateway_event_is_answered() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    let mut event: serde_json::Value =
        serde_json::from_str(include_str!("../../../../events/hashtags-get-analysis.json")).expect("fixture");
    event["headers"]["authorization"] = format!("Bearer {}", tenant.key).into();
    let request = lambda_http::request::from_str(&event.to_string()).expect("API Gateway v2 event");
    let reply = Reply::of(hashtags::handle(request, &h.deps).await.expect("handled"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["tag"], "foodtok");
    assert_eq!(reply.body["region"], "US");
    assert_eq!(reply.body["window"]["days"], 14);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert_security_headers(&reply);
}

#[tokio::test]
async fn health_is_up_and_says_nothing_else() {
    let h = World::start(Setup::default()).await;
    let request = lambda_http::request::from_str(include_str!("../../../../events/hashtags-get-health.json"))
        .expect("fixture");
    let reply = Reply::of(hashtags::handle(request, &h.deps).await.expect("handled"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text, r#"{"status":"ok"}"#);
    assert_security_headers(&reply);
}

#[test]
fn bad_configuration_fails_at_init_with_one_message_naming_each_problem() {
    let output = Command::new(env!("CARGO_BIN_EXE_hashtags"))
        .env_clear()
        .env("MEDIA_BUCKET", "b")
        .env("HASHTAG_TIME_BUDGET_MS", "29000")
        .env("CORS_ALLOWED_ORIGINS", "*")
        .env("NARRATIVE_URL", "not a url")
        .output()
        .expect("run the hashtags binary");
    assert!(!output.status.success(), "init must fail");
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    for expected in [
        "TABLE_NAME is missing",
        "APP_SECRET_ID is missing",
        "CORS_ALLOWED_ORIGINS must list origins",
        "NARRATIVE_URL is not a valid URL",
        "HASHTAG_TIME_BUDGET_MS is 29000, must be within 200..=25000",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in {all}");
    }
    assert!(!all.contains("panicked"), "a clear error, not a panic: {all}");
}

#[tokio::test]
async fn the_openapi_document_is_served_and_lists_exactly_the_routed_routes() {
    let h = World::start(Setup::default()).await;
    let reply = h.send(Call::new("GET", "/hashtags/openapi.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_security_headers(&reply);
    assert_eq!(testkit::routes::documented(&reply.body), testkit::routes::served(hashtags::ROUTES));
    assert_eq!(
        testkit::routes::in_template("HashtagsIntegration"),
        testkit::routes::served(hashtags::ROUTES),
        "template.yaml routes to the hashtags function = hashtags::ROUTES"
    );
    // The answer's schema is the analysis type's own.
    let analysis = &reply.body["components"]["schemas"]["Analysis"];
    for field in ["tag", "window", "metrics", "partial", "summary"] {
        assert!(analysis["properties"].get(field).is_some(), "{field}");
    }
    let post = h.send(Call::new("POST", "/hashtags/openapi.json")).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET"));
}
