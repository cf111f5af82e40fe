//! What the client contract tests (`tests/client_*.rs`) share: an in-process sandbox on an
//! ephemeral loopback port, the real `tiktok` client pointed at it, the login walk
//! (authorize → 302 → code), the admin API (faults, calls, ledger, settings, clock), and a
//! local media server for PULL_FROM_URL.
#![allow(dead_code)] // each test crate uses part of it

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tiktok::pkce::{SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_LIST, SCOPE_VIDEO_PUBLISH, SCOPE_VIDEO_UPLOAD};
use tiktok::{
    AccessToken, ApiFailure, AppCredentials, AuthCode, ChunkOutcome, ChunkPlan, ClientKey, ClientSecret,
    LoginStart, PkceEncoding, PrivacyLevel, PublishId, PublishStatus, PublishStatusKind, TikTokClient,
    TikTokConfig, TikTokError, TokenSet, UploadUrl, VideoContentType, VideoPostInfo,
};
use tiktok_sandbox::{start, Config, RunningSandbox};
use url::Url;

pub const KEY: &str = "sbx-client-key";
pub const SECRET: &str = "sbx-client-secret-0123456789";
pub const REDIRECT: &str = "https://app.example.test/oauth/tiktok/callback";
pub const MIB: u64 = 1024 * 1024;
pub const ALL_SCOPES: &[&str] =
    &[SCOPE_USER_INFO_BASIC, SCOPE_VIDEO_PUBLISH, SCOPE_VIDEO_UPLOAD, SCOPE_VIDEO_LIST];

/// A running sandbox, the real client aimed at it, and a plain HTTP client for the admin API.
pub struct World {
    pub sandbox: RunningSandbox,
    pub client: TikTokClient,
    /// The sandbox app's credentials, passed to the calls that need them.
    pub app: AppCredentials,
    pub http: reqwest::Client,
}

/// What the authorize redirect carried back to the app.
#[derive(Debug)]
pub struct Callback {
    pub code: AuthCode,
    pub state: String,
    pub scopes: String,
}

pub async fn world() -> World {
    world_with(PkceEncoding::Base64Url).await
}

pub async fn world_with(encoding: PkceEncoding) -> World {
    world_with_config(|config| config.pkce_encoding = encoding).await
}

/// A world whose client configuration `adjust` changes (encoding, timeouts, base URL).
pub async fn world_with_config(adjust: impl FnOnce(&mut TikTokConfig)) -> World {
    let sandbox = start(Config::for_tests(KEY, SECRET)).await.expect("sandbox starts");
    let base = Url::parse(&sandbox.base_url).expect("sandbox base URL");
    let mut config = TikTokConfig::with_base_urls(base.clone(), base);
    config.api_timeout = Duration::from_secs(10);
    adjust(&mut config);
    let app = AppCredentials { client_key: ClientKey(KEY.into()), client_secret: ClientSecret::new(SECRET) };
    let client = TikTokClient::new(config).expect("client builds");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    World { sandbox, client, app, http }
}

pub fn redirect_uri() -> Url {
    Url::parse(REDIRECT).expect("redirect URI")
}

impl World {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// GETs the login's authorize URL as `user` (the sandbox auto-consents), does not follow
    /// the 302, and reads code, state and scopes from its `Location`.
    pub async fn authorize(&self, login: &LoginStart, user: &str) -> Callback {
        let params = self.authorize_params(login, &[("sandbox_user", user)]).await;
        let get = |k: &str| params.get(k).cloned().unwrap_or_else(|| panic!("{k} in callback: {params:?}"));
        Callback { code: AuthCode::new(get("code")), state: get("state"), scopes: get("scopes") }
    }

    /// The callback's query parameters for an authorize GET with `extra` parameters.
    pub async fn authorize_params(
        &self,
        login: &LoginStart,
        extra: &[(&str, &str)],
    ) -> HashMap<String, String> {
        let mut url = login.authorize_url.clone();
        url.query_pairs_mut().extend_pairs(extra);
        let response = self.http.get(url).send().await.expect("authorize answers");
        assert_eq!(response.status(), StatusCode::FOUND, "authorize redirects");
        let location = response.headers()[header::LOCATION].to_str().expect("ASCII Location").to_owned();
        assert!(location.starts_with(REDIRECT), "redirects to the registered URI: {location}");
        Url::parse(&location).expect("Location is a URL").query_pairs().into_owned().collect()
    }

    /// Logs `user` in with `scopes` through the client: authorize, state check, code exchange.
    pub async fn connect_with(&self, user: &str, scopes: &[&str]) -> TokenSet {
        let login =
            self.client.start_login(&self.app.client_key, &redirect_uri(), scopes).expect("login starts");
        let callback = self.authorize(&login, user).await;
        assert!(login.state.matches(&callback.state), "state comes back unchanged");
        self.client
            .exchange_code(&self.app, &callback.code, &redirect_uri(), &login.verifier)
            .await
            .expect("exchange")
    }

    pub async fn connect(&self, user: &str) -> TokenSet {
        self.connect_with(user, ALL_SCOPES).await
    }

    pub async fn token(&self, user: &str) -> AccessToken {
        self.connect(user).await.access_token
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.expect("admin answers");
        assert!(response.status().is_success(), "admin GET {path}: {}", response.status());
        response.json().await.expect("admin JSON")
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        let response = self.http.post(self.url(path)).json(&body).send().await.expect("admin answers");
        assert!(response.status().is_success(), "admin POST {path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }

    pub async fn settings(&self, patch: Value) {
        let response =
            self.http.patch(self.url("/_sandbox/settings")).json(&patch).send().await.expect("settings");
        assert!(response.status().is_success(), "settings patch {patch}: {}", response.status());
    }

    pub async fn fault(&self, rule: Value) {
        self.admin_post("/_sandbox/faults", rule).await;
    }

    pub async fn advance_clock(&self, seconds: i64) {
        self.admin_post("/_sandbox/clock/advance", json!({ "seconds": seconds })).await;
    }

    /// How often the sandbox saw `endpoint` (faulted calls included).
    pub async fn calls(&self, endpoint: &str) -> u64 {
        self.admin_get("/_sandbox/calls").await[endpoint].as_u64().unwrap_or(0)
    }

    pub async fn ledger(&self) -> Vec<Value> {
        array(&self.admin_get("/_sandbox/ledger").await["posts"])
    }

    pub async fn posts(&self) -> Vec<Value> {
        array(&self.admin_get("/_sandbox/posts").await["posts"])
    }

    pub async fn creator(&self, username: &str) -> Value {
        let creators = array(&self.admin_get("/_sandbox/creators").await["creators"]);
        creators.into_iter().find(|c| c["username"] == username).expect("seeded creator")
    }

    /// Polls `status/fetch` through the client (30/min per token: at most 25 polls) until
    /// the post leaves the processing states.
    pub async fn final_status(&self, token: &AccessToken, id: &PublishId) -> PublishStatus {
        for _ in 0..25 {
            let status = self.client.fetch_status(token, id).await.expect("status fetch");
            if !matches!(
                status.status,
                PublishStatusKind::ProcessingUpload | PublishStatusKind::ProcessingDownload
            ) {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        panic!("post never left processing");
    }

    /// PUTs every chunk of `plan` in order; returns each answer.
    pub async fn upload_all(&self, url: &UploadUrl, plan: &ChunkPlan, video: &Bytes) -> Vec<ChunkOutcome> {
        let mut outcomes = Vec::new();
        for chunk in plan.chunks() {
            let body = video.slice(chunk.first as usize..=chunk.last as usize);
            let outcome = self.client.upload_chunk(url, plan, chunk, VideoContentType::Mp4, body).await;
            outcomes.push(outcome.expect("chunk accepted"));
        }
        outcomes
    }
}

pub fn array(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

/// A direct-post `post_info` with a caption.
pub fn post_info(privacy: PrivacyLevel, title: &str) -> VideoPostInfo {
    VideoPostInfo {
        title: Some(title.into()),
        privacy_level: privacy,
        disable_duet: false,
        disable_comment: false,
        disable_stitch: false,
        video_cover_timestamp_ms: None,
        brand_content_toggle: false,
        brand_organic_toggle: false,
        is_aigc: false,
    }
}

/// `len` bytes of a recognisable pattern (the sandbox does not parse the video).
pub fn video_bytes(len: u64) -> Bytes {
    (0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into()
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The error of a call that must fail.
pub fn failed<T: Debug>(result: Result<T, TikTokError>) -> TikTokError {
    match result {
        Ok(value) => panic!("expected a TikTok error, got {value:?}"),
        Err(err) => err,
    }
}

/// TikTok's answer inside an error: (HTTP status, code).
pub fn answer(err: &TikTokError) -> (Option<u16>, &str) {
    let failure: &ApiFailure = err.failure().unwrap_or_else(|| panic!("TikTok answered: {err:?}"));
    (failure.http_status, failure.code.as_str())
}

/// A local media host for PULL_FROM_URL: `path → (content type, bytes)`, plus `/moved`
/// (a 302 to the first path) and a counter of GETs.
pub struct MediaHost {
    pub base_url: String,
    pub hits: Arc<AtomicUsize>,
}

impl MediaHost {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

pub async fn media_host(files: Vec<(&'static str, &'static str, Bytes)>) -> MediaHost {
    let hits = Arc::new(AtomicUsize::new(0));
    let first = files.first().map(|(path, _, _)| *path).unwrap_or("/");
    let mut router = Router::new().route(
        "/moved",
        get(move || async move { (StatusCode::FOUND, [(header::LOCATION, first)]).into_response() }),
    );
    for (path, content_type, body) in files {
        let hits = hits.clone();
        router = router.route(
            path,
            get(move || async move {
                hits.fetch_add(1, Ordering::SeqCst);
                ([(header::CONTENT_TYPE, content_type)], body).into_response()
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind media host");
    let addr = listener.local_addr().expect("media host address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("media host serves") });
    MediaHost { base_url: format!("http://{addr}"), hits }
}

/// A JPEG header that image-size readers accept: SOI + SOF0 with the given size.
pub fn jpeg(width: u16, height: u16) -> Bytes {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9]);
    bytes.into()
}
