//! The schedule intake API. Every response, errors included, carries the
//! security headers, the CORS headers for allow-listed origins, and (for
//! errors) the one JSON error shape with the request id.

pub mod config;
mod health;
mod media;

use lambda_http::{Body, Error, Request, Response};
use shared::{
    http_surface::{finish, raw_path, request_id, segments, tenant_of, ApiError, ApiResult, ErrorCode},
    media::store::MediaStore,
    post::PostStore,
    tenant::TenantStore,
};

use crate::config::ApiConfig;

/// What the handlers need, built once at init.
pub struct Deps {
    pub config: ApiConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub tenants: TenantStore,
    pub media: MediaStore,
    pub posts: PostStore,
}

impl Deps {
    pub fn new(config: ApiConfig, aws: &shared::aws::AwsClients) -> Self {
        let table = config.stack.table_name.clone();
        Self {
            tenants: TenantStore::new(aws.dynamodb.clone(), &table),
            media: MediaStore::new(aws.dynamodb.clone(), aws.s3.clone(), &table, &config.stack.media_bucket),
            posts: PostStore::new(aws.dynamodb.clone(), &table),
            dynamodb: aws.dynamodb.clone(),
            config,
        }
    }
}

/// Routes one request. Every outcome is a response; `Err` is left for the
/// runtime's own failures.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    let request_id = request_id(&request);
    let origin = request.headers().get("origin").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut response = if request.method() == "OPTIONS" {
        deps.config.cors.preflight(origin.as_deref())
    } else {
        route(&request, deps).await.unwrap_or_else(|e| e.into_response(&request_id))
    };
    deps.config.cors.apply(origin.as_deref(), &mut response);
    if let Ok(value) = request_id.parse() {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(finish(response))
}

/// The routes of the API, recognised before authentication so an unknown
/// path is a 404 and a known path with the wrong method a 405 for anyone.
enum Route<'a> {
    Health,
    CreateMedia,
    GetMedia(String),
    #[allow(dead_code)]
    Other(&'a str),
}

fn recognise<'a>(method: &str, segments: &[&'a str]) -> Result<Route<'a>, ApiError> {
    let known_path = matches!(segments, ["health"] | ["media"] | ["media", _, ..]);
    match (method, segments) {
        ("GET", ["health"]) => Ok(Route::Health),
        ("POST", ["media"]) => Ok(Route::CreateMedia),
        ("GET", ["media", rest @ ..]) => Ok(Route::GetMedia(rest.join("/"))),
        _ if known_path => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such route")),
    }
}

async fn route(request: &Request, deps: &Deps) -> ApiResult {
    let path = raw_path(request);
    let segments = segments(&path);
    let route = recognise(request.method().as_str(), &segments)?;
    if let Route::Health = route {
        return Ok(health::check(deps).await);
    }
    let tenant = tenant_of(request, &deps.config.auth, &deps.tenants).await?;
    match route {
        Route::Health => Ok(health::check(deps).await),
        Route::CreateMedia => media::create(request, &tenant, deps).await,
        Route::GetMedia(id) => media::get(&id, &tenant, deps).await,
        Route::Other(_) => Err(ApiError::new(ErrorCode::NotFound, "no such route")),
    }
}
