//! `DELETE /accounts/{id}`: the tenant disconnects one of its accounts —
//! revoked at TikTok, tokens deleted, scheduled posts held — through
//! `shared::account::disconnect`, the path `authorization.removed` webhooks
//! take too. Repeating it answers the same and revokes nothing twice.

use lambda_http::http::StatusCode;
use serde::Serialize;
use shared::account::{disconnect, DisconnectCause, DisconnectError};
use shared::http_surface::{json_response, ApiError, ApiResult, ErrorCode};
use shared::tenant::TenantId;

use crate::Deps;

#[derive(Serialize)]
struct DisconnectedView<'a> {
    id: &'a str,
    status: &'static str,
    revoked: bool,
    held_posts: usize,
}

pub async fn delete_account(raw_id: &str, tenant: &TenantId, deps: &Deps) -> ApiResult {
    let id = ulid::Ulid::from_string(raw_id)
        .map_err(|_| ApiError::bad_request("not an account id (expected a 26-character ULID)"))?
        .to_string();
    let account = deps
        .keeper
        .accounts
        .get_for_tenant(tenant.as_str(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let done = disconnect(&deps.keeper, &account, DisconnectCause::Tenant).await.map_err(|e| {
        tracing::error!(account = %account.id, error = %e, retryable = e.is_retryable(), "disconnect failed");
        disconnect_error(&e)
    })?;
    let view = DisconnectedView {
        id: &done.account_id,
        status: "DISCONNECTED",
        revoked: done.revoked,
        held_posts: done.held_posts,
    };
    Ok(json_response(StatusCode::OK, &view))
}

fn disconnect_error(e: &DisconnectError) -> ApiError {
    match e {
        DisconnectError::Vault(_) => ApiError::new(
            ErrorCode::Internal,
            "the account's stored token cannot be decrypted, so it cannot be revoked; nothing was changed",
        ),
        DisconnectError::Revoke(_) if !e.is_retryable() => {
            ApiError::new(ErrorCode::Internal, "TikTok refused to revoke the token; nothing was changed")
        }
        _ if e.is_retryable() => {
            ApiError::new(ErrorCode::Unavailable, "the disconnect did not complete; retry later")
        }
        _ => ApiError::new(ErrorCode::Internal, "internal error"),
    }
}
