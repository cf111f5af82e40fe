//! Content Posting API: creator_info, video / inbox / photo init, status
//! fetch and cancel.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use super::chunks::ChunkPlan;
use super::client::TikTokClient;
use super::error::{Mutation, TikTokError};
use super::fail_reason::FailReason;
use super::secrets::{AccessToken, UploadUrl};

/// Privacy levels TikTok offers; `Unknown` stands for a level this code does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrivacyLevel {
    PublicToEveryone,
    MutualFollowFriends,
    FollowerOfCreator,
    SelfOnly,
    #[serde(other)]
    Unknown,
}

/// `creator_info/query` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatorInfo {
    #[serde(default)]
    pub creator_avatar_url: String,
    #[serde(default)]
    pub creator_username: String,
    #[serde(default)]
    pub creator_nickname: String,
    pub privacy_level_options: Vec<PrivacyLevel>,
    #[serde(default)]
    pub comment_disabled: bool,
    #[serde(default)]
    pub duet_disabled: bool,
    #[serde(default)]
    pub stitch_disabled: bool,
    #[serde(default)]
    pub max_video_post_duration_sec: u64,
}

/// `post_info` of a video direct post: sent, never read. `Debug` hides the caption.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct VideoPostInfo {
    /// Caption, ≤ 2200 UTF-16 units (checked at the API edge).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Must be one of the creator's current `privacy_level_options`.
    pub privacy_level: PrivacyLevel,
    pub disable_duet: bool,
    pub disable_comment: bool,
    pub disable_stitch: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_cover_timestamp_ms: Option<u64>,
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
    pub is_aigc: bool,
}

impl fmt::Debug for VideoPostInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoPostInfo")
            .field("title_chars", &self.title.as_ref().map(|t| t.chars().count()))
            .field("privacy_level", &self.privacy_level)
            .field("disable_duet", &self.disable_duet)
            .field("disable_comment", &self.disable_comment)
            .field("disable_stitch", &self.disable_stitch)
            .field("video_cover_timestamp_ms", &self.video_cover_timestamp_ms)
            .field("brand_content_toggle", &self.brand_content_toggle)
            .field("brand_organic_toggle", &self.brand_organic_toggle)
            .field("is_aigc", &self.is_aigc)
            .finish()
    }
}

/// `source_info` of a video init.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source")]
pub enum VideoSource {
    #[serde(rename = "FILE_UPLOAD")]
    FileUpload { video_size: u64, chunk_size: u64, total_chunk_count: u64 },
    /// The URL must be on a verified domain/prefix, HTTPS, no redirects.
    #[serde(rename = "PULL_FROM_URL")]
    PullFromUrl { video_url: String },
}

impl VideoSource {
    /// FILE_UPLOAD numbers from the one chunk plan.
    pub fn file_upload(plan: &ChunkPlan) -> Self {
        VideoSource::FileUpload {
            video_size: plan.video_size(),
            chunk_size: plan.chunk_size(),
            total_chunk_count: plan.total_chunk_count(),
        }
    }
}

/// `POST /v2/post/publish/video/init/` body (sent, never read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VideoInitRequest {
    pub post_info: VideoPostInfo,
    pub source_info: VideoSource,
}

/// `POST /v2/post/publish/inbox/video/init/` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxVideoInitRequest {
    pub source_info: VideoSource,
}

/// TikTok's id of one publish attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublishId(pub String);

impl PublishId {
    /// A short hash for logs and spans (the id itself stays out of logs).
    pub fn short_hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()).get(..6).unwrap_or_default())
    }
}

/// Init answer: the publish id, and the upload URL for FILE_UPLOAD.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InitResponse {
    pub publish_id: PublishId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<UploadUrl>,
}

/// `DIRECT_POST` publishes; `MEDIA_UPLOAD` delivers a draft to the creator's inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PostMode {
    DirectPost,
    MediaUpload,
}

/// `post_info` of a photo post: sent, never read. `Debug` hides title and description.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct PhotoPostInfo {
    /// ≤ 90 UTF-16 units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// ≤ 4000 UTF-16 units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_level: Option<PrivacyLevel>,
    pub disable_comment: bool,
    pub auto_add_music: bool,
    pub brand_content_toggle: bool,
    pub brand_organic_toggle: bool,
}

impl fmt::Debug for PhotoPostInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhotoPostInfo")
            .field("title_chars", &self.title.as_ref().map(|t| t.chars().count()))
            .field("description_chars", &self.description.as_ref().map(|t| t.chars().count()))
            .field("privacy_level", &self.privacy_level)
            .field("disable_comment", &self.disable_comment)
            .field("auto_add_music", &self.auto_add_music)
            .finish_non_exhaustive()
    }
}

/// `source_info` of a photo post: always PULL_FROM_URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoSource {
    /// Always `"PULL_FROM_URL"`.
    pub source: String,
    /// At most 35 URLs, JPEG/WebP, on a verified domain.
    pub photo_images: Vec<String>,
    pub photo_cover_index: u32,
}

impl PhotoSource {
    pub fn pull_from_urls(photo_images: Vec<String>, photo_cover_index: u32) -> Self {
        Self { source: "PULL_FROM_URL".into(), photo_images, photo_cover_index }
    }
}

/// `POST /v2/post/publish/content/init/` body (sent, never read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoInitRequest {
    /// Always `"PHOTO"`.
    pub media_type: String,
    pub post_mode: PostMode,
    pub post_info: PhotoPostInfo,
    pub source_info: PhotoSource,
}

impl PhotoInitRequest {
    pub fn new(post_mode: PostMode, post_info: PhotoPostInfo, source_info: PhotoSource) -> Self {
        Self { media_type: "PHOTO".into(), post_mode, post_info, source_info }
    }
}

/// Where a publish stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PublishStatusKind {
    ProcessingUpload,
    ProcessingDownload,
    SendToUserInbox,
    PublishComplete,
    Failed,
    #[serde(other)]
    Unknown,
}

/// `status/fetch` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishStatus {
    pub status: PublishStatusKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<FailReason>,
    /// TikTok's spelling (sic). Ids as strings; numbers, strings, one or many accepted.
    #[serde(default, deserialize_with = "ids_as_strings")]
    pub publicaly_available_post_id: Vec<String>,
    #[serde(default)]
    pub uploaded_bytes: Option<u64>,
    #[serde(default)]
    pub downloaded_bytes: Option<u64>,
}

fn ids_as_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    fn one(v: serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Array(items) => items.into_iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    })
}

// Logs only a short hash of the publish id (never the upload URL).
fn traced(init: InitResponse) -> InitResponse {
    tracing::info!(publish = %init.publish_id.short_hash(), "TikTok init answered");
    init
}

#[derive(Serialize)]
struct PublishIdBody<'a> {
    publish_id: &'a PublishId,
}

impl TikTokClient {
    /// `creator_info/query`: privacy options and limits; required before every post form.
    pub async fn creator_info(&self, token: &AccessToken) -> Result<CreatorInfo, TikTokError> {
        let body = serde_json::json!({});
        self.api_post(&self.endpoints.creator_info, token, &body, Mutation::Read).await
    }

    /// Direct-post video init. Once it answers, never init the same post again.
    pub async fn init_video(
        &self,
        token: &AccessToken,
        req: &VideoInitRequest,
    ) -> Result<InitResponse, TikTokError> {
        self.api_post(&self.endpoints.video_init, token, req, Mutation::Mutating).await.map(traced)
    }

    /// Inbox (draft) video init; scope `video.upload`.
    pub async fn init_inbox_video(
        &self,
        token: &AccessToken,
        req: &InboxVideoInitRequest,
    ) -> Result<InitResponse, TikTokError> {
        self.api_post(&self.endpoints.inbox_video_init, token, req, Mutation::Mutating).await.map(traced)
    }

    /// Photo (carousel) init.
    pub async fn init_photo(
        &self,
        token: &AccessToken,
        req: &PhotoInitRequest,
    ) -> Result<InitResponse, TikTokError> {
        self.api_post(&self.endpoints.content_init, token, req, Mutation::Mutating).await.map(traced)
    }

    /// `status/fetch` for one publish.
    pub async fn fetch_status(
        &self,
        token: &AccessToken,
        id: &PublishId,
    ) -> Result<PublishStatus, TikTokError> {
        let body = PublishIdBody { publish_id: id };
        self.api_post(&self.endpoints.status_fetch, token, &body, Mutation::Read).await
    }

    /// Cancels a publish still in progress.
    pub async fn cancel(&self, token: &AccessToken, id: &PublishId) -> Result<(), TikTokError> {
        let body = PublishIdBody { publish_id: id };
        let _: serde_json::Value =
            self.api_post(&self.endpoints.cancel, token, &body, Mutation::Mutating).await?;
        Ok(())
    }
}
