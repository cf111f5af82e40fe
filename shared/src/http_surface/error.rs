//! Handler errors: each becomes the one JSON error shape. Store failures are
//! logged with their detail and answered with a generic message.

use lambda_http::{Body, Response};

use super::{error_response, ErrorCode};
use crate::error::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("no such {what}"))
    }

    pub fn method_not_allowed() -> Self {
        Self::new(ErrorCode::MethodNotAllowed, "method not allowed on this route")
    }

    pub fn into_response(self, request_id: &str) -> Response<Body> {
        error_response(self.code, &self.message, request_id)
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
