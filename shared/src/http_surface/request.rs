//! Reading requests: the request id, the path as sent, size-capped JSON bodies.

use lambda_http::{request::RequestContext, Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use super::{ApiError, ErrorCode};

/// API Gateway's request id (the one its access logs carry), else Lambda's.
pub fn request_id(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) if ctx.request_id.is_some() => {
            ctx.request_id.clone().unwrap_or_default()
        }
        _ => request.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default(),
    }
}

/// The path as sent: `Uri` normalisation would turn `/media/..` into `/`,
/// hiding a traversal attempt that must be answered with a 400.
pub fn raw_path(request: &Request) -> String {
    let raw = request.raw_http_path();
    if raw.is_empty() {
        request.uri().path().to_owned()
    } else {
        raw.to_owned()
    }
}

/// The path's segments, without the leading slash.
pub fn segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

/// A JSON body of at most `max_bytes`, parsed into `T` (unknown fields are
/// refused where `T` says so), or the matching 4xx.
pub fn json_body<T: DeserializeOwned>(request: &Request, max_bytes: usize) -> Result<T, ApiError> {
    let bytes: &[u8] = match request.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.len() > max_bytes {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("body of {} bytes exceeds the limit of {max_bytes}", bytes.len()),
        ));
    }
    let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.trim_start().to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}
