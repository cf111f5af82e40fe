//! The hashtag analysis function: `GET /hashtags/{tag}/analysis` and
//! `GET /health`. Every response, errors included, carries the security
//! headers, the CORS headers for allow-listed origins, the request id and
//! (for errors) the one JSON error shape. The logic lives in
//! `shared::hashtags`; this crate is the HTTP edge and the wiring.

mod answer;
pub mod config;
mod health;
pub mod query;

use std::sync::Arc;

use lambda_http::http::header;
use lambda_http::{Body, Error, Request, Response};
use secrecy::SecretString;
use shared::{
    aws::AwsClients,
    hashtags::{
        cache::AnalysisCache, narrative::Narrator, quota::QuotaLedger, quota::TenantLimiter, Analyst,
        CreatorTokens, OwnProvider, OwnSettings, ResearchCredentials, ResearchProvider, ResearchSettings,
    },
    http_surface::{raw_path, segments, tenant_of, ApiError, ApiResult, ErrorCode, Exchange},
    tenant::TenantStore,
    tiktok::{AppCredentials, ClientKey, ClientSecret, TikTokClient},
};

use crate::answer::CacheControl;
use crate::config::HashtagsConfig;

/// What the handlers need, built once at init.
pub struct Deps {
    pub config: HashtagsConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub tenants: TenantStore,
    pub analyst: Analyst,
}

/// The adapters the deployment plugs in: the account store for `own`, the
/// research credentials, and the summary endpoint's key.
pub struct Ports {
    pub creators: Arc<dyn CreatorTokens>,
    pub research_credentials: Arc<dyn ResearchCredentials>,
    pub narrative_key: Option<SecretString>,
}

impl Deps {
    /// Builds every client and provider once; fails with a message at init.
    pub fn new(config: HashtagsConfig, aws: &AwsClients, ports: Ports) -> Result<Self, String> {
        let table = config.stack.table_name.clone();
        let settings = &config.analysis;
        // User tokens (own) and research credentials are passed per call: the
        // base client carries no app credentials of its own.
        let no_app =
            AppCredentials { client_key: ClientKey(String::new()), client_secret: ClientSecret::new("") };
        let client = TikTokClient::new(config.tiktok.clone(), no_app).map_err(|e| e.to_string())?;
        let own = OwnProvider::new(
            client.clone(),
            ports.creators,
            OwnSettings { retry: settings.retry, breaker: settings.breaker, max_videos: settings.max_videos },
        );
        let research = ResearchProvider::new(
            client,
            ports.research_credentials,
            QuotaLedger::new(aws.dynamodb.clone(), &table, settings.research_quota),
            ResearchSettings {
                retry: settings.retry,
                breaker: settings.breaker,
                max_videos: settings.max_videos,
                baseline_pages: settings.baseline_pages,
            },
        );
        let narrator = match &settings.narrative {
            Some(narrative) => Some(Narrator::new(narrative.clone(), ports.narrative_key)?),
            None => None,
        };
        let analyst = Analyst {
            own: Arc::new(own),
            research: Arc::new(research),
            cache: AnalysisCache::new(
                aws.dynamodb.clone(),
                &table,
                settings.cache_ttl,
                settings.cache_version.clone(),
            ),
            limiter: TenantLimiter::new(aws.dynamodb.clone(), &table, settings.analyses_per_minute),
            narrator,
            time_budget: settings.time_budget,
        };
        Ok(Self {
            tenants: TenantStore::new(aws.dynamodb.clone(), &table),
            dynamodb: aws.dynamodb.clone(),
            analyst,
            config,
        })
    }
}

/// Routes one request. Every outcome is a response; `Err` is left for the
/// runtime's own failures.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    let exchange = Exchange::start(&request);
    let response = match exchange.preflight(&deps.config.cors) {
        Some(preflight) => preflight,
        None => exchange.outcome(route(&request, deps, &exchange.request_id).await),
    };
    let mut response = exchange.finish(&deps.config.cors, response);
    // A complete analysis may be cached by the client: its own Cache-Control
    // replaces the default no-store.
    if let Some(CacheControl(value)) = response.extensions_mut().remove::<CacheControl>() {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    Ok(response)
}

/// The routes, recognised before authentication so an unknown path is a
/// 404 and a known path with the wrong method a 405 for anyone.
enum Route<'a> {
    Health,
    Analysis(&'a str),
}

fn recognise<'a>(method: &str, segments: &[&'a str]) -> Result<Route<'a>, ApiError> {
    match (method, segments) {
        ("GET", ["health"]) => Ok(Route::Health),
        ("GET", ["hashtags", tag, "analysis"]) => Ok(Route::Analysis(tag)),
        (_, ["health"] | ["hashtags", _, "analysis"]) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such route")),
    }
}

async fn route(request: &Request, deps: &Deps, request_id: &str) -> ApiResult {
    let path = raw_path(request);
    let segments = segments(&path);
    match recognise(request.method().as_str(), &segments)? {
        Route::Health => Ok(health::check(deps).await),
        Route::Analysis(tag) => {
            let tenant = tenant_of(request, &deps.config.auth, &deps.tenants).await?;
            answer::analysis(request, tag, tenant, deps, request_id).await
        }
    }
}
