//! The schedule intake API. For now it answers `GET /health`; every response,
//! errors included, carries the security headers and the JSON error shape.

mod health;

use lambda_http::{Body, Error, Request, RequestExt, Response};
use shared::http_surface::{error_response, finish, ErrorCode};

/// What the handlers need, built once at init.
pub struct Deps {
    pub table: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
}

/// Routes one request. Never fails for a bad request: every outcome is a
/// response; `Err` is left for the runtime's own failures.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    let request_id = request.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let response = match (method.as_str(), path.as_str()) {
        ("GET", "/health") => health::check(deps).await,
        (_, "/health") => error_response(ErrorCode::MethodNotAllowed, "use GET", &request_id),
        _ => error_response(ErrorCode::NotFound, "no such route", &request_id),
    };
    Ok(finish(response))
}
