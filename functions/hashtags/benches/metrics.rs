//! Compute time of the full metric set over 100,000 videos.
//!
//! `cargo bench -p hashtags --bench metrics` (release profile). A plain
//! timing loop: synthetic videos from a fixed-seed generator (heavy-tailed
//! views, 60 hashtags, evening-heavy posting times over 30 days), then the
//! whole `compute` (counts, quantiles, engagement distribution, top lists,
//! co-hashtags with lift, heatmap, velocity, trend) timed over several runs.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use hashtags::metrics::{compute, Baseline, MetricsInput};
use hashtags::{Hashtag, Video, Window};
use testkit::rng::Rng;

const VIDEOS: usize = 100_000;
const RUNS: usize = 15;

fn videos(window: Window, tag: &Hashtag) -> Vec<Video> {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let tags: Vec<Hashtag> = (0..60).filter_map(|i| Hashtag::parse(&format!("topic{i}")).ok()).collect();
    let span = window.end_ts_exclusive() - window.start_ts();
    (0..VIDEOS)
        .map(|i| {
            // Log-normal-ish views via a product of uniforms.
            let views = (rng.unit() * rng.unit() * rng.unit() * 5.0e6) as u64;
            let likes = (views as f64 * 0.06 * rng.unit() * 2.0) as u64;
            let mut hashtags = vec![tag.clone()];
            for _ in 0..rng.below(4) {
                let t = &tags[(rng.unit() * rng.unit() * tags.len() as f64) as usize];
                if !hashtags.contains(t) {
                    hashtags.push(t.clone());
                }
            }
            let hour_bias = if rng.unit() < 0.5 { 18 * 3600 } else { 0 };
            let create_time = window.start_ts() + (rng.below(span as usize) as i64 + hour_bias) % span;
            Video {
                id: format!("{}", 7_300_000_000_000_000_000u64 + i as u64),
                creator: format!("user_{:04}", rng.below(3000)),
                create_time,
                views,
                likes,
                comments: likes / (10 + rng.below(40) as u64),
                shares: likes / (5 + rng.below(60) as u64),
                hashtags,
            }
        })
        .collect()
}

fn main() {
    let now = time::OffsetDateTime::now_utc();
    let window = Window::last_complete_days(now, 30).expect("30-day window");
    let tag = Hashtag::parse("fyp").expect("tag");
    let videos = videos(window, &tag);
    let baseline = Baseline::of(&videos);
    let input =
        MetricsInput { videos: &videos, tag: &tag, window, baseline: &baseline, now: now.unix_timestamp() };

    let warm = compute(&input);
    assert_eq!(warm.sample.videos, VIDEOS as u64);
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            black_box(compute(black_box(&input)));
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / RUNS as f64;
    println!("metrics over {VIDEOS} videos, {RUNS} runs (full metric set):");
    println!(
        "  min {:.2} ms   median {:.2} ms   mean {:.2} ms   max {:.2} ms",
        ms(times[0]),
        ms(times[RUNS / 2]),
        mean,
        ms(times[RUNS - 1])
    );
    println!("  throughput {:.1} M videos/s (median)", VIDEOS as f64 / times[RUNS / 2].as_secs_f64() / 1e6);
}
