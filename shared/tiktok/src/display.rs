//! Display API: the connected user's profile and own videos.

use serde::{Deserialize, Serialize};

use super::client::TikTokClient;
use super::error::{Mutation, TikTokError};
use super::secrets::AccessToken;

/// Fields requested from `/v2/user/info/` (scope `user.info.basic`).
pub const USER_INFO_FIELDS: &str = "open_id,union_id,avatar_url,display_name";
/// Fields requested from `/v2/video/list/` (scope `video.list`).
pub const VIDEO_LIST_FIELDS: &str =
    "id,create_time,title,video_description,duration,view_count,like_count,comment_count,share_count";
/// Largest `max_count` of a video list page.
pub const VIDEO_LIST_MAX_COUNT: u32 = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub open_id: String,
    #[serde(default)]
    pub union_id: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Deserialize)]
struct UserInfoData {
    user: UserInfo,
}

/// One of the creator's own videos.
/// A video's public counts, as both the Display and the Research API name
/// them; each is absent when the caller did not ask for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VideoCounts {
    pub view_count: Option<u64>,
    pub like_count: Option<u64>,
    pub comment_count: Option<u64>,
    pub share_count: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayVideo {
    pub id: String,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub video_description: Option<String>,
    #[serde(default)]
    pub duration: Option<u64>,
    #[serde(flatten)]
    pub counts: VideoCounts,
}

/// `POST /v2/video/list/` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoListRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<i64>,
    pub max_count: u32,
}

impl VideoListRequest {
    /// A page request; `max_count` must be within 1..=20.
    pub fn new(cursor: Option<i64>, max_count: u32) -> Result<Self, TikTokError> {
        if !(1..=VIDEO_LIST_MAX_COUNT).contains(&max_count) {
            return Err(TikTokError::Invalid(format!("video list max_count {max_count} is outside 1..=20")));
        }
        Ok(Self { cursor, max_count })
    }
}

/// One page of the creator's videos.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoListPage {
    #[serde(default)]
    pub videos: Vec<DisplayVideo>,
    #[serde(default)]
    pub cursor: i64,
    #[serde(default)]
    pub has_more: bool,
}

impl TikTokClient {
    /// `GET /v2/user/info/?fields=...`.
    pub async fn user_info(&self, token: &AccessToken) -> Result<UserInfo, TikTokError> {
        let mut url = self.endpoints.user_info.clone();
        url.query_pairs_mut().append_pair("fields", USER_INFO_FIELDS);
        let data: UserInfoData = self.api_get(&url, token).await?;
        Ok(data.user)
    }

    /// `POST /v2/video/list/?fields=...`: one page of the creator's own videos.
    pub async fn list_videos(
        &self,
        token: &AccessToken,
        request: &VideoListRequest,
    ) -> Result<VideoListPage, TikTokError> {
        let mut url = self.endpoints.video_list.clone();
        url.query_pairs_mut().append_pair("fields", VIDEO_LIST_FIELDS);
        self.api_post(&url, token, request, Mutation::Read).await
    }
}
