//! The hashtag analysis function: `GET /hashtags/{tag}/analysis` and
//! `GET /health`. Every response, errors included, carries the security
//! headers, the CORS headers for allow-listed origins, the request id and
//! (for errors) the one JSON error shape.
//!
//! The HTTP edge and wiring: [`config`], [`query`], `answer`, `health`.
//!
//! The analysis itself (only this function uses it, so it lives here and
//! `plotters` links into this binary alone):
//! - [`tag`], [`request`], [`window`]: the typed values of a request
//!   (`Hashtag`, `Source`, `Region`, `AccountId`, `Window`), parsed at the edge;
//! - [`provider`]: the [`VideoProvider`] trait, implemented by [`own`]
//!   (Display API, the tenant's creators) and [`research`] (Research API);
//!   [`resilience`] gives both retries, a circuit breaker and a time budget,
//!   so TikTok failing yields a partial answer, never a timeout;
//! - [`metrics`]: every figure, computed in Rust; [`video`]: the one video shape they read;
//! - [`chart`]: the SVG picture; [`narrative`]: the optional summary;
//! - [`cache`], [`quota`]: the table items (cached analyses, Research API
//!   quota, per-tenant rate limit); [`credentials`]: the research app keys;
//! - [`settings`]: the analysis' own configuration;
//! - [`analysis`]: the answer's shape; [`analyst`]: one analysis end to end, what the handler calls.

pub mod analysis;
pub mod analyst;
pub mod cache;
pub mod chart;
pub mod credentials;
pub mod metrics;
pub mod narrative;
pub mod own;
pub mod provider;
pub mod quota;
pub mod request;
pub mod research;
pub mod resilience;
pub mod settings;
pub mod tag;
pub mod video;
pub mod window;

pub use analysis::{Analysis, Summary};
pub use analyst::{AnalysisError, Analyst, CacheStatus, Outcome};
pub use credentials::{ResearchCredentials, StaticCredentials};
pub use own::{CreatorAccount, CreatorTokens, CreatorTokensError, OwnProvider, OwnSettings};
pub use provider::{FetchError, Fetched, PartialReason, VideoProvider};
pub use request::{AccountId, AnalysisRequest, Region, Source};
pub use research::{ResearchProvider, ResearchSettings};
pub use settings::AnalysisSettings;
pub use tag::{Hashtag, HashtagError};
pub use video::Video;
pub use window::Window;

mod answer;
pub mod config;
mod health;
pub mod openapi;
pub mod query;

use std::sync::Arc;

use lambda_http::{Body, Error, Request, Response};
use secrecy::SecretString;
use shared::{
    http_surface::{json_response, raw_path, segments, tenant_of, ApiError, ApiResult, ErrorCode, Exchange},
    tenant::TenantStore,
};
use tiktok::TikTokClient;

use crate::cache::AnalysisCache;
use crate::narrative::Narrator;
use crate::quota::QuotaLedger;
use shared::rate::{Scope, TenantLimiter};

use crate::config::HashtagsConfig;

/// What the handlers need, built once at init.
pub struct Deps {
    pub config: HashtagsConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub tenants: TenantStore,
    pub analyst: Analyst,
}

/// The adapters the deployment plugs in: the TikTok client, the account
/// store for `own`, the research credentials, and the summary endpoint's key.
pub struct Ports {
    pub tiktok: TikTokClient,
    pub creators: Arc<dyn CreatorTokens>,
    pub research_credentials: Arc<dyn ResearchCredentials>,
    pub narrative_key: Option<SecretString>,
}

impl Deps {
    /// Builds every client and provider once; fails with a message at init.
    /// `dynamodb` is the client the token keeper in `ports` uses too: one pool.
    pub fn new(
        config: HashtagsConfig,
        dynamodb: &aws_sdk_dynamodb::Client,
        ports: Ports,
    ) -> Result<Self, String> {
        let table = config.stack.table_name.clone();
        let settings = &config.analysis;
        // User tokens (own) and research credentials are passed per call.
        let client = ports.tiktok;
        let own = OwnProvider::new(
            client.clone(),
            ports.creators,
            OwnSettings { retry: settings.retry, breaker: settings.breaker, max_videos: settings.max_videos },
        );
        let research = ResearchProvider::new(
            client,
            ports.research_credentials,
            QuotaLedger::new(dynamodb.clone(), &table, settings.research_quota),
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
                dynamodb.clone(),
                &table,
                settings.cache_ttl,
                settings.cache_version.clone(),
            ),
            limiter: TenantLimiter::new(
                dynamodb.clone(),
                &table,
                Scope::Hashtag,
                settings.analyses_per_minute,
            ),
            narrator,
            time_budget: settings.time_budget,
        };
        Ok(Self {
            tenants: TenantStore::new(dynamodb.clone(), &table),
            dynamodb: dynamodb.clone(),
            analyst,
            config,
        })
    }
}

/// Routes one request. Every outcome is a response; `Err` is left for the
/// runtime's own failures.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    Ok(Exchange::serve(&request, &deps.config.cors, route(&request, deps)).await)
}

/// Every route API Gateway sends to this function, as (method, path
/// template); tests hold the template and the OpenAPI document to it.
/// `GET /health` is answered too, for the operator's direct invocations; it
/// is not routed.
pub const ROUTES: &[(&str, &str)] = &[("GET", "/hashtags/openapi.json"), ("GET", "/hashtags/{tag}/analysis")];

/// The routes, recognised before authentication so an unknown path is a
/// 404 and a known path with the wrong method a 405 for anyone.
enum Route<'a> {
    Health,
    OpenApi,
    Analysis(&'a str),
}

fn recognise<'a>(method: &str, segments: &[&'a str]) -> Result<Route<'a>, ApiError> {
    match (method, segments) {
        ("GET", ["health"]) => Ok(Route::Health),
        ("GET", ["hashtags", "openapi.json"]) => Ok(Route::OpenApi),
        ("GET", ["hashtags", tag, "analysis"]) => Ok(Route::Analysis(tag)),
        (_, ["health"] | ["hashtags", "openapi.json"] | ["hashtags", _, "analysis"]) => {
            Err(ApiError::method_not_allowed("GET"))
        }
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such route")),
    }
}

async fn route(request: &Request, deps: &Deps) -> ApiResult {
    let path = raw_path(request);
    let segments = segments(&path);
    match recognise(request.method().as_str(), &segments)? {
        Route::Health => Ok(health::check(deps).await),
        Route::OpenApi => Ok(json_response(lambda_http::http::StatusCode::OK, &openapi::document())),
        Route::Analysis(tag) => {
            let tenant = tenant_of(request, &deps.config.auth, &deps.tenants).await?;
            answer::analysis(request, tag, tenant, deps).await
        }
    }
}
