//! The schedule intake API. Every response, errors included, carries the
//! security headers, the CORS headers for allow-listed origins, and (for
//! errors) the one JSON error shape with the request id.

mod accounts;
pub mod config;
mod creator;
mod health;
mod media;
pub mod openapi;
mod post_list;
mod post_view;
mod posts;
pub mod resolve;

/// The request decoders, apart from the stores: what each handler runs on a
/// body or a query before its first read. The fuzz targets (`infra/fuzz`)
/// drive them with arbitrary input.
pub mod decode {
    pub use crate::media::{validate as new_media, NewMedia};
    pub use crate::post_list::query as post_query;
    pub use crate::posts::{check_offline as post_checks, Checked, NewPost, PostEdit};
}

use std::sync::Arc;

use lambda_http::{http::StatusCode, Body, Error, Request, Response};
use shared::{
    account::{AccountStore, TokenKeeper},
    http_surface::{json_response, raw_path, segments, tenant_of, ApiError, ApiResult, ErrorCode, Exchange},
    media::store::MediaStore,
    post::PostStore,
    rate::{Scope, TenantLimiter},
    tenant::TenantStore,
    vault::SecretCache,
};
use tiktok::TikTokClient;

use crate::config::ApiConfig;

/// What the handlers need, built once at init.
pub struct Deps {
    pub config: ApiConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub tenants: TenantStore,
    pub media: MediaStore,
    pub posts: PostStore,
    pub accounts: AccountStore,
    pub keeper: Arc<TokenKeeper>,
    /// The tenant's writes (and creator-info reads) per minute.
    pub limiter: TenantLimiter,
    creators: creator::CreatorCache,
}

impl Deps {
    /// Builds the stores and the TikTok client; reads the app secret once so
    /// a missing or malformed secret stops the function at init.
    pub async fn new(config: ApiConfig, aws: &shared::aws::Aws) -> Result<Self, Error> {
        let dynamodb = aws.dynamodb();
        let table = config.stack.table_name.clone();
        let secrets = Arc::new(SecretCache::for_stack(aws.secrets(), &config.stack));
        secrets.get().await?;
        let client = TikTokClient::new(config.tiktok.clone())?;
        let keeper = Arc::new(TokenKeeper::new(&dynamodb, &table, secrets, client, "api"));
        let accounts = keeper.accounts.clone();
        let posts = keeper.posts.clone();
        Ok(Self {
            tenants: TenantStore::new(dynamodb.clone(), &table),
            media: MediaStore::new(dynamodb.clone(), aws.s3(), &table, &config.stack.media_bucket),
            posts,
            accounts,
            keeper,
            creators: creator::CreatorCache::default(),
            limiter: TenantLimiter::new(dynamodb.clone(), &table, Scope::Api, config.writes_per_minute),
            dynamodb: dynamodb.clone(),
            config,
        })
    }
}

impl Deps {
    /// Counts one write (or creator-info read) of `tenant` against its
    /// share per minute: a 429 with `Retry-After` past it. Each handler
    /// calls it once the request has passed the checks that need no read,
    /// so a request refused on its face costs no table write.
    pub async fn admit_write(&self, tenant: &shared::tenant::TenantId) -> Result<(), ApiError> {
        self.limiter.admit(tenant, "writes").await
    }
}

/// The app secret could not be read: a 503 when it may come back, else a 500.
pub(crate) fn secret_error(e: shared::vault::SecretError) -> ApiError {
    tracing::error!(error = %e, "app secret");
    match e {
        shared::vault::SecretError::Unavailable(_) => {
            ApiError::new(ErrorCode::Unavailable, "a backing service is unavailable; retry later")
        }
        shared::vault::SecretError::Invalid(_) => ApiError::new(ErrorCode::Internal, "internal error"),
    }
}

/// Routes one request. Every outcome is a response; `Err` is left for the
/// runtime's own failures.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    Ok(Exchange::serve(&request, &deps.config.cors, route(&request, deps)).await)
}

/// Every route the API serves, as (method, path template). The router below
/// and the OpenAPI document are checked against this list in a test.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("POST", "/media"),
    ("GET", "/media/{id}"),
    ("POST", "/posts"),
    ("GET", "/posts"),
    ("GET", "/posts/{id}"),
    ("PATCH", "/posts/{id}"),
    ("DELETE", "/posts/{id}"),
    ("POST", "/posts/{id}/resolve"),
    ("GET", "/accounts"),
    ("GET", "/accounts/{id}"),
    ("GET", "/accounts/{id}/creator-info"),
];

/// A recognised route with its path parameter. Recognised before
/// authentication, so an unknown path is a 404 and a wrong method a 405 for
/// anyone. A parameter spanning several segments (`/media/../x`) is kept
/// whole, so id parsing answers it with a 400.
enum Route {
    Health,
    OpenApi,
    CreateMedia,
    GetMedia(String),
    CreatePost,
    ListPosts,
    GetPost(String),
    EditPost(String),
    CancelPost(String),
    ResolvePost(String),
    ListAccounts,
    GetAccount(String),
    CreatorInfo(String),
}

fn recognise(method: &str, segments: &[&str]) -> Result<Route, ApiError> {
    let rest = |from: usize| segments.get(from..).unwrap_or_default().join("/");
    let route = match (method, segments) {
        ("GET", ["health"]) => Route::Health,
        ("GET", ["openapi.json"]) => Route::OpenApi,
        ("POST", ["media"]) => Route::CreateMedia,
        ("GET", ["media", _, ..]) => Route::GetMedia(rest(1)),
        ("POST", ["posts"]) => Route::CreatePost,
        ("GET", ["posts"]) => Route::ListPosts,
        ("POST", ["posts", id, "resolve"]) => Route::ResolvePost((*id).to_owned()),
        (_, ["posts", _, "resolve"]) => return Err(ApiError::method_not_allowed("POST")),
        ("GET", ["posts", _, ..]) => Route::GetPost(rest(1)),
        ("PATCH", ["posts", _, ..]) => Route::EditPost(rest(1)),
        ("DELETE", ["posts", _, ..]) => Route::CancelPost(rest(1)),
        ("GET", ["accounts"]) => Route::ListAccounts,
        ("GET", ["accounts", id, "creator-info"]) => Route::CreatorInfo((*id).to_owned()),
        ("GET", ["accounts", _, ..]) => Route::GetAccount(rest(1)),
        _ => {
            return Err(match allowed_methods(segments) {
                Some(allow) => ApiError::method_not_allowed(&allow),
                None => ApiError::new(ErrorCode::NotFound, "no such route"),
            })
        }
    };
    Ok(route)
}

/// The methods [`ROUTES`] serves on this path (`{param}` matches one
/// segment), for a 405's `Allow`; `None` when no route has this shape.
fn allowed_methods(segments: &[&str]) -> Option<String> {
    let matches = |template: &str| {
        let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        parts.len() == segments.len()
            && parts.iter().zip(segments).all(|(part, segment)| part.starts_with('{') || part == segment)
    };
    let methods: Vec<&str> =
        ROUTES.iter().filter(|(_, template)| matches(template)).map(|(method, _)| *method).collect();
    (!methods.is_empty()).then(|| methods.join(", "))
}

async fn route(request: &Request, deps: &Deps) -> ApiResult {
    let path = raw_path(request);
    let route = recognise(request.method().as_str(), &segments(&path))?;
    match route {
        Route::Health => return Ok(health::check(deps).await),
        Route::OpenApi => return Ok(json_response(StatusCode::OK, &openapi::document())),
        _ => {}
    }
    // Writes and creator-info (a TikTok call) count against the tenant's
    // share per minute (`Deps::admit_write`); reads of the table do not.
    let tenant = tenant_of(request, &deps.config.auth, &deps.tenants).await?;
    match route {
        Route::Health | Route::OpenApi => Err(ApiError::new(ErrorCode::Internal, "unreachable route")),
        Route::CreateMedia => media::create(deps, &tenant, request).await,
        Route::GetMedia(id) => media::get(deps, &tenant, &id).await,
        Route::CreatePost => posts::create(deps, &tenant, request).await,
        Route::ListPosts => post_list::list(deps, &tenant, request).await,
        Route::GetPost(id) => posts::get(deps, &tenant, &id).await,
        Route::EditPost(id) => posts::edit(deps, &tenant, &id, request).await,
        Route::CancelPost(id) => posts::cancel(deps, &tenant, &id).await,
        Route::ResolvePost(id) => resolve::resolve(deps, &tenant, &id, request).await,
        Route::ListAccounts => accounts::list(deps, &tenant).await,
        Route::GetAccount(id) => accounts::get(deps, &tenant, &id).await,
        Route::CreatorInfo(id) => accounts::creator_info(deps, &tenant, &id).await,
    }
}
