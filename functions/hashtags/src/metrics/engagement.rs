//! Counts, the engagement-rate distribution, and the top lists.

use std::collections::HashMap;

use super::stats::{median_p90, quantiles};
use super::{CountStats, EngagementStats, RateBucket, TopCreator, TopVideo, RATE_BUCKETS, TOP_N};
use crate::video::Video;

pub(super) fn count_stats(videos: &[Video], count: impl Fn(&Video) -> u64) -> CountStats {
    let mut total: u64 = 0;
    let mut values: Vec<f64> = Vec::with_capacity(videos.len());
    for video in videos {
        let c = count(video);
        total = total.saturating_add(c);
        values.push(c as f64);
    }
    let (median, p90) = median_p90(&mut values);
    CountStats { total, median, p90 }
}

pub(super) fn rate_stats(videos: &[Video]) -> EngagementStats {
    let mut rates: Vec<f64> = videos.iter().filter_map(Video::engagement_rate).collect();
    let (views, engagement) = videos.iter().fold((0u64, 0u64), |(v, e), video| {
        (v.saturating_add(video.views), e.saturating_add(video.engagement()))
    });
    let mut histogram: Vec<RateBucket> = RATE_BUCKETS
        .iter()
        .enumerate()
        .map(|(i, &from)| RateBucket { from, to: RATE_BUCKETS.get(i + 1).copied(), videos: 0 })
        .collect();
    for &rate in &rates {
        let bucket = RATE_BUCKETS.partition_point(|&from| from <= rate).saturating_sub(1);
        if let Some(b) = histogram.get_mut(bucket) {
            b.videos += 1;
        }
    }
    let rated = rates.len() as u64;
    let mean = (rated > 0).then(|| rates.iter().sum::<f64>() / rated as f64);
    let [p10, p25, median, p75, p90] = quantiles(&mut rates, [0.1, 0.25, 0.5, 0.75, 0.9]);
    EngagementStats {
        overall_rate: (views > 0).then(|| engagement as f64 / views as f64),
        mean,
        p10,
        p25,
        median,
        p75,
        p90,
        rated_videos: rated,
        zero_view_videos: videos.len() as u64 - rated,
        histogram,
    }
}

/// By engagement, most first; ties by id.
pub(super) fn top_videos(videos: &[Video]) -> Vec<TopVideo> {
    let mut ranked: Vec<&Video> = videos.iter().collect();
    let by_rank = |a: &&Video, b: &&Video| b.engagement().cmp(&a.engagement()).then_with(|| a.id.cmp(&b.id));
    if ranked.len() > TOP_N {
        ranked.select_nth_unstable_by(TOP_N - 1, by_rank);
        ranked.truncate(TOP_N);
    }
    ranked.sort_unstable_by(by_rank);
    ranked
        .into_iter()
        .map(|v| TopVideo {
            video: v.clone(),
            engagement: v.engagement(),
            engagement_rate: v.engagement_rate(),
        })
        .collect()
}

/// By summed engagement, most first; ties by name.
pub(super) fn top_creators(videos: &[Video]) -> Vec<TopCreator> {
    let mut by_creator: HashMap<&str, (u64, u64, u64)> = HashMap::new();
    for video in videos {
        let entry = by_creator.entry(video.creator.as_str()).or_default();
        entry.0 += 1;
        entry.1 = entry.1.saturating_add(video.views);
        entry.2 = entry.2.saturating_add(video.engagement());
    }
    let mut ranked: Vec<(&str, (u64, u64, u64))> = by_creator.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1 .2.cmp(&a.1 .2).then_with(|| a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(TOP_N)
        .map(|(creator, (videos, views, engagement))| TopCreator {
            creator: creator.to_owned(),
            videos,
            views,
            engagement,
            engagement_rate: (views > 0).then(|| engagement as f64 / views as f64),
        })
        .collect()
}
