//! The one classification of TikTok failures (the table is in `docs/tiktok-contract.md`).
//!
//! Every call returns [`TikTokError`], whose variants are the classes callers
//! act on: retry later, wait (daily caps), re-authorize, give up, or — after a
//! mutating request was sent and its answer lost — treat the outcome as
//! unknown and never repeat it blindly.

use std::fmt;
use std::time::Duration;

/// Suggested delay after `rate_limit_exceeded` / 429: TikTok's windows are per minute.
pub const RATE_LIMIT_BACKOFF: Duration = Duration::from_secs(60);
/// Suggested delay after a 5xx or `internal_error`.
pub const SERVER_BACKOFF: Duration = Duration::from_secs(5);
/// Suggested delay after a transport failure (refused connection, timeout).
pub const TRANSPORT_BACKOFF: Duration = Duration::from_secs(2);
/// A `Retry-After` header longer than this is capped: it is only a suggestion.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);

/// Daily caps: reschedule the post, do not fail it.
pub const WAIT_CODES: &[&str] =
    &["spam_risk_too_many_posts", "reached_active_user_cap", "spam_risk_too_many_pending_share"];

/// What TikTok said when it refused a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// HTTP status of the answer (`None` for failures found before any answer).
    pub http_status: Option<u16>,
    /// `error.code` of the v2 envelope, or `error` of the OAuth flat shape.
    pub code: String,
    /// `error.message` / `error_description`.
    pub message: String,
    /// TikTok's `log_id`, for support requests.
    pub log_id: Option<String>,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(status) = self.http_status {
            write!(f, " (http {status})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(log_id) = &self.log_id {
            write!(f, " [log_id {log_id}]")?;
        }
        Ok(())
    }
}

/// Why a call needs the account's authorization renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReauthReason {
    /// `access_token_invalid`: refresh once; if that fails too, re-authorize.
    AccessTokenInvalid,
    /// `scope_not_authorized`: the user did not grant the scope; refresh cannot help.
    ScopeNotAuthorized,
    /// OAuth `invalid_grant`: the refresh token (or code) is dead.
    GrantRejected,
}

impl ReauthReason {
    /// Whether one token refresh may fix the call.
    pub fn refresh_may_help(self) -> bool {
        self == ReauthReason::AccessTokenInvalid
    }
}

/// Why TikTok refused a chunk PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefusal {
    /// 403: the `upload_url` expired (it lives one hour).
    UrlExpired,
    /// 404: TikTok knows no such upload.
    NoSuchUpload,
    /// 416: the `Content-Range` does not match TikTok's progress.
    RangeMismatch,
}

/// What caused a retryable failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryCause {
    /// TikTok answered (429, 5xx, `rate_limit_exceeded`, `internal_error`).
    Api(ApiFailure),
    /// No answer: the connection failed before the request was sent, or a
    /// non-mutating call timed out.
    Transport(String),
}

impl fmt::Display for RetryCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryCause::Api(failure) => failure.fmt(f),
            RetryCause::Transport(detail) => write!(f, "transport: {detail}"),
        }
    }
}

/// Every TikTok failure, already classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TikTokError {
    /// Try again after `after` (a suggestion; callers add backoff and jitter).
    #[error("TikTok call may succeed later ({cause}); retry after {after:?}")]
    Retry { after: Duration, cause: RetryCause },
    /// A daily cap: reschedule for later, do not fail.
    #[error("TikTok daily cap reached: {failure}")]
    Wait { failure: ApiFailure },
    /// The account's authorization must be refreshed or renewed.
    #[error("TikTok authorization needs renewal ({reason:?}): {failure}")]
    Reauth { reason: ReauthReason, failure: ApiFailure },
    /// Retrying the same call cannot help.
    #[error("TikTok refused the call: {failure}")]
    Permanent { failure: ApiFailure },
    /// A chunk PUT was refused; permanent for this upload session.
    #[error("TikTok refused the chunk ({refusal:?}): {failure}")]
    Upload { refusal: UploadRefusal, failure: ApiFailure },
    /// A mutating request was sent and its answer lost: TikTok may or may not
    /// have acted. Never repeat it blindly (a repeated init posts twice).
    #[error("outcome of a mutating TikTok call is unknown: {detail}")]
    Ambiguous { detail: String },
    /// The request was refused locally before sending (a caller bug).
    #[error("invalid TikTok request: {0}")]
    Invalid(String),
}

/// The class of a [`TikTokError`], for callers that only need the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Retry { after: Duration },
    Wait,
    Reauth { refresh_may_help: bool },
    Permanent,
    Ambiguous,
}

impl TikTokError {
    /// What the caller should do.
    pub fn class(&self) -> ErrorClass {
        match self {
            TikTokError::Retry { after, .. } => ErrorClass::Retry { after: *after },
            TikTokError::Wait { .. } => ErrorClass::Wait,
            TikTokError::Reauth { reason, .. } => {
                ErrorClass::Reauth { refresh_may_help: reason.refresh_may_help() }
            }
            TikTokError::Permanent { .. } | TikTokError::Upload { .. } | TikTokError::Invalid(_) => {
                ErrorClass::Permanent
            }
            TikTokError::Ambiguous { .. } => ErrorClass::Ambiguous,
        }
    }

    /// TikTok's `log_id`, when TikTok answered.
    pub fn log_id(&self) -> Option<&str> {
        self.failure().and_then(|f| f.log_id.as_deref())
    }

    /// TikTok's answer, when there was one.
    pub fn failure(&self) -> Option<&ApiFailure> {
        match self {
            TikTokError::Retry { cause: RetryCause::Api(failure), .. }
            | TikTokError::Wait { failure }
            | TikTokError::Reauth { failure, .. }
            | TikTokError::Permanent { failure }
            | TikTokError::Upload { failure, .. } => Some(failure),
            _ => None,
        }
    }
}

fn retry_api(failure: ApiFailure, retry_after: Option<Duration>, default: Duration) -> TikTokError {
    let after = retry_after.map_or(default, |d| d.min(MAX_RETRY_AFTER));
    TikTokError::Retry { after, cause: RetryCause::Api(failure) }
}

/// Classifies a v2 envelope error (`error.code != "ok"`), whatever the HTTP status.
pub fn classify_api(failure: ApiFailure, retry_after: Option<Duration>) -> TikTokError {
    match failure.code.as_str() {
        "rate_limit_exceeded" => retry_api(failure, retry_after, RATE_LIMIT_BACKOFF),
        "internal_error" => retry_api(failure, retry_after, SERVER_BACKOFF),
        "access_token_invalid" => TikTokError::Reauth { reason: ReauthReason::AccessTokenInvalid, failure },
        "scope_not_authorized" => TikTokError::Reauth { reason: ReauthReason::ScopeNotAuthorized, failure },
        code if WAIT_CODES.contains(&code) => TikTokError::Wait { failure },
        // Unknown codes follow the HTTP status; known permanent ones fall through here too.
        _ => classify_by_status(failure, retry_after),
    }
}

/// Classifies an OAuth flat error `{error, error_description, log_id}`.
pub fn classify_oauth(failure: ApiFailure, retry_after: Option<Duration>) -> TikTokError {
    match failure.code.as_str() {
        "invalid_grant" => TikTokError::Reauth { reason: ReauthReason::GrantRejected, failure },
        "rate_limit_exceeded" => retry_api(failure, retry_after, RATE_LIMIT_BACKOFF),
        "internal_error" | "server_error" | "temporarily_unavailable" => {
            retry_api(failure, retry_after, SERVER_BACKOFF)
        }
        _ => classify_by_status(failure, retry_after),
    }
}

/// Classifies an answer by its HTTP status alone (unknown code, or a body
/// that is not TikTok's JSON, e.g. from a proxy): 429 and 5xx retry, the
/// rest is permanent.
pub fn classify_by_status(failure: ApiFailure, retry_after: Option<Duration>) -> TikTokError {
    match failure.http_status {
        Some(429) => retry_api(failure, retry_after, RATE_LIMIT_BACKOFF),
        Some(500..=599) => retry_api(failure, retry_after, SERVER_BACKOFF),
        _ => TikTokError::Permanent { failure },
    }
}

/// Whether a call changes state at TikTok. A lost answer to a mutating call
/// is ambiguous; a lost answer to a read can simply be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    Read,
    Mutating,
}

/// Classifies a transport failure from reqwest.
pub fn classify_transport(err: &reqwest::Error, mutation: Mutation) -> TikTokError {
    let detail = transport_detail(err);
    // Connect errors (refused, DNS, TLS, connect timeout) happen before any
    // byte of the request left: always safe to retry.
    if err.is_connect() || mutation == Mutation::Read {
        return TikTokError::Retry { after: TRANSPORT_BACKOFF, cause: RetryCause::Transport(detail) };
    }
    TikTokError::Ambiguous { detail }
}

// The reqwest error's Display includes the URL, which for chunk PUTs is the
// secret upload URL: describe the failure without it.
fn transport_detail(err: &reqwest::Error) -> String {
    let kind = if err.is_connect() {
        "connect failed"
    } else if err.is_timeout() {
        "timed out"
    } else if err.is_body() || err.is_decode() {
        "response body failed"
    } else if err.is_request() {
        "request failed"
    } else {
        "transport failed"
    };
    let mut detail = kind.to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}
