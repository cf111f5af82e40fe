//! Contract tests, OAuth: the real `tiktok` client against the sandbox over HTTP —
//! login URL, authorize redirect, code exchange (PKCE in both encodings), refresh through
//! the persist step with rotation, revoke, client-credentials tokens and user info.

use crate::client_support;

use std::sync::{Arc, Mutex};

use serde_json::json;
use tiktok::pkce::{SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_PUBLISH};
use tiktok::{ErrorClass, PkceEncoding, ReauthReason, RefreshError, RefreshToken, TikTokError, TokenSet};

use client_support::*;

fn query_value(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Refreshes with `token`, recording every refresh token the persist step is handed.
async fn refresh_recording(
    h: &World,
    token: &RefreshToken,
    stored: &Arc<Mutex<Vec<String>>>,
) -> Result<tiktok::AccessToken, RefreshError<String>> {
    let store = stored.clone();
    h.client
        .refresh(&h.app, token, async move |tokens: &TokenSet| {
            store.lock().map_err(|e| e.to_string())?.push(tokens.refresh_token.expose_secret().to_owned());
            Ok::<(), String>(())
        })
        .await
}

fn reauth_reason(err: &TikTokError) -> ReauthReason {
    match err {
        TikTokError::Reauth { reason, .. } => *reason,
        other => panic!("expected Reauth, got {other:?}"),
    }
}

#[tokio::test]
async fn authorize_redirect_returns_the_login_state_code_and_scopes() {
    let h = world().await;
    let scopes = [SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_PUBLISH];
    let login = h.client.start_login(&h.app.client_key, &redirect_uri(), &scopes).unwrap();
    assert_eq!(login.authorize_url.path(), "/v2/auth/authorize/");
    let callback = h.authorize(&login, "sandbox_creator").await;
    assert!(login.state.matches(&callback.state), "the callback carries the login's state");
    assert!(callback.code.expose_secret().starts_with("code."));
    assert_eq!(callback.scopes, "user.info.basic,video.publish");
    assert_eq!(h.calls("authorize").await, 1);
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied_and_no_code() {
    let h = world().await;
    let login = h.client.start_login(&h.app.client_key, &redirect_uri(), ALL_SCOPES).unwrap();
    let params = h.authorize_params(&login, &[("sandbox_deny", "1")]).await;
    assert_eq!(params.get("error").map(String::as_str), Some("access_denied"));
    assert!(!params.contains_key("code"));
    assert!(login.state.matches(&params["state"]));
}

#[tokio::test]
async fn code_exchange_with_base64url_pkce_issues_the_documented_token_set() {
    let h = world().await;
    let login = h.client.start_login(&h.app.client_key, &redirect_uri(), ALL_SCOPES).unwrap();
    let challenge = query_value(&login.authorize_url, "code_challenge").unwrap();
    assert_eq!(challenge.len(), 43, "base64url of SHA-256 without padding");
    assert_eq!(query_value(&login.authorize_url, "code_challenge_method").as_deref(), Some("S256"));
    let callback = h.authorize(&login, "sandbox_creator").await;
    let tokens =
        h.client.exchange_code(&h.app, &callback.code, &redirect_uri(), &login.verifier).await.unwrap();
    assert_eq!(tokens.open_id, h.creator("sandbox_creator").await["open_id"]);
    assert_eq!(tokens.expires_in, 86_400);
    assert_eq!(tokens.refresh_expires_in, 31_536_000);
    assert_eq!(tokens.scopes().collect::<Vec<_>>(), ALL_SCOPES);
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(h.calls("token.authorization_code").await, 1);
}

#[tokio::test]
async fn code_exchange_with_hex_pkce_is_accepted() {
    let h = world_with(PkceEncoding::Hex).await;
    let login = h.client.start_login(&h.app.client_key, &redirect_uri(), ALL_SCOPES).unwrap();
    let challenge = query_value(&login.authorize_url, "code_challenge").unwrap();
    assert_eq!(challenge.len(), 64);
    assert!(challenge.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    let callback = h.authorize(&login, "chef_maria").await;
    let tokens =
        h.client.exchange_code(&h.app, &callback.code, &redirect_uri(), &login.verifier).await.unwrap();
    assert_eq!(tokens.open_id, h.creator("chef_maria").await["open_id"]);
}

#[tokio::test]
async fn wrong_pkce_verifier_is_reauth_invalid_grant() {
    let h = world().await;
    let login = h.client.start_login(&h.app.client_key, &redirect_uri(), ALL_SCOPES).unwrap();
    let other = h.client.start_login(&h.app.client_key, &redirect_uri(), ALL_SCOPES).unwrap();
    let callback = h.authorize(&login, "sandbox_creator").await;
    let err = failed(h.client.exchange_code(&h.app, &callback.code, &redirect_uri(), &other.verifier).await);
    assert_eq!(answer(&err), (Some(400), "invalid_grant"));
    assert_eq!(reauth_reason(&err), ReauthReason::GrantRejected);
    assert!(err.log_id().is_some(), "TikTok's log_id is kept for support");
}

#[tokio::test]
async fn authorization_code_is_single_use() {
    let h = world().await;
    let login = h.client.start_login(&h.app.client_key, &redirect_uri(), ALL_SCOPES).unwrap();
    let callback = h.authorize(&login, "sandbox_creator").await;
    h.client.exchange_code(&h.app, &callback.code, &redirect_uri(), &login.verifier).await.unwrap();
    let err = failed(h.client.exchange_code(&h.app, &callback.code, &redirect_uri(), &login.verifier).await);
    assert_eq!(answer(&err), (Some(400), "invalid_grant"));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
}

#[tokio::test]
async fn refresh_persists_the_rotated_token_and_the_old_one_is_reauth() {
    let h = world().await;
    let first = h.connect("sandbox_creator").await;
    let stored = Arc::new(Mutex::new(Vec::new()));
    let access = refresh_recording(&h, &first.refresh_token, &stored).await.unwrap();

    let persisted = stored.lock().unwrap().clone();
    assert_eq!(persisted.len(), 1, "the persist step ran once");
    assert_ne!(persisted[0], first.refresh_token.expose_secret(), "the refresh token rotated");
    assert_ne!(access.expose_secret(), first.access_token.expose_secret());
    assert_eq!(h.client.user_info(&access).await.unwrap().open_id, first.open_id);

    let err = match refresh_recording(&h, &first.refresh_token, &stored).await {
        Err(RefreshError::TikTok(err)) => err,
        other => panic!("the old refresh token must be refused: {other:?}"),
    };
    assert_eq!(answer(&err), (Some(400), "invalid_grant"));
    assert_eq!(err.class(), ErrorClass::Reauth { refresh_may_help: false });
    assert_eq!(stored.lock().unwrap().len(), 1, "nothing persisted after a refused refresh");

    let newest = RefreshToken::new(persisted[0].clone());
    refresh_recording(&h, &newest, &stored).await.expect("the persisted token refreshes");
    assert_eq!(h.calls("token.refresh_token").await, 3);
}

#[tokio::test]
async fn failed_persist_withholds_the_access_token_until_persisted_again() {
    let h = world().await;
    let first = h.connect("sandbox_creator").await;
    let result = h
        .client
        .refresh(&h.app, &first.refresh_token, async |_: &TokenSet| Err::<(), _>("table unavailable"))
        .await;
    let Err(RefreshError::Persist(failed_persist)) = result else { panic!("persist failure expected") };
    assert_eq!(failed_persist.error, "table unavailable");

    // TikTok already rotated: the presented refresh token is dead.
    let stored = Arc::new(Mutex::new(Vec::new()));
    assert!(matches!(
        refresh_recording(&h, &first.refresh_token, &stored).await,
        Err(RefreshError::TikTok(TikTokError::Reauth { reason: ReauthReason::GrantRejected, .. }))
    ));
    let access = failed_persist.tokens.persist(async |_: &TokenSet| Ok::<(), ()>(())).await.unwrap();
    assert_eq!(h.client.user_info(&access).await.unwrap().open_id, first.open_id);
}

#[tokio::test]
async fn expired_refresh_token_is_reauth_invalid_grant() {
    let h = world().await;
    h.settings(json!({"refresh_token_ttl_secs": 60})).await;
    let tokens = h.connect("sandbox_creator").await;
    assert_eq!(tokens.refresh_expires_in, 60, "lifetimes come from the response");
    h.advance_clock(61).await;
    let stored = Arc::new(Mutex::new(Vec::new()));
    match refresh_recording(&h, &tokens.refresh_token, &stored).await {
        Err(RefreshError::TikTok(err)) => assert_eq!(answer(&err), (Some(400), "invalid_grant")),
        other => panic!("expired refresh token must be refused: {other:?}"),
    }
}

#[tokio::test]
async fn revoke_ends_access_and_refresh_tokens() {
    let h = world().await;
    let tokens = h.connect("sandbox_creator").await;
    h.client.revoke(&h.app, &tokens.access_token).await.unwrap();
    assert_eq!(h.calls("revoke").await, 1);

    let err = failed(h.client.user_info(&tokens.access_token).await);
    assert_eq!(answer(&err), (Some(401), "access_token_invalid"));
    let stored = Arc::new(Mutex::new(Vec::new()));
    assert!(matches!(
        refresh_recording(&h, &tokens.refresh_token, &stored).await,
        Err(RefreshError::TikTok(TikTokError::Reauth { reason: ReauthReason::GrantRejected, .. }))
    ));
}

#[tokio::test]
async fn client_credentials_token_is_issued_for_the_app() {
    let h = world().await;
    let token = h.client.client_token(&h.app).await.unwrap();
    assert_eq!(token.expires_in, 7200);
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(h.calls("token.client_credentials").await, 1);
    // An app token names no creator: user endpoints refuse it.
    let err = failed(h.client.user_info(&token.access_token).await);
    assert!(matches!(err.class(), ErrorClass::Reauth { .. }), "{err:?}");
}

#[tokio::test]
async fn user_info_names_the_connected_creator() {
    let h = world().await;
    let token = h.token("travel_tom").await;
    let creator = h.creator("travel_tom").await;
    let user = h.client.user_info(&token).await.unwrap();
    assert_eq!(user.open_id, creator["open_id"]);
    assert_eq!(user.union_id.as_deref(), creator["union_id"].as_str());
    assert_eq!(user.display_name.as_deref(), Some("Travel Tom"));
    assert_eq!(user.avatar_url.as_deref(), creator["avatar_url"].as_str());
    assert_eq!(h.calls("user_info").await, 1);
}

#[tokio::test]
async fn wrong_app_secret_is_permanent_invalid_client() {
    let h = world().await;
    let wrong = tiktok::AppCredentials {
        client_key: tiktok::ClientKey(KEY.into()),
        client_secret: tiktok::ClientSecret::new("not-the-secret"),
    };
    let err = failed(h.client.client_token(&wrong).await);
    assert_eq!(answer(&err), (Some(401), "invalid_client"));
    assert_eq!(err.class(), ErrorClass::Permanent);
}
