//! `POST /media` (an upload slot for a server-generated key) and
//! `GET /media/{id}` (settles the upload: HeadObject, then the pre-flight probe).

use std::time::Duration;

use lambda_http::{http::StatusCode, Request};
use serde::{Deserialize, Serialize};
use shared::{
    http_surface::json_response,
    media::{
        check::settle_upload,
        probe::MediaFacts,
        store::{MediaItem, MediaStatus, MediaStore, UploadSlot},
        ContentType, MediaId, MediaKind,
    },
    tenant::TenantId,
};

use shared::http_surface::{json_body, ApiError, ApiResult};

use crate::Deps;

/// `POST /media` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMedia {
    #[schema(value_type = String, pattern = "^(video|photo)$", example = "video")]
    kind: MediaKind,
    /// video/mp4, video/quicktime, video/webm (a video), image/jpeg or
    /// image/webp (a photo).
    #[schema(pattern = "^(video/mp4|video/quicktime|video/webm|image/jpeg|image/webp)$")]
    content_type: String,
    /// At most 4 GiB for a video, 20 MiB for a photo.
    #[schema(minimum = 1, maximum = 4294967296_u64)]
    size_bytes: u64,
    /// Lower-case hex SHA-256; bound into the upload signature when given.
    #[serde(default)]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    sha256: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MediaView<'a> {
    media_id: String,
    #[schema(value_type = String)]
    kind: MediaKind,
    content_type: &'static str,
    #[schema(value_type = String, example = "READY")]
    status: MediaStatus,
    declared_size_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    facts: Option<&'a MediaFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    upload: Option<UploadSlot>,
}

impl<'a> MediaView<'a> {
    fn of(item: &'a MediaItem, upload: Option<UploadSlot>) -> Self {
        Self {
            media_id: item.id.to_string(),
            kind: item.kind,
            content_type: item.content_type.as_str(),
            status: item.status,
            declared_size_bytes: item.declared_size,
            size_bytes: item.size,
            facts: item.facts.as_ref(),
            reason: item.reason.as_deref(),
            upload,
        }
    }
}

/// A slot request's content type, size and optional digest, checked. Pure:
/// the fuzz targets drive it too.
pub fn validate(new: NewMedia) -> Result<(ContentType, u64, Option<String>), ApiError> {
    let content_type = ContentType::parse(&new.content_type).ok_or_else(|| {
        let allowed: Vec<_> = ContentType::ALL.iter().map(|c| c.as_str()).collect();
        ApiError::bad_request(format!("content_type must be one of {}", allowed.join(", ")))
    })?;
    if content_type.kind() != new.kind {
        return Err(ApiError::bad_request(format!(
            "content_type {} does not fit kind {:?}",
            content_type.as_str(),
            new.kind
        )));
    }
    let max = new.kind.max_bytes();
    if new.size_bytes == 0 || new.size_bytes > max {
        return Err(ApiError::bad_request(format!(
            "size_bytes {} is outside 1..={max} for a {:?}",
            new.size_bytes, new.kind
        )));
    }
    let sha256 = match new.sha256 {
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => {
            Some(h)
        }
        Some(_) => return Err(ApiError::bad_request("sha256 must be 64 lower-case hex digits")),
        None => None,
    };
    Ok((content_type, new.size_bytes, sha256))
}

#[utoipa::path(post, path = "/media", tag = "media", request_body = NewMedia,
    responses((status = 429, body = crate::openapi::ErrorBody, description = "too many writes for this tenant this minute; see retry-after"), (status = 201, body = MediaView, description = "upload slot: PUT the bytes to upload.url with upload.headers"),
        (status = 400, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(deps: &Deps, tenant: &TenantId, request: &Request) -> ApiResult {
    let (content_type, size, sha256) = validate(json_body(request, deps.config.max_body_bytes)?)?;
    deps.admit_write(tenant).await?;
    let item = MediaStore::new_item(tenant, content_type, size, sha256);
    deps.media.put(&item).await?;
    let slot =
        deps.media.presign_upload(&item, Duration::from_secs(deps.config.upload_url_ttl_seconds)).await?;
    Ok(json_response(StatusCode::CREATED, &MediaView::of(&item, Some(slot))))
}

#[utoipa::path(get, path = "/media/{id}", tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = MediaView, description = "PENDING_UPLOAD, READY with measured facts, or REJECTED with the reason"),
        (status = 400, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(deps: &Deps, tenant: &TenantId, raw_id: &str) -> ApiResult {
    let id = MediaId::parse(raw_id)?;
    let item = deps.media.get(tenant, &id).await?.ok_or_else(|| ApiError::not_found("media"))?;
    let item = settle_upload(&deps.media, item).await?;
    Ok(json_response(StatusCode::OK, &MediaView::of(&item, None)))
}
