//! Connecting TikTok accounts: `GET /connect/tiktok` starts a login for the
//! calling tenant, `GET /oauth/tiktok/callback` finishes it (TikTok sends
//! the browser there; the single-use state binds it to the tenant), and
//! `DELETE /accounts/{id}` disconnects an account.
//!
//! Every response carries the security headers; API errors use the one JSON
//! shape. States, codes, verifiers and tokens are never logged: logs name a
//! login by a short prefix of its state's hash.

pub mod callback;
pub mod config;
pub mod connect;
pub mod disconnect;
pub mod return_to;
pub mod state;

use std::collections::HashMap;
use std::sync::Arc;

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use shared::{
    account::TokenKeeper,
    aws::Aws,
    http_surface::{raw_path, segments, tenant_of, ApiError, ApiResult, ErrorCode, Exchange},
    rate::{Scope, TenantLimiter},
    tenant::TenantStore,
    vault::{SecretCache, SecretError},
};
use tiktok::{TikTokClient, TikTokError};
use url::Url;

use crate::config::OauthConfig;
use crate::state::StateStore;

/// What the handlers need, built once at init.
pub struct Deps {
    pub config: OauthConfig,
    pub tenants: TenantStore,
    pub states: StateStore,
    /// Accounts, posts, the cached app secret and the TikTok client.
    pub keeper: TokenKeeper,
    /// The tenant's connects and disconnects per minute.
    pub limiter: TenantLimiter,
}

impl Deps {
    /// Builds the stores and the TikTok client. Every TikTok call takes the
    /// app credentials from the cached app secret, so a rotation reaches a
    /// running function.
    pub fn new(config: OauthConfig, aws: &Aws) -> Result<Self, TikTokError> {
        let dynamodb = aws.dynamodb();
        let table = &config.stack.table_name;
        let client = TikTokClient::new(config.tiktok.clone())?;
        let secrets = Arc::new(SecretCache::for_stack(aws.secrets(), &config.stack));
        Ok(Self {
            tenants: TenantStore::new(dynamodb.clone(), table),
            states: StateStore::new(dynamodb.clone(), table),
            keeper: TokenKeeper::new(&dynamodb, table, secrets, client, "oauth"),
            limiter: TenantLimiter::new(dynamodb.clone(), table, Scope::OAuth, config.connects_per_minute),
            config,
        })
    }
}

/// Routes one request. Every outcome is a response; `Err` is left for the
/// runtime's own failures.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    Ok(Exchange::serve(&request, &deps.config.cors, route(&request, deps)).await)
}

enum Route {
    Connect,
    Callback,
    Disconnect(String),
}

fn recognise(method: &str, segments: &[&str]) -> Result<Route, ApiError> {
    match (method, segments) {
        ("GET", ["connect", "tiktok"]) => Ok(Route::Connect),
        ("GET", ["oauth", "tiktok", "callback"]) => Ok(Route::Callback),
        ("DELETE", ["accounts", id]) => Ok(Route::Disconnect((*id).to_owned())),
        (_, ["connect", "tiktok"] | ["oauth", "tiktok", "callback"]) => {
            Err(ApiError::method_not_allowed("GET"))
        }
        (_, ["accounts", _]) => Err(ApiError::method_not_allowed("DELETE")),
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such route")),
    }
}

async fn route(request: &Request, deps: &Deps) -> ApiResult {
    let path = raw_path(request);
    match recognise(request.method().as_str(), &segments(&path))? {
        // Unauthenticated: TikTok sends the browser here; the state names the tenant.
        Route::Callback => callback::finish_login(request, deps).await,
        Route::Connect => {
            let tenant = tenant_of(request, &deps.config.auth, &deps.tenants).await?;
            deps.limiter.admit(&tenant, "connects").await?;
            connect::start_login(request, &tenant, deps).await
        }
        Route::Disconnect(id) => {
            let tenant = tenant_of(request, &deps.config.auth, &deps.tenants).await?;
            deps.limiter.admit(&tenant, "connects").await?;
            disconnect::delete_account(&id, &tenant, deps).await
        }
    }
}

/// The query parameters, decoded. A repeated name is refused, so two
/// `state` or `return_to` values cannot be played against each other.
pub(crate) fn query_params(request: &Request) -> Result<HashMap<String, String>, ApiError> {
    let mut params = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
        if params.insert(name.clone().into_owned(), value.into_owned()).is_some() {
            return Err(ApiError::bad_request(format!("the query parameter {name:?} is repeated")));
        }
    }
    Ok(params)
}

/// A 302 to `location`.
pub(crate) fn redirect(location: &Url) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(location.as_str()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Secrets Manager trouble as an API error: unavailable is retryable, an
/// invalid secret is an operator's problem (logged, not shown).
pub(crate) fn secret_error(e: SecretError) -> ApiError {
    tracing::error!(error = %e, "app secret");
    match e {
        SecretError::Unavailable(_) => {
            ApiError::new(ErrorCode::Unavailable, "a backing service is unavailable; retry later")
        }
        SecretError::Invalid(_) => ApiError::new(ErrorCode::Internal, "internal error"),
    }
}

/// A short, non-reversible reference to a login for logs.
pub(crate) fn login_ref(state_key: &str) -> &str {
    // A char boundary is not guaranteed for a hostile key: fall back to the whole (short) prefix rule.
    let end = (0..=state_key.len().min(12)).rev().find(|&i| state_key.is_char_boundary(i)).unwrap_or(0);
    state_key.get(..end).unwrap_or_default()
}
