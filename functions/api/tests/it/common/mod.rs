//! Test harness: API Gateway v2 events built from the real fixture in
//! `events/`, the handler wired to the local stack, tenants created through
//! the real store.

#![allow(dead_code)]

use std::collections::HashMap;

use api::{config::ApiConfig, handle, Deps};
use secrecy::ExposeSecret;
use shared::{aws::AwsClients, config::EnvReader};
pub use testkit::{Call, Reply};

pub use testkit::media_files;

pub struct Api {
    pub deps: Deps,
}

pub struct Tenant {
    pub id: String,
    pub key: String,
}

impl Api {
    /// The API with the local stack's configuration plus `overrides`.
    pub async fn start(overrides: &[(&str, &str)]) -> Self {
        // Logs of a failing test are shown by the test runner.
        shared::telemetry::init();
        let overrides: HashMap<String, String> =
            overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let env = EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()));
        let config = ApiConfig::read(env).expect("stack env; run through `make test`");
        let aws = AwsClients::load(&config.stack).await;
        Self { deps: Deps::new(config, &aws).await.expect("deps") }
    }

    pub async fn tenant(&self) -> Tenant {
        let (id, key) = self.deps.tenants.create_tenant("test tenant").await.expect("tenant");
        Tenant { id: id.to_string(), key: key.key.expose_secret().to_owned() }
    }

    /// Sends `method path` with optional bearer key, JSON body and extra headers.
    pub async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        key: Option<&str>,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut call = Call::new(method, path_and_query);
        call.bearer = key;
        call.json = body;
        call.headers = headers.to_vec();
        self.send(call).await
    }

    /// Sends a fully described call.
    pub async fn send(&self, call: Call<'_>) -> Reply {
        Reply::of(handle(call.request(), &self.deps).await.expect("handled"))
    }
}

/// Uploads bytes through a presigned slot exactly as a client would.
pub async fn upload(slot: &serde_json::Value, bytes: Vec<u8>) -> u16 {
    let mut request = reqwest::Client::new().put(slot["url"].as_str().expect("url")).body(bytes);
    for (name, value) in slot["headers"].as_object().expect("headers") {
        if name != "content-length" {
            request = request.header(name, value.as_str().expect("header value"));
        }
    }
    request.send().await.expect("upload").status().as_u16()
}

/// An API wired to a private TikTok sandbox app, with one tenant.
pub struct World {
    pub api: Api,
    pub app: testkit::tiktok::SandboxApp,
    pub tenant: Tenant,
}

impl World {
    pub async fn start() -> Self {
        let config = shared::config::StackConfig::from_env().expect("stack env; run through `make test`");
        let aws = AwsClients::load(&config).await;
        let app = testkit::tiktok::SandboxApp::start(&aws, |_| {}).await;
        let base = app.sandbox.base_url.clone();
        let api = Api::start(&[
            ("APP_SECRET_ID", &app.secret_id),
            ("TIKTOK_API_BASE_URL", &base),
            ("TIKTOK_AUTH_BASE_URL", &base),
            ("CORS_ALLOWED_ORIGINS", "https://app.example"),
        ])
        .await;
        let tenant = api.tenant().await;
        Self { api, app, tenant }
    }

    /// Connects a sandbox creator to `tenant` through the real OAuth flow.
    pub async fn connect(&self, tenant: &Tenant, username: &str) -> String {
        let tokens = self.app.tokens_for(username).await;
        let ring = self.api.deps.keeper.secrets.get().await.expect("secret").ring.clone();
        let connection = shared::account::Connection {
            tenant: &tenant.id,
            display_name: username,
            avatar_url: "",
            tokens: &tokens,
        };
        self.api.deps.accounts.connect(connection, &ring).await.expect("connect").id
    }

    /// Declares, uploads and checks a media file; returns its id and status.
    pub async fn media(&self, tenant: &Tenant, kind: &str, content_type: &str, bytes: Vec<u8>) -> String {
        let created = self
            .api
            .call(
                "POST",
                "/media",
                Some(&tenant.key),
                Some(serde_json::json!({"kind": kind, "content_type": content_type, "size_bytes": bytes.len()})),
                &[],
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(upload(&created.body["upload"], bytes).await, 200);
        let id = created.body["media_id"].as_str().expect("id").to_owned();
        let checked = self.api.call("GET", &format!("/media/{id}"), Some(&tenant.key), None, &[]).await;
        assert_eq!(checked.status, 200);
        id
    }

    pub async fn ready_video(&self, tenant: &Tenant, seconds: u32) -> String {
        self.media(tenant, "video", "video/mp4", media_files::mp4(1080, 1920, 30, 30 * seconds, true)).await
    }
}

/// An RFC 3339 time `minutes` from now.
pub fn in_minutes(minutes: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
    at.format(&time::format_description::well_known::Rfc3339).expect("format")
}
