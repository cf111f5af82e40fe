//! `GET /health`: up, and able to reach the table. It names nothing of its
//! configuration (the review's information-disclosure finding): no table,
//! no endpoint, no provider or summary settings, no error text.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{http::StatusCode, Body, Response};
use shared::{http_surface::json_response, schema};

use crate::Deps;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn check(deps: &Deps) -> Response<Body> {
    let probe = deps
        .dynamodb
        .get_item()
        .table_name(&deps.config.stack.table_name)
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
