//! `GET /accounts`, `GET /accounts/{id}`, `GET /accounts/{id}/creator-info`.

use lambda_http::http::StatusCode;
use serde::Serialize;
use shared::account::{Account, AccountStatus};
use shared::http_surface::{json_response, ApiError, ApiResult, ErrorCode};
use shared::ids::AccountId;
use shared::tenant::TenantId;
use tiktok::PrivacyLevel;

use crate::Deps;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub id: String,
    pub open_id: String,
    pub display_name: String,
    pub avatar_url: String,
    pub scopes: Vec<String>,
    #[schema(value_type = String, example = "ACTIVE")]
    pub status: AccountStatus,
    pub status_reason: Option<String>,
    pub connected_at: String,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            open_id: a.open_id,
            display_name: a.display_name,
            avatar_url: a.avatar_url,
            scopes: a.scopes,
            status: a.status,
            status_reason: a.status_reason,
            connected_at: a.connected_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountList {
    pub accounts: Vec<AccountView>,
}

/// What a posting form needs; privacy has no default on purpose (TikTok's audit rule).
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatorInfoView {
    pub nickname: String,
    pub username: String,
    pub avatar_url: String,
    #[schema(value_type = Vec<String>)]
    pub privacy_level_options: Vec<PrivacyLevel>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub max_video_post_duration_sec: u64,
}

pub async fn owned(deps: &Deps, tenant: &TenantId, raw_id: &str) -> Result<Account, ApiError> {
    let id = AccountId::parse(raw_id)?;
    deps.accounts
        .get_for_tenant(tenant.as_str(), id.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found("account"))
}

/// An account that may take posts and be asked about: `ACTIVE`. A
/// disconnected one (or one TikTok stopped accepting) is a 409 saying so.
pub fn require_active(account: &Account) -> Result<(), ApiError> {
    if account.status == AccountStatus::Active {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::Conflict,
        format!(
            "the account is {}; connect it again before scheduling posts for it",
            account.status.as_str()
        ),
    ))
}

#[utoipa::path(get, path = "/accounts", tag = "accounts",
    responses((status = 200, body = AccountList), (status = 401, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(deps: &Deps, tenant: &TenantId) -> ApiResult {
    let accounts = deps.accounts.list(tenant.as_str()).await?;
    Ok(json_response(
        StatusCode::OK,
        &AccountList { accounts: accounts.into_iter().map(Into::into).collect() },
    ))
}

#[utoipa::path(get, path = "/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 400, body = crate::openapi::ErrorBody),
        (status = 404, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(deps: &Deps, tenant: &TenantId, raw_id: &str) -> ApiResult {
    let account = owned(deps, tenant, raw_id).await?;
    Ok(json_response(StatusCode::OK, &AccountView::from(account)))
}

#[utoipa::path(get, path = "/accounts/{id}/creator-info", tag = "accounts", params(("id" = String, Path)),
    responses((status = 429, body = crate::openapi::ErrorBody, description = "too many writes for this tenant this minute; see retry-after"), (status = 200, body = CreatorInfoView), (status = 404, body = crate::openapi::ErrorBody),
        (status = 409, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn creator_info(deps: &Deps, tenant: &TenantId, raw_id: &str) -> ApiResult {
    deps.admit_write(tenant).await?;
    let account = owned(deps, tenant, raw_id).await?;
    require_active(&account)?;
    let info = deps.creators.get(deps, &account).await?;
    Ok(json_response(
        StatusCode::OK,
        &CreatorInfoView {
            nickname: info.creator_nickname,
            username: info.creator_username,
            avatar_url: info.creator_avatar_url,
            privacy_level_options: info.privacy_level_options,
            comment_disabled: info.comment_disabled,
            duet_disabled: info.duet_disabled,
            stitch_disabled: info.stitch_disabled,
            max_video_post_duration_sec: info.max_video_post_duration_sec,
        },
    ))
}
