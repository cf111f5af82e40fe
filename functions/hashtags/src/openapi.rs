//! `GET /hashtags/openapi.json`: this function's own document, generated
//! from the same types the analysis is answered with, so the document and
//! the answers cannot drift (schemathesis holds each answer to it).

use shared::http_surface::openapi::Surface;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "TikTok hashtag analysis", description = "Metrics and an SVG chart of one hashtag's videos: the tenant's own creators (Display API) or public videos (Research API)."),
    paths(analysis, document),
    modifiers(&Surface)
)]
pub struct HashtagsDoc;

/// The document (served without authentication, like the API's).
#[utoipa::path(get, path = "/hashtags/openapi.json", tag = "meta", responses((status = 200, description = "this document")))]
pub fn document() -> utoipa::openapi::OpenApi {
    HashtagsDoc::openapi()
}

/// Documentation only: the route is served by `answer::analysis`; a test
/// checks the document lists exactly the served routes.
#[utoipa::path(get, path = "/hashtags/{tag}/analysis", tag = "hashtags",
    params(
        ("tag" = String, Path, min_length = 1, max_length = 101,
            description = "the hashtag, with or without `#`, percent-encoded: letters, digits and `_`, at most 100 characters"),
        ("source" = Option<String>, Query, pattern = "^(own|research)$",
            description = "own (default): the tenant's connected creators; research: public videos"),
        ("days" = Option<u16>, Query, minimum = 7, maximum = 30, description = "the last complete UTC days (default 7)"),
        ("region" = Option<String>, Query, pattern = "^[A-Za-z]{2}$", description = "source=research only"),
        ("account_id" = Option<String>, Query, pattern = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$",
            description = "source=own only: one connected account instead of all"),
        ("format" = Option<String>, Query, pattern = "^(json|svg)$", description = "json (default) or the SVG chart"),
    ),
    responses(
        (status = 200, description = "the analysis (cacheable when complete: see cache-control and x-cache)",
            content((crate::Analysis = "application/json"), (String = "image/svg+xml"))),
        (status = 400, body = shared::http_surface::openapi::ErrorBody, description = "a parameter is not valid"),
        (status = 404, body = shared::http_surface::openapi::ErrorBody, description = "no such connected account"),
        (status = 409, body = shared::http_surface::openapi::ErrorBody, description = "no connected account to analyse"),
        (status = 429, body = shared::http_surface::openapi::ErrorBody, description = "too many analyses for this tenant; see retry-after"),
    ),
    security(("api_key" = [])))]
#[allow(dead_code)]
fn analysis() {}
