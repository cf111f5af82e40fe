//! Co-occurring hashtags and their lift against a baseline population.
//!
//! Lift of a tag B for the analysed tag A is P(B | A) / P(B): how much more
//! often B comes with A than in general. P(B) needs a population that is not
//! filtered by A — the baseline: for the `own` source every video of the
//! creators in the window; for `research` a stratified sample of the window
//! (see the research provider).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{CoHashtag, CoHashtags, MIN_CO_COUNT, TOP_CO_HASHTAGS};
use crate::tag::Hashtag;
use crate::video::Video;

/// A population's size and how many of its videos carry each tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub videos: u64,
    pub tag_counts: HashMap<Hashtag, u64>,
}

impl Baseline {
    pub fn of(videos: &[Video]) -> Self {
        let mut baseline = Self::default();
        for video in videos {
            baseline.add(video);
        }
        baseline
    }

    pub fn add(&mut self, video: &Video) {
        self.videos += 1;
        for tag in &video.hashtags {
            *self.tag_counts.entry(tag.clone()).or_default() += 1;
        }
    }

    fn count(&self, tag: &Hashtag) -> u64 {
        self.tag_counts.get(tag).copied().unwrap_or(0)
    }
}

pub(super) fn co_hashtags(videos: &[Video], analysed: &Hashtag, baseline: &Baseline) -> CoHashtags {
    let mut counts: HashMap<&Hashtag, u64> = HashMap::new();
    for video in videos {
        for tag in video.hashtags.iter().filter(|t| *t != analysed) {
            *counts.entry(tag).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&Hashtag, u64)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let n = videos.len() as f64;
    let items = ranked
        .into_iter()
        .take(TOP_CO_HASHTAGS)
        .map(|(tag, count)| {
            let share = count as f64 / n;
            let baseline_count = baseline.count(tag);
            let lift = (baseline_count > 0 && baseline.videos > 0)
                .then(|| share / (baseline_count as f64 / baseline.videos as f64));
            CoHashtag {
                tag: tag.clone(),
                count,
                share,
                baseline_count,
                lift,
                small_sample: count < MIN_CO_COUNT,
            }
        })
        .collect();
    CoHashtags { baseline_videos: baseline.videos, items }
}
