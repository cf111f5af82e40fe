//! `GET /connect/tiktok?return_to=...`: starts a login for the calling
//! tenant — a fresh state and PKCE verifier, stored single-use for ten
//! minutes — and sends the browser to TikTok's authorize page.
//!
//! A `return_to` outside the allow-list is refused here (400), before
//! anything is stored; without one, the default page is used. A caller
//! accepting only `application/json` gets `{authorize_url, expires_in}`
//! instead of the 302: a single-page app fetching with its API key cannot
//! read a redirect, while a browser navigation (accepting HTML) follows it.

use lambda_http::http::StatusCode;
use lambda_http::Request;
use secrecy::SecretString;
use serde::Serialize;
use shared::http_surface::{json_response, ApiError, ApiResult, ErrorCode};
use shared::tenant::TenantId;
use time::OffsetDateTime;

use crate::state::{seal_context, state_key, PendingLogin, STATE_TTL_SECONDS};
use crate::{login_ref, query_params, redirect, secret_error, Deps};

#[derive(Serialize)]
struct LoginLink<'a> {
    authorize_url: &'a str,
    expires_in: i64,
}

pub async fn start_login(request: &Request, tenant: &TenantId, deps: &Deps) -> ApiResult {
    let params = query_params(request)?;
    let allow = &deps.config.return_to;
    let return_to = match params.get("return_to") {
        None => allow.default_url().clone(),
        Some(raw) => allow.check(raw).ok_or_else(|| {
            tracing::info!(tenant = %tenant, "login refused: return_to not allowed");
            ApiError::bad_request("return_to is not an allowed return URL")
        })?,
    };
    let secret = deps.keeper.secrets.get().await.map_err(secret_error)?;
    let scopes: Vec<&str> = deps.config.scopes.iter().map(String::as_str).collect();
    let login = deps
        .keeper
        .client
        .start_login(&secret.credentials.client_key, &deps.config.redirect_uri, &scopes)
        .map_err(|e| {
            tracing::error!(error = %e, "authorize URL");
            ApiError::new(ErrorCode::Internal, "internal error")
        })?;
    let key = state_key(login.state.expose_secret());
    let verifier = SecretString::from(login.verifier.expose_secret().to_owned());
    let sealed = secret.ring.seal(&seal_context(&key, tenant.as_str()), &verifier).map_err(|e| {
        tracing::error!(error = %e, "sealing the PKCE verifier");
        ApiError::new(ErrorCode::Internal, "internal error")
    })?;
    deps.states
        .save(&PendingLogin {
            state_key: key.clone(),
            tenant: tenant.to_string(),
            sealed_verifier: Some(sealed),
            return_to: return_to.to_string(),
            redirect_uri: deps.config.redirect_uri.to_string(),
            expires_at: OffsetDateTime::now_utc().unix_timestamp() + STATE_TTL_SECONDS,
        })
        .await?;
    tracing::info!(tenant = %tenant, login = login_ref(&key), "login started");
    if wants_json(request) {
        let link = LoginLink { authorize_url: login.authorize_url.as_str(), expires_in: STATE_TTL_SECONDS };
        return Ok(json_response(StatusCode::OK, &link));
    }
    Ok(redirect(&login.authorize_url))
}

/// An API client asking for JSON only; a browser (which accepts HTML) gets the 302.
fn wants_json(request: &Request) -> bool {
    let accept = request.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or("");
    let accept = accept.to_ascii_lowercase();
    accept.contains("application/json") && !accept.contains("text/html")
}
