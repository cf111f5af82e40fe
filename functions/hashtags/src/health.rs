//! `GET /health`: up, and able to reach the table. It names nothing of its
//! configuration, which would tell an attacker about the deployment: no table,
//! no endpoint, no provider or summary settings, no error text.

use lambda_http::{Body, Response};

use crate::Deps;

pub(crate) async fn check(deps: &Deps) -> Response<Body> {
    shared::http_surface::health(&deps.dynamodb, &deps.config.stack.table_name).await
}
