//! `PUT /upload/{id}`: FILE_UPLOAD chunks, in order, each with a `Content-Range` that matches
//! the plan declared at init.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::envelope::{log_id, ApiError};
use crate::posts::{self, Source, Status};
use crate::state::Shared;

const VIDEO_TYPES: [&str; 3] = ["video/mp4", "video/quicktime", "video/webm"];

pub async fn put_chunk(
    State(state): State<Shared>,
    Path(upload_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (publish_id, expected, replay, plan, mut content) = {
        let store = state.store();
        let publish_id = store
            .uploads
            .get(&upload_id)
            .cloned()
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "invalid_params", "no such upload"))?;
        let post = store
            .posts
            .get(&publish_id)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "invalid_params", "no such upload"))?;
        if post.upload_expires_at_ms <= state.now_ms() {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "invalid_file_upload", "upload_url expired"));
        }
        if post.status == Status::Failed {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "invalid_file_upload", "the post is closed"));
        }
        let Source::FileUpload(plan) = post.source else {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "invalid_params", "no such upload"));
        };
        let expected = (post.next_chunk < plan.total_chunk_count).then(|| plan.range(post.next_chunk));
        let replay = post.next_chunk.checked_sub(1).map(|i| plan.range(i));
        (publish_id, expected, replay, plan, post.content.clone())
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !VIDEO_TYPES.iter().any(|t| content_type.starts_with(t)) {
        return Err(ApiError::invalid_file_upload(
            "Content-Type must be video/mp4, video/quicktime or video/webm",
        ));
    }
    let (first, last, total) = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_content_range)
        .ok_or_else(|| ApiError::invalid_file_upload("Content-Range must be bytes FIRST-LAST/TOTAL"))?;
    let range_mismatch = || {
        ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalid_file_upload",
            "range does not match progress",
        )
    };
    if total != plan.video_size {
        return Err(range_mismatch());
    }
    let received = count_body(body, &mut content).await?;
    if received != last - first + 1 {
        return Err(ApiError::invalid_file_upload("body length does not match Content-Range"));
    }
    if Some((first, last)) == expected {
        let complete = {
            let mut store = state.store();
            let Some(post) = store.posts.get_mut(&publish_id) else { return Err(range_mismatch()) };
            // A concurrent PUT of the same chunk may have won meanwhile.
            if post.next_chunk >= plan.total_chunk_count || plan.range(post.next_chunk) != (first, last) {
                return Err(range_mismatch());
            }
            post.uploaded_bytes += received;
            post.next_chunk += 1;
            // The hash so far plus this chunk: chunks are taken strictly in order.
            post.content = content;
            post.next_chunk == plan.total_chunk_count
        };
        if complete {
            posts::start_processing(&state, &publish_id);
        }
        return Ok(chunk_answer(complete));
    }
    // The chunk just accepted, sent again (its answer was lost): same answer, not counted twice.
    if Some((first, last)) == replay {
        return Ok(chunk_answer(expected.is_none()));
    }
    Err(range_mismatch())
}

fn chunk_answer(complete: bool) -> Response {
    let status = if complete { StatusCode::CREATED } else { StatusCode::PARTIAL_CONTENT };
    let body = json!({"data": {}, "error": {"code": "ok", "message": "", "log_id": log_id()}});
    (status, Json(body)).into_response()
}

/// Counts the body's bytes, hashing them into `content`.
async fn count_body(body: Body, content: &mut Sha256) -> Result<u64, ApiError> {
    let mut stream = body.into_data_stream();
    let mut received = 0u64;
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(|_| ApiError::invalid_file_upload("the upload body was cut short"))?;
        received += frame.len() as u64;
        content.update(&frame);
    }
    Ok(received)
}

/// `bytes FIRST-LAST/TOTAL` → (first, last, total).
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let (first, last, total) =
        (first.trim().parse().ok()?, last.trim().parse().ok()?, total.trim().parse().ok()?);
    (first <= last && last < total).then_some((first, last, total))
}

impl ApiError {
    fn invalid_file_upload(message: &str) -> Self {
        ApiError::code("invalid_file_upload", message)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range_parses() {
        assert_eq!(parse_content_range("bytes 0-99/1000"), Some((0, 99, 1000)));
        assert_eq!(parse_content_range("bytes 100-99/1000"), None);
        assert_eq!(parse_content_range("0-99/1000"), None);
    }
}
