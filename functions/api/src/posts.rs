//! Posts: create (idempotent), read, list, edit or reschedule, cancel.
//! Every rule is in `shared::post::intake`; status moves go through the
//! state machine's store.

use foundation::time_format::rfc3339;
use lambda_http::{http::StatusCode, Request};
use serde::{Deserialize, Serialize};
use shared::http_surface::openapi::UlidText;
use shared::http_surface::{body_bytes, json_body, json_response, ApiError, ApiResult, ErrorCode};
use shared::ids::{AccountId, MediaId, PostId};
use shared::media::store::MediaItem;
use shared::post::idempotency::{request_hash, Created, IdempotencyKey};
use shared::post::intake::{self, CreatorChoice, CreatorRules, IntakeError, ScheduleWindow};
use shared::post::{
    HistoryEntry, Post, PostKind, PostMode, PostSettings, PostStatus, Transition, TransitionError,
};
use shared::tenant::TenantId;
use time::OffsetDateTime;

use crate::post_view::PostView;
use crate::Deps;

/// `POST /posts` body.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    #[schema(pattern = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$")]
    pub account_id: String,
    #[schema(value_type = String, pattern = "^(video|photo)$", example = "video")]
    pub kind: PostKind,
    /// One video, or 1–35 photos in order.
    #[schema(min_items = 1, max_items = 35, inline, value_type = Vec<UlidText>)]
    pub media_ids: Vec<String>,
    /// Video caption (≤ 2200 UTF-16 units) or photo title (≤ 90).
    #[serde(default)]
    #[schema(max_length = 2200)]
    pub caption: String,
    /// Photo description (≤ 4000 UTF-16 units).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// One of the creator's current `privacy_level_options`; no default.
    #[schema(pattern = "^(PUBLIC_TO_EVERYONE|MUTUAL_FOLLOW_FRIENDS|FOLLOWER_OF_CREATOR|SELF_ONLY)$")]
    pub privacy_level: String,
    #[serde(default)]
    pub disable_comment: bool,
    #[serde(default)]
    pub disable_duet: bool,
    #[serde(default)]
    pub disable_stitch: bool,
    #[serde(default)]
    pub brand_content_toggle: bool,
    #[serde(default)]
    pub brand_organic_toggle: bool,
    #[serde(default)]
    pub is_aigc: bool,
    #[schema(value_type = String, pattern = "^(DIRECT_POST|MEDIA_UPLOAD)$", example = "DIRECT_POST")]
    pub post_mode: PostMode,
    /// RFC 3339, in the future.
    #[schema(format = DateTime)]
    pub scheduled_at: String,
}

impl NewPost {
    /// The post's settings and its requested due time.
    pub fn into_settings(self) -> (PostSettings, String) {
        let settings = PostSettings {
            kind: self.kind,
            post_mode: self.post_mode,
            media_ids: self.media_ids,
            caption: self.caption,
            description: self.description,
            privacy_level: self.privacy_level,
            disable_comment: self.disable_comment,
            disable_duet: self.disable_duet,
            disable_stitch: self.disable_stitch,
            brand_content_toggle: self.brand_content_toggle,
            brand_organic_toggle: self.brand_organic_toggle,
            is_aigc: self.is_aigc,
        };
        (settings, self.scheduled_at)
    }
}

/// `PATCH /posts/{id}` body: any of the editable fields.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostEdit {
    #[schema(min_items = 1, max_items = 35, value_type = Option<Vec<UlidText>>)]
    pub media_ids: Option<Vec<String>>,
    #[schema(max_length = 2200)]
    pub caption: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    #[schema(pattern = "^(PUBLIC_TO_EVERYONE|MUTUAL_FOLLOW_FRIENDS|FOLLOWER_OF_CREATOR|SELF_ONLY)$")]
    pub privacy_level: Option<String>,
    pub disable_comment: Option<bool>,
    pub disable_duet: Option<bool>,
    pub disable_stitch: Option<bool>,
    pub brand_content_toggle: Option<bool>,
    pub brand_organic_toggle: Option<bool>,
    pub is_aigc: Option<bool>,
    #[schema(format = DateTime)]
    pub scheduled_at: Option<String>,
}

fn intake_error(e: IntakeError) -> ApiError {
    match e {
        IntakeError::Invalid(m) => ApiError::bad_request(m),
        IntakeError::Refused(m) => ApiError::new(ErrorCode::Unprocessable, m),
    }
}

/// What a post's settings must satisfy before the first read: text, due
/// time, privacy, every count and id. Pure: the fuzz targets drive it too.
pub struct Checked {
    pub due: OffsetDateTime,
    pub media_ids: Vec<MediaId>,
    pub account_id: AccountId,
}

pub fn check_offline(
    account_id: &str,
    settings: &PostSettings,
    scheduled_at: &str,
    now: OffsetDateTime,
    schedule: ScheduleWindow,
) -> Result<Checked, ApiError> {
    intake::check_text(settings.kind, &settings.caption, settings.description.as_deref())
        .map_err(intake_error)?;
    let due = intake::check_schedule(scheduled_at, now, schedule).map_err(intake_error)?;
    intake::parse_privacy(&settings.privacy_level).map_err(intake_error)?;
    intake::check_media_ids(settings.kind, &settings.media_ids).map_err(intake_error)?;
    let media_ids =
        settings.media_ids.iter().map(|raw| MediaId::parse(raw)).collect::<Result<Vec<_>, _>>()?;
    Ok(Checked { due, media_ids, account_id: AccountId::parse(account_id)? })
}

/// Checks everything a post depends on and returns its due time. Nothing is
/// written.
async fn validate(
    deps: &Deps,
    tenant: &TenantId,
    account_id: &str,
    settings: &PostSettings,
    scheduled_at: &str,
) -> Result<OffsetDateTime, ApiError> {
    // Every count and id is checked before the first read.
    let Checked { due, media_ids: ids, account_id } =
        check_offline(account_id, settings, scheduled_at, OffsetDateTime::now_utc(), deps.config.schedule)?;
    deps.admit_write(tenant).await?;

    let items: Vec<Option<MediaItem>> = deps.media.get_many(tenant, &ids).await?;
    intake::check_media(settings.kind, &settings.media_ids, &items).map_err(intake_error)?;

    let account = crate::accounts::owned(deps, tenant, account_id.as_str()).await?;
    crate::accounts::require_active(&account)?;
    let needed = match settings.post_mode {
        PostMode::DirectPost => "video.publish",
        PostMode::MediaUpload => "video.upload",
    };
    if !account.has_scope(needed) {
        return Err(ApiError::new(
            ErrorCode::Unprocessable,
            format!("the account did not grant {needed}, which {:?} needs; reconnect it", settings.post_mode),
        ));
    }
    let info = deps.creators.get(deps, &account).await?;
    let video_seconds =
        items.iter().flatten().find_map(|m| m.facts.as_ref().and_then(|f| f.duration_seconds));
    CreatorRules { info: &info }
        .check(&CreatorChoice {
            privacy_level: &settings.privacy_level,
            disable_comment: settings.disable_comment,
            disable_duet: settings.disable_duet,
            disable_stitch: settings.disable_stitch,
            brand_content_toggle: settings.brand_content_toggle,
            video_seconds,
            kind: settings.kind,
            post_mode: settings.post_mode,
        })
        .map_err(intake_error)?;
    Ok(due)
}

#[utoipa::path(post, path = "/posts", tag = "posts", request_body = NewPost,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,128}$", description = "retry-safe creation: 1–128 visible ASCII characters")),
    responses((status = 429, body = crate::openapi::ErrorBody, description = "too many writes for this tenant this minute; see retry-after"), (status = 201, body = PostView), (status = 200, body = PostView, description = "replayed"),
        (status = 400, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody),
        (status = 422, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(deps: &Deps, tenant: &TenantId, request: &Request) -> ApiResult {
    let key = match request.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(v.to_str().ok().and_then(IdempotencyKey::parse).ok_or_else(|| {
            ApiError::bad_request("Idempotency-Key must be 1-128 visible ASCII characters")
        })?),
    };
    let new: NewPost = json_body(request, deps.config.max_body_bytes)?;
    let hash = request_hash(body_bytes(request));
    let account_id = String::from(AccountId::parse(&new.account_id)?);
    let (settings, scheduled_at) = new.into_settings();
    let due = validate(deps, tenant, &account_id, &settings, &scheduled_at).await?;
    let now = rfc3339(OffsetDateTime::now_utc());
    let created = HistoryEntry {
        from: None,
        to: PostStatus::Scheduled,
        at: now.clone(),
        by: format!("api:{tenant}"),
        reason: "created".into(),
    };
    let post = Post {
        history: vec![created],
        ..Post::scheduled(
            ulid::Ulid::new().to_string(),
            tenant.to_string(),
            account_id,
            settings,
            rfc3339(due),
            now,
        )
    };
    match key {
        None => deps.posts.create(&post).await?,
        Some(key) => match deps.posts.create_idempotent(&post, &key, &hash).await? {
            Created::New => {}
            Created::Replayed(id) => {
                let first =
                    deps.posts.get(tenant.as_str(), &id).await?.ok_or_else(|| ApiError::not_found("post"))?;
                return Ok(json_response(StatusCode::OK, &PostView::from(first)));
            }
            Created::Conflict => {
                return Err(ApiError::new(
                    ErrorCode::Unprocessable,
                    "this Idempotency-Key was used with a different request body",
                ))
            }
        },
    }
    Ok(json_response(StatusCode::CREATED, &PostView::from(post)))
}

/// The tenant's post named by a path id: a 400 for a malformed id, a 404
/// for an unknown one or another tenant's.
pub(crate) async fn owned(deps: &Deps, tenant: &TenantId, raw_id: &str) -> Result<Post, ApiError> {
    let id = PostId::parse(raw_id)?;
    deps.posts.get(tenant.as_str(), id.as_str()).await?.ok_or_else(|| ApiError::not_found("post"))
}

#[utoipa::path(get, path = "/posts/{id}", tag = "posts", params(("id" = String, Path)),
    responses((status = 200, body = PostView), (status = 400, body = crate::openapi::ErrorBody),
        (status = 404, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(deps: &Deps, tenant: &TenantId, raw_id: &str) -> ApiResult {
    Ok(json_response(StatusCode::OK, &PostView::from(owned(deps, tenant, raw_id).await?)))
}

#[utoipa::path(patch, path = "/posts/{id}", tag = "posts", params(("id" = String, Path)), request_body = PostEdit,
    responses((status = 429, body = crate::openapi::ErrorBody, description = "too many writes for this tenant this minute; see retry-after"), (status = 200, body = PostView), (status = 400, body = crate::openapi::ErrorBody),
        (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody),
        (status = 422, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn edit(deps: &Deps, tenant: &TenantId, raw_id: &str, request: &Request) -> ApiResult {
    // The body is checked before anything is read.
    let edit: PostEdit = json_body(request, deps.config.max_body_bytes)?;
    if let Some(ids) = &edit.media_ids {
        // The widest rule of any kind (a photo post's) before the post is read;
        // the post's own kind is checked once it is.
        intake::check_media_ids(PostKind::Photo, ids).map_err(intake_error)?;
    }
    let mut post = owned(deps, tenant, raw_id).await?;
    if !post.status.is_editable() {
        return Err(not_editable(post.status));
    }
    let s = &mut post.settings;
    if let Some(v) = edit.media_ids {
        s.media_ids = v
    }
    if let Some(v) = edit.caption {
        s.caption = v
    }
    if edit.description.is_some() {
        s.description = edit.description
    }
    if let Some(v) = edit.privacy_level {
        s.privacy_level = v
    }
    if let Some(v) = edit.disable_comment {
        s.disable_comment = v
    }
    if let Some(v) = edit.disable_duet {
        s.disable_duet = v
    }
    if let Some(v) = edit.disable_stitch {
        s.disable_stitch = v
    }
    if let Some(v) = edit.brand_content_toggle {
        s.brand_content_toggle = v
    }
    if let Some(v) = edit.brand_organic_toggle {
        s.brand_organic_toggle = v
    }
    if let Some(v) = edit.is_aigc {
        s.is_aigc = v
    }
    let scheduled_at = edit.scheduled_at.unwrap_or_else(|| post.scheduled_at.clone());
    let due = validate(deps, tenant, &post.account_id.clone(), &post.settings, &scheduled_at).await?;
    let previous = post.updated_at.clone();
    post.scheduled_at = rfc3339(due);
    post.updated_at = rfc3339(OffsetDateTime::now_utc());
    match deps.posts.replace_scheduled(&post, &previous).await {
        Ok(()) => Ok(json_response(StatusCode::OK, &PostView::from(post))),
        Err(TransitionError::Store(e)) => Err(e.into()),
        Err(_) => {
            Err(ApiError::new(ErrorCode::Conflict, "the post changed meanwhile; read it again and retry"))
        }
    }
}

fn not_editable(status: PostStatus) -> ApiError {
    ApiError::new(ErrorCode::Conflict, format!("the post is {status}; only SCHEDULED posts can be edited"))
}

#[utoipa::path(delete, path = "/posts/{id}", tag = "posts", params(("id" = String, Path)),
    responses((status = 429, body = crate::openapi::ErrorBody, description = "too many writes for this tenant this minute; see retry-after"), (status = 200, body = PostView), (status = 404, body = crate::openapi::ErrorBody),
        (status = 409, body = crate::openapi::ErrorBody)),
    security(("api_key" = [])))]
pub async fn cancel(deps: &Deps, tenant: &TenantId, raw_id: &str) -> ApiResult {
    deps.admit_write(tenant).await?;
    let post = owned(deps, tenant, raw_id).await?;
    if !post.status.can_move_to(PostStatus::Cancelled) || post.status == PostStatus::NeedsAttention {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("the post is {}; it can only be cancelled while SCHEDULED or QUEUED", post.status),
        ));
    }
    let t = Transition::new(PostStatus::Cancelled, format!("api:{tenant}"), "cancelled by the tenant");
    match deps.posts.transition(tenant.as_str(), &post.id, post.status, t).await {
        Ok(cancelled) => Ok(json_response(StatusCode::OK, &PostView::from(cancelled))),
        Err(TransitionError::Store(e)) => Err(e.into()),
        Err(_) => Err(ApiError::new(
            ErrorCode::Conflict,
            "the post was claimed for publishing meanwhile; it can no longer be cancelled",
        )),
    }
}
