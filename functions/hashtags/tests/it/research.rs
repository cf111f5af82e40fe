//! The research source against the sandbox: paging across many pages, the
//! split of windows longer than the API's 30 days, the daily quota (ours
//! and TikTok's), and the cached client-credentials token.

use crate::common;

use std::time::Duration;

use common::reference::{self, in_dates, RefVideo};
use common::{unique_tag, Setup, World};
use hashtags::resilience::Budget;
use hashtags::{AnalysisRequest, Hashtag, Source, Window};
use shared::tenant::TenantId;
use time::OffsetDateTime;

#[tokio::test]
async fn pages_through_many_pages_with_cursor_and_search_id() {
    let h = World::start(Setup { dataset_size: 20_000, ..Setup::default() }).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/fyp/analysis?source=research&days=30", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let analysis = &reply.body;
    assert_eq!(analysis["partial"], false, "{}", analysis["partial_reasons"]);

    let data = reference::videos(&h.dataset().await);
    let dates = reference::window_dates(analysis);
    let selected: Vec<&RefVideo> = data
        .iter()
        .filter(|v| !v.private && in_dates(v, &dates) && v.tags.iter().any(|t| t == "fyp"))
        .collect();
    let tagged_pages = (selected.len() as u64).div_ceil(100);
    assert!(tagged_pages >= 20, "many pages: {tagged_pages}");
    assert_eq!(analysis["metrics"]["sample"]["videos"], selected.len() as u64, "every video once");
    let baseline_pages = 3;
    assert_eq!(analysis["fetch"]["pages"], tagged_pages + baseline_pages);
    assert_eq!(h.calls("research_query").await, tagged_pages + baseline_pages, "no page fetched twice");
    let top: Vec<&str> = analysis["metrics"]["top_videos"]
        .as_array()
        .expect("top")
        .iter()
        .filter_map(|v| v["id"].as_str())
        .collect();
    let mut expected: Vec<&&RefVideo> = selected.iter().collect();
    expected.sort_by(|a, b| {
        (b.likes + b.comments + b.shares).cmp(&(a.likes + a.comments + a.shares)).then(a.id.cmp(&b.id))
    });
    let expected: Vec<&str> = expected.iter().take(10).map(|v| v.id.as_str()).collect();
    assert_eq!(top, expected);
}

#[tokio::test]
async fn a_window_longer_than_thirty_days_is_split_into_accepted_queries() {
    let h = World::start(Setup::default()).await;
    let yesterday = OffsetDateTime::now_utc().date().previous_day().expect("yesterday");
    let window = Window::ending(yesterday, 60).expect("60-day window");
    let request = AnalysisRequest {
        tenant: TenantId::new(),
        tag: Hashtag::parse("travel").expect("tag"),
        source: Source::Research,
        window,
        region: None,
        account: None,
    };
    let fetched =
        h.deps.analyst.research.fetch(&request, &Budget::new(Duration::from_secs(20))).await.expect("fetch");
    // TikTok refuses a query over 30 days (the sandbox too): no partial means
    // every query sent was accepted.
    assert!(fetched.partial.is_empty(), "{:?}", fetched.partial);

    let data = reference::videos(&h.dataset().await);
    let dates: Vec<_> = window.dates().collect();
    let mut expected: Vec<&str> = data
        .iter()
        .filter(|v| !v.private && in_dates(v, &dates) && v.tags.iter().any(|t| t == "travel"))
        .map(|v| v.id.as_str())
        .collect();
    let mut got: Vec<&str> = fetched.videos.iter().map(|v| v.id.as_str()).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected, "both halves, every video once");
    let first_half_end = dates[29].midnight().assume_utc().unix_timestamp() + 86_400;
    assert!(fetched.videos.iter().any(|v| v.create_time < first_half_end));
    assert!(fetched.videos.iter().any(|v| v.create_time >= first_half_end));
}

#[tokio::test]
async fn our_daily_quota_stops_queries_and_is_reported() {
    let h =
        World::start(Setup { env: vec![("RESEARCH_DAILY_REQUESTS", "3".into())], ..Setup::default() }).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/fyp/analysis?source=research&days=30", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let analysis = &reply.body;
    assert_eq!(analysis["partial"], true);
    assert_eq!(analysis["partial_reasons"], serde_json::json!(["quota_exhausted"]));
    assert_eq!(analysis["quota"]["requests_used"], 3);
    assert_eq!(analysis["quota"]["requests_limit"], 3);
    assert_eq!(analysis["quota"]["exhausted"], true);
    assert_eq!(analysis["quota"]["records_used"], 300);
    assert_eq!(h.calls("research_query").await, 3);
    assert_eq!(reply.header("cache-control"), Some("no-store"), "partial answers are not cached");

    let reply = h.get(&format!("/hashtags/{}/analysis?source=research", unique_tag("q")), &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["partial_reasons"], serde_json::json!(["quota_exhausted"]));
    assert_eq!(reply.body["metrics"]["sample"]["videos"], 0);
    assert_eq!(h.calls("research_query").await, 3, "no query once the quota is spent");
}

#[tokio::test]
async fn tiktoks_quota_answer_marks_the_day_spent_for_every_instance() {
    let h = World::start(Setup { research_quota: Some(2), ..Setup::default() }).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/fyp/analysis?source=research&days=30", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["partial_reasons"], serde_json::json!(["quota_exhausted"]));
    assert_eq!(reply.body["quota"]["exhausted"], true);
    assert_eq!(reply.body["metrics"]["sample"]["videos"], 200, "the two pages TikTok allowed are kept");
    let calls = h.calls("research_query").await;
    assert_eq!(calls, 3, "two pages, then TikTok's 429, not retried");

    let reply = h.get("/hashtags/food/analysis?source=research", &tenant.key).await;
    assert_eq!(reply.body["partial_reasons"], serde_json::json!(["quota_exhausted"]));
    assert_eq!(h.calls("research_query").await, calls, "the ledger now refuses before TikTok does");
}

#[tokio::test]
async fn the_client_token_is_minted_once_and_reused() {
    let h =
        World::start(Setup { env: vec![("RESEARCH_BASELINE_PAGES", "0".into())], ..Setup::default() }).await;
    let tenant = h.tenant().await;
    for tag in ["food", "travel", "gym"] {
        let reply = h.get(&format!("/hashtags/{tag}/analysis?source=research&days=7"), &tenant.key).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.body["metrics"]["co_hashtags"]["baseline_videos"], 0, "no baseline sampled");
    }
    assert_eq!(h.calls("token.client_credentials").await, 1);
}

#[tokio::test]
async fn an_analysis_reads_at_most_the_video_cap_and_says_it_was_capped() {
    let h = World::start(Setup {
        dataset_size: 20_000,
        env: vec![("HASHTAG_MAX_VIDEOS", "150".into())],
        ..Setup::default()
    })
    .await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/fyp/analysis?source=research&days=30", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let analysis = &reply.body;
    assert_eq!(analysis["metrics"]["sample"]["videos"], 150, "exactly the cap, not the pages read");
    assert_eq!(analysis["partial"], true);
    assert!(
        analysis["partial_reasons"].as_array().expect("reasons").contains(&serde_json::json!("result_cap")),
        "{}",
        analysis["partial_reasons"]
    );
    let baseline_pages = 3;
    assert!(
        h.calls("research_query").await <= 2 + baseline_pages,
        "reading stops at the cap: two pages of 100, then the baseline"
    );
}
