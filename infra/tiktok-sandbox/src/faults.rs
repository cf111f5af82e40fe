//! Fault injection: rules set through `/_sandbox/faults`, applied by a middleware in front of
//! every TikTok endpoint (which also counts calls per endpoint for `/_sandbox/calls`).

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::envelope::{log_id, status_for_code, ApiError};
use crate::oauth;
use crate::state::Shared;

/// Marks a response that must not be sent: the server closes the connection instead.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 429 with `rate_limit_exceeded`.
    #[serde(rename = "http_429")]
    Http429,
    /// HTTP 5xx (`status`, default 500) with `internal_error`.
    #[serde(rename = "http_5xx")]
    Http5xx,
    /// A TikTok error `code` with its documented HTTP status (or `status`).
    ErrorCode,
    /// Adds `latency_ms`, then the request proceeds (combines with one other fault).
    Latency,
    /// The request is processed, then the connection is closed without an answer.
    Drop,
    /// The request body is read, then the connection is closed; nothing is processed.
    DropUnprocessed,
    /// Revokes the calling account's tokens (or `open_id`'s) before the request is handled.
    RevokeToken,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// An endpoint name (see `endpoint_name`) or `*` for all.
    pub endpoint: String,
    pub kind: FaultKind,
    /// Fire on the next N matching calls...
    pub count: Option<u32>,
    /// ...after letting this many matching calls through (e.g. the second chunk of an upload).
    pub after: Option<u32>,
    /// ...or on each call with this probability (0..=1), until cleared.
    pub probability: Option<f64>,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub latency_ms: Option<u64>,
    /// Only calls made for this creator match (by bearer token; for `upload` the upload's
    /// post; for `token` the code or refresh token in the form). Parallel tests sharing one
    /// sandbox scope their faults to their own creator. `revoke_token` revokes this account.
    pub open_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub spec: FaultSpec,
    pub remaining: Option<u32>,
    /// Matching calls still to let through before the rule may fire.
    pub passing: u32,
    pub fired: u64,
}

impl Rule {
    /// Whether the rule fires on this matching call; counts it either way.
    fn fires(&mut self, rng: &mut impl Rng) -> bool {
        if self.passing > 0 {
            self.passing -= 1;
            return false;
        }
        let fires = match (self.remaining.as_mut(), self.spec.probability) {
            (Some(n), _) if *n > 0 => {
                *n -= 1;
                true
            }
            (None, Some(p)) => rng.random_bool(p),
            _ => false,
        };
        if fires {
            self.fired += 1;
        }
        fires
    }
}

#[derive(Debug, Default)]
pub struct Faults {
    pub rules: Vec<Rule>,
}

impl Faults {
    pub fn add(&mut self, spec: FaultSpec) -> Result<(), String> {
        match (spec.count, spec.probability) {
            (Some(_), None) => {}
            (None, Some(p)) if (0.0..=1.0).contains(&p) => {}
            _ => return Err("give exactly one of count or probability (0..=1)".into()),
        }
        if spec.kind == FaultKind::ErrorCode && spec.code.is_none() {
            return Err("error_code needs code".into());
        }
        if spec.kind == FaultKind::Latency && spec.latency_ms.is_none() {
            return Err("latency needs latency_ms".into());
        }
        if spec.status.is_some_and(|s| StatusCode::from_u16(s).is_err()) {
            return Err("status is not an HTTP status".into());
        }
        self.rules.push(Rule { remaining: spec.count, passing: spec.after.unwrap_or(0), spec, fired: 0 });
        Ok(())
    }

    /// Clears the rules of `endpoint` (all without), only those scoped to `open_id` if given.
    pub fn clear(&mut self, endpoint: Option<&str>, open_id: Option<&str>) {
        self.rules.retain(|r| {
            let endpoint_matches = endpoint.is_none_or(|e| r.spec.endpoint == e);
            let owner_matches = open_id.is_none_or(|o| r.spec.open_id.as_deref() == Some(o));
            !(endpoint_matches && owner_matches)
        });
    }

    /// Whether a `drop` rule named for the `webhook` endpoint (never `*`) swallows the next
    /// webhook event for `open_id`: the event is never delivered.
    pub fn drop_webhook(&mut self, open_id: &str) -> bool {
        let mut rng = rand::rng();
        let mut dropped = false;
        for rule in self.rules.iter_mut() {
            let matches = rule.spec.endpoint == "webhook"
                && matches!(rule.spec.kind, FaultKind::Drop | FaultKind::DropUnprocessed)
                && rule.spec.open_id.as_deref().is_none_or(|o| o == open_id);
            if matches && rule.fires(&mut rng) {
                dropped = true;
                break;
            }
        }
        self.rules.retain(|r| r.remaining != Some(0));
        dropped
    }

    /// Whether a rule for `endpoint` is scoped to a creator (the caller must be identified).
    fn scoped(&self, endpoint: &str) -> bool {
        self.rules
            .iter()
            .any(|r| (r.spec.endpoint == endpoint || r.spec.endpoint == "*") && r.spec.open_id.is_some())
    }

    /// The rules that fire for this call (made for `caller`, when known): total latency and
    /// at most one other fault.
    fn fire(&mut self, endpoint: &str, caller: Option<&str>) -> (u64, Option<FaultSpec>) {
        let mut rng = rand::rng();
        let mut latency = 0;
        let mut terminal = None;
        for rule in self.rules.iter_mut() {
            if rule.spec.endpoint != endpoint && rule.spec.endpoint != "*" {
                continue;
            }
            if rule.spec.open_id.as_deref().is_some_and(|scope| caller != Some(scope)) {
                continue;
            }
            let is_latency = rule.spec.kind == FaultKind::Latency;
            if !is_latency && terminal.is_some() {
                continue;
            }
            if rule.fires(&mut rng) {
                if is_latency {
                    latency += rule.spec.latency_ms.unwrap_or(0);
                } else {
                    terminal = Some(rule.spec.clone());
                }
            }
        }
        self.rules.retain(|r| r.remaining != Some(0));
        (latency, terminal)
    }
}

/// The name of a TikTok endpoint, as used by faults and call counters.
pub fn endpoint_name(path: &str) -> Option<&'static str> {
    if path.starts_with("/upload/") {
        return Some("upload");
    }
    Some(match path.trim_end_matches('/') {
        "/v2/auth/authorize" => "authorize",
        "/v2/oauth/token" => "token",
        "/v2/oauth/revoke" => "revoke",
        "/v2/user/info" => "user_info",
        "/v2/post/publish/creator_info/query" => "creator_info",
        "/v2/post/publish/video/init" => "video_init",
        "/v2/post/publish/inbox/video/init" => "inbox_init",
        "/v2/post/publish/content/init" => "content_init",
        "/v2/post/publish/status/fetch" => "status",
        "/v2/post/publish/cancel" => "cancel",
        "/v2/video/list" => "video_list",
        "/v2/research/video/query" => "research_query",
        _ => return None,
    })
}

pub async fn inject(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let Some(name) = endpoint_name(request.uri().path()) else { return next.run(request).await };
    state.count_call(name);
    let scoped = state.faults().scoped(name);
    let (request, caller) = if scoped { identify(&state, name, request).await } else { (request, None) };
    let (latency, fault) = state.faults().fire(name, caller.as_deref());
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let Some(fault) = fault else { return next.run(request).await };
    tracing::info!(endpoint = name, kind = ?fault.kind, "fault injected");
    if matches!(fault.kind, FaultKind::Http429 | FaultKind::Http5xx | FaultKind::ErrorCode) {
        // Received in full, then answered (a big chunk PUT answered early would
        // reach the client as a broken pipe, not as this answer).
        let mut body = request.into_body().into_data_stream();
        while let Some(Ok(_)) = futures::StreamExt::next(&mut body).await {}
        return answer(&fault, name);
    }
    match fault.kind {
        FaultKind::Latency => next.run(request).await,
        FaultKind::Http429 | FaultKind::Http5xx | FaultKind::ErrorCode => answer(&fault, name),
        FaultKind::Drop | FaultKind::DropUnprocessed => {
            let (parts, body) = request.into_parts();
            // Receive the whole body first: the client has sent its request.
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else { return dropped() };
            if fault.kind == FaultKind::Drop {
                let _ = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            }
            dropped()
        }
        FaultKind::RevokeToken => {
            let open_id = fault.open_id.clone().or_else(|| bearer_account(&state, request.headers()));
            if let Some(open_id) = open_id {
                oauth::revoke_account(&state, &open_id, 1);
            }
            next.run(request).await
        }
    }
}

/// The creator a call is made for: the bearer token's account; for a chunk PUT the account of
/// the upload's post; for the token endpoint the account of the form's code or refresh token
/// (the small form body is read and put back).
async fn identify(state: &Shared, name: &str, request: Request) -> (Request, Option<String>) {
    if name == "upload" {
        let id = request.uri().path().trim_start_matches("/upload/").trim_end_matches('/').to_string();
        let store = state.store();
        let open_id = store.uploads.get(&id).and_then(|p| store.posts.get(p)).map(|p| p.open_id.clone());
        return (request, open_id);
    }
    if name == "token" {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
            return (Request::from_parts(parts, Body::empty()), None);
        };
        let open_id = {
            let store = state.store();
            url::form_urlencoded::parse(&bytes).find_map(|(k, v)| match k.as_ref() {
                "refresh_token" => store.refresh.get(v.as_ref()).map(|r| r.open_id.clone()),
                "code" => store.codes.get(v.as_ref()).map(|c| c.open_id.clone()),
                _ => None,
            })
        };
        return (Request::from_parts(parts, Body::from(bytes)), open_id);
    }
    let open_id = bearer_account(state, request.headers());
    (request, open_id)
}

/// The answer of a fault that answers (429, 5xx, an error code).
fn answer(fault: &FaultSpec, name: &str) -> Response {
    match fault.kind {
        FaultKind::Http429 => ApiError::rate_limited().into_response(),
        FaultKind::Http5xx => {
            let status = fault.status.and_then(|s| StatusCode::from_u16(s).ok());
            ApiError::new(
                status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "internal_error",
                "injected fault",
            )
            .into_response()
        }
        _ => error_code(fault, matches!(name, "token" | "revoke")),
    }
}

fn error_code(fault: &FaultSpec, oauth_shape: bool) -> Response {
    let code = fault.code.clone().unwrap_or_else(|| "internal_error".into());
    let message = fault.message.clone().unwrap_or_else(|| "injected fault".into());
    let status = fault.status.and_then(|s| StatusCode::from_u16(s).ok());
    if oauth_shape {
        let status = status.unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({"error": code, "error_description": message, "log_id": log_id()});
        return (status, Json(body)).into_response();
    }
    ApiError::new(status.unwrap_or_else(|| status_for_code(&code)), &code, message).into_response()
}

fn dropped() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(DropConnection);
    response
}

fn bearer_account(state: &Shared, headers: &HeaderMap) -> Option<String> {
    let token = headers.get("authorization")?.to_str().ok()?.split_once(' ')?.1.trim().to_string();
    state.store().access.get(&token)?.open_id.clone()
}
