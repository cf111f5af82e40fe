//! Every way a callback can be wrong is refused clearly, consumes the state
//! where there was one, and leaves no account behind.

use crate::common;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use common::{
    location, param, state_of, Call, Tenant, World, CALLBACK, CALLBACK_DENIED, DEFAULT_RETURN, REDIRECT_URI,
};
use oauth::state::{seal_context, state_key};
use secrecy::{ExposeSecret, SecretString};
use shared::dynamo::s;
use url::Url;

/// Sends TikTok's redirect and returns the `error` the browser is sent back with.
async fn refused(w: &World, back: &Url, bearer: Option<&str>) -> (String, Url) {
    let done = location(&w.callback(back, bearer).await);
    let error = param(&done, "error").unwrap_or_else(|| panic!("refused: {done}"));
    assert!(param(&done, "error_description").is_some_and(|d| !d.is_empty()));
    assert!(param(&done, "account_id").is_none());
    (error, done)
}

async fn no_accounts(w: &World, tenant: &Tenant) {
    assert!(w.deps.keeper.accounts.list(&tenant.id).await.expect("list").is_empty(), "nothing written");
}

#[tokio::test]
async fn a_replayed_state_is_refused_and_the_account_is_untouched() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let back = w.consent(&tenant, "chef_maria").await;
    let id = param(&location(&w.callback(&back, None).await), "account_id").expect("connected");
    let version = w.account(&id).await.token_version;
    let (error, done) = refused(&w, &back, None).await;
    assert_eq!(error, "invalid_state");
    assert!(done.as_str().starts_with(DEFAULT_RETURN));
    assert_eq!(w.token_calls("authorization_code").await, 1, "the replay never reached TikTok");
    assert_eq!(w.account(&id).await.token_version, version);
}

#[tokio::test]
async fn a_forged_state_is_refused_without_calling_tiktok() {
    let w = World::start(86_400).await;
    let forged = Url::parse(&format!(
        "{REDIRECT_URI}?code=code.guess&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    ))
    .expect("url");
    let (error, done) = refused(&w, &forged, None).await;
    assert_eq!(error, "invalid_state");
    assert!(done.as_str().starts_with(DEFAULT_RETURN));
    assert_eq!(w.token_calls("authorization_code").await, 0);
}

#[tokio::test]
async fn an_expired_state_is_refused_and_consumed() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let back = w.consent(&tenant, "chef_maria").await;
    let past = time::OffsetDateTime::now_utc().unix_timestamp() - 1;
    w.edit_state(&state_of(&back), "expires_at", Some(AttributeValue::N(past.to_string()))).await;
    let (error, _) = refused(&w, &back, None).await;
    assert_eq!(error, "expired_state");
    assert!(w.state_item(&state_of(&back)).await.is_none(), "consumed even though expired");
    assert_eq!(w.token_calls("authorization_code").await, 0);
    no_accounts(&w, &tenant).await;
}

#[tokio::test]
async fn a_state_presented_with_another_tenants_credentials_is_refused() {
    let w = World::start(86_400).await;
    let (a, b) = (w.tenant().await, w.tenant().await);
    let back = w.consent(&a, "quiet_studio").await;
    let (error, done) = refused(&w, &back, Some(&b.key)).await;
    assert_eq!(error, "tenant_mismatch");
    assert!(done.as_str().starts_with(DEFAULT_RETURN));
    assert_eq!(refused(&w, &back, None).await.0, "invalid_state", "the state was spent");
    assert_eq!(w.token_calls("authorization_code").await, 0);
    no_accounts(&w, &a).await;
    no_accounts(&w, &b).await;
}

#[tokio::test]
async fn the_login_tenants_own_credentials_are_accepted() {
    let w = World::start(86_400).await;
    let a = w.tenant().await;
    let back = w.consent(&a, "quiet_studio").await;
    let done = location(&w.callback(&back, Some(&a.key)).await);
    assert_eq!(param(&done, "status").as_deref(), Some("connected"), "{done}");
}

#[tokio::test]
async fn a_pending_login_edited_to_another_tenant_does_not_open() {
    let w = World::start(86_400).await;
    let (a, b) = (w.tenant().await, w.tenant().await);
    let back = w.consent(&a, "travel_tom").await;
    w.edit_state(&state_of(&back), "tenant", Some(s(&b.id))).await;
    assert_eq!(refused(&w, &back, None).await.0, "verifier_unavailable");
    assert_eq!(w.token_calls("authorization_code").await, 0);
    no_accounts(&w, &b).await;
}

#[tokio::test]
async fn a_missing_verifier_is_refused() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let back = w.consent(&tenant, "travel_tom").await;
    w.edit_state(&state_of(&back), "sealed_verifier", None).await;
    assert_eq!(refused(&w, &back, None).await.0, "verifier_unavailable");
    assert_eq!(w.token_calls("authorization_code").await, 0);
    no_accounts(&w, &tenant).await;
}

/// Turns a sealed verifier (and its seal context) into a corrupted one.
type Corruption<'a> = Box<dyn Fn(&str, &str) -> String + 'a>;

/// Decryption failures of every kind are refusals, never the stored bytes:
/// even the right verifier stored in clear is not used: no fallback to stored bytes.
#[tokio::test]
async fn every_kind_of_unopenable_verifier_is_refused_without_calling_tiktok() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let ring = w.ring().await;
    let b64 = base64::engine::general_purpose::STANDARD;
    let other_ring =
        shared::vault::KeyRing::new("other", &[("other".to_owned(), b64.encode([7u8; 32]))].into())
            .expect("ring");
    let donor_back = w.consent(&tenant, "chef_maria").await;
    let donor_key = state_key(&state_of(&donor_back));
    let donor_sealed = w.state_item(&state_of(&donor_back)).await.expect("donor")["sealed_verifier"]
        .as_s()
        .expect("sealed")
        .clone();
    let cases: [(&str, Corruption<'_>); 4] = [
        (
            "tampered",
            Box::new(|sealed: &str, _: &str| {
                let mut parts: Vec<String> = sealed.split('.').map(str::to_owned).collect();
                let flipped = if parts[3].starts_with('A') { "B" } else { "A" };
                parts[3].replace_range(0..1, flipped);
                parts.join(".")
            }),
        ),
        (
            "plaintext",
            Box::new(|sealed: &str, context: &str| {
                ring.open(context, sealed).expect("opens").expose_secret().to_owned()
            }),
        ),
        (
            "unknown key",
            Box::new(|sealed: &str, context: &str| {
                let plain = ring.open(context, sealed).expect("opens");
                other_ring.seal(context, &plain).expect("seal")
            }),
        ),
        ("moved from another login", Box::new(|_: &str, _: &str| donor_sealed.clone())),
    ];
    for (kind, corrupt) in cases {
        let back = w.consent(&tenant, "chef_maria").await;
        let state = state_of(&back);
        let key = state_key(&state);
        assert_ne!(key, donor_key);
        let item = w.state_item(&state).await.expect("pending login");
        let sealed = item["sealed_verifier"].as_s().expect("sealed");
        let corrupted = corrupt(sealed, &seal_context(&key, &tenant.id));
        w.edit_state(&state, "sealed_verifier", Some(s(&corrupted))).await;
        assert_eq!(refused(&w, &back, None).await.0, "verifier_unavailable", "{kind}");
    }
    assert_eq!(w.token_calls("authorization_code").await, 0, "no verifier reached TikTok");
    no_accounts(&w, &tenant).await;
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_by_tiktok_and_nothing_is_stored() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let back = w.consent(&tenant, "chef_maria").await;
    let state = state_of(&back);
    let context = seal_context(&state_key(&state), &tenant.id);
    let wrong = SecretString::from("x".repeat(64));
    let sealed = w.ring().await.seal(&context, &wrong).expect("seal");
    w.edit_state(&state, "sealed_verifier", Some(s(&sealed))).await;
    assert_eq!(refused(&w, &back, None).await.0, "token_exchange_failed");
    assert_eq!(w.token_calls("authorization_code").await, 1, "TikTok judged the verifier");
    no_accounts(&w, &tenant).await;
}

#[tokio::test]
async fn access_denied_at_tiktok_goes_back_with_the_error_and_spends_the_state() {
    let w = World::start(86_400).await;
    let tenant = w.tenant().await;
    let mut authorize = location(&w.start_login(&tenant, Some("https://app.example/settings")).await);
    authorize.query_pairs_mut().append_pair("sandbox_deny", "1");
    let back = w.app.authorize("chef_maria", &Url::parse(REDIRECT_URI).expect("url"), &authorize).await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    let path = format!("/oauth/tiktok/callback?{}", back.query().expect("query"));
    let done = location(&w.send(Call::new("GET", &path).fixture(CALLBACK_DENIED)).await);
    assert!(done.as_str().starts_with("https://app.example/settings?error=access_denied"), "{done}");
    assert!(w.state_item(&state_of(&back)).await.is_none());
    no_accounts(&w, &tenant).await;
}

#[tokio::test]
async fn a_callback_without_a_state_or_with_a_code_missing_is_answered_clearly() {
    let w = World::start(86_400).await;
    let reply = w.send(Call::new("GET", "/oauth/tiktok/callback?code=abc").fixture(CALLBACK)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "bad_request");
    let reply = w.send(Call::new("GET", "/oauth/tiktok/callback?state=a&state=b").fixture(CALLBACK)).await;
    assert_eq!(reply.status, 400, "repeated state: {}", reply.text);
    let tenant = w.tenant().await;
    let back = w.consent(&tenant, "chef_maria").await;
    let no_code = Url::parse(&format!("{REDIRECT_URI}?state={}", state_of(&back))).expect("url");
    assert_eq!(refused(&w, &no_code, None).await.0, "invalid_request");
}
