//! TikTok's response shapes: the v2 envelope `{data, error: {code, message, log_id}}` and the
//! flat OAuth error `{error, error_description, log_id}`, plus the code → HTTP status table.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde_json::{json, Value};

/// A failure answered in the v2 envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_string(), message: message.into() }
    }

    /// An error code with the HTTP status TikTok documents for it.
    pub fn code(code: &str, message: impl Into<String>) -> Self {
        Self::new(status_for_code(code), code, message)
    }

    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::code("invalid_params", message)
    }

    pub fn token_invalid() -> Self {
        Self::code("access_token_invalid", "The access token is invalid or not found in the request.")
    }

    pub fn scope_not_authorized(scope: &str) -> Self {
        Self::code("scope_not_authorized", format!("The user did not authorize the scope required: {scope}"))
    }

    pub fn rate_limited() -> Self {
        Self::code("rate_limit_exceeded", "API rate limit exceeded, please retry later.")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "data": {},
            "error": {"code": self.code, "message": self.message, "log_id": log_id()},
        });
        (self.status, Json(body)).into_response()
    }
}

/// A successful v2 answer.
pub fn ok(data: Value) -> Response {
    (StatusCode::OK, Json(json!({"data": data, "error": {"code": "ok", "message": "", "log_id": log_id()}})))
        .into_response()
}

/// A failure that TikTok answers with HTTP 200 (the body carries the error).
pub fn error_with_200(code: &str, message: &str) -> Response {
    ApiError::new(StatusCode::OK, code, message).into_response()
}

/// The HTTP status TikTok pairs with an error code (docs/tiktok-contract.md, the envelope and its errors).
pub fn status_for_code(code: &str) -> StatusCode {
    match code {
        "ok" => StatusCode::OK,
        "rate_limit_exceeded" => StatusCode::TOO_MANY_REQUESTS,
        "internal_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "access_token_invalid" | "scope_not_authorized" => StatusCode::UNAUTHORIZED,
        "invalid_param" | "invalid_params" | "invalid_file_upload" => StatusCode::BAD_REQUEST,
        "privacy_level_option_mismatch"
        | "url_ownership_unverified"
        | "unaudited_client_can_only_post_to_private_accounts"
        | "spam_risk_too_many_posts"
        | "spam_risk_user_banned_from_posting"
        | "reached_active_user_cap"
        | "spam_risk_too_many_pending_share" => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A TikTok-looking log id: a UTC timestamp followed by random hex.
pub fn log_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let suffix: u64 = rand::rng().random();
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:016X}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        suffix
    )
}

/// A failure of an OAuth endpoint, answered as flat JSON.
#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = match error {
            "invalid_client" | "unauthorized_client" => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        Self { status, error, description: description.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description, "log_id": log_id()});
        (self.status, Json(body)).into_response()
    }
}
