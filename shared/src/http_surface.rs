//! The HTTP surface every HTTP function shares: one JSON error shape
//! `{"error": {"code", "message", "request_id"}}` and the security headers put
//! on every response, errors included.

pub mod auth;
pub mod error;
pub mod exchange;
pub mod openapi;
pub mod request;

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

pub use auth::{tenant_of, AuthMode};
pub use error::{ApiError, ApiResult};
pub use exchange::{health, Exchange};
pub use request::{body_bytes, json_body, raw_path, request_id, segments};

/// Headers set on every response (HSTS, nosniff, frame-deny, no-referrer and a
/// CSP that allows nothing: the API serves JSON, never active content).
pub const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("strict-transport-security", "max-age=63072000; includeSubDomains"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ("cache-control", "no-store"),
];

/// The error codes of the JSON error shape, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unprocessable,
    TooManyRequests,
    Internal,
    Unavailable,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Unprocessable => "unprocessable",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    request_id: &'a str,
}

/// A JSON response with the given status.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = match serde_json::to_vec(value) {
        Ok(bytes) => Body::Binary(bytes),
        Err(_) => return plain_internal_error(),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The one error shape.
pub fn error_response(code: ErrorCode, message: &str, request_id: &str) -> Response<Body> {
    json_response(
        code.status(),
        &ErrorBody { error: ErrorDetail { code: code.as_str(), message, request_id } },
    )
}

fn plain_internal_error() -> Response<Body> {
    let mut response = Response::new(Body::from(
        r#"{"error":{"code":"internal","message":"response could not be encoded","request_id":""}}"#,
    ));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// Adds the security headers; the last step of every handler. They replace
/// whatever a handler set, except `Cache-Control`: a handler may allow a
/// response to be cached (a complete hashtag analysis); by default nothing is.
pub fn finish(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if name == "cache-control" && headers.contains_key(name) {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shape_has_code_message_and_request_id() {
        let response = finish(error_response(ErrorCode::NotFound, "no such route", "req-1"));
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let Body::Binary(bytes) = response.body() else { panic!("binary body expected") };
        let value: serde_json::Value = serde_json::from_slice(bytes).expect("json");
        assert_eq!(
            value,
            serde_json::json!({"error": {"code": "not_found", "message": "no such route", "request_id": "req-1"}})
        );
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(response.headers()[name], value);
        }
    }

    #[test]
    fn a_handler_may_allow_caching_but_not_weaken_the_other_headers() {
        let mut response = Response::new(Body::Empty);
        response.headers_mut().insert("cache-control", HeaderValue::from_static("private, max-age=60"));
        response.headers_mut().insert("content-security-policy", HeaderValue::from_static("default-src *"));
        let response = finish(response);
        assert_eq!(response.headers()["cache-control"], "private, max-age=60");
        assert_eq!(
            response.headers()["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'"
        );
        assert_eq!(finish(Response::new(Body::Empty)).headers()["cache-control"], "no-store");
    }
}

/// CORS from an allow-list: an allowed `Origin` is echoed back (never `*`),
/// anything else gets no CORS headers at all, so browsers refuse it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    allowed_origins: Vec<String>,
    allow_credentials: bool,
}

/// Methods and headers a browser may use against the API.
const CORS_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const CORS_HEADERS: &str = "authorization, content-type, idempotency-key";

impl Cors {
    /// `CORS_ALLOWED_ORIGINS` (comma-separated origins; never `*`) and
    /// `CORS_ALLOW_CREDENTIALS` (`true` | `false`, default false).
    pub fn read<F: Fn(&str) -> Option<String>>(env: &mut crate::config::EnvReader<F>) -> Self {
        let origins = env.optional("CORS_ALLOWED_ORIGINS", "");
        let credentials = match env.optional("CORS_ALLOW_CREDENTIALS", "false").as_str() {
            "true" => true,
            "false" => false,
            _ => {
                env.invalid("CORS_ALLOW_CREDENTIALS", "must be true or false");
                false
            }
        };
        Cors::parse(&origins, credentials).unwrap_or_else(|reason| {
            env.invalid("CORS_ALLOWED_ORIGINS", reason);
            Cors::default()
        })
    }

    /// Parses a comma-separated allow-list of origins (`https://app.example`).
    /// `*`, paths, and plain-http origins other than localhost are refused.
    pub fn parse(list: &str, allow_credentials: bool) -> Result<Self, String> {
        let mut allowed_origins = Vec::new();
        for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if raw == "*" {
                return Err("must list origins; `*` is not allowed".into());
            }
            let url = url::Url::parse(raw).map_err(|_| format!("has an invalid origin {raw:?}"))?;
            let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
            let origin = url.origin().ascii_serialization();
            if (url.scheme() != "https" && !(url.scheme() == "http" && local))
                || origin != raw.trim_end_matches('/')
            {
                return Err(format!("has {raw:?}, which is not an https origin (scheme://host[:port])"));
            }
            allowed_origins.push(origin);
        }
        Ok(Self { allowed_origins, allow_credentials })
    }

    fn allows(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }

    /// Adds the CORS headers for an allowed origin.
    pub fn apply(&self, origin: Option<&str>, response: &mut Response<Body>) {
        let headers = response.headers_mut();
        headers.append(header::VARY, HeaderValue::from_static("origin"));
        let Some(origin) = origin.filter(|o| self.allows(o)) else { return };
        if let Ok(value) = HeaderValue::from_str(origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            if self.allow_credentials {
                headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
            }
            headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("x-request-id"));
        }
    }

    /// The answer to a preflight `OPTIONS` request: 204 with the allowed
    /// methods and headers for an allowed origin, a bare 204 otherwise.
    pub fn preflight(&self, origin: Option<&str>) -> Response<Body> {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        if origin.is_some_and(|o| self.allows(o)) {
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(CORS_METHODS));
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(CORS_HEADERS));
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        self.apply(origin, &mut response);
        response
    }
}

#[cfg(test)]
mod cors_tests {
    use super::*;

    #[test]
    fn wildcards_and_non_origins_are_refused() {
        assert!(Cors::parse("*", false).is_err());
        assert!(Cors::parse("https://a.example/path", false).is_err());
        assert!(Cors::parse("http://a.example", false).is_err());
        assert!(Cors::parse("https://a.example, http://localhost:3000", false).is_ok());
    }

    #[test]
    fn only_listed_origins_are_echoed() {
        let cors = Cors::parse("https://app.example", false).expect("valid");
        let mut ok = Response::new(Body::Empty);
        cors.apply(Some("https://app.example"), &mut ok);
        assert_eq!(ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example");
        assert!(ok.headers().get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
        let mut evil = Response::new(Body::Empty);
        cors.apply(Some("https://evil.example"), &mut evil);
        assert!(evil.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        assert_eq!(evil.headers()[header::VARY], "origin");
    }
}
