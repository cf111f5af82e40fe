//! `GET /posts?account_id=&status=&from=&to=&limit=&cursor=`: a page of the
//! tenant's posts by a Query on the owner index. Every parameter is checked
//! before the query: times within the table's years and in order, known
//! statuses, a cursor this API sealed for this tenant and query
//! (`shared::post::cursor`).

use foundation::time_format::parse_client_instant;
use foundation::time_format::rfc3339;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{http::StatusCode, Request, RequestExt};
use serde::Serialize;
use shared::http_surface::{json_response, ApiError, ApiResult};
use shared::ids::AccountId;
use shared::post::store::PostQuery;
use shared::post::{cursor, PostStatus};
use shared::tenant::TenantId;
use time::OffsetDateTime;

use crate::post_view::PostView;
use crate::Deps;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PostPageView {
    pub posts: Vec<PostView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A time bound: RFC 3339, within the years the table's keys can hold.
pub fn time_param(name: &str, raw: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    raw.map(|r| {
        parse_client_instant(r).ok_or_else(|| {
            ApiError::bad_request(format!("{name} must be an RFC 3339 time between the years 1970 and 9999"))
        })
    })
    .transpose()
}

/// The status filter: known statuses, each once, so the `IN` list stays
/// within DynamoDB's 100 operands whatever the query repeats.
pub fn status_param(raw: Option<&str>) -> Result<Vec<PostStatus>, ApiError> {
    let mut statuses = Vec::new();
    for s in raw.map(|r| r.split(',')).into_iter().flatten() {
        let status =
            PostStatus::parse(s).ok_or_else(|| ApiError::bad_request(format!("unknown status {s:?}")))?;
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    Ok(statuses)
}

/// The listing's query from its parameters: unknown ones refused, each
/// checked. Pure: the fuzz targets drive it too.
pub fn query(params: &QueryMap) -> Result<PostQuery, ApiError> {
    let known = ["account_id", "status", "from", "to", "limit", "cursor"];
    if let Some((unknown, _)) = params.iter().find(|(k, _)| !known.contains(k)) {
        return Err(ApiError::bad_request(format!("unknown query parameter {unknown:?}")));
    }
    let account_id = params.first("account_id").map(AccountId::parse).transpose()?.map(String::from);
    let statuses = status_param(params.first("status"))?;
    let from = time_param("from", params.first("from"))?;
    let to = time_param("to", params.first("to"))?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(ApiError::bad_request("from must not be later than to"));
        }
    }
    let (from, to) = (from.map(rfc3339), to.map(rfc3339));
    let limit = match params.first("limit") {
        None => 50,
        Some(raw) => raw
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be within 1..=100"))?,
    };
    Ok(PostQuery { account_id, statuses, from, to, limit })
}

#[utoipa::path(get, path = "/posts", tag = "posts",
    params(("account_id" = Option<String>, Query, pattern = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$"),
        ("status" = Option<String>, Query, description = "comma-separated statuses",
            pattern = "^(SCHEDULED|QUEUED|PUBLISHING|INITIATING|UPLOADING|PROCESSING|RETRY_WAIT|PUBLISHED|INBOX_DELIVERED|FAILED|CANCELLED|HELD|NEEDS_ATTENTION)(,(SCHEDULED|QUEUED|PUBLISHING|INITIATING|UPLOADING|PROCESSING|RETRY_WAIT|PUBLISHED|INBOX_DELIVERED|FAILED|CANCELLED|HELD|NEEDS_ATTENTION))*$"),
        ("from" = Option<String>, Query, format = DateTime), ("to" = Option<String>, Query, format = DateTime),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = PostPageView), (status = 400, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(deps: &Deps, tenant: &TenantId, request: &Request) -> ApiResult {
    let params = request.query_string_parameters();
    let q = query(&params)?;
    let ring = &deps.keeper.secrets.get().await.map_err(crate::secret_error)?.ring;
    let start = match params.first("cursor") {
        None => None,
        Some(raw) => Some(
            cursor::open(ring, tenant.as_str(), &q, raw)
                .ok_or_else(|| ApiError::bad_request("cursor is not one this API issued for this query"))?,
        ),
    };
    let page = deps.posts.list(tenant.as_str(), &q, start).await?;
    Ok(json_response(
        StatusCode::OK,
        &PostPageView {
            posts: page.posts.into_iter().map(Into::into).collect(),
            next_cursor: page.next.as_ref().and_then(|key| cursor::seal(ring, tenant.as_str(), &q, key)),
        },
    ))
}
