//! The metrics of an analysis, computed in Rust from the videos (no LLM):
//! volume per day; views, likes, comments and shares (totals, median, p90);
//! the engagement-rate distribution; top videos and creators; co-occurring
//! hashtags with lift; a weekday × hour heatmap with the best posting
//! windows; velocity and the trend of daily volume.
//!
//! Definitions (the tests' reference computation follows these words):
//! - engagement = likes + comments + shares; engagement rate = engagement /
//!   views, for videos with views (others are counted, not rated);
//! - quantiles interpolate linearly between closest ranks (`stats`);
//! - times are UTC; weekday 0 is Monday;
//! - a sample under [`SMALL_SAMPLE`] videos is flagged `small`, and then no
//!   best posting window or trend direction is claimed; heatmap cells and
//!   co-hashtags with few videos are flagged one by one.

mod engagement;
pub mod stats;
mod tags;
mod timing;

use serde::{Deserialize, Serialize};

pub use tags::Baseline;

use super::tag::Hashtag;
use super::video::Video;
use super::window::Window;
use foundation::time_format::iso_date;

/// Fewer videos than this make a small sample.
pub const SMALL_SAMPLE: u64 = 30;
/// Heatmap cells with fewer videos are flagged and never a best window.
pub const MIN_CELL_VIDEOS: u64 = 3;
/// Co-occurring hashtags seen fewer times are flagged.
pub const MIN_CO_COUNT: u64 = 5;
/// Length of the top-video and top-creator lists.
pub const TOP_N: usize = 10;
/// Length of the co-occurring hashtag list.
pub const TOP_CO_HASHTAGS: usize = 20;
/// Number of best posting windows named.
pub const BEST_WINDOWS: usize = 3;
/// Lower bounds of the engagement-rate histogram buckets (the last is open).
pub const RATE_BUCKETS: [f64; 6] = [0.0, 0.01, 0.02, 0.05, 0.10, 0.20];

/// What the metrics are computed from.
pub struct MetricsInput<'a> {
    /// The videos carrying the analysed tag, inside the window.
    pub videos: &'a [Video],
    pub tag: &'a Hashtag,
    pub window: Window,
    /// The population co-occurrence lift is measured against.
    pub baseline: &'a Baseline,
    /// When the metrics are computed (unix seconds), for velocity.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Metrics {
    pub sample: Sample,
    pub daily: Vec<DailyVolume>,
    pub views: CountStats,
    pub likes: CountStats,
    pub comments: CountStats,
    pub shares: CountStats,
    pub engagement: EngagementStats,
    pub top_videos: Vec<TopVideo>,
    pub top_creators: Vec<TopCreator>,
    pub co_hashtags: CoHashtags,
    pub heatmap: Heatmap,
    pub velocity: Velocity,
    pub trend: Trend,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sample {
    pub videos: u64,
    /// Fewer than `small_below` videos: read every figure with care.
    pub small: bool,
    pub small_below: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DailyVolume {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub videos: u64,
    pub views: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CountStats {
    pub total: u64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EngagementStats {
    /// Total engagement / total views.
    pub overall_rate: Option<f64>,
    pub mean: Option<f64>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub median: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    /// Videos with views (those that have a rate).
    pub rated_videos: u64,
    pub zero_view_videos: u64,
    pub histogram: Vec<RateBucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RateBucket {
    pub from: f64,
    /// `None` for the open last bucket.
    pub to: Option<f64>,
    pub videos: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopVideo {
    /// The video as analysed: id, creator, time and counts (not its tags).
    #[serde(flatten)]
    pub video: Video,
    pub engagement: u64,
    pub engagement_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopCreator {
    pub creator: String,
    pub videos: u64,
    pub views: u64,
    pub engagement: u64,
    /// The creator's engagement / views.
    pub engagement_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CoHashtags {
    /// Size of the population lift is measured against (0: no lift).
    pub baseline_videos: u64,
    pub items: Vec<CoHashtag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CoHashtag {
    #[schema(value_type = String)]
    pub tag: Hashtag,
    /// Analysed videos that also carry this tag.
    pub count: u64,
    /// `count` / analysed videos: P(tag | analysed tag).
    pub share: f64,
    pub baseline_count: u64,
    /// `share` / P(tag) in the baseline; `None` when the baseline lacks it.
    pub lift: Option<f64>,
    pub small_sample: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Heatmap {
    pub timezone: String,
    pub min_videos_per_cell: u64,
    /// 7 × 24 cells, weekday-major (Monday 00h first).
    pub cells: Vec<HeatCell>,
    /// The cells with the highest median engagement rate; empty for a small sample.
    pub best_windows: Vec<HeatCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeatCell {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub hour: u8,
    pub videos: u64,
    pub median_engagement_rate: Option<f64>,
    pub small_sample: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Velocity {
    /// Views per hour since posting (age at least one hour).
    pub median_views_per_hour: Option<f64>,
    pub p90_views_per_hour: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    Rising,
    Falling,
    Flat,
    InsufficientData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Trend {
    /// Least-squares slope of daily video counts (videos per day, per day).
    pub slope_videos_per_day: Option<f64>,
    /// The slope relative to the mean daily count.
    pub relative_slope_per_day: Option<f64>,
    pub first_half_videos: u64,
    pub second_half_videos: u64,
    /// Rising / falling beyond ±2 % of the mean per day; needs 7 days and a
    /// sample that is not small.
    pub direction: TrendDirection,
}

/// Every metric of the analysis.
pub fn compute(input: &MetricsInput<'_>) -> Metrics {
    let n = input.videos.len() as u64;
    let small = n < SMALL_SAMPLE;
    let daily = daily_volume(input.videos, input.window);
    Metrics {
        sample: Sample { videos: n, small, small_below: SMALL_SAMPLE },
        views: engagement::count_stats(input.videos, |v| v.views),
        likes: engagement::count_stats(input.videos, |v| v.likes),
        comments: engagement::count_stats(input.videos, |v| v.comments),
        shares: engagement::count_stats(input.videos, |v| v.shares),
        engagement: engagement::rate_stats(input.videos),
        top_videos: engagement::top_videos(input.videos),
        top_creators: engagement::top_creators(input.videos),
        co_hashtags: tags::co_hashtags(input.videos, input.tag, input.baseline),
        heatmap: timing::heatmap(input.videos, small),
        velocity: timing::velocity(input.videos, input.now),
        trend: timing::trend(&daily, small),
        daily,
    }
}

fn daily_volume(videos: &[Video], window: Window) -> Vec<DailyVolume> {
    let mut daily: Vec<DailyVolume> =
        window.dates().map(|d| DailyVolume { date: iso_date(d), videos: 0, views: 0 }).collect();
    for video in videos {
        if let Some(day) = window.day_index(video.create_time).and_then(|i| daily.get_mut(i)) {
            day.videos += 1;
            day.views = day.views.saturating_add(video.views);
        }
    }
    daily
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(id: &str, creator: &str, views: u64, likes: u64, tags: &[&str]) -> Video {
        Video {
            id: id.into(),
            creator: creator.into(),
            create_time: time::macros::datetime!(2025-03-24 18:30 UTC).unix_timestamp(),
            views,
            likes,
            comments: 0,
            shares: 0,
            hashtags: tags.iter().filter_map(|t| Hashtag::parse(t).ok()).collect(),
        }
    }

    #[test]
    fn lift_rates_and_rankings_by_hand() {
        let tag = Hashtag::parse("food").expect("tag");
        let tagged = [
            video("a", "x", 1000, 10, &["food", "recipe"]),
            video("b", "y", 100, 20, &["food", "recipe", "fyp"]),
            video("c", "x", 0, 5, &["food"]),
        ];
        // Baseline of 10 videos: recipe on 2 (both tagged), fyp on 5.
        let mut baseline = Baseline::of(&tagged);
        for i in 0..7 {
            let tags: &[&str] = if i < 4 { &["fyp"] } else { &[] };
            baseline.add(&video(&format!("o{i}"), "z", 10, 1, tags));
        }
        let window = Window::ending(time::macros::date!(2025 - 03 - 30), 7).expect("window");
        let now = window.end_ts_exclusive();
        let m = compute(&MetricsInput { videos: &tagged, tag: &tag, window, baseline: &baseline, now });

        let recipe = &m.co_hashtags.items[0];
        assert_eq!((recipe.tag.as_str(), recipe.count, recipe.baseline_count), ("recipe", 2, 2));
        // P(recipe | food) = 2/3; P(recipe) = 2/10 -> lift 10/3.
        assert!((recipe.lift.expect("lift") - 10.0 / 3.0).abs() < 1e-12);
        let fyp = &m.co_hashtags.items[1];
        assert!((fyp.lift.expect("lift") - (1.0 / 3.0) / 0.5).abs() < 1e-12);
        assert!(fyp.small_sample);

        assert_eq!((m.engagement.rated_videos, m.engagement.zero_view_videos), (2, 1));
        let buckets: Vec<u64> = m.engagement.histogram.iter().map(|b| b.videos).collect();
        assert_eq!(buckets, [0, 1, 0, 0, 0, 1], "1% lands in [1%, 2%), 20% in the open bucket");
        assert_eq!(m.top_videos.iter().map(|v| v.video.id.as_str()).collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(m.top_creators[0].creator, "y");
        assert_eq!(m.top_creators[1].videos, 2);
        assert_eq!(m.daily[0].videos, 3, "all on the window's first day");
        let cell = &m.heatmap.cells[18];
        assert_eq!((cell.weekday, cell.hour, cell.videos), (0, 18, 3));
        assert!(m.sample.small && m.heatmap.best_windows.is_empty());
        assert_eq!(m.trend.direction, TrendDirection::InsufficientData);
    }
}
