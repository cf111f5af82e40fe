use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn authorize_redirects_with_code_scopes_and_state() {
    let env = env().await;
    let params = env
        .authorize(&[("code_challenge", &b64_challenge(VERIFIER)), ("code_challenge_method", "S256")])
        .await;
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert!(get("code").is_some());
    assert_eq!(get("scopes").as_deref(), Some(ALL_SCOPES));
    assert_eq!(get("state").as_deref(), Some("st-123"));
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let env = env().await;
    let params = env.authorize(&[("sandbox_deny", "1")]).await;
    assert!(params.contains(&("error".into(), "access_denied".into())));
    assert!(params.iter().any(|(k, _)| k == "error_description"));
    assert!(!params.iter().any(|(k, _)| k == "code"));
}

#[tokio::test]
async fn code_exchange_with_base64url_pkce_issues_flat_tokens() {
    let env = env().await;
    let body = env.connect("sandbox_creator").await;
    for field in [
        "access_token",
        "expires_in",
        "open_id",
        "refresh_token",
        "refresh_expires_in",
        "scope",
        "token_type",
    ] {
        assert!(body.get(field).is_some(), "missing {field} in {body}");
    }
    assert_eq!(body["expires_in"], 86_400);
    assert_eq!(body["refresh_expires_in"], 31_536_000);
    assert_eq!(body["scope"], ALL_SCOPES);
}

#[tokio::test]
async fn code_exchange_accepts_hex_pkce() {
    let env = env().await;
    let code = env.code("sandbox_creator", &hex_challenge(VERIFIER)).await;
    let form = [
        ("code", code.as_str()),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = env.token(&form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn wrong_verifier_is_invalid_grant() {
    let env = env().await;
    let code = env.code("sandbox_creator", &b64_challenge(VERIFIER)).await;
    let wrong = "another-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
    let form = [
        ("code", code.as_str()),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", wrong),
    ];
    let (status, body) = env.token(&form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["log_id"].is_string());
}

#[tokio::test]
async fn code_is_single_use() {
    let env = env().await;
    let code = env.code("sandbox_creator", &b64_challenge(VERIFIER)).await;
    let form = [
        ("code", code.as_str()),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    assert_eq!(env.token(&form).await.0, StatusCode::OK);
    let (status, body) = env.token(&form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let env = env().await;
    let response = env
        .http
        .post(env.url("/v2/oauth/token/"))
        .form(&[("client_key", KEY), ("client_secret", "nope"), ("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_fails() {
    let env = env().await;
    let first = env.connect("sandbox_creator").await;
    let old_refresh = first["refresh_token"].as_str().unwrap();
    let (status, second) =
        env.token(&[("grant_type", "refresh_token"), ("refresh_token", old_refresh)]).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["open_id"], first["open_id"]);

    let (status, again) = env.token(&[("grant_type", "refresh_token"), ("refresh_token", old_refresh)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["error"], "invalid_grant");

    // The old access token keeps working until it expires.
    let old_access = first["access_token"].as_str().unwrap();
    let (status, _) = env.api(old_access, "/v2/post/publish/creator_info/query/", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let calls = env.admin_get("/_sandbox/calls").await;
    assert_eq!(calls["token.refresh_token"], 2);
}

#[tokio::test]
async fn revoke_stops_access_and_refresh_tokens() {
    let env = env().await;
    let tokens = env.connect("sandbox_creator").await;
    let access = tokens["access_token"].as_str().unwrap();
    let response = env
        .http
        .post(env.url("/v2/oauth/revoke/"))
        .form(&[("client_key", KEY), ("client_secret", SECRET), ("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap(), json!({}));
    let (status, body) = env.api(access, "/v2/post/publish/creator_info/query/", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "access_token_invalid");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (_, body) = env.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn user_info_answers_in_the_envelope() {
    let env = env().await;
    let tokens = env.connect("chef_maria").await;
    let response = env
        .http
        .get(env.url("/v2/user/info/?fields=open_id,union_id,avatar_url,display_name"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ok");
    assert_eq!(body["data"]["user"]["display_name"], "Chef Maria");
    assert_eq!(body["data"]["user"]["open_id"], tokens["open_id"]);
}

#[tokio::test]
async fn missing_bearer_or_scope_is_401() {
    let env = env().await;
    let (status, body) = env.api("not-a-token", "/v2/post/publish/creator_info/query/", json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("access_token_invalid"))
    );

    let params = env.authorize(&[("scope", "user.info.basic")]).await;
    let code = params.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    let (_, tokens) =
        env.token(&[("code", &code), ("grant_type", "authorization_code"), ("redirect_uri", REDIRECT)]).await;
    let token = tokens["access_token"].as_str().unwrap();
    let (status, body) = env.api(token, "/v2/post/publish/video/init/", json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("scope_not_authorized"))
    );
}

#[tokio::test]
async fn a_browser_without_a_chosen_creator_gets_the_consent_page_carrying_the_request_escaped() {
    let env = env().await;
    let mut url = url::Url::parse(&env.url("/v2/auth/authorize/")).unwrap();
    url.query_pairs_mut().extend_pairs([
        ("client_key", KEY),
        ("scope", ALL_SCOPES),
        ("redirect_uri", REDIRECT),
        ("state", "st\"><script>alert(1)</script>"),
        ("response_type", "code"),
    ]);
    let page =
        env.http.get(url.clone()).header("accept", "text/html,application/xhtml+xml").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<option value="private_pat">Private Pat (@private_pat)</option>"#), "{html}");
    assert!(html.contains(r#"<option value="pool_01">"#), "pool creators too");
    assert!(html.contains("<li>video.publish</li>"));
    assert!(
        html.contains(r#"name="state" value="st&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#),
        "{html}"
    );
    assert!(!html.contains("<script>"), "nothing the request carried becomes markup");
    assert!(html.contains(r#"name="sandbox_deny" value="1""#), "a cancel button");

    // A program (no text/html) still consents as the default creator at once.
    let direct = env.http.get(url).header("accept", "application/json").send().await.unwrap();
    assert_eq!(direct.status(), StatusCode::FOUND);
    // The form's answer, with a creator picked, is the usual redirect to the app.
    let params = env.authorize(&[("sandbox_user", "private_pat")]).await;
    assert!(params.iter().any(|(k, _)| k == "code"), "{params:?}");
}
