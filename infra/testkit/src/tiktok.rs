//! A private TikTok app for one test: an in-process sandbox on an ephemeral
//! port, its app secret (credentials and a token key ring) stored in the
//! local stack's Secrets Manager, and the real OAuth flow to connect
//! sandbox creators.

use std::time::Duration;

use base64::Engine;
use rand::RngCore;
use shared::aws::Aws;
use tiktok::{AppCredentials, AuthCode, ClientKey, ClientSecret, TikTokClient, TikTokConfig, TokenSet};
use tiktok_sandbox::{Config, RunningSandbox, Settings};

pub struct SandboxApp {
    pub sandbox: RunningSandbox,
    pub client_key: String,
    pub client_secret: String,
    /// Secrets Manager id of this app's secret (on the local stack).
    pub secret_id: String,
    pub client: TikTokClient,
    pub http: reqwest::Client,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

impl SandboxApp {
    /// Starts a sandbox with `tweak`ed settings and stores its app secret.
    pub async fn start(aws: &Aws, tweak: impl FnOnce(&mut Settings)) -> Self {
        let client_key = format!("sbx-{}", random_hex(6));
        let client_secret = random_hex(24);
        let mut config = Config::for_tests(&client_key, &client_secret);
        config.dataset_size = 200;
        // open_ids derive from the seed: TikTok's are per app, so each test's
        // app sees its own, and runs against one moto never collide.
        config.seed = rand::rng().next_u64();
        tweak(&mut config.settings);
        let sandbox = tiktok_sandbox::start(config).await.expect("sandbox starts");
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let secret = serde_json::json!({
            "client_key": client_key,
            "client_secret": client_secret,
            "current_key_id": "test-1",
            "keys": {"test-1": base64::engine::general_purpose::STANDARD.encode(key)},
        });
        let created = aws
            .secrets()
            .create_secret()
            .name(format!("test/app-{}", random_hex(6)))
            .secret_string(secret.to_string())
            .send()
            .await
            .expect("secret");
        let base = url::Url::parse(&sandbox.base_url).expect("sandbox url");
        let client = TikTokClient::new(TikTokConfig::with_base_urls(base.clone(), base)).expect("client");
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
        Self {
            sandbox,
            client_key,
            client_secret,
            secret_id: created.arn().expect("arn").to_owned(),
            client,
            http,
        }
    }

    /// The environment a function needs to use this app: its secret, and
    /// the sandbox as TikTok's API and authorize page.
    pub fn env(&self) -> Vec<(&str, &str)> {
        let base = self.sandbox.base_url.as_str();
        vec![
            ("APP_SECRET_ID", &self.secret_id),
            ("TIKTOK_API_BASE_URL", base),
            ("TIKTOK_AUTH_BASE_URL", base),
        ]
    }

    pub fn credentials(&self) -> AppCredentials {
        self_credentials(&self.client_key, &self.client_secret)
    }

    /// Runs the OAuth flow as the sandbox creator `username` and returns the
    /// redirect's query (code, state) without exchanging it.
    pub async fn authorize(
        &self,
        username: &str,
        redirect_uri: &url::Url,
        authorize_url: &url::Url,
    ) -> url::Url {
        let mut url = authorize_url.clone();
        url.query_pairs_mut().append_pair("sandbox_user", username);
        let response = self.http.get(url).send().await.expect("authorize");
        assert_eq!(response.status().as_u16(), 302, "authorize redirects");
        let location = response.headers()["location"].to_str().expect("location").to_owned();
        let location = url::Url::parse(&location).expect("absolute location");
        assert!(location.as_str().starts_with(redirect_uri.as_str()), "{location}");
        location
    }

    /// Connects `username` through the real flow and returns its tokens.
    pub async fn tokens_for(&self, username: &str) -> TokenSet {
        let redirect = url::Url::parse("https://app.example/callback").expect("url");
        let login = self
            .client
            .start_login(
                &self.credentials().client_key,
                &redirect,
                &["user.info.basic", "video.publish", "video.upload", "video.list"],
            )
            .expect("login");
        let back = self.authorize(username, &redirect, &login.authorize_url).await;
        let code = back.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("code");
        self.client
            .exchange_code(&self.credentials(), &AuthCode::new(code), &redirect, &login.verifier)
            .await
            .expect("exchange")
    }

    /// The sandbox's call counters (`/_sandbox/calls`).
    pub async fn calls(&self) -> serde_json::Value {
        self.admin_get("/_sandbox/calls").await
    }

    pub async fn admin_get(&self, path: &str) -> serde_json::Value {
        let url = format!("{}{path}", self.sandbox.base_url);
        self.http.get(url).send().await.expect("admin").json().await.expect("json")
    }

    pub async fn admin_post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let url = format!("{}{path}", self.sandbox.base_url);
        let response = self.http.post(url).json(&body).send().await.expect("admin");
        response.json().await.unwrap_or(serde_json::Value::Null)
    }

    pub async fn admin_put(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let url = format!("{}{path}", self.sandbox.base_url);
        let response = self.http.put(url).json(&body).send().await.expect("admin");
        assert!(response.status().is_success(), "admin PUT {path}: {}", response.status());
        response.json().await.unwrap_or(serde_json::Value::Null)
    }

    /// Waits up to `limit` for `check` to hold, polling every 50 ms.
    pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if check().await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

fn self_credentials(key: &str, secret: &str) -> AppCredentials {
    AppCredentials {
        client_key: ClientKey(key.to_owned()),
        client_secret: ClientSecret::new(secret.to_owned()),
    }
}

/// Connects `username` at the local stack's own sandbox (the app of
/// `.local/stack.env`: `TIKTOK_SANDBOX_URL`, `TIKTOK_CLIENT_KEY`,
/// `TIKTOK_CLIENT_SECRET`) through the real OAuth flow; its tokens.
/// Test and bench support only (no Lambda links testkit): a panic here is a
/// failed test run, with the missing variable or refused step named.
pub async fn stack_tokens(username: &str) -> TokenSet {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name}: export .local/stack.env"));
    let base = url::Url::parse(&var("TIKTOK_SANDBOX_URL")).expect("sandbox url");
    let client = TikTokClient::new(TikTokConfig::with_base_urls(base.clone(), base)).expect("client");
    let app = self_credentials(&var("TIKTOK_CLIENT_KEY"), &var("TIKTOK_CLIENT_SECRET"));
    let redirect = url::Url::parse("https://app.example/callback").expect("url");
    let scopes = ["user.info.basic", "video.publish", "video.upload"];
    let login = client.start_login(&app.client_key, &redirect, &scopes).expect("login");
    let mut authorize = login.authorize_url.clone();
    authorize.query_pairs_mut().append_pair("sandbox_user", username);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let answer = http.get(authorize).send().await.expect("authorize");
    let location = url::Url::parse(answer.headers()["location"].to_str().expect("location")).expect("url");
    let code = location.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("code");
    client.exchange_code(&app, &AuthCode::new(code), &redirect, &login.verifier).await.expect("exchange")
}
