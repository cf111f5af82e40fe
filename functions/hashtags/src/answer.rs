//! `GET /hashtags/{tag}/analysis`: parse, analyse, answer as JSON or SVG
//! with the cache policy; every failure becomes the one JSON error shape.

use crate::chart::render_svg;
use crate::{AnalysisError, CacheStatus, FetchError};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::{
    http_surface::{json_response, ApiError, ApiResult, ErrorCode},
    tenant::TenantId,
};
use time::OffsetDateTime;

use crate::query::{analysis_request, Format};
use crate::Deps;

pub(crate) async fn analysis(
    request: &Request,
    tag_segment: &str,
    tenant: TenantId,
    deps: &Deps,
) -> ApiResult {
    let (analysis_request, format) =
        analysis_request(request, tag_segment, tenant, OffsetDateTime::now_utc())?;
    let outcome = match deps.analyst.analyse(analysis_request).await {
        Ok(outcome) => outcome,
        Err(AnalysisError::RateLimited { retry_after }) => return Err(rate_limited(retry_after)),
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
    // A complete analysis may be cached by the client: its own Cache-Control
    // replaces the default no-store.
    if let Ok(value) = HeaderValue::from_str(&cache_control) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response.headers_mut().insert("x-cache", HeaderValue::from_static(x_cache));
    Ok(response)
}

fn svg(analysis: &crate::Analysis) -> Result<Response<Body>, ApiError> {
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

fn rate_limited(retry_after: u64) -> ApiError {
    shared::rate::too_many("analyses", retry_after)
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
