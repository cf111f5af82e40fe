//! Research API video query (approved researchers; client-credentials token).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::macros::format_description;
use time::Date;

use super::client::TikTokClient;
use super::error::{Mutation, TikTokError};
use super::secrets::AccessToken;

pub const RESEARCH_VIDEO_FIELDS: &str = "id,video_description,create_time,region_code,view_count,like_count,\
comment_count,share_count,hashtag_names,username,video_duration";
pub const RESEARCH_MAX_COUNT: u32 = 100;
/// Most days between `start_date` and `end_date`.
pub const RESEARCH_MAX_SPAN_DAYS: i64 = 30;

/// A date on the wire as `YYYYMMDD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResearchDate(pub Date);

impl Serialize for ResearchDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text =
            self.0.format(format_description!("[year][month][day]")).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for ResearchDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, format_description!("[year][month][day]"))
            .map(ResearchDate)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    In,
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// One condition, e.g. `{operation: IN, field_name: hashtag_name, field_values: [..]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub operation: Operation,
    /// `hashtag_name`, `keyword`, `region_code`, ...
    pub field_name: String,
    pub field_values: Vec<String>,
}

/// `query {and, or, not}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResearchQuery {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub and: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub or: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not: Vec<Condition>,
}

/// `POST /v2/research/video/query/` body; built by [`ResearchVideoQuery::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResearchVideoQuery {
    pub query: ResearchQuery,
    pub start_date: ResearchDate,
    pub end_date: ResearchDate,
    pub max_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_id: Option<String>,
}

impl ResearchVideoQuery {
    /// A first-page query: dates in order and at most 30 days apart,
    /// `max_count` within 1..=100, at least one condition.
    pub fn new(query: ResearchQuery, start: Date, end: Date, max_count: u32) -> Result<Self, TikTokError> {
        if query.and.is_empty() && query.or.is_empty() && query.not.is_empty() {
            return Err(TikTokError::Invalid("research query has no condition".into()));
        }
        if end < start || (end - start).whole_days() > RESEARCH_MAX_SPAN_DAYS {
            return Err(TikTokError::Invalid(
                "research dates must be in order and at most 30 days apart".into(),
            ));
        }
        if !(1..=RESEARCH_MAX_COUNT).contains(&max_count) {
            return Err(TikTokError::Invalid(format!("research max_count {max_count} is outside 1..=100")));
        }
        Ok(Self {
            query,
            start_date: ResearchDate(start),
            end_date: ResearchDate(end),
            max_count,
            cursor: None,
            search_id: None,
        })
    }

    /// The query for the page after `page`, or `None` when there is none.
    pub fn next_page(&self, page: &ResearchVideoPage) -> Option<Self> {
        page.has_more.then(|| Self {
            cursor: Some(page.cursor),
            search_id: Some(page.search_id.clone()),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResearchVideo {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub video_description: Option<String>,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(flatten)]
    pub counts: crate::display::VideoCounts,
    #[serde(default)]
    pub hashtag_names: Vec<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub video_duration: Option<u64>,
}

fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom("video id is neither a string nor a number")),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResearchVideoPage {
    #[serde(default)]
    pub videos: Vec<ResearchVideo>,
    #[serde(default)]
    pub cursor: u64,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub search_id: String,
}

impl TikTokClient {
    /// `POST /v2/research/video/query/?fields=...` with a client-credentials token.
    pub async fn research_videos(
        &self,
        token: &AccessToken,
        query: &ResearchVideoQuery,
    ) -> Result<ResearchVideoPage, TikTokError> {
        let mut url = self.endpoints.research_video_query.clone();
        url.query_pairs_mut().append_pair("fields", RESEARCH_VIDEO_FIELDS);
        self.api_post(&url, token, query, Mutation::Read).await
    }
}
