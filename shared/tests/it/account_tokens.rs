//! Accounts and their tokens against the local stack and a private TikTok
//! sandbox: connect, tenant ownership, sealed storage, refresh under a lease,
//! rejected refresh, and the expiry index.

use std::sync::Arc;
use std::time::Duration;

use shared::account::{AccountStatus, AccountStore, ConnectError, Connection, TokenError, TokenKeeper};
use shared::aws::Aws;
use shared::config::StackConfig;
use shared::post::PostStore;
use shared::vault::SecretCache;
use testkit::tiktok::SandboxApp;

struct World {
    app: SandboxApp,
    keeper: Arc<TokenKeeper>,
    secrets: Arc<SecretCache>,
}

async fn world(access_ttl: i64) -> World {
    let config = StackConfig::from_env().expect("stack env; run through `make test`");
    let aws = Aws::load(&config).await;
    let app = SandboxApp::start(&aws, |s| s.access_token_ttl_secs = access_ttl).await;
    let secrets = Arc::new(SecretCache::new(aws.secrets(), &app.secret_id, Duration::from_secs(60)));
    let keeper = Arc::new(TokenKeeper {
        accounts: AccountStore::new(aws.dynamodb(), &config.table_name),
        posts: PostStore::new(aws.dynamodb(), &config.table_name),
        secrets: Arc::clone(&secrets),
        client: app.client.clone(),
        owner: "test".into(),
    });
    World { app, keeper, secrets }
}

async fn connect(w: &World, tenant: &str, username: &str) -> shared::account::Account {
    let tokens = w.app.tokens_for(username).await;
    let ring = w.secrets.get().await.expect("secret").ring.clone();
    w.keeper
        .accounts
        .connect(Connection { tenant, display_name: username, avatar_url: "", tokens: &tokens }, &ring)
        .await
        .expect("connect")
}

fn tenant() -> String {
    format!("t{}", ulid::Ulid::new())
}

#[tokio::test]
async fn connected_tokens_are_stored_sealed_and_open_to_a_working_token() {
    let w = world(86_400).await;
    let tenant = tenant();
    let account = connect(&w, &tenant, "chef_maria").await;
    let sealed = account.sealed_access_token.clone().expect("sealed");
    assert!(sealed.starts_with("v1.test-1."), "sealed with the current key");
    let token = w.keeper.access_token(&account.id).await.expect("token");
    assert!(!sealed.contains(token.expose_secret()), "never stored in clear");
    let info = w.app.client.creator_info(&token).await.expect("creator_info with the vault's token");
    assert_eq!(info.creator_username, "chef_maria");
    assert_eq!(w.app.calls().await["token.refresh_token"].as_u64().unwrap_or(0), 0, "no refresh needed");
}

#[tokio::test]
async fn reconnecting_updates_the_account_and_another_tenant_is_refused() {
    let w = world(86_400).await;
    let (a, b) = (tenant(), tenant());
    let first = connect(&w, &a, "travel_tom").await;
    let again = connect(&w, &a, "travel_tom").await;
    assert_eq!(first.id, again.id, "same account updated");
    assert_eq!(again.token_version, first.token_version + 1);
    let tokens = w.app.tokens_for("travel_tom").await;
    let ring = w.secrets.get().await.expect("secret").ring.clone();
    let err = w
        .keeper
        .accounts
        .connect(Connection { tenant: &b, display_name: "x", avatar_url: "", tokens: &tokens }, &ring)
        .await
        .expect_err("owned by tenant a");
    assert!(matches!(err, ConnectError::OwnedByAnotherTenant), "{err:?}");
    assert!(w.keeper.accounts.get_for_tenant(&b, &first.id).await.expect("get").is_none());
    assert_eq!(w.keeper.accounts.list(&a).await.expect("list").len(), 1);
}

#[tokio::test]
async fn eight_concurrent_callers_cause_exactly_one_refresh_and_all_get_a_working_token() {
    // Tokens live 60 s: inside the refresh margin, so the first use refreshes.
    let w = world(60).await;
    let account = connect(&w, &tenant(), "fit_with_lee").await;
    // The refreshed token lives a day, so one refresh serves everyone.
    let mut settings = w.app.admin_get("/_sandbox/settings").await;
    settings["access_token_ttl_secs"] = 86_400.into();
    w.app.admin_put("/_sandbox/settings", settings).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let keeper = Arc::clone(&w.keeper);
            let id = account.id.clone();
            tokio::spawn(async move { keeper.access_token(&id).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.expect("join").expect("token"));
    }
    let calls = w.app.calls().await;
    assert_eq!(calls["token.refresh_token"], 1, "exactly one refresh reached TikTok: {calls}");
    for token in &tokens {
        assert_eq!(token.expose_secret(), tokens[0].expose_secret(), "all hold the new token");
        w.app.client.creator_info(token).await.expect("the token works");
    }
    let stored = w.keeper.accounts.get(&account.id).await.expect("get").expect("exists");
    assert_eq!(stored.token_version, account.token_version + 1);
    assert!(stored.refresh_lease_owner.is_none(), "lease released");
}

#[tokio::test]
async fn a_refused_refresh_requires_reauth_and_holds_pending_posts() {
    let w = world(60).await;
    let tenant = tenant();
    let account = connect(&w, &tenant, "quiet_studio").await;
    let post = pending_post(&w, &tenant, &account.id).await;
    w.app.admin_post(&format!("/_sandbox/accounts/{}/revoke", account.open_id), serde_json::json!({})).await;

    let err = w.keeper.access_token(&account.id).await.expect_err("refresh refused");
    assert!(matches!(err, TokenError::ReauthRequired(_)), "{err:?}");
    let stored = w.keeper.accounts.get(&account.id).await.expect("get").expect("exists");
    assert_eq!(stored.status, AccountStatus::ReauthRequired);
    assert!(stored.status_reason.as_deref().unwrap_or_default().contains("refused the token refresh"));
    let held = w.keeper.posts.get(&tenant, &post).await.expect("get").expect("post");
    assert_eq!(held.status, shared::post::PostStatus::Held);
    assert!(held.status_reason.as_deref().unwrap_or_default().contains("refused"));
}

#[tokio::test]
async fn accounts_near_expiry_are_found_through_the_index() {
    let w = world(1_800).await;
    let account = connect(&w, &tenant(), "sandbox_creator").await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let soon = w.keeper.accounts.expiring(now, now + 3_600).await.expect("query");
    assert!(soon.iter().any(|a| a.id == account.id));
    let later = w.keeper.accounts.expiring(now, now + 60).await.expect("query");
    assert!(!later.iter().any(|a| a.id == account.id), "expires in 30 min, not within a minute");
}

async fn pending_post(w: &World, tenant: &str, account_id: &str) -> String {
    use foundation::time_format::rfc3339;
    use shared::post::{Post, PostSettings, PostStatus};
    let now = time::OffsetDateTime::now_utc();
    let post = Post {
        id: ulid::Ulid::new().to_string(),
        tenant: tenant.to_owned(),
        account_id: account_id.to_owned(),
        settings: PostSettings { caption: "c".into(), ..PostSettings::video("SELF_ONLY") },
        scheduled_at: rfc3339(now + time::Duration::hours(2)),
        status: PostStatus::Scheduled,
        history: vec![],
        publish_id: None,
        post_ids: vec![],
        lease_owner: None,
        lease_expires_at: None,
        attempts: 0,
        status_reason: None,
        created_at: rfc3339(now),
        updated_at: rfc3339(now),
    };
    w.keeper.posts.create(&post).await.expect("create");
    post.id
}
