//! The post record as stored and as the API shows it.

use serde::{Deserialize, Serialize};

use super::PostStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    Video,
    Photo,
}

/// The post mode is TikTok's own (`DIRECT_POST` / `MEDIA_UPLOAD`): one enum
/// from the API body to the init call.
pub use tiktok::PostMode;

/// What the tenant chose for the post (TikTok's `post_info`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostSettings {
    pub kind: PostKind,
    pub post_mode: PostMode,
    pub media_ids: Vec<String>,
    /// Video caption, or photo title. Never logged: see the Debug impl.
    pub caption: String,
    /// Photo description (photos only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
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
}

impl PostSettings {
    /// A direct-post video with `privacy_level`, no media or caption yet and
    /// every toggle off: what a caller starts from and fills in.
    pub fn video(privacy_level: &str) -> Self {
        Self {
            kind: PostKind::Video,
            post_mode: PostMode::DirectPost,
            media_ids: Vec::new(),
            caption: String::new(),
            description: None,
            privacy_level: privacy_level.to_owned(),
            disable_comment: false,
            disable_duet: false,
            disable_stitch: false,
            brand_content_toggle: false,
            brand_organic_toggle: false,
            is_aigc: false,
        }
    }
}

impl std::fmt::Debug for PostSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostSettings")
            .field("kind", &self.kind)
            .field("post_mode", &self.post_mode)
            .field("media_ids", &self.media_ids)
            .field("caption", &format_args!("[{} chars]", self.caption.chars().count()))
            .field("privacy_level", &self.privacy_level)
            .finish_non_exhaustive()
    }
}

/// One recorded move of the state machine: who, when, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub from: Option<PostStatus>,
    pub to: PostStatus,
    /// RFC 3339 UTC.
    pub at: String,
    pub by: String,
    pub reason: String,
}

/// A post as stored (keys and index attributes are added by the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    pub tenant: String,
    pub account_id: String,
    pub settings: PostSettings,
    /// RFC 3339 UTC.
    pub scheduled_at: String,
    pub status: PostStatus,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_owner: Option<String>,
    /// Epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<i64>,
    #[serde(default)]
    pub attempts: u32,
    /// Why the post is failed, held, waiting or needs attention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Post {
    /// A post `SCHEDULED` for `scheduled_at` (RFC 3339), created `now` (RFC
    /// 3339): no history, never published, leased or attempted. The API adds
    /// its first history entry; tests set the status they need.
    pub fn scheduled(
        id: String,
        tenant: String,
        account_id: String,
        settings: PostSettings,
        scheduled_at: String,
        now: String,
    ) -> Self {
        Self {
            id,
            tenant,
            account_id,
            settings,
            scheduled_at,
            status: PostStatus::Scheduled,
            history: Vec::new(),
            publish_id: None,
            post_ids: Vec::new(),
            lease_owner: None,
            lease_expires_at: None,
            attempts: 0,
            status_reason: None,
            created_at: now.clone(),
            updated_at: now,
        }
    }
}
