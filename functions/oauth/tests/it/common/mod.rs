//! Test harness: the OAuth function wired to the local stack and a private
//! TikTok sandbox app; requests built from the real API Gateway v2 fixtures
//! in `events/` (path, query and credentials replaced).

#![allow(dead_code)]

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::request::from_str;
use oauth::{config::OauthConfig, handle, state::state_key, Deps};
use secrecy::ExposeSecret;
use shared::{
    account::Account,
    aws::AwsClients,
    config::{EnvReader, StackConfig},
    dynamo::s,
    schema,
    vault::KeyRing,
};
use testkit::tiktok::SandboxApp;
pub use testkit::Reply;
use url::Url;

pub const REDIRECT_URI: &str = "https://api.example/oauth/tiktok/callback";
pub const DEFAULT_RETURN: &str = "https://app.example/connected";
pub const ALLOWLIST: &str = "https://app.example/connected,https://app.example/settings";

pub struct World {
    pub app: SandboxApp,
    pub deps: Deps,
    pub aws: AwsClients,
    pub table: String,
}

pub struct Tenant {
    pub id: String,
    pub key: String,
}

/// A fixture from `events/`.
pub fn fixture(name: &str) -> serde_json::Value {
    let text = match name {
        "connect" => include_str!("../../../../../events/oauth-connect.json"),
        "callback" => include_str!("../../../../../events/oauth-callback.json"),
        "callback-denied" => include_str!("../../../../../events/oauth-callback-denied.json"),
        "disconnect" => include_str!("../../../../../events/oauth-disconnect.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture json")
}

/// The fixture with `path?query` and the bearer key (none: no credentials).
pub fn event(name: &str, path_and_query: &str, bearer: Option<&str>) -> lambda_http::Request {
    let mut e = fixture(name);
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    e["rawPath"] = path.into();
    e["requestContext"]["http"]["path"] = path.into();
    e["rawQueryString"] = query.into();
    e["requestContext"]["requestId"] = format!("req-{}", ulid::Ulid::new()).into();
    let params: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned().into()))
        .collect();
    e["queryStringParameters"] = params.into();
    let headers = e["headers"].as_object_mut().expect("headers");
    headers.remove("authorization");
    if let Some(key) = bearer {
        headers.insert("authorization".into(), format!("Bearer {key}").into());
    }
    if let Some(id) = path.strip_prefix("/accounts/") {
        e["pathParameters"] = serde_json::json!({ "id": id });
    }
    from_str(&e.to_string()).expect("valid API Gateway v2 event")
}

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
        let stack = StackConfig::from_env().expect("stack env; source .local/stack.env");
        let aws = AwsClients::load(&stack).await;
        let app = SandboxApp::start(&aws, |s| s.access_token_ttl_secs = access_ttl).await;
        let base = app.sandbox.base_url.clone();
        let overrides: HashMap<String, String> = [
            ("APP_SECRET_ID", app.secret_id.as_str()),
            ("TIKTOK_API_BASE_URL", &base),
            ("TIKTOK_AUTH_BASE_URL", &base),
            ("OAUTH_REDIRECT_URI", REDIRECT_URI),
            ("OAUTH_RETURN_ALLOWLIST", ALLOWLIST),
            ("AUTH_MODE", "api_key"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let env = EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()));
        let config = OauthConfig::read(env).expect("config");
        let deps = Deps::new(config, &aws).expect("deps");
        Self { app, deps, aws, table: stack.table_name }
    }

    pub async fn tenant(&self) -> Tenant {
        let (id, key) = self.deps.tenants.create_tenant("oauth test tenant").await.expect("tenant");
        Tenant { id: id.to_string(), key: key.key.expose_secret().to_owned() }
    }

    pub async fn send(&self, request: lambda_http::Request) -> Reply {
        Reply::of(handle(request, &self.deps).await.expect("handled"))
    }

    /// `GET /connect/tiktok` as `tenant`; `Some(return_to)` is URL-encoded.
    pub async fn start_login(&self, tenant: &Tenant, return_to: Option<&str>) -> Reply {
        let path = match return_to {
            Some(r) => format!("/connect/tiktok?return_to={}", enc(r)),
            None => "/connect/tiktok".to_owned(),
        };
        self.send(event("connect", &path, Some(&tenant.key))).await
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
        self.send(event("callback", &path, bearer)).await
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
        let (pk, sk) = schema::keys::oauth_state(&state_key(state));
        self.aws
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .expect("get state")
            .item
    }

    /// Sets (`Some`) or removes (`None`) one attribute of a pending login.
    pub async fn edit_state(&self, state: &str, attribute: &str, value: Option<AttributeValue>) {
        let (pk, sk) = schema::keys::oauth_state(&state_key(state));
        let update = self
            .aws
            .dynamodb
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

    /// Sets one attribute of an account item directly (tampering tests).
    pub async fn edit_account(&self, id: &str, attribute: &str, value: &str) {
        let (pk, sk) = schema::keys::account(id);
        self.aws
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .update_expression("SET #a = :v")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":v", s(value))
            .send()
            .await
            .expect("edit account");
    }

    /// A scheduled post of the account, two hours out; returns its id.
    pub async fn scheduled_post(&self, tenant: &str, account_id: &str) -> String {
        let now = time::OffsetDateTime::now_utc();
        let at = foundation::time_format::rfc3339;
        let id = ulid::Ulid::new().to_string();
        let post: shared::post::Post = serde_json::from_value(serde_json::json!({
            "id": id, "tenant": tenant, "account_id": account_id,
            "settings": {"kind": "video", "post_mode": "DIRECT_POST", "media_ids": [], "caption": "c",
                         "privacy_level": "SELF_ONLY"},
            "scheduled_at": at(now + time::Duration::hours(2)), "status": "SCHEDULED",
            "created_at": at(now), "updated_at": at(now),
        }))
        .expect("post");
        self.deps.keeper.posts.create(&post).await.expect("create post");
        id
    }
}

/// The state an authorize URL (or TikTok's redirect) carries.
pub fn state_of(url: &Url) -> String {
    param(url, "state").expect("state")
}
