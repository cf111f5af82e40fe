//! Content Posting init endpoints: creator_info, direct video init, inbox video init and photo
//! (content) init. Each validates at the edge and creates a `Post`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::{authenticate, authenticate_user};
use crate::chunks::ChunkPlan;
use crate::creators::Creator;
use crate::envelope::{error_with_200, ok, ApiError};
use crate::limits;
use crate::posts::{Post, PostMode, Source, Status};
use crate::pull;
use crate::state::{Sandbox, Shared};

const MAX_PHOTOS: usize = 35;

#[derive(Deserialize, Default)]
struct PostInfo {
    title: Option<String>,
    description: Option<String>,
    privacy_level: Option<String>,
}

#[derive(Deserialize)]
struct SourceInfo {
    source: String,
    video_size: Option<u64>,
    chunk_size: Option<u64>,
    total_chunk_count: Option<u64>,
    video_url: Option<String>,
    photo_images: Option<Vec<String>>,
    photo_cover_index: Option<usize>,
}

#[derive(Deserialize)]
struct InitBody {
    post_info: Option<PostInfo>,
    source_info: SourceInfo,
    media_type: Option<String>,
    post_mode: Option<String>,
}

pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid_params(format!("invalid request body: {e}")))
}

pub async fn creator_info(State(state): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (caller, open_id) = authenticate_user(&state, &headers, "video.publish")?;
    let creator = creator(&state, &open_id)?;
    let now = state.now_ms();
    let mut store = state.store();
    limits::take(&mut store, &caller.token, limits::CREATOR_INFO, now)?;
    // TikTok answers a creator at the daily cap with HTTP 200 and an error in the body.
    if limits::check_daily_cap(&store, &open_id, state.settings().daily_post_cap, now).is_err() {
        return Ok(error_with_200("spam_risk_too_many_posts", "The user has reached the daily post cap."));
    }
    Ok(ok(json!({
        "creator_avatar_url": creator.avatar_url,
        "creator_username": creator.username,
        "creator_nickname": creator.display_name,
        "privacy_level_options": creator.privacy_level_options,
        "comment_disabled": creator.comment_disabled,
        "duet_disabled": creator.duet_disabled,
        "stitch_disabled": creator.stitch_disabled,
        "max_video_post_duration_sec": creator.max_video_post_duration_sec,
    })))
}

pub async fn video_init(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (caller, open_id) = authenticate_user(&state, &headers, "video.publish")?;
    let body: InitBody = parse(&body)?;
    let creator = creator(&state, &open_id)?;
    let info = body.post_info.unwrap_or_default();
    let privacy = checked_privacy(creator, &info)?;
    check_len("title", info.title.as_deref(), 2200)?;
    let source = video_source(&state, &body.source_info)?;
    let caption = info.title.as_deref().map(sha256_hex);
    let draft = Draft { open_id, mode: PostMode::DirectPost, privacy: Some(privacy), caption, photo: false };
    create(&state, &caller.token, draft, source, &body.source_info)
}

pub async fn inbox_init(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (caller, open_id) = authenticate_user(&state, &headers, "video.upload")?;
    let body: InitBody = parse(&body)?;
    let source = video_source(&state, &body.source_info)?;
    let draft = Draft { open_id, mode: PostMode::Inbox, privacy: None, caption: None, photo: false };
    create(&state, &caller.token, draft, source, &body.source_info)
}

pub async fn content_init(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers, None)?;
    let body: InitBody = parse(&body)?;
    let mode = match body.post_mode.as_deref() {
        Some("DIRECT_POST") => PostMode::DirectPost,
        Some("MEDIA_UPLOAD") => PostMode::Inbox,
        _ => return Err(ApiError::invalid_params("post_mode must be DIRECT_POST or MEDIA_UPLOAD")),
    };
    let scope = if mode == PostMode::DirectPost { "video.publish" } else { "video.upload" };
    let (caller, open_id) = authenticate_user(&state, &headers, scope)?;
    if body.media_type.as_deref() != Some("PHOTO") {
        return Err(ApiError::invalid_params("media_type must be PHOTO"));
    }
    let creator = creator(&state, &open_id)?;
    let info = body.post_info.unwrap_or_default();
    let privacy = if mode == PostMode::DirectPost { Some(checked_privacy(creator, &info)?) } else { None };
    check_len("title", info.title.as_deref(), 90)?;
    check_len("description", info.description.as_deref(), 4000)?;
    let src = &body.source_info;
    let images = src.photo_images.as_deref().unwrap_or_default();
    if src.source != "PULL_FROM_URL" || images.is_empty() || images.len() > MAX_PHOTOS {
        return Err(ApiError::invalid_params("source must be PULL_FROM_URL with 1 to 35 photo_images"));
    }
    if src.photo_cover_index.unwrap_or(0) >= images.len() {
        return Err(ApiError::invalid_params("photo_cover_index is out of range"));
    }
    for url in images {
        check_pull_url(&state, url)?;
    }
    // The photo caption is its description (the title is a short heading).
    let caption = info.description.as_deref().or(info.title.as_deref()).map(sha256_hex);
    let draft = Draft { open_id, mode, privacy, caption, photo: true };
    create(&state, &caller.token, draft, Source::PullFromUrl, src)
}

struct Draft {
    open_id: String,
    mode: PostMode,
    privacy: Option<String>,
    caption: Option<String>,
    photo: bool,
}

fn create(
    state: &Shared,
    token: &str,
    draft: Draft,
    source: Source,
    src: &SourceInfo,
) -> Result<Response, ApiError> {
    let now = state.now_ms();
    let settings = state.settings();
    let kind = match (&source, draft.photo, draft.mode) {
        (_, true, _) => "p_pub_url",
        (Source::FileUpload(_), _, PostMode::Inbox) => "v_inbox_file",
        (Source::PullFromUrl, _, PostMode::Inbox) => "v_inbox_url",
        (Source::FileUpload(_), _, _) => "v_pub_file",
        (Source::PullFromUrl, _, _) => "v_pub_url",
    };
    let publish_id = format!("{kind}~v2.{}", ulid::Ulid::new());
    let upload_id = ulid::Ulid::new().to_string();
    {
        let mut store = state.store();
        limits::take(&mut store, token, limits::INIT, now)?;
        match draft.mode {
            PostMode::DirectPost => {
                limits::check_daily_cap(&store, &draft.open_id, settings.daily_post_cap, now)?
            }
            PostMode::Inbox => limits::check_pending_shares(&store, &draft.open_id, now)?,
        }
        let status = if matches!(source, Source::FileUpload(_)) {
            Status::ProcessingUpload
        } else {
            Status::ProcessingDownload
        };
        let post = Post {
            publish_id: publish_id.clone(),
            open_id: draft.open_id,
            photo: draft.photo,
            source: source.clone(),
            mode: draft.mode,
            privacy_level: draft.privacy,
            status,
            fail_reason: None,
            uploaded_bytes: 0,
            downloaded_bytes: 0,
            next_chunk: 0,
            content: Sha256::new(),
            images_sha256: Vec::new(),
            upload_expires_at_ms: now + settings.upload_url_ttl_secs * 1000,
            caption_sha256: draft.caption,
            post_id: None,
            created_at_ms: now,
        };
        store.posts.insert(publish_id.clone(), post);
        if matches!(source, Source::FileUpload(_)) {
            store.uploads.insert(upload_id.clone(), publish_id.clone());
        }
    }
    tracing::info!(%publish_id, "post initiated");
    match source {
        Source::FileUpload(_) => {
            let upload_url = format!("{}/upload/{upload_id}", state.public_url);
            Ok(ok(json!({"publish_id": publish_id, "upload_url": upload_url})))
        }
        Source::PullFromUrl => {
            if draft.photo {
                pull::spawn_photos(state, &publish_id, src.photo_images.clone().unwrap_or_default());
            } else {
                pull::spawn_video(state, &publish_id, src.video_url.clone().unwrap_or_default());
            }
            Ok(ok(json!({"publish_id": publish_id})))
        }
    }
}

fn video_source(state: &Sandbox, src: &SourceInfo) -> Result<Source, ApiError> {
    match src.source.as_str() {
        "FILE_UPLOAD" => {
            let (Some(size), Some(chunk), Some(count)) =
                (src.video_size, src.chunk_size, src.total_chunk_count)
            else {
                return Err(ApiError::invalid_params(
                    "video_size, chunk_size and total_chunk_count are required",
                ));
            };
            ChunkPlan::parse(size, chunk, count).map(Source::FileUpload).map_err(ApiError::invalid_params)
        }
        "PULL_FROM_URL" => {
            let url =
                src.video_url.as_deref().ok_or_else(|| ApiError::invalid_params("video_url is required"))?;
            check_pull_url(state, url)?;
            Ok(Source::PullFromUrl)
        }
        _ => Err(ApiError::invalid_params("source must be FILE_UPLOAD or PULL_FROM_URL")),
    }
}

fn check_pull_url(state: &Sandbox, raw: &str) -> Result<(), ApiError> {
    let url = url::Url::parse(raw).map_err(|_| ApiError::invalid_params("media URL is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::invalid_params("media URL must be http(s)"));
    }
    let prefixes = state.settings().verified_url_prefixes;
    if !prefixes.is_empty() && !prefixes.iter().any(|p| raw.starts_with(p.as_str())) {
        return Err(ApiError::code("url_ownership_unverified", "The URL prefix or domain is not verified."));
    }
    Ok(())
}

fn checked_privacy(creator: &Creator, info: &PostInfo) -> Result<String, ApiError> {
    let level =
        info.privacy_level.as_deref().ok_or_else(|| ApiError::invalid_params("privacy_level is required"))?;
    if !creator.privacy_level_options.contains(&level) {
        return Err(ApiError::code(
            "privacy_level_option_mismatch",
            "privacy_level is not one of the creator's privacy_level_options",
        ));
    }
    Ok(level.to_string())
}

fn check_len(field: &str, value: Option<&str>, max_utf16: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.encode_utf16().count() > max_utf16 => {
            Err(ApiError::invalid_params(format!("{field} is longer than {max_utf16} UTF-16 units")))
        }
        _ => Ok(()),
    }
}

fn creator<'a>(state: &'a Sandbox, open_id: &str) -> Result<&'a Creator, ApiError> {
    state.dataset.creator_by_open_id(open_id).ok_or_else(ApiError::token_invalid)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
