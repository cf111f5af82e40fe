//! `GET /posts?account_id=&status=&from=&to=&limit=&cursor=`: a page of the
//! tenant's posts by a Query on the owner index. The cursor is the page's
//! last key, encoded; one from another tenant is refused.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use foundation::time_format::rfc3339;
use lambda_http::{http::StatusCode, Request, RequestExt};
use serde::Serialize;
use shared::http_surface::{json_response, ApiError, ApiResult};
use shared::ids::AccountId;
use shared::post::store::PostQuery;
use shared::post::PostStatus;
use shared::schema;
use shared::tenant::TenantId;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

use crate::post_view::PostView;
use crate::Deps;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PostPageView {
    pub posts: Vec<PostView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

const CURSOR_KEYS: [&str; 4] = [schema::PK, schema::SK, schema::GSI_BY_OWNER_PK, schema::GSI_BY_OWNER_SK];

fn encode_cursor(key: &HashMap<String, AttributeValue>) -> Option<String> {
    let map: HashMap<&str, &str> = CURSOR_KEYS
        .iter()
        .filter_map(|k| key.get(*k).and_then(|v| v.as_s().ok()).map(|v| (*k, v.as_str())))
        .collect();
    serde_json::to_vec(&map).ok().map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
}

fn decode_cursor(raw: &str, tenant: &TenantId) -> Result<HashMap<String, AttributeValue>, ApiError> {
    let bad = || ApiError::bad_request("cursor is not one this API issued");
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let map: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if map.len() != CURSOR_KEYS.len() || CURSOR_KEYS.iter().any(|k| !map.contains_key(*k)) {
        return Err(bad());
    }
    if map[schema::GSI_BY_OWNER_PK] != schema::keys::posts_of(tenant.as_str())
        || !map[schema::PK].starts_with(&schema::keys::posts_prefix(tenant.as_str()))
    {
        return Err(bad());
    }
    Ok(map.into_iter().map(|(k, v)| (k, AttributeValue::S(v))).collect())
}

fn time_param(name: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    raw.map(|r| {
        OffsetDateTime::parse(r, &Rfc3339)
            .map(rfc3339)
            .map_err(|_| ApiError::bad_request(format!("{name} must be an RFC 3339 time")))
    })
    .transpose()
}

#[utoipa::path(get, path = "/posts", tag = "posts",
    params(("account_id" = Option<String>, Query), ("status" = Option<String>, Query, description = "comma-separated"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query), ("limit" = Option<u32>, Query),
        ("cursor" = Option<String>, Query)),
    responses((status = 200, body = PostPageView), (status = 400, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(deps: &Deps, tenant: &TenantId, request: &Request) -> ApiResult {
    let params = request.query_string_parameters();
    let known = ["account_id", "status", "from", "to", "limit", "cursor"];
    if let Some((unknown, _)) = params.iter().find(|(k, _)| !known.contains(k)) {
        return Err(ApiError::bad_request(format!("unknown query parameter {unknown:?}")));
    }
    let account_id = params.first("account_id").map(AccountId::parse).transpose()?.map(String::from);
    let statuses = match params.first("status") {
        None => vec![],
        Some(raw) => raw
            .split(',')
            .map(|s| {
                PostStatus::parse(s).ok_or_else(|| ApiError::bad_request(format!("unknown status {s:?}")))
            })
            .collect::<Result<_, _>>()?,
    };
    let from = time_param("from", params.first("from"))?;
    let to = time_param("to", params.first("to"))?;
    let limit = match params.first("limit") {
        None => 50,
        Some(raw) => raw
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be within 1..=100"))?,
    };
    let start = params.first("cursor").map(|c| decode_cursor(c, tenant)).transpose()?;
    let q = PostQuery { account_id, statuses, from, to, limit };
    let page = deps.posts.list(tenant.as_str(), &q, start).await?;
    Ok(json_response(
        StatusCode::OK,
        &PostPageView {
            posts: page.posts.into_iter().map(Into::into).collect(),
            next_cursor: page.next.as_ref().and_then(encode_cursor),
        },
    ))
}
