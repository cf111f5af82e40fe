//! Every log line of a whole connect → refresh → disconnect flow, at every
//! level and from every crate, is captured; no token, code, verifier, state,
//! API key or app secret may appear in any of them.

use crate::common;

use common::{location, param, state_of, World, REDIRECT_URI};
use oauth::state::{seal_context, state_key};
use secrecy::ExposeSecret;

#[tokio::test]
async fn no_secret_of_the_whole_flow_appears_in_any_log_line() {
    let (logs, _guard) = testkit::logs::Captured::install(tracing::Level::TRACE);

    // Tokens live 60 s: the first use refreshes, so rotated tokens are logged-about too.
    let w = World::start(60).await;
    let tenant = w.tenant().await;
    let authorize = location(&w.start_login(&tenant, Some("https://app.example/settings")).await);
    let state = state_of(&authorize);
    let ring = w.ring().await;
    let item = w.state_item(&state).await.expect("pending login");
    let verifier = ring
        .open(&seal_context(&state_key(&state), &tenant.id), item["sealed_verifier"].as_s().expect("sealed"))
        .expect("verifier");
    let back = w.app.authorize("chef_maria", &url::Url::parse(REDIRECT_URI).expect("url"), &authorize).await;
    let code = param(&back, "code").expect("code");
    let id = param(&location(&w.callback(&back, None).await), "account_id").expect("connected");
    let replay = location(&w.callback(&back, None).await);
    assert_eq!(param(&replay, "error").as_deref(), Some("invalid_state"));

    let mut secrets = vec![
        ("api key", tenant.key.clone()),
        ("state", state.clone()),
        ("code", code),
        ("verifier", verifier.expose_secret().to_owned()),
        ("client secret", w.app.client_secret.clone()),
    ];
    let stored_tokens = async |what: &'static str| {
        let account = w.account(&id).await;
        [account.sealed_access_token, account.sealed_refresh_token]
            .into_iter()
            .flatten()
            .map(|sealed| (what, ring.open(&id, &sealed).expect("opens").expose_secret().to_owned()))
            .collect::<Vec<_>>()
    };
    secrets.extend(stored_tokens("token").await);
    let token = w.deps.keeper.access_token(&id).await.expect("refreshed token");
    assert_eq!(w.token_calls("refresh_token").await, 1, "the flow includes a refresh");
    secrets.extend(stored_tokens("rotated token").await);
    assert!(secrets.iter().any(|(_, s)| s == token.expose_secret()));
    let stored = w.aws.secrets().get_secret_value().secret_id(&w.app.secret_id).send().await.expect("secret");
    let json: serde_json::Value =
        serde_json::from_str(stored.secret_string().expect("string")).expect("json");
    for key in json["keys"].as_object().expect("keys").values() {
        secrets.push(("token key", key.as_str().expect("key").to_owned()));
    }

    let reply = w.disconnect(&id, Some(&tenant.key)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);

    let text = logs.text();
    assert!(text.contains("login started") && text.contains("account connected"), "the flow logged: {text}");
    assert!(text.contains("account disconnected"), "{text}");
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} is a real secret");
        assert!(!text.contains(secret.as_str()), "a {what} appears in the logs");
    }
}
