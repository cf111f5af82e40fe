//! Scheduled runs of the token refresher through its Lambda handler, with
//! the `events/` fixture, against the local stack and a private sandbox.
//!
//! Other tests share the table, so a run also meets their accounts (which
//! this app's keys cannot open): assertions are about this test's account
//! and this test's sandbox only.

use crate::common;

use std::sync::Arc;

use base64::Engine;
use common::{outcomes, tenant, World};
use secrecy::ExposeSecret;
use shared::account::AccountStatus;
use shared::post::PostStatus;
use testkit::{accounts::edit_account, posts::scheduled_post};

#[test]
fn the_fixture_is_a_scheduled_eventbridge_event() {
    let event = common::scheduled_event().payload;
    assert_eq!(event.detail_type, "Scheduled Event");
    assert_eq!(event.source, "aws.events");
    assert!(event.resources.unwrap_or_default()[0].contains(":rule/"));
}

#[tokio::test]
async fn tokens_nearing_expiry_are_refreshed_and_each_outcome_is_one_metric_line() {
    // 20 minutes: beyond the keeper's 10-minute margin, inside the 30-minute window.
    let w = World::start(1_200).await;
    let account = w.connect(&tenant(), "chef_maria").await;
    let far = World::start(86_400).await;
    let untouched = far.connect(&tenant(), "travel_tom").await;
    w.issue_tokens_living(86_400).await;

    let summary = w.run().await;
    assert!(summary.found >= 1 && summary.refreshed >= 1, "{summary:?}");
    assert_eq!(w.refresh_calls().await, 1);
    let refreshed = w.account(&account.id).await;
    assert_eq!(refreshed.token_version, account.token_version + 1);
    assert!(refreshed.access_expires_at > account.access_expires_at + 3_600);
    assert!(w.released(&refreshed), "lease released");
    let token = w.deps.keeper.access_token(&account.id).await.expect("token");
    w.app.client.creator_info(&token).await.expect("the refreshed token works");

    assert_eq!(far.refresh_calls().await, 0, "a token living a day is outside the window");
    assert_eq!(far.account(&untouched.id).await.token_version, untouched.token_version);

    let lines = w.metrics.lines();
    assert_eq!(lines.len(), 5, "one line per outcome: {lines:?}");
    let counts = outcomes(&lines);
    assert_eq!(counts["refreshed"], summary.refreshed as f64);
    assert_eq!(counts["failed"], summary.failed as f64);
    for key in ["not_needed", "reauth_required", "deferred"] {
        assert!(counts.contains_key(key), "{key}");
    }
    w.retire(&[account.id]).await;
    far.retire(&[untouched.id]).await;
}

#[tokio::test]
async fn eight_concurrent_runs_refresh_one_account_once_and_all_get_a_working_token() {
    let w = Arc::new(World::start(60).await);
    let account = w.connect(&tenant(), "fit_with_lee").await;
    w.issue_tokens_living(86_400).await;
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let w = Arc::clone(&w);
            tokio::spawn(async move { w.run().await })
        })
        .collect();
    for run in runs {
        run.await.expect("join");
    }
    assert_eq!(w.refresh_calls().await, 1, "exactly one refresh reached TikTok");
    let stored = w.account(&account.id).await;
    assert_eq!(stored.token_version, account.token_version + 1);
    let tokens: Vec<_> = (0..8)
        .map(|_| {
            let w = Arc::clone(&w);
            let id = account.id.clone();
            tokio::spawn(async move { w.deps.keeper.access_token(&id).await })
        })
        .collect();
    let mut first = None;
    for t in tokens {
        let token = t.await.expect("join").expect("token");
        let first = first.get_or_insert_with(|| token.expose_secret().to_owned());
        assert_eq!(token.expose_secret(), first, "everyone holds the new token");
        w.app.client.creator_info(&token).await.expect("the token works");
    }
    assert_eq!(w.refresh_calls().await, 1);
    w.retire(&[account.id]).await;
}

#[tokio::test]
async fn a_refused_refresh_requires_reauth_and_holds_pending_posts() {
    let w = World::start(60).await;
    let tenant = tenant();
    let account = w.connect(&tenant, "quiet_studio").await;
    let post = scheduled_post(&w.deps.keeper.posts, &tenant, &account.id).await;
    w.app.admin_post(&format!("/_sandbox/accounts/{}/revoke", account.open_id), serde_json::json!({})).await;

    let summary = w.run().await;
    let listed = summary.unrefreshed.iter().find(|u| u.account_id == account.id).expect("listed");
    assert_eq!(listed.kind, "reauth_required");
    assert!(summary.reauth_required >= 1);
    assert!(outcomes(&w.metrics.lines())["reauth_required"] >= 1.0);
    let stored = w.account(&account.id).await;
    assert_eq!(stored.status, AccountStatus::ReauthRequired);
    assert!(stored.status_reason.unwrap_or_default().contains("refused the token refresh"));
    let held = w.deps.keeper.posts.get(&tenant, &post).await.expect("get").expect("post");
    assert_eq!(held.status, PostStatus::Held);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expiring = w.deps.keeper.accounts.expiring(now - 3_600, now + 3_600).await.expect("query");
    assert!(!expiring.iter().any(|a| a.id == account.id), "left the refresh index");
}

#[tokio::test]
async fn a_run_about_to_time_out_defers_its_accounts_to_the_next_run() {
    let w = World::start(60).await;
    let account = w.connect(&tenant(), "travel_tom").await;
    let mut event = common::scheduled_event();
    let soon = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    event.context.deadline =
        soon.duration_since(std::time::UNIX_EPOCH).expect("after the epoch").as_millis() as u64;
    let summary = token_refresher::handle(event, &w.deps).await.expect("run");
    assert!(summary.found >= 1);
    assert_eq!(summary.deferred, summary.found, "nothing started within the last 10 s: {summary:?}");
    assert_eq!(outcomes(&w.metrics.lines())["deferred"], summary.deferred as f64);
    assert_eq!(w.refresh_calls().await, 0);
    assert_eq!(w.account(&account.id).await.token_version, account.token_version);
    w.retire(&[account.id]).await;
}

/// Decryption failures of every kind are typed failures, never the stored
/// bytes sent to TikTok, and the account stays as it was.
#[tokio::test]
async fn every_kind_of_undecryptable_token_fails_with_its_kind_and_changes_nothing() {
    let w = World::start(60).await;
    let tenant = tenant();
    let ring = w.deps.keeper.secrets.get().await.expect("secret").ring.clone();
    let other = shared::vault::KeyRing::new(
        "old-key",
        &[("old-key".to_owned(), base64::engine::general_purpose::STANDARD.encode([3u8; 32]))].into(),
    )
    .expect("ring");
    let donor = w.connect(&tenant, "sandbox_creator").await;
    let mut cases = Vec::new();
    for (kind, username) in [
        ("vault_undecryptable", "chef_maria"),
        ("vault_unknown_key", "travel_tom"),
        ("vault_malformed", "fit_with_lee"),
        ("vault_undecryptable", "quiet_studio"),
    ] {
        let account = w.connect(&tenant, username).await;
        let sealed = account.sealed_refresh_token.clone().expect("sealed");
        let plain = ring.open(&account.id, &sealed).expect("opens");
        let corrupted = match (kind, username) {
            ("vault_undecryptable", "chef_maria") => {
                let mut parts: Vec<String> = sealed.split('.').map(str::to_owned).collect();
                let flipped = if parts[3].starts_with('A') { "B" } else { "A" };
                parts[3].replace_range(0..1, flipped);
                parts.join(".")
            }
            ("vault_unknown_key", _) => other.seal(&account.id, &plain).expect("seal"),
            // The right token stored in clear: never used, no fallback to stored bytes.
            ("vault_malformed", _) => plain.expose_secret().to_owned(),
            // Another account's sealed token, moved here.
            _ => donor.sealed_refresh_token.clone().expect("donor"),
        };
        edit_account(&w.aws.dynamodb(), &w.table, &account.id, "sealed_refresh_token", &corrupted).await;
        cases.push((kind, account, corrupted));
    }
    // The donor is intact: its refresh is the only one that reaches TikTok.
    w.issue_tokens_living(86_400).await;

    let summary = w.run().await;
    for (kind, account, corrupted) in &cases {
        let listed = summary.unrefreshed.iter().find(|u| u.account_id == account.id).expect("listed");
        assert_eq!(&listed.kind, kind, "{}", account.display_name);
        let stored = w.account(&account.id).await;
        assert_eq!(stored.status, AccountStatus::Active, "not a re-auth: the grant may be fine");
        assert_eq!(stored.sealed_refresh_token.as_deref(), Some(corrupted.as_str()));
        assert_eq!(stored.token_version, account.token_version);
        assert!(w.released(&stored), "lease released");
    }
    assert!(summary.failed >= 4);
    assert_eq!(w.refresh_calls().await, 1, "only the intact donor reached TikTok");
    let mut ids: Vec<String> = cases.into_iter().map(|(_, a, _)| a.id).collect();
    ids.push(donor.id);
    w.retire(&ids).await;
}
