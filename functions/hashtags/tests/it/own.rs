//! The own source: tenant scope of accounts, the account filter, and a
//! creator whose authorization was revoked.

use crate::common;

use common::{Setup, World};

#[tokio::test]
async fn another_tenants_account_is_not_found() {
    let h = World::start(Setup::default()).await;
    let (a, b) = (h.tenant().await, h.tenant().await);
    h.connect(&a, "chef_maria").await;
    let b_account = h.connect(&b, "travel_tom").await;
    let reply = h.get(&format!("/hashtags/food/analysis?source=own&account_id={b_account}"), &a.key).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    assert_eq!(reply.error_code(), "not_found");
    assert_eq!(h.calls("video_list").await, 0, "no call with anyone's token");
}

#[tokio::test]
async fn a_tenant_without_accounts_is_told_to_connect_one() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    let reply = h.get("/hashtags/food/analysis?source=own", &tenant.key).await;
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.error_code(), "conflict");
}

#[tokio::test]
async fn the_account_filter_analyses_one_creator() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    h.connect(&tenant, "chef_maria").await;
    let tom = h.connect(&tenant, "travel_tom").await;
    let reply =
        h.get(&format!("/hashtags/travel/analysis?source=own&days=30&account_id={tom}"), &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["account_id"], tom.as_str());
    let creators: Vec<&str> = reply.body["metrics"]["top_creators"]
        .as_array()
        .expect("creators")
        .iter()
        .filter_map(|c| c["creator"].as_str())
        .collect();
    assert_eq!(creators, ["travel_tom"]);
}

#[tokio::test]
async fn a_revoked_creator_makes_the_answer_partial_and_is_named() {
    let h = World::start(Setup::default()).await;
    let tenant = h.tenant().await;
    h.connect(&tenant, "chef_maria").await;
    let tom = h.connect(&tenant, "travel_tom").await;
    h.revoke("travel_tom").await;
    let reply = h.get("/hashtags/food/analysis?source=own&days=30", &tenant.key).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["partial"], true);
    assert_eq!(reply.body["partial_reasons"], serde_json::json!(["reauth_required"]));
    assert_eq!(reply.body["reauth_accounts"], serde_json::json!([tom]));
    assert!(
        reply.body["metrics"]["sample"]["videos"].as_u64().expect("videos") > 0,
        "Maria's videos are there"
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}
