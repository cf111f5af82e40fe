//! `authorization.removed`: the account needs re-authorisation, its tokens
//! are deleted and its pending posts held — unless the removal is older than
//! the account's current connection, or the tenant disconnected it first.

use crate::common;

use common::{fixture, World};
use serde_json::json;
use shared::account::{disconnect, AccountStatus, DisconnectCause};
use shared::post::PostStatus;
use time::{Duration, OffsetDateTime};

#[tokio::test]
async fn removal_requires_reauth_deletes_the_tokens_and_holds_pending_posts() {
    let w = World::start().await;
    let account = w.connect("chef_maria").await;
    let soon = w.scheduled_post(&account.id, OffsetDateTime::now_utc() + Duration::hours(2)).await;
    let later = w.scheduled_post(&account.id, OffsetDateTime::now_utc() + Duration::days(3)).await;
    let other_account =
        w.scheduled_post("acct-someone-else", OffsetDateTime::now_utc() + Duration::hours(2)).await;

    // The fixture's body, addressed to this app and creator.
    let mut body: serde_json::Value =
        serde_json::from_str(fixture("removed")["body"].as_str().expect("body")).expect("json");
    body["client_key"] = w.app.client_key.clone().into();
    body["user_openid"] = account.open_id.clone().into();
    body["create_time"] = OffsetDateTime::now_utc().unix_timestamp().into();
    let reply = w.deliver(&body.to_string()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);

    let stored = w.account(&account.id).await;
    assert_eq!(stored.status, AccountStatus::ReauthRequired);
    assert_eq!(stored.status_reason.as_deref(), Some(DisconnectCause::RemovedAtTikTok.reason()));
    assert!(stored.sealed_access_token.is_none() && stored.sealed_refresh_token.is_none(), "tokens deleted");
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let expiring = w.deps.keeper.accounts.expiring(now - 3_600, now + 86_400 * 2).await.expect("query");
    assert!(!expiring.iter().any(|a| a.id == account.id), "out of the refresh index");
    for post in [&soon, &later] {
        let held = w.post(post).await;
        assert_eq!(held.status, PostStatus::Held);
        assert_eq!(held.status_reason.as_deref(), Some(DisconnectCause::RemovedAtTikTok.reason()));
    }
    assert_eq!(w.post(&other_account).await.status, PostStatus::Scheduled, "other accounts untouched");
    assert_eq!(
        w.metric("WebhookApplied", &[("Event", "authorization.removed"), ("Outcome", "account_removed")]),
        1
    );
}

#[tokio::test]
async fn a_removal_older_than_the_current_connection_is_over() {
    let w = World::start().await;
    let account = w.connect("travel_tom").await;
    let post = w.scheduled_post(&account.id, OffsetDateTime::now_utc() + Duration::hours(2)).await;
    // A retry of a removal from before the creator connected again.
    let an_hour_ago = OffsetDateTime::now_utc().unix_timestamp() - 3_600;
    let body = w.body_at("authorization.removed", &account.open_id, json!({"reason": 1}), an_hour_ago);
    assert_eq!(w.deliver(&body).await.status, 200);
    let stored = w.account(&account.id).await;
    assert_eq!(stored.status, AccountStatus::Active);
    assert!(stored.sealed_access_token.is_some());
    assert_eq!(w.post(&post).await.status, PostStatus::Scheduled);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "removal_before_reconnect")]), 1);
}

#[tokio::test]
async fn the_removal_that_follows_a_tenants_disconnect_keeps_it_disconnected() {
    let w = World::start().await;
    let account = w.connect("quiet_studio").await;
    disconnect(&w.deps.keeper, &account, DisconnectCause::Tenant).await.expect("tenant disconnect");
    // TikTok announces the revocation (reason 5) as a removal.
    let body = w.body("authorization.removed", &account.open_id, json!({"reason": 5}));
    assert_eq!(w.deliver(&body).await.status, 200);
    let stored = w.account(&account.id).await;
    assert_eq!(stored.status, AccountStatus::Disconnected);
    assert_eq!(stored.status_reason.as_deref(), Some(DisconnectCause::Tenant.reason()));
}

#[tokio::test]
async fn a_removal_for_a_creator_not_connected_here_is_acknowledged() {
    let w = World::start().await;
    let body = w.body("authorization.removed", "-000not-connected-here", json!({"reason": 1}));
    let reply = w.deliver(&body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(w.metric("WebhookApplied", &[("Outcome", "unknown_account")]), 1);
}
