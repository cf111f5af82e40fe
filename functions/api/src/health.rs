//! `GET /health`: says whether the function is up and can reach its table.
//! It names nothing of its configuration, which would tell an attacker about
//! the deployment: no table name, no endpoint, no version, no error text.

use lambda_http::{Body, Response};

use crate::Deps;

#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, description = "up: {\"status\":\"ok\"}"), (status = 503, description = "a dependency is unreachable")))]
pub(crate) async fn check(deps: &Deps) -> Response<Body> {
    shared::http_surface::health(&deps.dynamodb, &deps.config.stack.table_name).await
}
