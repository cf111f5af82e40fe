//! The admin API under `/_sandbox/`: faults, call counters, the ledger, settings, the clock,
//! account revocation, reset, and the seeded data. Documented in the crate README.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::Settings;
use crate::faults::FaultSpec;
use crate::oauth;
use crate::state::Shared;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/_sandbox/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/_sandbox/calls", get(calls).delete(clear_calls))
        .route("/_sandbox/ledger", get(ledger))
        .route("/_sandbox/posts", get(posts))
        .route("/_sandbox/faults", get(faults).post(add_faults).delete(clear_faults))
        .route("/_sandbox/accounts/{account}/revoke", post(revoke))
        .route("/_sandbox/accounts/{account}/expire", post(expire))
        .route("/_sandbox/settings", get(settings).patch(patch_settings).put(patch_settings))
        .route("/_sandbox/clock/advance", post(advance_clock))
        .route("/_sandbox/webhooks", get(webhooks))
        .route("/_sandbox/credentials", get(credentials))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/creators", get(creators))
        .route("/_sandbox/dataset", get(dataset))
}

fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message.into()}))).into_response()
}

async fn calls(State(state): State<Shared>) -> Json<Value> {
    Json(json!(state.store().calls))
}

async fn clear_calls(State(state): State<Shared>) -> StatusCode {
    state.store().calls.clear();
    StatusCode::NO_CONTENT
}

async fn ledger(State(state): State<Shared>) -> Json<Value> {
    Json(json!({"posts": state.store().ledger}))
}

async fn posts(State(state): State<Shared>) -> Json<Value> {
    let store = state.store();
    let mut posts: Vec<Value> = store
        .posts
        .values()
        .map(|p| {
            json!({
                "publish_id": p.publish_id,
                "open_id": p.open_id,
                "status": p.status.as_str(),
                "fail_reason": p.fail_reason,
                "uploaded_bytes": p.uploaded_bytes,
                "downloaded_bytes": p.downloaded_bytes,
                "created_at_ms": p.created_at_ms,
            })
        })
        .collect();
    posts.sort_by_key(|p| p["created_at_ms"].as_i64());
    Json(json!({"posts": posts}))
}

async fn faults(State(state): State<Shared>) -> Json<Value> {
    Json(json!({"faults": state.faults().rules}))
}

/// One fault spec or an array of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(FaultSpec),
    Many(Vec<FaultSpec>),
}

async fn add_faults(
    State(state): State<Shared>,
    body: Result<Json<OneOrMany>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let specs = match body {
        Ok(Json(OneOrMany::One(spec))) => vec![spec],
        Ok(Json(OneOrMany::Many(specs))) => specs,
        Err(e) => return bad_request(e.body_text()),
    };
    let mut faults = state.faults();
    for spec in specs {
        if let Err(e) = faults.add(spec) {
            return bad_request(e);
        }
    }
    (StatusCode::CREATED, Json(json!({"faults": faults.rules}))).into_response()
}

async fn clear_faults(State(state): State<Shared>, Query(q): Query<HashMap<String, String>>) -> StatusCode {
    state.faults().clear(q.get("endpoint").map(String::as_str), q.get("open_id").map(String::as_str));
    StatusCode::NO_CONTENT
}

#[derive(Deserialize, Default)]
struct RevokeBody {
    reason: Option<u32>,
}

/// `account` is an open_id or a sandbox username.
async fn revoke(
    State(state): State<Shared>,
    Path(account): Path<String>,
    body: Option<Json<RevokeBody>>,
) -> Response {
    let creator =
        state.dataset.creator_by_open_id(&account).or_else(|| state.dataset.creator_by_username(&account));
    let Some(creator) = creator else { return bad_request("unknown account") };
    let reason = body.and_then(|Json(b)| b.reason).unwrap_or(1);
    let revoked = oauth::revoke_account(&state, &creator.open_id, reason);
    Json(json!({"open_id": creator.open_id, "revoked_tokens": revoked})).into_response()
}

/// Expires the account's access tokens now (its refresh tokens keep working), as TikTok's
/// own expiry would: one creator's token runs out without moving the shared clock.
async fn expire(State(state): State<Shared>, Path(account): Path<String>) -> Response {
    let creator =
        state.dataset.creator_by_open_id(&account).or_else(|| state.dataset.creator_by_username(&account));
    let Some(creator) = creator else { return bad_request("unknown account") };
    let now = state.now_ms();
    let mut store = state.store();
    let mut expired = 0;
    for token in store.access.values_mut().filter(|a| a.open_id.as_deref() == Some(creator.open_id.as_str()))
    {
        token.expires_at_ms = token.expires_at_ms.min(now - 1);
        expired += 1;
    }
    Json(json!({"open_id": creator.open_id, "expired_tokens": expired})).into_response()
}

async fn settings(State(state): State<Shared>) -> Json<Settings> {
    Json(state.settings())
}

/// Merges the given keys into the current settings.
async fn patch_settings(State(state): State<Shared>, Json(patch): Json<Value>) -> Response {
    let Value::Object(patch) = patch else { return bad_request("settings patch must be an object") };
    let mut current = json!(state.settings());
    if let Value::Object(map) = &mut current {
        map.extend(patch);
    }
    match serde_json::from_value::<Settings>(current) {
        Ok(settings) => {
            state.set_settings(settings.clone());
            Json(settings).into_response()
        }
        Err(e) => bad_request(e.to_string()),
    }
}

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance_clock(State(state): State<Shared>, Json(body): Json<Advance>) -> Json<Value> {
    let offset_ms = state.advance_clock(body.seconds);
    Json(json!({"offset_ms": offset_ms, "now": state.now_secs()}))
}

async fn webhooks(State(state): State<Shared>) -> Json<Value> {
    let log = state.webhook_log.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Json(json!({"deliveries": log}))
}

async fn credentials(State(state): State<Shared>) -> Json<Value> {
    Json(json!({"credentials": state.credentials()}))
}

async fn reset(State(state): State<Shared>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

async fn creators(State(state): State<Shared>) -> Json<Value> {
    Json(json!({"creators": state.dataset.creators}))
}

async fn dataset(State(state): State<Shared>) -> Json<Value> {
    Json(json!(*state.dataset))
}
