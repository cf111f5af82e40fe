//! The metrics equal an independent, deliberately simple computation over
//! the sandbox's seeded data set, for both sources, through the real
//! handler (API Gateway v2 events) against the local stack's table.

use crate::common;

use common::reference::{self, assert_same, in_dates, RefVideo};
use common::{Setup, World};
use hashtags::research::BASELINE_REGIONS;
use time::Date;

/// The research baseline as documented: the first page (100 public videos,
/// data-set order) of each of three equal parts of the window.
fn research_baseline<'a>(data: &'a [RefVideo], dates: &[Date], parts: usize) -> Vec<&'a RefVideo> {
    let mut sample = Vec::new();
    for i in 0..parts {
        let part = &dates[i * dates.len() / parts..(i + 1) * dates.len() / parts];
        sample.extend(data.iter().filter(|v| !v.private && in_dates(v, part)).take(100));
    }
    sample
}

#[tokio::test]
async fn research_metrics_equal_an_independent_computation() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/%23FYP/analysis?source=research&days=30", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let analysis = &reply.body;
    assert_eq!(analysis["tag"], "fyp");
    assert_eq!(analysis["source"], "research");
    assert_eq!(analysis["partial"], false, "{}", analysis["partial_reasons"]);
    assert_eq!(analysis["window"]["days"], 30);

    let data = reference::videos(&h.dataset().await);
    assert!(
        data.iter().all(|v| BASELINE_REGIONS.contains(&v.region.as_str())),
        "baseline covers the regions"
    );
    let dates = reference::window_dates(analysis);
    let selected: Vec<&RefVideo> = data
        .iter()
        .filter(|v| !v.private && in_dates(v, &dates) && v.tags.iter().any(|t| t == "fyp"))
        .collect();
    assert!(selected.len() > 300, "several pages of videos: {}", selected.len());
    let baseline = research_baseline(&data, &dates, 3);
    let now = analysis["computed_at_unix"].as_i64().expect("computed_at_unix");
    let expected = reference::metrics(&selected, "fyp", &dates, &baseline, now);
    assert_same(&analysis["metrics"], &expected, "metrics");
}

#[tokio::test]
async fn own_metrics_equal_an_independent_computation() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    h.connect(&tenant, "chef_maria").await;
    h.connect(&tenant, "travel_tom").await;
    let reply = h.get("/hashtags/Food/analysis?source=own&days=30", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let analysis = &reply.body;
    assert_eq!(analysis["partial"], false, "{}", analysis["partial_reasons"]);

    let data = reference::videos(&h.dataset().await);
    let dates = reference::window_dates(analysis);
    let mine: Vec<&RefVideo> = data
        .iter()
        .filter(|v| (v.username == "chef_maria" || v.username == "travel_tom") && in_dates(v, &dates))
        .collect();
    let selected: Vec<&RefVideo> =
        mine.iter().copied().filter(|v| v.tags.iter().any(|t| t == "food")).collect();
    assert!(!selected.is_empty(), "the creators used #food");
    let now = analysis["computed_at_unix"].as_i64().expect("computed_at_unix");
    let expected = reference::metrics(&selected, "food", &dates, &mine, now);
    assert_same(&analysis["metrics"], &expected, "metrics");
    // Pages of 20, newest first, back to the window's start.
    assert!(analysis["fetch"]["pages"].as_u64().expect("pages") >= (mine.len() as u64).div_ceil(20));
}

#[tokio::test]
async fn a_small_sample_is_flagged_and_not_over_interpreted() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    h.connect(&tenant, "fit_with_lee").await;
    let reply = h.get("/hashtags/yoga/analysis?source=own&days=7", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let metrics = &reply.body["metrics"];
    let n = metrics["sample"]["videos"].as_u64().expect("videos");
    assert!(n < 30, "a week of one creator's #yoga is a small sample ({n})");
    assert_eq!(metrics["sample"]["small"], true);
    assert_eq!(metrics["heatmap"]["best_windows"], serde_json::json!([]));
    assert_eq!(metrics["trend"]["direction"], "insufficient_data");
    assert!(metrics["co_hashtags"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|c| c["small_sample"] == true));
}
