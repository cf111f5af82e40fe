//! A deliberately simple reference computation of every metric, straight
//! from the sandbox's seeded data set (`/_sandbox/dataset`), written from
//! the definitions in `hashtags::metrics` and sharing no code with
//! it: sort, count, loop. The tests compare the analysis JSON against it.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone)]
pub struct RefVideo {
    pub id: String,
    pub username: String,
    pub private: bool,
    pub create_time: i64,
    pub region: String,
    pub tags: Vec<String>,
    pub views: u64,
    pub likes: u64,
    pub comments: u64,
    pub shares: u64,
}

impl RefVideo {
    fn engagement(&self) -> u64 {
        self.likes + self.comments + self.shares
    }

    fn rate(&self) -> Option<f64> {
        if self.views == 0 {
            None
        } else {
            Some(self.engagement() as f64 / self.views as f64)
        }
    }
}

pub fn videos(dataset: &Value) -> Vec<RefVideo> {
    dataset["videos"]
        .as_array()
        .expect("videos")
        .iter()
        .map(|v| RefVideo {
            id: v["id"].as_u64().expect("id").to_string(),
            username: v["username"].as_str().expect("username").to_owned(),
            private: v["private"].as_bool().expect("private"),
            create_time: v["create_time"].as_i64().expect("create_time"),
            region: v["region_code"].as_str().expect("region").to_owned(),
            tags: v["hashtag_names"]
                .as_array()
                .expect("tags")
                .iter()
                .map(|t| t.as_str().expect("tag").to_owned())
                .collect(),
            views: v["view_count"].as_u64().expect("views"),
            likes: v["like_count"].as_u64().expect("likes"),
            comments: v["comment_count"].as_u64().expect("comments"),
            shares: v["share_count"].as_u64().expect("shares"),
        })
        .collect()
}

fn date(text: &str) -> Date {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, format).expect("date")
}

fn utc_date(secs: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(secs).expect("time").date()
}

/// The dates of the analysis's window, first to last.
pub fn window_dates(analysis: &Value) -> Vec<Date> {
    let (start, end) = (
        date(analysis["window"]["start"].as_str().expect("start")),
        date(analysis["window"]["end"].as_str().expect("end")),
    );
    let mut dates = vec![start];
    while *dates.last().expect("one") < end {
        dates.push(dates.last().expect("one").next_day().expect("next"));
    }
    dates
}

pub fn in_dates(v: &RefVideo, dates: &[Date]) -> bool {
    dates.contains(&utc_date(v.create_time))
}

/// p-quantile, linear between closest ranks, from scratch.
fn quantile(mut values: Vec<f64>, p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let position = (values.len() - 1) as f64 * p;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    Some(values[below] + (position - below as f64) * (values[above] - values[below]))
}

fn num(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |x| json!(x))
}

/// Every metric, in the analysis JSON's shape.
pub fn metrics(selected: &[&RefVideo], tag: &str, dates: &[Date], baseline: &[&RefVideo], now: i64) -> Value {
    let n = selected.len() as u64;
    let small = n < 30;
    let counts = |f: &dyn Fn(&RefVideo) -> u64| {
        let values: Vec<f64> = selected.iter().map(|v| f(v) as f64).collect();
        json!({"total": selected.iter().map(|v| f(v)).sum::<u64>(), "median": num(quantile(values.clone(), 0.5)), "p90": num(quantile(values, 0.9))})
    };
    let daily: Vec<Value> = dates
        .iter()
        .map(|d| {
            let day: Vec<&&RefVideo> = selected.iter().filter(|v| utc_date(v.create_time) == *d).collect();
            json!({"date": d.to_string(), "videos": day.len(), "views": day.iter().map(|v| v.views).sum::<u64>()})
        })
        .collect();
    let rates: Vec<f64> = selected.iter().filter_map(|v| v.rate()).collect();
    let total_views: u64 = selected.iter().map(|v| v.views).sum();
    let total_engagement: u64 = selected.iter().map(|v| v.engagement()).sum();
    let bounds = [0.0, 0.01, 0.02, 0.05, 0.10, 0.20];
    let histogram: Vec<Value> = (0..bounds.len())
        .map(|i| {
            let to = bounds.get(i + 1).copied();
            let count = rates.iter().filter(|&&r| r >= bounds[i] && to.is_none_or(|t| r < t)).count();
            json!({"from": bounds[i], "to": to, "videos": count})
        })
        .collect();

    let mut by_engagement: Vec<&&RefVideo> = selected.iter().collect();
    by_engagement.sort_by(|a, b| b.engagement().cmp(&a.engagement()).then(a.id.cmp(&b.id)));
    let top_videos: Vec<Value> = by_engagement
        .iter()
        .take(10)
        .map(|v| {
            json!({"id": v.id, "creator": v.username, "create_time": v.create_time, "views": v.views,
                   "likes": v.likes, "comments": v.comments, "shares": v.shares,
                   "engagement": v.engagement(), "engagement_rate": num(v.rate())})
        })
        .collect();

    let mut creators: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
    for v in selected {
        let c = creators.entry(&v.username).or_default();
        c.0 += 1;
        c.1 += v.views;
        c.2 += v.engagement();
    }
    let mut creators: Vec<_> = creators.into_iter().collect();
    creators.sort_by(|a, b| b.1 .2.cmp(&a.1 .2).then(a.0.cmp(b.0)));
    let top_creators: Vec<Value> = creators
        .iter()
        .take(10)
        .map(|(name, (videos, views, engagement))| {
            let rate = if *views == 0 { None } else { Some(*engagement as f64 / *views as f64) };
            json!({"creator": name, "videos": videos, "views": views, "engagement": engagement, "engagement_rate": num(rate)})
        })
        .collect();

    let mut co: HashMap<&str, u64> = HashMap::new();
    for v in selected {
        for t in v.tags.iter().filter(|t| t.as_str() != tag) {
            *co.entry(t).or_default() += 1;
        }
    }
    let mut co: Vec<(&str, u64)> = co.into_iter().collect();
    co.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let co_items: Vec<Value> = co
        .iter()
        .take(20)
        .map(|(t, count)| {
            let in_baseline = baseline.iter().filter(|v| v.tags.iter().any(|x| x == t)).count() as u64;
            let share = *count as f64 / n as f64;
            let lift = if in_baseline == 0 { None } else { Some(share / (in_baseline as f64 / baseline.len() as f64)) };
            json!({"tag": t, "count": count, "share": share, "baseline_count": in_baseline, "lift": num(lift), "small_sample": *count < 5})
        })
        .collect();

    let mut cells = Vec::new();
    for weekday in 0..7u8 {
        for hour in 0..24u8 {
            let here: Vec<&&RefVideo> = selected
                .iter()
                .filter(|v| {
                    let t = OffsetDateTime::from_unix_timestamp(v.create_time).expect("time");
                    t.weekday().number_days_from_monday() == weekday && t.hour() == hour
                })
                .collect();
            let median = quantile(here.iter().filter_map(|v| v.rate()).collect(), 0.5);
            cells.push(json!({"weekday": weekday, "hour": hour, "videos": here.len(),
                              "median_engagement_rate": num(median), "small_sample": here.len() < 3}));
        }
    }
    let mut best: Vec<&Value> = cells
        .iter()
        .filter(|c| !c["small_sample"].as_bool().expect("flag") && !c["median_engagement_rate"].is_null())
        .collect();
    best.sort_by(|a, b| {
        let ra = a["median_engagement_rate"].as_f64().expect("rate");
        let rb = b["median_engagement_rate"].as_f64().expect("rate");
        rb.partial_cmp(&ra).expect("no NaN").then(b["videos"].as_u64().cmp(&a["videos"].as_u64()))
    });
    let best: Vec<Value> = if small { vec![] } else { best.into_iter().take(3).cloned().collect() };

    let per_hour: Vec<f64> =
        selected.iter().map(|v| v.views as f64 / ((now - v.create_time) as f64 / 3600.0).max(1.0)).collect();

    let ys: Vec<f64> = daily.iter().map(|d| d["videos"].as_f64().expect("videos")).collect();
    let days = ys.len();
    let mean_x = (days as f64 - 1.0) / 2.0;
    let mean_y = ys.iter().sum::<f64>() / days as f64;
    let slope = ys.iter().enumerate().map(|(i, y)| (i as f64 - mean_x) * (y - mean_y)).sum::<f64>()
        / (0..days).map(|i| (i as f64 - mean_x).powi(2)).sum::<f64>();
    let relative = if mean_y > 0.0 { Some(slope / mean_y) } else { None };
    let direction = match relative {
        _ if small || days < 7 => "insufficient_data",
        Some(r) if r > 0.02 => "rising",
        Some(r) if r < -0.02 => "falling",
        Some(_) => "flat",
        None => "insufficient_data",
    };

    json!({
        "sample": {"videos": n, "small": small, "small_below": 30},
        "daily": daily,
        "views": counts(&|v| v.views),
        "likes": counts(&|v| v.likes),
        "comments": counts(&|v| v.comments),
        "shares": counts(&|v| v.shares),
        "engagement": {
            "overall_rate": num(if total_views == 0 { None } else { Some(total_engagement as f64 / total_views as f64) }),
            "mean": num(if rates.is_empty() { None } else { Some(rates.iter().sum::<f64>() / rates.len() as f64) }),
            "p10": num(quantile(rates.clone(), 0.1)),
            "p25": num(quantile(rates.clone(), 0.25)),
            "median": num(quantile(rates.clone(), 0.5)),
            "p75": num(quantile(rates.clone(), 0.75)),
            "p90": num(quantile(rates.clone(), 0.9)),
            "rated_videos": rates.len(),
            "zero_view_videos": n - rates.len() as u64,
            "histogram": histogram,
        },
        "top_videos": top_videos,
        "top_creators": top_creators,
        "co_hashtags": {"baseline_videos": baseline.len(), "items": co_items},
        "heatmap": {"timezone": "UTC", "min_videos_per_cell": 3, "cells": cells, "best_windows": best},
        "velocity": {"median_views_per_hour": num(quantile(per_hour.clone(), 0.5)), "p90_views_per_hour": num(quantile(per_hour, 0.9))},
        "trend": {
            "slope_videos_per_day": slope,
            "relative_slope_per_day": num(relative),
            "first_half_videos": ys.iter().take(days / 2).sum::<f64>() as u64,
            "second_half_videos": ys.iter().skip(days - days / 2).sum::<f64>() as u64,
            "direction": direction,
        },
    })
}

/// Asserts two JSON values are equal, floats within a relative 1e-9.
pub fn assert_same(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().expect("a"), b.as_f64().expect("b"));
            assert!((a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0), "{path}: {a} != {b}");
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: lengths differ");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                assert_same(
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                );
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}
