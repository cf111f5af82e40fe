//! `POST /webhooks/tiktok`: TikTok's signed events, applied once.
//!
//! A delivery is refused (with the one JSON error shape and a fixed message;
//! the body and the header are never echoed nor logged) when it is too
//! large (413), its `TikTok-Signature` does not verify over the raw body
//! with the app's `client_secret` or its `t` lies outside the tolerance
//! (401), it names another app's `client_key` (401), or it is not an event
//! (400). Then it is de-duplicated by the SHA-256 of its body, applied
//! (`apply`), marked applied (`deliveries`) and answered `200 {}`.
//! An infrastructure failure answers 500 and leaves no mark, so TikTok's
//! retry (for up to 72 h) is applied.
//!
//! No tenant authentication: TikTok calls this route; the signature is the
//! credential. Logs carry the event name and short hashes of TikTok ids.

pub mod apply;
pub mod config;
pub mod deliveries;
pub mod event;

use std::sync::Arc;
use std::time::SystemTime;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, Response};
use shared::{
    account::TokenKeeper,
    aws::Aws,
    emf::Metrics,
    http_surface::{json_response, raw_path, segments, ApiError, ApiResult, Cors, ErrorCode, Exchange},
    vault::SecretCache,
};
use tiktok::webhook::{verify, SignatureError, WebhookEvent, SIGNATURE_HEADER};
use tiktok::{TikTokClient, TikTokError};
use tracing::Instrument;

use crate::apply::{apply, Applied};
use crate::config::WebhooksConfig;
use crate::deliveries::{delivery_hash, DeliveryLog};
use crate::event::{event_label, Event};

/// TikTok's bodies are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub const METRIC_APPLIED: &str = "WebhookApplied";
pub const METRIC_DUPLICATE: &str = "WebhookDuplicate";
pub const METRIC_REJECTED: &str = "WebhookRejected";

/// What the handler needs, built once at init.
pub struct Deps {
    pub config: WebhooksConfig,
    /// Accounts, posts and the cached app secret (the signing key). Its
    /// TikTok client is never called here.
    pub keeper: TokenKeeper,
    pub deliveries: DeliveryLog,
    pub metrics: Metrics,
}

impl Deps {
    pub fn new(config: WebhooksConfig, aws: &Aws, metrics: Metrics) -> Result<Self, TikTokError> {
        let dynamodb = aws.dynamodb();
        let table = &config.stack.table_name;
        let client = TikTokClient::new(config.tiktok.clone())?;
        let secrets = Arc::new(SecretCache::for_stack(aws.secrets(), &config.stack));
        Ok(Self {
            keeper: TokenKeeper::new(&dynamodb, table, secrets, client, "webhook"),
            deliveries: DeliveryLog::new(dynamodb.clone(), table),
            metrics,
            config,
        })
    }
}

/// Routes one request. Every outcome is a response; `Err` is left for the
/// runtime's own failures. No browser calls this route: no CORS origin is allowed.
pub async fn handle(request: Request, deps: &Deps) -> Result<Response<Body>, Error> {
    let exchange = Exchange::start(&request);
    let span = tracing::info_span!("webhook", request_id = %exchange.request_id);
    let response = exchange.outcome(route(&request, deps).instrument(span).await);
    Ok(exchange.finish(&Cors::default(), response))
}

async fn route(request: &Request, deps: &Deps) -> ApiResult {
    let path = raw_path(request);
    match (request.method().as_str(), segments(&path).as_slice()) {
        ("POST", ["webhooks", "tiktok"]) => receive(request, deps).await,
        (_, ["webhooks", "tiktok"]) => Err(ApiError::method_not_allowed("POST")),
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such route")),
    }
}

/// Why a delivery is refused. Messages are fixed: nothing of the request is echoed.
#[derive(Debug)]
enum Rejection {
    TooLarge,
    Signature(SignatureError),
    ForeignApp,
    Unusable(&'static str),
}

impl Rejection {
    fn reason(&self) -> &'static str {
        match self {
            Rejection::TooLarge => "too_large",
            Rejection::Signature(SignatureError::Missing) => "signature_missing",
            Rejection::Signature(SignatureError::Malformed(_)) => "signature_malformed",
            Rejection::Signature(SignatureError::Mismatch) => "signature_mismatch",
            Rejection::Signature(SignatureError::Stale { .. }) => "signature_stale",
            Rejection::ForeignApp => "client_key",
            Rejection::Unusable(_) => "unusable",
        }
    }

    fn into_error(self, deps: &Deps) -> ApiError {
        let reason = self.reason();
        match &self {
            // The signature error names which check failed, never the header's content.
            Rejection::Signature(e) => tracing::warn!(reason, error = %e, "webhook refused"),
            Rejection::Unusable(why) => tracing::warn!(reason, why, "webhook refused"),
            _ => tracing::warn!(reason, "webhook refused"),
        }
        deps.metrics.count(METRIC_REJECTED, 1, &[("Reason", reason)]);
        match self {
            Rejection::TooLarge => ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("a webhook body may hold at most {MAX_BODY_BYTES} bytes"),
            ),
            Rejection::Signature(_) => ApiError::new(
                ErrorCode::Unauthorized,
                "the TikTok-Signature is missing, invalid or outside the time window",
            ),
            Rejection::ForeignApp => ApiError::new(ErrorCode::Unauthorized, "the webhook is for another app"),
            Rejection::Unusable(_) => ApiError::bad_request("the body is not a TikTok webhook event"),
        }
    }
}

/// A failure of ours: logged with its detail, answered 500 so TikTok retries.
fn infrastructure(e: &dyn std::error::Error) -> ApiError {
    tracing::error!(error = %e, "webhook not applied");
    ApiError::new(ErrorCode::Internal, "the webhook could not be applied; it will be retried")
}

fn raw_body(request: &Request) -> &[u8] {
    match request.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

async fn receive(request: &Request, deps: &Deps) -> ApiResult {
    let body = raw_body(request);
    let (delivery, event) = authenticate(request, body, deps).await?;
    let label = event_label(&delivery.event);
    let hash = delivery_hash(body);
    if deps.deliveries.applied(&hash).await.map_err(|e| infrastructure(&e))? {
        tracing::info!(event = label, "duplicate delivery");
        deps.metrics.count(METRIC_DUPLICATE, 1, &[("Event", label)]);
        return Ok(acknowledged());
    }
    if event == Event::Other {
        tracing::info!(name = %printable(&delivery.event), "event not acted on");
    }
    let applied = apply(deps, &event).await.map_err(|e| infrastructure(&e))?;
    if !deps.deliveries.mark_applied(&hash, label).await.map_err(|e| infrastructure(&e))? {
        tracing::info!(event = label, "a copy of this delivery was applied at the same time");
    }
    record(deps, label, &applied);
    Ok(acknowledged())
}

/// Size, signature, app and shape, in that order: nothing is parsed before
/// the signature verifies.
async fn authenticate(
    request: &Request,
    body: &[u8],
    deps: &Deps,
) -> Result<(WebhookEvent, Event), ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Rejection::TooLarge.into_error(deps));
    }
    let secret = deps.keeper.secrets.get().await.map_err(|e| infrastructure(&e))?;
    let header = request.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    verify(header, body, &secret.credentials.client_secret, SystemTime::now(), deps.config.tolerance)
        .map_err(|e| Rejection::Signature(e).into_error(deps))?;
    let delivery: WebhookEvent = serde_json::from_slice(body)
        .map_err(|_| Rejection::Unusable("not the webhook envelope").into_error(deps))?;
    if delivery.client_key != secret.credentials.client_key.0 {
        return Err(Rejection::ForeignApp.into_error(deps));
    }
    let event = Event::parse(&delivery).map_err(|e| Rejection::Unusable(e.0).into_error(deps))?;
    Ok((delivery, event))
}

fn record(deps: &Deps, label: &'static str, applied: &Applied) {
    let outcome = applied.outcome();
    tracing::info!(event = label, outcome, "webhook applied");
    deps.metrics.count(METRIC_APPLIED, 1, &[("Event", label), ("Outcome", outcome)]);
}

/// An unknown event's name for the log: TikTok's `[a-z0-9._]` only, bounded.
fn printable(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_'))
        .take(64)
        .collect()
}

fn acknowledged() -> Response<Body> {
    json_response(StatusCode::OK, &serde_json::json!({}))
}
