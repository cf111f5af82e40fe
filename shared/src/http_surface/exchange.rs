//! One request's way through an HTTP function, the same for every function:
//! preflight answered from the CORS allow-list, handler errors turned into
//! the JSON error shape, CORS, `x-request-id` and the security headers on
//! whatever goes out. And the health probe every function answers.

use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use super::{finish, json_response, request_id, ApiError, Cors};
use crate::schema;

/// What a response needs to know of its request.
pub struct Exchange {
    pub request_id: String,
    origin: Option<String>,
    preflight: bool,
}

impl Exchange {
    /// One request's whole way: a preflight is answered from `cors` (the
    /// handler future is then dropped unrun); anything else runs `handler`,
    /// whose error becomes the JSON error shape. CORS, the request id and
    /// the security headers go on either answer.
    pub async fn serve(
        request: &Request,
        cors: &Cors,
        handler: impl Future<Output = Result<Response<Body>, ApiError>>,
    ) -> Response<Body> {
        let exchange = Self::start(request);
        let response = match exchange.preflight(cors) {
            Some(preflight) => preflight,
            None => exchange.outcome(handler.await),
        };
        exchange.finish(cors, response)
    }

    pub fn start(request: &Request) -> Self {
        Self {
            request_id: request_id(request),
            origin: request.headers().get("origin").and_then(|v| v.to_str().ok()).map(str::to_owned),
            preflight: request.method() == "OPTIONS",
        }
    }

    /// The answer to a CORS preflight, or `None` for every other request.
    pub fn preflight(&self, cors: &Cors) -> Option<Response<Body>> {
        self.preflight.then(|| cors.preflight(self.origin.as_deref()))
    }

    /// A handler's outcome as a response.
    pub fn outcome(&self, result: Result<Response<Body>, ApiError>) -> Response<Body> {
        result.unwrap_or_else(|e| e.into_response(&self.request_id))
    }

    /// CORS, the request id and the security headers on the way out.
    pub fn finish(self, cors: &Cors, mut response: Response<Body>) -> Response<Body> {
        cors.apply(self.origin.as_deref(), &mut response);
        if let Ok(value) = self.request_id.parse() {
            response.headers_mut().insert("x-request-id", value);
        }
        finish(response)
    }
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /health`: up when the table answers, and nothing else — no table
/// name, endpoint, version or error text, which would tell an attacker about the deployment.
pub async fn health(dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> Response<Body> {
    let probe = dynamodb
        .get_item()
        .table_name(table)
        .key(schema::PK, AttributeValue::S("HEALTH".to_owned()))
        .key(schema::SK, AttributeValue::S("HEALTH".to_owned()))
        .send();
    let up = match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(&e), "health probe failed");
            false
        }
        Err(_) => {
            tracing::warn!("health probe timed out");
            false
        }
    };
    if up {
        json_response(StatusCode::OK, &serde_json::json!({"status": "ok"}))
    } else {
        json_response(StatusCode::SERVICE_UNAVAILABLE, &serde_json::json!({"status": "unavailable"}))
    }
}
