//! The connect flow through the lambda_http handler with the `events/`
//! fixtures, against the local stack and a private TikTok sandbox.

use crate::common;

use base64::Engine;
use common::{enc, location, param, state_of, Call, World, CALLBACK, CONNECT, DEFAULT_RETURN, REDIRECT_URI};
use shared::account::AccountStatus;
use shared::http_surface::SECURITY_HEADERS;

fn assert_security_headers(reply: &common::Reply) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(reply.header(name), Some(value), "{name}");
    }
}

#[tokio::test]
async fn the_full_flow_connects_an_active_sealed_account_and_returns_to_the_allowed_page() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let start = w.start_login(&tenant, Some("https://app.example/settings/tiktok?tab=1")).await;
    assert_security_headers(&start);
    let authorize = location(&start);
    assert!(authorize.as_str().starts_with(&w.app.sandbox.base_url), "{authorize}");
    assert_eq!(authorize.path(), "/v2/auth/authorize/");
    assert_eq!(param(&authorize, "redirect_uri").as_deref(), Some(REDIRECT_URI));
    assert_eq!(param(&authorize, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param(&authorize, "client_key").as_deref(), Some(w.app.client_key.as_str()));
    let state = state_of(&authorize);
    let bits = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&state).expect("base64url").len() * 8;
    assert!(bits >= 128, "state carries {bits} bits");

    let item = w.state_item(&state).await.expect("pending login stored");
    let stored = format!("{item:?}");
    assert!(!stored.contains(&state), "the state itself is not stored");
    assert_eq!(item["tenant"].as_s().expect("tenant"), &tenant.id);
    assert!(item["sealed_verifier"].as_s().expect("sealed").starts_with("v1.test-1."));
    let expires: i64 = item["expires_at"].as_n().expect("ttl").parse().expect("number");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now + 590..=now + 610).contains(&expires), "expires in ten minutes: {}", expires - now);

    let back = w.app.authorize("chef_maria", &url::Url::parse(REDIRECT_URI).expect("url"), &authorize).await;
    let done = w.callback(&back, None).await;
    assert_security_headers(&done);
    let done = location(&done);
    assert!(
        done.as_str().starts_with("https://app.example/settings/tiktok?tab=1&status=connected"),
        "{done}"
    );
    let account = w.account(&param(&done, "account_id").expect("account id")).await;
    assert_eq!(account.tenant, tenant.id);
    assert_eq!(account.status, AccountStatus::Active);
    assert_eq!(account.scopes.len(), 4, "{:?}", account.scopes);
    assert!(!account.display_name.is_empty(), "profile read");
    assert!(account.sealed_refresh_token.as_deref().is_some_and(|t| t.starts_with("v1.test-1.")));
    let token = w.deps.keeper.access_token(&account.id).await.expect("token opens");
    let info = w.app.client.creator_info(&token).await.expect("the stored token works at TikTok");
    assert_eq!(info.creator_username, "chef_maria");
    assert!(w.state_item(&state).await.is_none(), "the state is consumed");
}

#[tokio::test]
async fn api_clients_asking_for_json_get_the_authorize_url() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let call = Call::new("GET", "/connect/tiktok").fixture(CONNECT).bearer(&tenant.key);
    let reply = w.send(call.header("accept", "application/json")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let url = url::Url::parse(reply.body["authorize_url"].as_str().expect("authorize_url")).expect("url");
    assert!(w.state_item(&state_of(&url)).await.is_some());
    assert_eq!(reply.body["expires_in"], 600);
}

#[tokio::test]
async fn connecting_requires_an_api_key() {
    let w = World::start(86_400).await;
    let reply = w.send(Call::new("GET", "/connect/tiktok").fixture(CONNECT)).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error_code(), "unauthorized");
    let reply = w.send(Call::new("GET", "/connect/tiktok").fixture(CONNECT).bearer("tk_nope_nope")).await;
    assert_eq!(reply.status, 401);
    assert_security_headers(&reply);
}

#[tokio::test]
async fn reconnecting_updates_the_account_and_another_workspace_is_refused() {
    let w = World::start(86_400).await;
    let (a, b) = (w.tenant().await, w.tenant().await);
    let first = w.connect(&a, "travel_tom").await;
    let version = w.account(&first).await.token_version;
    assert_eq!(w.connect(&a, "travel_tom").await, first, "same account");
    assert_eq!(w.account(&first).await.token_version, version + 1, "fresh tokens stored");

    let back = w.consent(&b, "travel_tom").await;
    let done = location(&w.callback(&back, None).await);
    assert_eq!(param(&done, "error").as_deref(), Some("account_owned_by_another_workspace"), "{done}");
    assert!(done.as_str().starts_with(DEFAULT_RETURN));
    assert!(w.deps.keeper.accounts.list(&b.id).await.expect("list").is_empty());
    assert_eq!(w.account(&first).await.tenant, a.id, "still tenant a's");
}

#[tokio::test]
async fn open_redirect_attempts_are_refused_before_anything_is_stored() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    for evil in [
        "https://evil.example",
        "//evil.example",
        "javascript:alert(document.cookie)",
        "https://app.example@evil.example/connected",
        "https://app.example/connected/../../admin",
        "/connected",
        "http://app.example/connected",
    ] {
        let reply = w.start_login(&tenant, Some(evil)).await;
        assert_eq!(reply.status, 400, "{evil}: {}", reply.text);
        assert_eq!(reply.error_code(), "bad_request");
        assert!(reply.header("location").is_none(), "{evil}");
    }
    let calls = w.app.calls().await;
    assert!(calls.get("authorize").is_none_or(|n| n == 0), "{calls}");
    let repeated = format!(
        "/connect/tiktok?return_to={}&return_to={}",
        enc(DEFAULT_RETURN),
        enc("https://evil.example")
    );
    let reply = w.send(Call::new("GET", &repeated).fixture(CONNECT).bearer(&tenant.key)).await;
    assert_eq!(reply.status, 400, "a repeated parameter is refused: {}", reply.text);
}

#[tokio::test]
async fn a_stored_return_to_that_is_no_longer_allowed_falls_back_to_the_default_page() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let back = w.consent(&tenant, "fit_with_lee").await;
    w.edit_state(&state_of(&back), "return_to", Some(shared::dynamo::s("https://evil.example/steal"))).await;
    let done = location(&w.callback(&back, None).await);
    assert!(done.as_str().starts_with(&format!("{DEFAULT_RETURN}?status=connected")), "{done}");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let w = World::start(86_400).await;
    let reply = w.send(Call::new("GET", "/connect/instagram").fixture(CONNECT)).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "not_found");
    let reply = w.send(Call::new("POST", "/oauth/tiktok/callback").fixture(CALLBACK)).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET"));
    assert_security_headers(&reply);
}

#[tokio::test]
async fn a_tenants_connects_and_disconnects_are_limited_per_minute() {
    let w = World::with(86_400, &[("OAUTH_CONNECTS_PER_MINUTE", "2")]).await;
    let tenant = w.tenant().await;
    // In one UTC minute: each minute has its own counter.
    let second = time::OffsetDateTime::now_utc().unix_timestamp().rem_euclid(60);
    if second > 45 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
    for _ in 0..2 {
        assert_eq!(w.start_login(&tenant, None).await.status, 302);
    }
    let refused = w.start_login(&tenant, None).await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.error_code(), "too_many_requests");
    assert!(refused
        .header("retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|s| (1..=60).contains(&s)));
    assert_security_headers(&refused);
    let disconnect = w.disconnect("01ARZ3NDEKTSV4RRFFQ69G5FAV", Some(&tenant.key)).await;
    assert_eq!(disconnect.status, 429, "{}", disconnect.text);
    // Another tenant has its own share.
    let other = w.tenant().await;
    assert_eq!(w.start_login(&other, None).await.status, 302);
}
