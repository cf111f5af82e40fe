//! Test harness: the api function wired to the local stack and a private
//! TikTok sandbox app, driven with `testkit::Call`s (API Gateway v2 events
//! built from the real fixture in `events/`); tenants created through the
//! real store.

#![allow(dead_code)]

use api::{config::ApiConfig, handle, Deps};
use secrecy::ExposeSecret;
use shared::aws::Aws;
use shared::config::FunctionConfig;
pub use testkit::{Call, Reply};

pub use testkit::media_files;

pub struct Tenant {
    pub id: String,
    pub key: String,
}

/// The function's dependencies with the local stack's configuration plus
/// `overrides` (for tests that need no tenant, e.g. against a missing table).
pub async fn deps(overrides: &[(&str, &str)]) -> Deps {
    // Logs of a failing test are shown by the test runner.
    shared::telemetry::init();
    let config = ApiConfig::read(testkit::env_with(overrides)).expect("stack env; run through `make test`");
    let aws = Aws::load(&config.stack).await;
    Deps::new(config, &aws).await.expect("deps")
}

/// The API wired to a private TikTok sandbox app, with one tenant.
pub struct World {
    pub deps: Deps,
    pub app: testkit::tiktok::SandboxApp,
    pub tenant: Tenant,
}

impl World {
    pub async fn start() -> Self {
        Self::with(&[]).await
    }

    /// The world with configuration `overrides` on top of the sandbox's.
    pub async fn with(overrides: &[(&str, &str)]) -> Self {
        let config = shared::config::StackConfig::from_env().expect("stack env; run through `make test`");
        let aws = Aws::load(&config).await;
        let app = testkit::tiktok::SandboxApp::start(&aws, |_| {}).await;
        let mut vars = app.env();
        vars.push(("CORS_ALLOWED_ORIGINS", "https://app.example"));
        vars.extend_from_slice(overrides);
        let deps = deps(&vars).await;
        let tenant = new_tenant(&deps).await;
        Self { deps, app, tenant }
    }

    /// Another tenant, with its own API key.
    pub async fn new_tenant(&self) -> Tenant {
        new_tenant(&self.deps).await
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

    /// Connects a sandbox creator to `tenant` through the real OAuth flow.
    pub async fn connect(&self, tenant: &Tenant, username: &str) -> String {
        let tokens = self.app.tokens_for(username).await;
        let ring = self.deps.keeper.secrets.get().await.expect("secret").ring.clone();
        let connection = shared::account::Connection {
            tenant: &tenant.id,
            display_name: username,
            avatar_url: "",
            tokens: &tokens,
        };
        self.deps.accounts.connect(connection, &ring).await.expect("connect").id
    }

    /// Declares, uploads and checks a media file; returns its id and status.
    pub async fn media(&self, tenant: &Tenant, kind: &str, content_type: &str, bytes: Vec<u8>) -> String {
        let created = self
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
        let checked = self.call("GET", &format!("/media/{id}"), Some(&tenant.key), None, &[]).await;
        assert_eq!(checked.status, 200);
        id
    }

    pub async fn ready_video(&self, tenant: &Tenant, seconds: u32) -> String {
        self.media(tenant, "video", "video/mp4", media_files::mp4(1080, 1920, 30, 30 * seconds, true)).await
    }

    /// A post created through `POST /posts` for the world's tenant (a
    /// connected sandbox creator, a checked video); returns its id.
    pub async fn created_post(&self) -> String {
        let account = self.connect(&self.tenant, "travel_tom").await;
        let media = self.ready_video(&self.tenant, 10).await;
        let body = video_post(&account, &media);
        let created = self.call("POST", "/posts", Some(&self.tenant.key), Some(body), &[]).await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.body["id"].as_str().expect("id").to_owned()
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

async fn new_tenant(deps: &Deps) -> Tenant {
    let (id, key) = deps.tenants.create_tenant("test tenant").await.expect("tenant");
    Tenant { id: id.to_string(), key: key.key.expose_secret().to_owned() }
}

/// A valid `POST /posts` body: a public video of `account`, 30 minutes out.
pub fn video_post(account: &str, media: &str) -> serde_json::Value {
    serde_json::json!({
        "account_id": account,
        "kind": "video",
        "media_ids": [media],
        "caption": "launch day #rust",
        "privacy_level": "PUBLIC_TO_EVERYONE",
        "post_mode": "DIRECT_POST",
        "scheduled_at": in_minutes(30),
    })
}

/// An RFC 3339 time `minutes` from now.
pub fn in_minutes(minutes: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
    at.format(&time::format_description::well_known::Rfc3339).expect("format")
}
