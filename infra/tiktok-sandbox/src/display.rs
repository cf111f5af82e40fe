//! Display API `POST /v2/video/list/`: the connected creator's own videos, newest first,
//! paged by a create-time cursor in milliseconds.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::auth::authenticate_user;
use crate::data::Video;
use crate::envelope::{ok, ApiError};
use crate::limits;
use crate::posting::parse;
use crate::state::Shared;

const FIELDS: [&str; 14] = [
    "id",
    "create_time",
    "title",
    "video_description",
    "duration",
    "view_count",
    "like_count",
    "comment_count",
    "share_count",
    "cover_image_url",
    "share_url",
    "embed_link",
    "height",
    "width",
];

#[derive(Deserialize, Default)]
struct ListBody {
    cursor: Option<i64>,
    max_count: Option<usize>,
}

pub async fn video_list(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (caller, open_id) = authenticate_user(&state, &headers, "video.list")?;
    limits::take(&mut state.store(), &caller.token, limits::VIDEO_LIST, state.now_ms())?;
    let fields = parse_fields(q.get("fields").map(String::as_str), &FIELDS)?;
    let body: ListBody =
        if body.iter().all(u8::is_ascii_whitespace) { ListBody::default() } else { parse(&body)? };
    let max_count = body.max_count.unwrap_or(10);
    if !(1..=20).contains(&max_count) {
        return Err(ApiError::invalid_params("max_count must be 1 to 20"));
    }
    let creator = state.dataset.creator_by_open_id(&open_id).ok_or_else(ApiError::token_invalid)?;
    // The data set is sorted by create_time ascending; newest first here.
    let mut own = state
        .dataset
        .videos
        .iter()
        .rev()
        .filter(|v| v.username == creator.username)
        .filter(|v| body.cursor.is_none_or(|c| v.create_time * 1000 < c));
    let page: Vec<&Video> = own.by_ref().take(max_count).collect();
    let has_more = own.next().is_some();
    let cursor = page.last().map(|v| v.create_time * 1000).or(body.cursor).unwrap_or(0);
    let videos: Vec<Value> = page.iter().map(|v| render(v, &fields)).collect();
    Ok(ok(json!({"videos": videos, "cursor": cursor, "has_more": has_more})))
}

fn render(video: &Video, fields: &[String]) -> Value {
    let mut out = Map::new();
    for field in fields {
        let value = match field.as_str() {
            "id" => json!(video.id.to_string()),
            "create_time" => json!(video.create_time),
            "title" => json!(video.title),
            "video_description" => json!(video.video_description),
            "duration" => json!(video.duration),
            "view_count" => json!(video.view_count),
            "like_count" => json!(video.like_count),
            "comment_count" => json!(video.comment_count),
            "share_count" => json!(video.share_count),
            "cover_image_url" => {
                json!(format!("https://p16-sign.tiktokcdn.com/sandbox/cover/{}.jpeg", video.id))
            }
            "share_url" => json!(format!("https://www.tiktok.com/@{}/video/{}", video.username, video.id)),
            "embed_link" => json!(format!("https://www.tiktok.com/player/v1/{}", video.id)),
            "height" => json!(1920),
            _ => json!(1080),
        };
        out.insert(field.clone(), value);
    }
    Value::Object(out)
}

/// `fields=a,b,c`: required, every name known.
pub fn parse_fields(raw: Option<&str>, known: &[&str]) -> Result<Vec<String>, ApiError> {
    let raw =
        raw.filter(|r| !r.trim().is_empty()).ok_or_else(|| ApiError::invalid_params("fields is required"))?;
    raw.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| {
            if known.contains(&f) {
                Ok(f.to_string())
            } else {
                Err(ApiError::invalid_params(format!("unknown field {f}")))
            }
        })
        .collect()
}
