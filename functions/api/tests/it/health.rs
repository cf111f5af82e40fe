//! `GET /health` through the real lambda_http request path (API Gateway v2
//! event fixtures) against the local stack's table.

use crate::common;

use std::process::Command;

use api::{handle, Deps};
use lambda_http::{http::StatusCode, request::from_str, Body, Response};
use shared::http_surface::SECURITY_HEADERS;

async fn deps(table: Option<&str>) -> Deps {
    match table {
        Some(table) => common::deps(&[("TABLE_NAME", table)]).await,
        None => common::deps(&[]).await,
    }
}

fn json(response: &Response<Body>) -> serde_json::Value {
    serde_json::from_slice(response.body().as_ref()).expect("json body")
}

fn assert_security_headers(response: &Response<Body>) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(response.headers().get(name).and_then(|v| v.to_str().ok()), Some(value), "{name}");
    }
}

#[tokio::test]
async fn health_is_up_and_says_nothing_else() {
    let request = from_str(include_str!("../../../../events/api-get-health.json")).expect("fixture");
    let response = handle(request, &deps(None).await).await.expect("handled");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(&response), serde_json::json!({"status": "ok"}));
    assert_security_headers(&response);
}

#[tokio::test]
async fn health_reports_unavailable_without_naming_the_dependency() {
    let request = from_str(include_str!("../../../../events/api-get-health.json")).expect("fixture");
    let response = handle(request, &deps(Some("missing-table-name")).await).await.expect("handled");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = String::from_utf8(response.body().to_vec()).expect("utf8");
    assert_eq!(body, r#"{"status":"unavailable"}"#);
    assert_security_headers(&response);
}

#[tokio::test]
async fn unknown_route_gets_the_json_error_shape_with_headers() {
    let request = from_str(include_str!("../../../../events/api-unknown-route.json")).expect("fixture");
    let response = handle(request, &deps(None).await).await.expect("handled");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = json(&response);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["request_id"].is_string());
    assert_security_headers(&response);
}

#[test]
fn bad_configuration_fails_at_init_with_one_message_naming_each_problem() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .env_clear()
        .env("MEDIA_BUCKET", "b")
        .env("AWS_ENDPOINT_URL", "not a url")
        .output()
        .expect("run api binary");
    assert!(!output.status.success(), "init must fail");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let all = format!("{stdout}{stderr}");
    for expected in [
        "TABLE_NAME is missing",
        "PUBLISH_QUEUE_URL is missing",
        "APP_SECRET_ID is missing",
        "AWS_ENDPOINT_URL is not a valid URL",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in {all}");
    }
    assert!(!all.contains("panicked"), "a clear error, not a panic: {all}");
    assert!(!all.contains("MEDIA_BUCKET"), "only the problems are named: {all}");
}

/// Logs are one JSON object per line with a level and a message, the format
/// CloudWatch Logs Insights queries read: checked on the lines of a failed
/// init, the one path that logs before any request.
#[test]
fn every_log_line_is_one_json_object_with_a_level_and_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .env_clear()
        .env("AWS_ENDPOINT_URL", "not a url")
        .output()
        .expect("run api binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "the failed init is logged");
    for line in lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value["level"].is_string(), "no level: {line}");
        assert!(value["fields"]["message"].is_string(), "no message: {line}");
    }
}
