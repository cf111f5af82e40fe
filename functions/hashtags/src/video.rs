//! The video record the metrics read, whichever API it came from.

use serde::{Deserialize, Serialize};

use crate::tag::Hashtag;
use tiktok::display::{DisplayVideo, VideoCounts};
use tiktok::research::ResearchVideo;

/// One video: counts, posting time, creator and its hashtags (normalised,
/// each once). Its JSON (a top video in an analysis) leaves the tags out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Video {
    pub id: String,
    /// The creator's username (Research API) or the connected account's label (Display API).
    pub creator: String,
    /// Unix seconds.
    pub create_time: i64,
    pub views: u64,
    pub likes: u64,
    pub comments: u64,
    pub shares: u64,
    #[serde(skip)]
    pub hashtags: Vec<Hashtag>,
}

impl Video {
    /// Likes + comments + shares.
    pub fn engagement(&self) -> u64 {
        self.likes.saturating_add(self.comments).saturating_add(self.shares)
    }

    /// `(likes + comments + shares) / views`; `None` for a video without views.
    pub fn engagement_rate(&self) -> Option<f64> {
        (self.views > 0).then(|| self.engagement() as f64 / self.views as f64)
    }

    /// A count TikTok left out counts as 0.
    fn counted(
        id: String,
        creator: String,
        create_time: i64,
        counts: VideoCounts,
        hashtags: Vec<Hashtag>,
    ) -> Self {
        Self {
            id,
            creator,
            create_time,
            views: counts.view_count.unwrap_or(0),
            likes: counts.like_count.unwrap_or(0),
            comments: counts.comment_count.unwrap_or(0),
            shares: counts.share_count.unwrap_or(0),
            hashtags,
        }
    }

    pub fn has(&self, tag: &Hashtag) -> bool {
        self.hashtags.contains(tag)
    }

    /// A Research API video: TikTok's `hashtag_names`, normalised; a name
    /// that is not a valid hashtag is dropped.
    pub fn from_research(video: ResearchVideo) -> Self {
        let mut hashtags: Vec<Hashtag> = Vec::new();
        for name in &video.hashtag_names {
            if let Ok(tag) = Hashtag::parse(name) {
                if !hashtags.contains(&tag) {
                    hashtags.push(tag);
                }
            }
        }
        Self::counted(video.id, video.username.unwrap_or_default(), video.create_time, video.counts, hashtags)
    }

    /// A Display API video of `creator`: the Display API has no hashtag
    /// field, so tags are parsed from the title and the description.
    pub fn from_display(video: DisplayVideo, creator: &str) -> Self {
        let mut hashtags = Hashtag::find_in(video.title.as_deref().unwrap_or_default());
        for tag in Hashtag::find_in(video.video_description.as_deref().unwrap_or_default()) {
            if !hashtags.contains(&tag) {
                hashtags.push(tag);
            }
        }
        Self::counted(video.id, creator.to_owned(), video.create_time, video.counts, hashtags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_tags_come_from_title_and_description_once() {
        let video = DisplayVideo {
            id: "1".into(),
            create_time: 10,
            title: Some("Dinner #Food #recipe".into()),
            video_description: Some("So good. #food #baking".into()),
            counts: VideoCounts {
                view_count: Some(100),
                like_count: Some(5),
                comment_count: Some(2),
                share_count: Some(3),
            },
            ..DisplayVideo::default()
        };
        let v = Video::from_display(video, "chef");
        let tags: Vec<&str> = v.hashtags.iter().map(Hashtag::as_str).collect();
        assert_eq!(tags, ["food", "recipe", "baking"]);
        assert_eq!(v.engagement(), 10);
        assert_eq!(v.engagement_rate(), Some(0.1));
    }

    #[test]
    fn research_names_are_normalised_and_bad_ones_dropped() {
        let video = ResearchVideo {
            id: "2".into(),
            hashtag_names: vec!["FYP".into(), "fyp".into(), "a/b".into(), "#Viral".into()],
            counts: VideoCounts { view_count: Some(0), ..VideoCounts::default() },
            ..ResearchVideo::default()
        };
        let v = Video::from_research(video);
        let tags: Vec<&str> = v.hashtags.iter().map(Hashtag::as_str).collect();
        assert_eq!(tags, ["fyp", "viral"]);
        assert_eq!(v.engagement_rate(), None);
    }
}
