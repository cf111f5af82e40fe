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

/// The body's bytes as received.
pub fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

/// `application/json`, in any case, with optional parameters
/// (`; charset=utf-8`); look-alikes such as `application/jsonx` or
/// `application/json-patch+json` are other media types.
pub fn is_json_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("application/json")
}

/// A JSON body of at most `max_bytes`, decoded once, strictly, straight into
/// `T` — a duplicated key or an unknown field (where `T` denies them) is a
/// 400, never silently merged — or the matching 4xx.
pub fn json_body<T: DeserializeOwned>(request: &Request, max_bytes: usize) -> Result<T, ApiError> {
    let bytes = body_bytes(request);
    if bytes.len() > max_bytes {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("body of {} bytes exceeds the limit of {max_bytes}", bytes.len()),
        ));
    }
    let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !is_json_content_type(content_type) {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as application/json"));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::is_json_content_type;

    #[test]
    fn only_application_json_with_parameters_is_json() {
        for ok in ["application/json", "Application/JSON", " application/json ; charset=utf-8"] {
            assert!(is_json_content_type(ok), "{ok}");
        }
        for look_alike in
            ["application/jsonx", "application/json-patch+json", "application/jsonp", "text/json", ""]
        {
            assert!(!is_json_content_type(look_alike), "{look_alike}");
        }
    }
}
