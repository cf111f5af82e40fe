//! Handler errors: each becomes the one JSON error shape. Store failures are
//! logged with their detail and answered with a generic message.

use lambda_http::http::{HeaderName, HeaderValue};
use lambda_http::{Body, Response};

use super::{error_response, ErrorCode};
use crate::error::StoreError;
use crate::ids::InvalidId;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Headers the error answer carries (`Retry-After`, `Cache-Control`, ...);
    /// the common finish step adds the security headers after them.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), headers: Vec::new() }
    }

    /// The same error with one more header on its answer.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("no such {what}"))
    }

    /// A 405 with the `Allow` header RFC 9110 requires: `allow` lists the
    /// route's methods (e.g. `"GET, DELETE"`).
    pub fn method_not_allowed(allow: &str) -> Self {
        let error = Self::new(ErrorCode::MethodNotAllowed, "method not allowed on this route");
        match HeaderValue::from_str(allow) {
            Ok(value) => error.with_header(lambda_http::http::header::ALLOW, value),
            // Method names are ASCII tokens: a caller's typo is not the client's fault.
            Err(_) => error,
        }
    }

    pub fn into_response(self, request_id: &str) -> Response<Body> {
        let mut response = error_response(self.code, &self.message, request_id);
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// An id in a path, query or body that is not one: a 400 naming the kind.
impl From<InvalidId> for ApiError {
    fn from(e: InvalidId) -> Self {
        ApiError::bad_request(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, retryable = e.is_retryable(), "store failure");
        if e.is_retryable() {
            ApiError::new(ErrorCode::Unavailable, "a backing service is unavailable; retry later")
        } else {
            ApiError::new(ErrorCode::Internal, "internal error")
        }
    }
}

pub type ApiResult = Result<Response<Body>, ApiError>;
