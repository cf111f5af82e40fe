//! `GET /openapi.json`, generated from the handlers' annotations. A test
//! checks it lists exactly the routes the router serves.

use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The one error shape.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    pub request_id: String,
}

struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("api_key", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "TikTok scheduling API", description = "Media upload slots, posts and connected accounts."),
    paths(
        crate::health::check,
        crate::media::create,
        crate::media::get,
        crate::posts::create,
        crate::posts::get,
        crate::posts::edit,
        crate::posts::cancel,
        crate::resolve::resolve,
        crate::post_list::list,
        crate::accounts::list,
        crate::accounts::get,
        crate::accounts::creator_info,
        document,
    ),
    modifiers(&ApiKeyAuth)
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/openapi.json", tag = "meta", responses((status = 200, description = "this document")))]
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
