//! Research API `POST /v2/research/video/query/`: boolean queries over the public videos of
//! the data set, a ≤ 30-day date window, paging by cursor + search_id, and a daily quota.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::Date;

use crate::auth::authenticate;
use crate::data::Video;
use crate::display::parse_fields;
use crate::envelope::{ok, ApiError};
use crate::posting::parse;
use crate::state::Shared;

const FIELDS: [&str; 11] = [
    "id",
    "video_description",
    "create_time",
    "region_code",
    "view_count",
    "like_count",
    "comment_count",
    "share_count",
    "hashtag_names",
    "username",
    "video_duration",
];
const MAX_WINDOW_DAYS: i64 = 30;
const DAILY_RECORDS: u64 = 100_000;

#[derive(Deserialize, Serialize, Default)]
struct BoolQuery {
    #[serde(default)]
    and: Vec<Condition>,
    #[serde(default)]
    or: Vec<Condition>,
    #[serde(default)]
    not: Vec<Condition>,
}

#[derive(Deserialize, Serialize)]
struct Condition {
    operation: String,
    field_name: String,
    field_values: Vec<String>,
}

#[derive(Deserialize)]
struct QueryBody {
    #[serde(default)]
    query: BoolQuery,
    start_date: String,
    end_date: String,
    max_count: Option<usize>,
    cursor: Option<usize>,
    search_id: Option<String>,
}

pub async fn video_query(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers, Some("research.data.basic"))?;
    let quota = state.settings().research_daily_quota;
    {
        let mut store = state.store();
        let today = state.now_secs().div_euclid(86_400);
        if store.research.day != today {
            store.research = crate::state::ResearchUsage { day: today, ..Default::default() };
        }
        if store.research.requests >= quota || store.research.records >= DAILY_RECORDS {
            return Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "daily quota exhausted",
            ));
        }
        store.research.requests += 1;
    }
    let fields = parse_fields(q.get("fields").map(String::as_str), &FIELDS)?;
    let body: QueryBody = parse(&body)?;
    let (from, to) = window(&body.start_date, &body.end_date)?;
    for c in body.query.and.iter().chain(&body.query.or).chain(&body.query.not) {
        validate(c)?;
    }
    let max_count = body.max_count.unwrap_or(20);
    if !(1..=100).contains(&max_count) {
        return Err(ApiError::invalid_params("max_count must be 1 to 100"));
    }
    let search_id = search_id(&body)?;
    let cursor = body.cursor.unwrap_or(0);
    let matching: Vec<&Video> = state
        .dataset
        .videos
        .iter()
        .filter(|v| !v.private && (from..=to).contains(&v.create_time) && matches(&body.query, v))
        .collect();
    if cursor > matching.len() {
        return Err(ApiError::invalid_params("cursor is beyond the results"));
    }
    let page = &matching[cursor..(cursor + max_count).min(matching.len())];
    state.store().research.records += page.len() as u64;
    let next = cursor + page.len();
    let videos: Vec<Value> = page.iter().map(|v| render(v, &fields)).collect();
    Ok(ok(json!({
        "videos": videos,
        "cursor": next,
        "has_more": next < matching.len(),
        "search_id": search_id,
    })))
}

/// Unix seconds from the start of `start` to the end of `end` (UTC), at most 30 days apart.
fn window(start: &str, end: &str) -> Result<(i64, i64), ApiError> {
    let format = format_description!("[year][month][day]");
    let parse =
        |raw: &str| Date::parse(raw, &format).map_err(|_| ApiError::invalid_params("dates must be YYYYMMDD"));
    let (start, end) = (parse(start)?, parse(end)?);
    let days = (end - start).whole_days();
    if !(0..=MAX_WINDOW_DAYS).contains(&days) {
        return Err(ApiError::invalid_params("end_date must be 0 to 30 days after start_date"));
    }
    let from = start.midnight().assume_utc().unix_timestamp();
    let to = end.midnight().assume_utc().unix_timestamp() + 86_399;
    Ok((from, to))
}

fn validate(c: &Condition) -> Result<(), ApiError> {
    if !matches!(c.operation.as_str(), "EQ" | "IN") {
        return Err(ApiError::invalid_params(format!("unsupported operation {}", c.operation)));
    }
    if !matches!(c.field_name.as_str(), "hashtag_name" | "keyword" | "region_code" | "username" | "video_id")
    {
        return Err(ApiError::invalid_params(format!("unsupported field_name {}", c.field_name)));
    }
    if c.field_values.is_empty() {
        return Err(ApiError::invalid_params("field_values must not be empty"));
    }
    Ok(())
}

fn matches(q: &BoolQuery, v: &Video) -> bool {
    q.and.iter().all(|c| holds(c, v))
        && (q.or.is_empty() || q.or.iter().any(|c| holds(c, v)))
        && !q.not.iter().any(|c| holds(c, v))
}

/// EQ and IN both mean "any of field_values".
fn holds(c: &Condition, v: &Video) -> bool {
    c.field_values.iter().any(|value| match c.field_name.as_str() {
        "hashtag_name" => {
            let tag = value.trim_start_matches('#');
            v.hashtag_names.iter().any(|h| h.eq_ignore_ascii_case(tag))
        }
        "keyword" => v.video_description.to_lowercase().contains(&value.to_lowercase()),
        "region_code" => v.region_code.eq_ignore_ascii_case(value),
        "username" => v.username == *value,
        "video_id" => v.id.to_string() == *value,
        _ => false,
    })
}

/// Identifies a query (not a page): later pages must present the same one.
fn search_id(body: &QueryBody) -> Result<String, ApiError> {
    let canonical = serde_json::to_string(&(&body.query, &body.start_date, &body.end_date))
        .map_err(|_| ApiError::invalid_params("query is not serialisable"))?;
    let id = hex::encode(&Sha256::digest(canonical.as_bytes())[..12]);
    match &body.search_id {
        Some(given) if !given.is_empty() && *given != id => {
            Err(ApiError::invalid_params("search_id does not belong to this query"))
        }
        _ => Ok(id),
    }
}

fn render(video: &Video, fields: &[String]) -> Value {
    let mut out = Map::new();
    for field in fields {
        let value = match field.as_str() {
            "id" => json!(video.id),
            "video_description" => json!(video.video_description),
            "create_time" => json!(video.create_time),
            "region_code" => json!(video.region_code),
            "view_count" => json!(video.view_count),
            "like_count" => json!(video.like_count),
            "comment_count" => json!(video.comment_count),
            "share_count" => json!(video.share_count),
            "hashtag_names" => json!(video.hashtag_names),
            "username" => json!(video.username),
            _ => json!(video.duration),
        };
        out.insert(field.clone(), value);
    }
    Value::Object(out)
}
