//! Bearer authentication for the v2 endpoints: token lookup, expiry and scope checks.

use axum::http::HeaderMap;

use crate::envelope::ApiError;
use crate::state::Sandbox;

/// Who is calling: an access token and what it grants.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: String,
    /// `None` for a client-credentials (app) token.
    pub open_id: Option<String>,
}

impl Caller {
    /// The connected creator, or `access_token_invalid` for an app token.
    pub fn open_id(&self) -> Result<&str, ApiError> {
        self.open_id.as_deref().ok_or_else(ApiError::token_invalid)
    }
}

/// Resolves the bearer token; `scope` is what the endpoint needs (None: any user token).
pub fn authenticate(state: &Sandbox, headers: &HeaderMap, scope: Option<&str>) -> Result<Caller, ApiError> {
    let token = bearer(headers).ok_or_else(ApiError::token_invalid)?;
    let now = state.now_ms();
    let store = state.store();
    let record = store.access.get(token).ok_or_else(ApiError::token_invalid)?;
    if record.expires_at_ms <= now {
        return Err(ApiError::token_invalid());
    }
    if let Some(scope) = scope {
        if !record.scopes.iter().any(|s| s == scope) {
            return Err(ApiError::scope_not_authorized(scope));
        }
    }
    Ok(Caller { token: token.to_string(), open_id: record.open_id.clone() })
}

/// A user token (not an app token) with `scope`.
pub fn authenticate_user(
    state: &Sandbox,
    headers: &HeaderMap,
    scope: &str,
) -> Result<(Caller, String), ApiError> {
    let caller = authenticate(state, headers, Some(scope))?;
    let open_id = caller.open_id()?.to_string();
    Ok((caller, open_id))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
