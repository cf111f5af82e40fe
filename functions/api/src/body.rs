//! Request bodies: size-capped, JSON only, parsed into typed values or a 400.

use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;
use shared::http_surface::ErrorCode;

use crate::error::ApiError;

pub fn json<T: DeserializeOwned>(request: &Request, max_bytes: usize) -> Result<T, ApiError> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => &[],
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
