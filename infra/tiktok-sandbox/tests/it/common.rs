use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use axum::Router;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tiktok_sandbox::{start, Config, RunningSandbox};

pub const KEY: &str = "sbx-test-key";
pub const SECRET: &str = "sbx-test-secret-0123456789";
pub const REDIRECT: &str = "https://app.example.test/oauth/callback";
pub const VERIFIER: &str = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG";
pub const ALL_SCOPES: &str = "user.info.basic,video.publish,video.upload,video.list";

pub struct Env {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
}

pub async fn env() -> Env {
    env_with(|_| {}).await
}

pub async fn env_with(adjust: impl FnOnce(&mut Config)) -> Env {
    let mut config = Config::for_tests(KEY, SECRET);
    adjust(&mut config);
    let sandbox = start(config).await.expect("sandbox starts");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Env { sandbox, http }
}

pub fn b64_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn hex_challenge(verifier: &str) -> String {
    hex::encode(Sha256::digest(verifier.as_bytes()))
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// Runs authorize and returns the callback's query parameters.
    pub async fn authorize(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut url = url::Url::parse(&self.url("/v2/auth/authorize/")).unwrap();
        url.query_pairs_mut().extend_pairs([
            ("client_key", KEY),
            ("scope", ALL_SCOPES),
            ("redirect_uri", REDIRECT),
            ("state", "st-123"),
            ("response_type", "code"),
        ]);
        url.query_pairs_mut().extend_pairs(extra);
        let response = self.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        assert!(location.starts_with(REDIRECT), "redirects to the app: {location}");
        url::Url::parse(&location).unwrap().query_pairs().into_owned().collect()
    }

    pub async fn code(&self, user: &str, challenge: &str) -> String {
        let params = self
            .authorize(&[
                ("sandbox_user", user),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .await;
        params.into_iter().find(|(k, _)| k == "code").map(|(_, v)| v).expect("code in callback")
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut pairs = vec![("client_key", KEY), ("client_secret", SECRET)];
        pairs.extend_from_slice(form);
        let response = self.http.post(self.url("/v2/oauth/token/")).form(&pairs).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// Connects `user` with PKCE and returns the token response.
    pub async fn connect(&self, user: &str) -> Value {
        let code = self.code(user, &b64_challenge(VERIFIER)).await;
        let (status, body) = self
            .token(&[
                ("code", &code),
                ("grant_type", "authorization_code"),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn access_token(&self, user: &str) -> String {
        self.connect(user).await["access_token"].as_str().unwrap().to_string()
    }

    pub async fn api(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(self.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "admin {path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        self.http.get(self.url(path)).send().await.unwrap().json().await.unwrap()
    }

    pub async fn settings(&self, patch: Value) {
        let response = self.http.patch(self.url("/_sandbox/settings")).json(&patch).send().await.unwrap();
        assert!(response.status().is_success());
    }

    /// Waits (through the admin API, not the rate-limited status endpoint) for a final status.
    pub async fn wait_final(&self, publish_id: &str) -> String {
        for _ in 0..100 {
            let posts = self.admin_get("/_sandbox/posts").await;
            let post =
                posts["posts"].as_array().unwrap().iter().find(|p| p["publish_id"] == publish_id).cloned();
            if let Some(status) = post.and_then(|p| p["status"].as_str().map(str::to_string)) {
                if !status.starts_with("PROCESSING") {
                    return status;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("post {publish_id} never reached a final status");
    }
}

pub fn direct_post(title: &str, privacy: &str, source: Value) -> Value {
    json!({"post_info": {"title": title, "privacy_level": privacy, "disable_comment": false}, "source_info": source})
}

pub fn file_source(size: u64, chunk: u64, count: u64) -> Value {
    json!({"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count})
}

/// What a local helper server saw: webhook bodies with their headers.
pub type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// Serves `router` on an ephemeral loopback port; returns its base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A JPEG header that image-size readers accept: SOI + SOF0 with the given size.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9]);
    bytes
}
