//! When to post: the weekday × hour heatmap, velocity, and the trend of daily volume.

use super::stats::{median_p90, quantile_sorted};
use super::{DailyVolume, HeatCell, Heatmap, Trend, TrendDirection, Velocity, BEST_WINDOWS, MIN_CELL_VIDEOS};
use crate::video::Video;

const DAY_SECS: i64 = 86_400;
/// A relative slope beyond ±2 % of the mean daily count per day is a trend.
const TREND_THRESHOLD: f64 = 0.02;
/// Fewer days than this give no trend direction.
const TREND_MIN_DAYS: usize = 7;

/// (weekday with Monday = 0, hour) in UTC. 1970-01-01 was a Thursday.
fn weekday_hour(unix_secs: i64) -> (usize, usize) {
    let days = unix_secs.div_euclid(DAY_SECS);
    let weekday = (days + 3).rem_euclid(7) as usize;
    let hour = (unix_secs.rem_euclid(DAY_SECS) / 3600) as usize;
    (weekday, hour)
}

pub(super) fn heatmap(videos: &[Video], small_sample: bool) -> Heatmap {
    let mut counts = [0u64; 168];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); 168];
    for video in videos {
        let (weekday, hour) = weekday_hour(video.create_time);
        let cell = weekday * 24 + hour;
        // weekday < 7 and hour < 24 by construction; `get_mut` keeps it panic-free anyway.
        if let Some(count) = counts.get_mut(cell) {
            *count += 1;
        }
        if let (Some(rate), Some(cell_rates)) = (video.engagement_rate(), rates.get_mut(cell)) {
            cell_rates.push(rate);
        }
    }
    let cells: Vec<HeatCell> = rates
        .iter_mut()
        .enumerate()
        .map(|(i, cell_rates)| {
            cell_rates.sort_unstable_by(f64::total_cmp);
            let videos = counts.get(i).copied().unwrap_or(0);
            HeatCell {
                weekday: (i / 24) as u8,
                hour: (i % 24) as u8,
                videos,
                median_engagement_rate: quantile_sorted(cell_rates, 0.5),
                small_sample: videos < MIN_CELL_VIDEOS,
            }
        })
        .collect();
    let best_windows = if small_sample { Vec::new() } else { best_windows(&cells) };
    Heatmap { timezone: "UTC".into(), min_videos_per_cell: MIN_CELL_VIDEOS, cells, best_windows }
}

/// Highest median engagement rate among cells with enough videos; ties by
/// more videos, then the earlier weekday and hour.
fn best_windows(cells: &[HeatCell]) -> Vec<HeatCell> {
    let mut ranked: Vec<&HeatCell> =
        cells.iter().filter(|c| !c.small_sample && c.median_engagement_rate.is_some()).collect();
    ranked.sort_by(|a, b| {
        let (ra, rb) = (a.median_engagement_rate.unwrap_or(0.0), b.median_engagement_rate.unwrap_or(0.0));
        rb.total_cmp(&ra)
            .then_with(|| b.videos.cmp(&a.videos))
            .then_with(|| (a.weekday, a.hour).cmp(&(b.weekday, b.hour)))
    });
    ranked.into_iter().take(BEST_WINDOWS).cloned().collect()
}

/// Views per hour since posting, the age counted as at least one hour.
pub(super) fn velocity(videos: &[Video], now: i64) -> Velocity {
    let mut per_hour: Vec<f64> = videos
        .iter()
        .map(|v| {
            let hours = ((now - v.create_time) as f64 / 3600.0).max(1.0);
            v.views as f64 / hours
        })
        .collect();
    let (median, p90) = median_p90(&mut per_hour);
    Velocity { median_views_per_hour: median, p90_views_per_hour: p90 }
}

pub(super) fn trend(daily: &[DailyVolume], small_sample: bool) -> Trend {
    let days = daily.len();
    let half = days / 2;
    let first_half_videos = daily.iter().take(half).map(|d| d.videos).sum();
    let second_half_videos = daily.iter().skip(days - half).map(|d| d.videos).sum();
    let slope = least_squares_slope(daily);
    let mean = daily.iter().map(|d| d.videos as f64).sum::<f64>() / days.max(1) as f64;
    let relative = slope.filter(|_| mean > 0.0).map(|s| s / mean);
    let direction = match relative {
        _ if small_sample || days < TREND_MIN_DAYS => TrendDirection::InsufficientData,
        Some(r) if r > TREND_THRESHOLD => TrendDirection::Rising,
        Some(r) if r < -TREND_THRESHOLD => TrendDirection::Falling,
        Some(_) => TrendDirection::Flat,
        None => TrendDirection::InsufficientData,
    };
    Trend {
        slope_videos_per_day: slope,
        relative_slope_per_day: relative,
        first_half_videos,
        second_half_videos,
        direction,
    }
}

fn least_squares_slope(daily: &[DailyVolume]) -> Option<f64> {
    let n = daily.len();
    if n < 2 {
        return None;
    }
    let mean_x = (n - 1) as f64 / 2.0;
    let mean_y = daily.iter().map(|d| d.videos as f64).sum::<f64>() / n as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, day) in daily.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (day.videos as f64 - mean_y);
        sxx += dx * dx;
    }
    Some(sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_and_hour_are_utc_with_monday_first() {
        // 2025-03-10 was a Monday.
        let monday_0930 = time::macros::datetime!(2025-03-10 09:30 UTC).unix_timestamp();
        assert_eq!(weekday_hour(monday_0930), (0, 9));
        let sunday_2359 = time::macros::datetime!(2025-03-16 23:59 UTC).unix_timestamp();
        assert_eq!(weekday_hour(sunday_2359), (6, 23));
    }

    #[test]
    fn rising_volume_is_a_rising_trend_unless_the_sample_is_small() {
        let daily: Vec<DailyVolume> =
            (0..10).map(|i| DailyVolume { date: String::new(), videos: 10 + i * 2, views: 0 }).collect();
        let t = trend(&daily, false);
        assert_eq!(t.direction, TrendDirection::Rising);
        assert!((t.slope_videos_per_day.unwrap_or_default() - 2.0).abs() < 1e-9);
        assert_eq!((t.first_half_videos, t.second_half_videos), (70, 120));
        assert_eq!(trend(&daily, true).direction, TrendDirection::InsufficientData);
    }
}
