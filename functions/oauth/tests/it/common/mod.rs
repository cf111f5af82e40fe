//! Test harness: the OAuth function wired to the local stack and a private
//! TikTok sandbox app; requests are `testkit::Call`s built from the real API
//! Gateway v2 fixtures of these routes in `events/`.

#![allow(dead_code)]

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use oauth::{config::OauthConfig, handle, state::state_key, Deps};
use secrecy::ExposeSecret;
use shared::{account::Account, aws::Aws, config::StackConfig, dynamo::s, schema, vault::KeyRing};
use testkit::tiktok::SandboxApp;
pub use testkit::{Call, Reply};
use url::Url;

pub const REDIRECT_URI: &str = "https://api.example/oauth/tiktok/callback";
pub const DEFAULT_RETURN: &str = "https://app.example/connected";
pub const ALLOWLIST: &str = "https://app.example/connected,https://app.example/settings";

pub struct World {
    pub app: SandboxApp,
    pub deps: Deps,
    pub aws: Aws,
    pub table: String,
}

pub struct Tenant {
    pub id: String,
    pub key: String,
}

/// The real events of this function's routes (`events/`), for `Call::fixture`:
/// a browser's navigation to `/connect/tiktok`, TikTok's redirect back (with
/// a code, or with the user's refusal), an API client's `DELETE /accounts/{id}`.
pub const CONNECT: &str = include_str!("../../../../../events/oauth-connect.json");
pub const CALLBACK: &str = include_str!("../../../../../events/oauth-callback.json");
pub const CALLBACK_DENIED: &str = include_str!("../../../../../events/oauth-callback-denied.json");
pub const DISCONNECT: &str = include_str!("../../../../../events/oauth-disconnect.json");

pub fn location(reply: &Reply) -> Url {
    assert_eq!(reply.status, 302, "a redirect: {}", reply.text);
    Url::parse(reply.header("location").expect("location")).expect("absolute location")
}

pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl World {
    /// The function against the local stack and a fresh sandbox app whose
    /// access tokens live `access_ttl` seconds.
    pub async fn start(access_ttl: i64) -> Self {
        Self::with(access_ttl, &[]).await
    }

    /// As [`start`](Self::start), with configuration `overrides` on top.
    pub async fn with(access_ttl: i64, overrides: &[(&str, &str)]) -> Self {
        let stack = StackConfig::from_env().expect("stack env; source .local/stack.env");
        let aws = Aws::load(&stack).await;
        let app = SandboxApp::start(&aws, |s| s.access_token_ttl_secs = access_ttl).await;
        let mut vars = app.env();
        vars.extend([
            ("OAUTH_REDIRECT_URI", REDIRECT_URI),
            ("OAUTH_RETURN_ALLOWLIST", ALLOWLIST),
            ("AUTH_MODE", "api_key"),
        ]);
        vars.extend_from_slice(overrides);
        let config = OauthConfig::read(testkit::env_with(&vars)).expect("config");
        let deps = Deps::new(config, &aws).expect("deps");
        Self { app, deps, aws, table: stack.table_name }
    }

    pub async fn tenant(&self) -> Tenant {
        let (id, key) = self.deps.tenants.create_tenant("oauth test tenant").await.expect("tenant");
        Tenant { id: id.to_string(), key: key.key.expose_secret().to_owned() }
    }

    pub async fn send(&self, call: Call<'_>) -> Reply {
        Reply::of(handle(call.request(), &self.deps).await.expect("handled"))
    }

    /// `GET /connect/tiktok` as `tenant`; `Some(return_to)` is URL-encoded.
    pub async fn start_login(&self, tenant: &Tenant, return_to: Option<&str>) -> Reply {
        let path = match return_to {
            Some(r) => format!("/connect/tiktok?return_to={}", enc(r)),
            None => "/connect/tiktok".to_owned(),
        };
        self.send(Call::new("GET", &path).fixture(CONNECT).bearer(&tenant.key)).await
    }

    /// Starts a login and consents as `username` at the sandbox: the URL
    /// TikTok sends the browser back to (with `code` and `state`).
    pub async fn consent(&self, tenant: &Tenant, username: &str) -> Url {
        let authorize = location(&self.start_login(tenant, None).await);
        self.app.authorize(username, &Url::parse(REDIRECT_URI).expect("url"), &authorize).await
    }

    /// Sends TikTok's redirect to the callback, optionally with credentials.
    pub async fn callback(&self, back: &Url, bearer: Option<&str>) -> Reply {
        let path = format!("/oauth/tiktok/callback?{}", back.query().unwrap_or(""));
        self.send(Call { bearer, ..Call::new("GET", &path).fixture(CALLBACK) }).await
    }

    /// `DELETE /accounts/{id}`, optionally with credentials.
    pub async fn disconnect(&self, account_id: &str, bearer: Option<&str>) -> Reply {
        let path = format!("/accounts/{account_id}");
        self.send(Call { bearer, ..Call::new("DELETE", &path).fixture(DISCONNECT) }).await
    }

    /// The full flow; returns the connected account's id.
    pub async fn connect(&self, tenant: &Tenant, username: &str) -> String {
        let back = self.consent(tenant, username).await;
        let done = location(&self.callback(&back, None).await);
        param(&done, "account_id").unwrap_or_else(|| panic!("connected: {done}"))
    }

    pub async fn account(&self, id: &str) -> Account {
        self.deps.keeper.accounts.get(id).await.expect("get").expect("account exists")
    }

    pub async fn ring(&self) -> KeyRing {
        self.deps.keeper.secrets.get().await.expect("secret").ring.clone()
    }

    pub async fn token_calls(&self, grant: &str) -> u64 {
        self.app.calls().await[format!("token.{grant}")].as_u64().unwrap_or(0)
    }

    /// The stored pending login of a state, if any.
    pub async fn state_item(&self, state: &str) -> Option<HashMap<String, AttributeValue>> {
        let key = schema::keys::oauth_state(&state_key(state));
        shared::dynamo::read_item(&self.aws.dynamodb(), &self.table, key).await.expect("get state")
    }

    /// Sets (`Some`) or removes (`None`) one attribute of a pending login.
    pub async fn edit_state(&self, state: &str, attribute: &str, value: Option<AttributeValue>) {
        let (pk, sk) = schema::keys::oauth_state(&state_key(state));
        let update = self
            .aws
            .dynamodb()
            .update_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .expression_attribute_names("#a", attribute);
        let update = match value {
            Some(v) => update.update_expression("SET #a = :v").expression_attribute_values(":v", v),
            None => update.update_expression("REMOVE #a"),
        };
        update.send().await.expect("edit state");
    }
}

/// The state an authorize URL (or TikTok's redirect) carries.
pub fn state_of(url: &Url) -> String {
    param(url, "state").expect("state")
}
