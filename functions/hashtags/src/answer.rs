//! `GET /hashtags/{tag}/analysis`: parse, analyse, answer as JSON or SVG
//! with the cache policy; every failure becomes the one JSON error shape.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::{
    hashtags::{chart::render_svg, AnalysisError, CacheStatus, FetchError},
    http_surface::{json_response, ApiError, ApiResult, ErrorCode},
    tenant::TenantId,
};
use time::OffsetDateTime;

use crate::query::{analysis_request, Format};
use crate::Deps;

/// The `Cache-Control` a response should leave with; applied after the
/// security headers (which default to `no-store`).
#[derive(Debug, Clone)]
pub(crate) struct CacheControl(pub HeaderValue);

pub(crate) async fn analysis(
    request: &Request,
    tag_segment: &str,
    tenant: TenantId,
    deps: &Deps,
    request_id: &str,
) -> ApiResult {
    let (analysis_request, format) =
        analysis_request(request, tag_segment, tenant, OffsetDateTime::now_utc())?;
    let outcome = match deps.analyst.analyse(analysis_request).await {
        Ok(outcome) => outcome,
        Err(AnalysisError::RateLimited { retry_after }) => return Ok(rate_limited(retry_after, request_id)),
        Err(AnalysisError::Fetch(e)) => return Err(fetch_error(e)),
    };
    let mut response = match format {
        Format::Json => json_response(StatusCode::OK, &outcome.analysis),
        Format::Svg => svg(&outcome.analysis)?,
    };
    let (cache_control, x_cache) = match outcome.cache {
        CacheStatus::Hit { max_age } => (format!("private, max-age={max_age}"), "hit"),
        CacheStatus::Miss { max_age } => (format!("private, max-age={max_age}"), "miss"),
        CacheStatus::NotStored => ("no-store".to_owned(), "bypass"),
    };
    if let Ok(value) = HeaderValue::from_str(&cache_control) {
        response.extensions_mut().insert(CacheControl(value));
    }
    response.headers_mut().insert("x-cache", HeaderValue::from_static(x_cache));
    Ok(response)
}

fn svg(analysis: &shared::hashtags::Analysis) -> Result<Response<Body>, ApiError> {
    let document = render_svg(analysis).map_err(|e| {
        tracing::error!(error = %e, "chart failed");
        ApiError::new(ErrorCode::Internal, "the chart could not be drawn")
    })?;
    let mut response = Response::new(Body::Text(document));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"));
    Ok(response)
}

fn rate_limited(retry_after: u64, request_id: &str) -> Response<Body> {
    let message = "too many analyses for this tenant; retry after the indicated delay";
    let mut response = ApiError::new(ErrorCode::TooManyRequests, message).into_response(request_id);
    if let Ok(value) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn fetch_error(error: FetchError) -> ApiError {
    match error {
        FetchError::UnknownAccount => ApiError::not_found("connected account"),
        FetchError::NoAccounts => {
            ApiError::new(ErrorCode::Conflict, "connect a TikTok account before analysing its videos")
        }
        FetchError::NotConfigured(what) => ApiError::new(ErrorCode::Unavailable, what),
        FetchError::ResearchRefused => {
            ApiError::new(ErrorCode::Unavailable, "the Research API refused this deployment's credentials")
        }
        FetchError::Store(e) => e.into(),
    }
}
