//! The cache: a hit answers without calling TikTok (the sandbox counts
//! calls), says so in `Cache-Control`, and `own` results stay per tenant.

use crate::common;

use common::{Setup, World};

#[tokio::test]
async fn a_cache_hit_makes_no_tiktok_call() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    let path = "/hashtags/fyp/analysis?source=research&days=14";
    let first = h.get(path, &tenant.key).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.header("x-cache"), Some("miss"));
    assert_eq!(first.header("cache-control"), Some("private, max-age=3600"));
    let (queries, tokens) = (h.calls("research_query").await, h.calls("token").await);
    assert!(queries > 0);

    let other_tenant = h.tenant().await;
    let second = h.get(path, &other_tenant.key).await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.header("x-cache"), Some("hit"), "research results are shared by tenants");
    let cache_control = second.header("cache-control").expect("cache-control");
    let max_age: u64 =
        cache_control.strip_prefix("private, max-age=").expect("private max-age").parse().expect("n");
    assert!(max_age <= 3600 && max_age > 3500, "{cache_control}");
    assert_eq!(h.calls("research_query").await, queries, "no research query on a hit");
    assert_eq!(h.calls("token").await, tokens, "no token call on a hit");
    assert_eq!(second.body["metrics"], first.body["metrics"]);
    assert_eq!(second.body["computed_at"], first.body["computed_at"]);

    let svg = h.get(&format!("{path}&format=svg"), &tenant.key).await;
    assert_eq!(svg.header("x-cache"), Some("hit"), "the picture is drawn from the cached analysis");
    assert_eq!(h.calls("research_query").await, queries);
}

#[tokio::test]
async fn own_results_are_cached_per_tenant() {
    let h = World::start(Setup::default()).await;
    let (a, b) = (h.tenant().await, h.tenant().await);
    h.connect(&a, "chef_maria").await;
    h.connect(&b, "chef_maria").await;
    let path = "/hashtags/food/analysis?source=own&days=30";

    assert_eq!(h.get(path, &a.key).await.header("x-cache"), Some("miss"));
    let listed = h.calls("video_list").await;
    let again = h.get(path, &a.key).await;
    assert_eq!(again.header("x-cache"), Some("hit"));
    assert_eq!(h.calls("video_list").await, listed, "no Display API call on a hit");

    let other = h.get(path, &b.key).await;
    assert_eq!(other.status, 200, "{}", other.text);
    assert_eq!(other.header("x-cache"), Some("miss"), "another tenant never reads this tenant's entry");
    assert!(h.calls("video_list").await > listed);
}
