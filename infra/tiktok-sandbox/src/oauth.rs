//! Login Kit v2: authorize (auto-consent as a sandbox creator), token (code, refresh with
//! rotation, client credentials), revoke, and user info.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::authenticate_user;
use crate::consent;
use crate::creators::DEFAULT_CREATOR;
use crate::envelope::{ok, ApiError, OAuthError};
use crate::state::{random_token, AccessToken, AuthCode, RefreshToken, Sandbox, Shared, Store};
use crate::webhooks;

const KNOWN_SCOPES: [&str; 6] = [
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    "video.publish",
    "video.upload",
    "video.list",
];
const CODE_TTL_MS: i64 = 10 * 60 * 1000;
const APP_TOKEN_TTL_SECS: i64 = 7200;

type Params = HashMap<String, String>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

pub async fn authorize(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Result<Response, OAuthError> {
    if param(&q, "client_key") != Some(state.client_key.as_str()) {
        return Err(OAuthError::new("invalid_client", "client_key is missing or unknown"));
    }
    let redirect_uri =
        param(&q, "redirect_uri").ok_or_else(|| invalid_request("redirect_uri is required"))?;
    let mut redirect =
        url::Url::parse(redirect_uri).map_err(|_| invalid_request("redirect_uri is not absolute"))?;
    if !matches!(redirect.scheme(), "http" | "https") || redirect.fragment().is_some() {
        return Err(invalid_request("redirect_uri must be http(s) without a fragment"));
    }
    if param(&q, "response_type") != Some("code") {
        return Err(OAuthError::new("invalid_request", "response_type must be code"));
    }
    let challenge = param(&q, "code_challenge").map(str::to_string);
    if challenge.is_some() && param(&q, "code_challenge_method") != Some("S256") {
        return Err(invalid_request("code_challenge_method must be S256"));
    }
    let state_param = q.get("state").cloned().unwrap_or_default();
    let mut reply = |pairs: &[(&str, &str)]| {
        redirect.query_pairs_mut().extend_pairs(pairs).append_pair("state", &state_param);
        (StatusCode::FOUND, [(header::LOCATION, redirect.to_string())]).into_response()
    };
    let scopes: Vec<String> = q
        .get("scope")
        .map(|s| s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    if scopes.is_empty() || scopes.iter().any(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        return Ok(reply(&[("error", "invalid_scope"), ("error_description", "unknown or empty scope")]));
    }
    if param(&q, "sandbox_deny") == Some("1") {
        return Ok(reply(&[
            ("error", "access_denied"),
            ("error_description", "The user denied the request"),
        ]));
    }
    // A person at a browser (a navigation accepts HTML) who has not picked a
    // creator sees TikTok's consent step: who is signing in, what the app
    // asks for, authorize or cancel. Programs name `sandbox_user` and skip it.
    if param(&q, "sandbox_user").is_none() && accepts_html(&headers) {
        return Ok(consent::page(&q, &scopes, &state.dataset.creators));
    }
    let username = param(&q, "sandbox_user").unwrap_or(DEFAULT_CREATOR);
    let creator = state
        .dataset
        .creator_by_username(username)
        .ok_or_else(|| invalid_request("sandbox_user is not a sandbox creator"))?;
    let code = random_token("code.");
    state.remember("authorization_code", &code);
    state.store().codes.insert(
        code.clone(),
        AuthCode {
            open_id: creator.open_id.clone(),
            scopes: scopes.clone(),
            redirect_uri: redirect_uri.to_string(),
            code_challenge: challenge,
            expires_at_ms: state.now_ms() + CODE_TTL_MS,
        },
    );
    tracing::info!(creator = %creator.username, "authorize: consented");
    Ok(reply(&[("code", &code), ("scopes", &scopes.join(","))]))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/html"))
}

pub async fn token(State(state): State<Shared>, Form(form): Form<Params>) -> Result<Response, OAuthError> {
    check_client(&state, &form)?;
    let grant = param(&form, "grant_type").unwrap_or("");
    state.count_call(&format!("token.{grant}"));
    let body = match grant {
        "authorization_code" => exchange_code(&state, &form)?,
        "refresh_token" => refresh(&state, &form)?,
        "client_credentials" => {
            let token = random_token("clt.");
            state.remember("client_token", &token);
            let expires_at_ms = state.now_ms() + APP_TOKEN_TTL_SECS * 1000;
            let record = AccessToken {
                open_id: None,
                scopes: vec!["research.data.basic".into()],
                expires_at_ms,
                refresh_token: None,
            };
            state.store().access.insert(token.clone(), record);
            json!({"access_token": token, "expires_in": APP_TOKEN_TTL_SECS, "token_type": "Bearer"})
        }
        _ => return Err(OAuthError::new("unsupported_grant_type", "grant_type is not supported")),
    };
    Ok(Json(body).into_response())
}

fn exchange_code(state: &Sandbox, form: &Params) -> Result<Value, OAuthError> {
    let code = param(form, "code").ok_or_else(|| invalid_request("code is required"))?;
    // Single use: the code is spent by any exchange attempt from the right client.
    let grant = state.store().codes.remove(code);
    let grant = grant.ok_or_else(|| invalid_grant("authorization code is invalid or already used"))?;
    if grant.expires_at_ms <= state.now_ms() {
        return Err(invalid_grant("authorization code expired"));
    }
    if param(form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(invalid_grant("redirect_uri does not match the authorization request"));
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier =
            param(form, "code_verifier").ok_or_else(|| invalid_request("code_verifier is required"))?;
        state.remember("pkce_verifier", verifier);
        if !(43..=128).contains(&verifier.len()) {
            return Err(invalid_request("code_verifier must be 43 to 128 characters"));
        }
        if !pkce_matches(verifier, challenge) {
            return Err(invalid_grant("code_verifier does not match code_challenge"));
        }
    }
    let mut store = state.store();
    Ok(issue(&mut store, state, &grant.open_id, grant.scopes))
}

/// S256 with either encoding of the digest: base64url without padding (RFC 7636) or hex.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let digest = Sha256::digest(verifier.as_bytes());
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    b64 == challenge || hex::encode(digest).eq_ignore_ascii_case(challenge)
}

fn refresh(state: &Sandbox, form: &Params) -> Result<Value, OAuthError> {
    let presented =
        param(form, "refresh_token").ok_or_else(|| invalid_request("refresh_token is required"))?;
    let mut store = state.store();
    // Rotation: the presented refresh token is spent whether or not it is still valid.
    let old = store.refresh.remove(presented).ok_or_else(|| invalid_grant("refresh token is invalid"))?;
    if old.expires_at_ms <= state.now_ms() {
        return Err(invalid_grant("refresh token expired"));
    }
    Ok(issue(&mut store, state, &old.open_id, old.scopes))
}

fn issue(store: &mut Store, state: &Sandbox, open_id: &str, scopes: Vec<String>) -> Value {
    let settings = state.settings();
    let now = state.now_ms();
    let access = random_token("act.");
    let refresh = random_token("rft.");
    state.remember("access_token", &access);
    state.remember("refresh_token", &refresh);
    store.refresh.insert(
        refresh.clone(),
        RefreshToken {
            open_id: open_id.to_string(),
            scopes: scopes.clone(),
            expires_at_ms: now + settings.refresh_token_ttl_secs * 1000,
        },
    );
    store.access.insert(
        access.clone(),
        AccessToken {
            open_id: Some(open_id.to_string()),
            scopes: scopes.clone(),
            expires_at_ms: now + settings.access_token_ttl_secs * 1000,
            refresh_token: Some(refresh.clone()),
        },
    );
    json!({
        "access_token": access,
        "expires_in": settings.access_token_ttl_secs,
        "open_id": open_id,
        "refresh_token": refresh,
        "refresh_expires_in": settings.refresh_token_ttl_secs,
        "scope": scopes.join(","),
        "token_type": "Bearer",
    })
}

pub async fn revoke(State(state): State<Shared>, Form(form): Form<Params>) -> Result<Response, OAuthError> {
    check_client(&state, &form)?;
    let token = param(&form, "token").ok_or_else(|| invalid_request("token is required"))?;
    let open_id = {
        let mut store = state.store();
        match store.access.remove(token) {
            Some(access) => {
                if let Some(refresh) = &access.refresh_token {
                    store.refresh.remove(refresh);
                }
                access.open_id
            }
            None => store.refresh.remove(token).map(|r| {
                store.access.retain(|_, a| a.refresh_token.as_deref() != Some(token));
                r.open_id
            }),
        }
    };
    if let Some(open_id) = open_id {
        // Reason 5: the developer revoked the authorization.
        webhooks::emit(&state, &open_id, "authorization.removed", json!({"reason": 5}));
    }
    Ok(Json(json!({})).into_response())
}

/// Revokes every token of an account (admin fault), as if the user disconnected the app.
pub fn revoke_account(state: &Sandbox, open_id: &str, reason: u32) -> usize {
    let removed = {
        let mut store = state.store();
        let before = store.access.len() + store.refresh.len();
        store.access.retain(|_, a| a.open_id.as_deref() != Some(open_id));
        store.refresh.retain(|_, r| r.open_id != open_id);
        before - store.access.len() - store.refresh.len()
    };
    webhooks::emit(state, open_id, "authorization.removed", json!({"reason": reason}));
    removed
}

pub async fn user_info(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    let (_, open_id) = authenticate_user(&state, &headers, "user.info.basic")?;
    let creator = state.dataset.creator_by_open_id(&open_id).ok_or_else(ApiError::token_invalid)?;
    let fields = param(&q, "fields").ok_or_else(|| ApiError::invalid_params("fields is required"))?;
    let mut user = Map::new();
    for field in fields.split(',').map(str::trim) {
        let value = match field {
            "open_id" => json!(creator.open_id),
            "union_id" => json!(creator.union_id),
            "avatar_url" | "avatar_url_100" | "avatar_large_url" => json!(creator.avatar_url),
            "display_name" => json!(creator.display_name),
            "username" => json!(creator.username),
            _ => return Err(ApiError::invalid_params(format!("unknown field {field}"))),
        };
        user.insert(field.to_string(), value);
    }
    Ok(ok(json!({"user": user})))
}

fn check_client(state: &Sandbox, form: &Params) -> Result<(), OAuthError> {
    let key_ok = param(form, "client_key") == Some(state.client_key.as_str());
    let secret_ok = param(form, "client_secret") == Some(state.client_secret.as_str());
    if key_ok && secret_ok {
        Ok(())
    } else {
        Err(OAuthError::new("invalid_client", "client_key or client_secret is invalid"))
    }
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new("invalid_request", description)
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new("invalid_grant", description)
}
