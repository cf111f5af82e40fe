//! `GET /console/...`: the web console, a single-page app that speaks only
//! the public API (it is that API's reference client). Its built files are
//! embedded at build time (see `build.rs`), so a deploy ships code and page
//! together and nothing is read from a disk or a bucket at run time.
//!
//! The page runs under its own strict CSP: scripts and styles from this
//! origin only (no inline code), connections to this origin (the API) and
//! the media bucket (presigned uploads) only, never framed. The API's
//! deny-all CSP stays on every API route, and on this function's errors.

pub mod config;

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use shared::http_surface::{json_response, raw_path, segments, ApiError, ApiResult, Cors, Exchange};

use crate::config::ConsoleConfig;

/// One embedded file of `console/dist`.
pub struct Asset {
    /// Relative to the console's root, `/`-separated (`assets/index-3f2a.js`).
    pub path: &'static str,
    pub content_type: &'static str,
    /// A strong ETag: the quoted start of the file's SHA-256.
    pub etag: &'static str,
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The routes this function serves (the template's `ConsoleIntegration`).
pub const ROUTES: &[(&str, &str)] = &[("GET", "/console"), ("GET", "/console/{proxy+}")];

/// Vite names every file under `assets/` by its content hash: a new build
/// is a new name, so these may be cached for a year. The page and its
/// configuration are revalidated on every load, so a deploy shows at once.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// What the handler needs, built once at init.
pub struct Deps {
    pub config: ConsoleConfig,
    /// The page's CSP, built once from the configuration.
    pub policy: HeaderValue,
    /// The console is same-origin with the API: no cross-origin reader.
    cors: Cors,
}

impl Deps {
    pub fn new(config: ConsoleConfig) -> Result<Self, Error> {
        let policy = HeaderValue::from_str(&page_policy(&config.media_origin))?;
        Ok(Self { config, policy, cors: Cors::default() })
    }
}

/// The page's Content-Security-Policy. `media_origin` is a validated bare
/// origin (see `config`), so it cannot add a directive.
pub fn page_policy(media_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self' {media_origin}; font-src 'self'; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    )
}

/// Serves one request; every outcome is a response.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    let mut response = Exchange::serve(&request, &deps.cors, async { route(&request, deps) }).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, deps.policy.clone());
    }
    Ok(response)
}

/// What a path under `/console` names.
enum Target {
    /// `/console`: sent on to `/console/`, so relative asset URLs resolve.
    Root,
    Config,
    File(&'static Asset),
}

fn recognise(path_segments: &[&str]) -> Option<Target> {
    match path_segments {
        ["console"] => Some(Target::Root),
        ["console", ""] => find("index.html").map(Target::File),
        ["console", "config.json"] => Some(Target::Config),
        ["console", rest @ ..] => find(&rest.join("/")).map(Target::File),
        _ => None,
    }
}

fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

fn route(request: &Request, deps: &Deps) -> ApiResult {
    let path = raw_path(request);
    let target = recognise(&segments(&path)).ok_or_else(|| ApiError::not_found("console file"))?;
    let head = match request.method().as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => return Err(ApiError::method_not_allowed("GET, HEAD")),
    };
    let response = match target {
        Target::Root => {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
            // Relative, so it holds under any stage or local prefix.
            response.headers_mut().insert(header::LOCATION, HeaderValue::from_static("console/"));
            response
        }
        Target::Config => {
            let mut response = json_response(StatusCode::OK, &deps.config.bases);
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
            response
        }
        Target::File(asset) => file(request, asset),
    };
    Ok(if head { without_body(response) } else { response })
}

fn file(request: &Request, asset: &'static Asset) -> Response<Body> {
    let cache = if asset.path.starts_with("assets/") { IMMUTABLE } else { REVALIDATE };
    let etag = HeaderValue::from_static(asset.etag);
    let fresh = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == asset.etag || tag.trim() == "*"));
    let mut response = if fresh {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let mut response = Response::new(Body::Binary(asset.body.to_vec()));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

fn without_body(response: Response<Body>) -> Response<Body> {
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, Body::Empty)
}

#[cfg(test)]
mod tests;
