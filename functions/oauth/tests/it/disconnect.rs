//! `DELETE /accounts/{id}` through the handler, and the shared disconnect
//! path the `authorization.removed` webhook takes.

use crate::common;

use common::World;
use shared::account::{disconnect, AccountStatus, DisconnectCause};
use shared::post::PostStatus;
use testkit::{accounts::edit_account, posts::scheduled_post};

async fn revoke_calls(w: &World) -> u64 {
    w.app.calls().await["revoke"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn disconnecting_revokes_at_tiktok_deletes_the_tokens_and_holds_scheduled_posts() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let id = w.connect(&tenant, "chef_maria").await;
    let post = scheduled_post(&w.deps.keeper.posts, &tenant.id, &id).await;
    let token = w.deps.keeper.access_token(&id).await.expect("token");

    let reply = w.disconnect(&id, Some(&tenant.key)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.body,
        serde_json::json!({"id": id, "status": "DISCONNECTED", "revoked": true, "held_posts": 1})
    );
    assert_eq!(revoke_calls(&w).await, 1);
    let err = w.app.client.creator_info(&token).await.expect_err("revoked at TikTok");
    assert!(matches!(err.class(), tiktok::ErrorClass::Reauth { .. }), "{err:?}");
    let account = w.account(&id).await;
    assert_eq!(account.status, AccountStatus::Disconnected);
    assert!(
        account.sealed_access_token.is_none() && account.sealed_refresh_token.is_none(),
        "tokens deleted"
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expiring = w.deps.keeper.accounts.expiring(now, now + 86_400 + 3_600).await.expect("query");
    assert!(!expiring.iter().any(|a| a.id == id), "out of the refresh index");
    let held = w.deps.keeper.posts.get(&tenant.id, &post).await.expect("get").expect("post");
    assert_eq!(held.status, PostStatus::Held);

    let again = w.disconnect(&id, Some(&tenant.key)).await;
    assert_eq!(again.status, 200, "repeating is harmless: {}", again.text);
    assert_eq!(again.body["revoked"], false);
    assert_eq!(again.body["held_posts"], 0);
    assert_eq!(revoke_calls(&w).await, 1, "not revoked twice");
}

#[tokio::test]
async fn only_the_owning_tenant_can_disconnect_and_ids_are_parsed() {
    let w = World::start(86_400).await;
    let (a, b) = (w.tenant().await, w.tenant().await);
    let id = w.connect(&a, "travel_tom").await;
    let reply = w.disconnect(&id, Some(&b.key)).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    assert_eq!(reply.error_code(), "not_found");
    let reply = w.disconnect("not-an-id", Some(&a.key)).await;
    assert_eq!(reply.status, 400);
    let reply = w.disconnect(&id, None).await;
    assert_eq!(reply.status, 401);
    assert_eq!(w.account(&id).await.status, AccountStatus::Active);
    assert_eq!(revoke_calls(&w).await, 0);
}

#[tokio::test]
async fn an_undecryptable_token_fails_the_disconnect_and_changes_nothing() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let id = w.connect(&tenant, "quiet_studio").await;
    let post = scheduled_post(&w.deps.keeper.posts, &tenant.id, &id).await;
    // Another account's sealed token: authentic, but bound to that account.
    let other = w.connect(&w.tenant().await, "fit_with_lee").await;
    let moved = w.account(&other).await.sealed_access_token.expect("sealed");
    edit_account(&w.aws.dynamodb(), &w.table, &id, "sealed_access_token", &moved).await;

    let reply = w.disconnect(&id, Some(&tenant.key)).await;
    assert_eq!(reply.status, 500, "{}", reply.text);
    assert_eq!(reply.error_code(), "internal");
    assert!(reply.message().contains("cannot be decrypted"), "{}", reply.message());
    let account = w.account(&id).await;
    assert_eq!(account.status, AccountStatus::Active, "nothing changed");
    assert_eq!(account.sealed_access_token.as_deref(), Some(moved.as_str()));
    let post = w.deps.keeper.posts.get(&tenant.id, &post).await.expect("get").expect("post");
    assert_eq!(post.status, PostStatus::Scheduled);
    assert_eq!(revoke_calls(&w).await, 0, "no bytes of the stored value reached TikTok");
}

#[tokio::test]
async fn removal_at_tiktok_takes_the_same_path_without_revoking() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let id = w.connect(&tenant, "sandbox_creator").await;
    let post = scheduled_post(&w.deps.keeper.posts, &tenant.id, &id).await;
    let account = w.account(&id).await;
    let done =
        disconnect(&w.deps.keeper, &account, DisconnectCause::RemovedAtTikTok).await.expect("disconnect");
    assert!(!done.revoked);
    assert_eq!(done.held_posts, 1);
    assert_eq!(revoke_calls(&w).await, 0);
    let account = w.account(&id).await;
    assert_eq!(account.status, AccountStatus::ReauthRequired, "the workspace may connect it again");
    assert_eq!(account.status_reason.as_deref(), Some(DisconnectCause::RemovedAtTikTok.reason()));
    assert!(account.sealed_refresh_token.is_none());
    let held = w.deps.keeper.posts.get(&tenant.id, &post).await.expect("get").expect("post");
    assert_eq!(held.status, PostStatus::Held);
}

#[tokio::test]
async fn a_disconnected_tiktok_account_can_be_connected_to_another_workspace() {
    let w = World::start(86_400).await;
    let (a, b) = (w.tenant().await, w.tenant().await);
    let id = w.connect(&a, "travel_tom").await;
    let refused = common::location(&w.callback(&w.consent(&b, "travel_tom").await, None).await);
    assert_eq!(common::param(&refused, "error").as_deref(), Some("account_owned_by_another_workspace"));

    let reply = w.disconnect(&id, Some(&a.key)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let theirs = w.connect(&b, "travel_tom").await;
    assert_ne!(theirs, id, "a new account of the other workspace");
    let account = w.account(&theirs).await;
    assert_eq!((account.tenant.as_str(), account.status), (b.id.as_str(), AccountStatus::Active));
    assert_eq!(w.account(&id).await.status, AccountStatus::Disconnected, "the old record stays");
    let owner = w.deps.keeper.accounts.by_open_id(&account.open_id).await.expect("get").expect("owner");
    assert_eq!(owner.id, theirs, "webhooks now reach the new workspace's account");

    // The first workspace cannot take it back while the other holds it.
    let back = common::location(&w.callback(&w.consent(&a, "travel_tom").await, None).await);
    assert_eq!(common::param(&back, "error").as_deref(), Some("account_owned_by_another_workspace"));
}

#[tokio::test]
async fn connecting_again_to_the_same_workspace_continues_the_disconnected_account() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let id = w.connect(&tenant, "chef_maria").await;
    assert_eq!(w.disconnect(&id, Some(&tenant.key)).await.status, 200);
    let again = w.connect(&tenant, "chef_maria").await;
    assert_eq!(again, id, "the same account, not a second one");
    assert_eq!(w.account(&id).await.status, AccountStatus::Active);
}
