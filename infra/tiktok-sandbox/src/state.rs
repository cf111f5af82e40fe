//! The sandbox's memory: one `Sandbox` shared by every handler. Mutable state sits behind
//! short-lived std mutexes (never held across an await).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::config::{Config, Settings};
use crate::data::Dataset;
use crate::faults::Faults;
use crate::posts::Post;

pub type Shared = Arc<Sandbox>;

pub struct Sandbox {
    pub client_key: String,
    pub client_secret: String,
    pub public_url: String,
    pub initial_settings: Settings,
    pub settings: RwLock<Settings>,
    pub dataset: Arc<Dataset>,
    pub store: Mutex<Store>,
    pub faults: Mutex<Faults>,
    /// Admin-controlled shift of the sandbox clock (token and upload expiry, windows).
    clock_offset_ms: AtomicI64,
    /// Downloads for PULL_FROM_URL: TikTok follows no redirect.
    pub puller: reqwest::Client,
    pub webhook_client: reqwest::Client,
    /// Every webhook delivery, for `/_sandbox/webhooks` (shared with delivery tasks).
    pub webhook_log: Arc<Mutex<Vec<WebhookRecord>>>,
    /// Every credential the sandbox issued or was shown (codes, tokens, PKCE
    /// verifiers) by kind, for `/_sandbox/credentials`: what the log-scrubbing
    /// check searches the functions' logs for. Kept across `reset`, so no test
    /// can hide a leak from the check that runs after the suite.
    credentials: Mutex<BTreeMap<&'static str, Vec<String>>>,
}

#[derive(Default)]
pub struct Store {
    pub codes: HashMap<String, AuthCode>,
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshToken>,
    pub posts: HashMap<String, Post>,
    /// upload id → publish id
    pub uploads: HashMap<String, String>,
    pub ledger: Vec<LedgerEntry>,
    pub calls: BTreeMap<String, u64>,
    /// (token, limit bucket) → call times (ms) inside the current window
    pub windows: HashMap<(String, &'static str), VecDeque<i64>>,
    pub research: ResearchUsage,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub open_id: String,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    /// `None` for a client-credentials (app) token.
    pub open_id: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
    /// The refresh token issued with it, revoked together.
    pub refresh_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub open_id: String,
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LedgerEntry {
    pub open_id: String,
    pub publish_id: String,
    pub media_type: &'static str,
    pub source: &'static str,
    pub post_mode: &'static str,
    pub status: &'static str,
    pub bytes_received: u64,
    /// SHA-256 (hex) of the video bytes as received: the accepted chunks in order, or the
    /// pulled body. `None` for photos.
    pub content_sha256: Option<String>,
    /// SHA-256 (hex) of each pulled photo, in carousel order. Empty for videos.
    pub images_sha256: Vec<String>,
    pub caption_sha256: Option<String>,
    pub post_id: Option<String>,
    pub published_at: i64,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct ResearchUsage {
    pub day: i64,
    pub requests: u32,
    pub records: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebhookRecord {
    pub event: String,
    pub create_time: i64,
    pub content: String,
    pub user_openid: String,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub delivered: bool,
}

impl Sandbox {
    pub fn new(config: &Config, public_url: String, dataset: Dataset) -> Result<Self, reqwest::Error> {
        let puller = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()?;
        // Each delivery sets its own timeout (`webhook_timeout_ms`).
        let webhook_client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Self {
            client_key: config.client_key.clone(),
            client_secret: config.client_secret.clone(),
            public_url,
            initial_settings: config.settings.clone(),
            settings: RwLock::new(config.settings.clone()),
            dataset: Arc::new(dataset),
            store: Mutex::new(Store::default()),
            faults: Mutex::new(Faults::default()),
            clock_offset_ms: AtomicI64::new(0),
            puller,
            webhook_client,
            webhook_log: Arc::default(),
            credentials: Mutex::default(),
        })
    }

    /// The sandbox clock in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        wall + self.clock_offset_ms.load(Ordering::Relaxed)
    }

    pub fn now_secs(&self) -> i64 {
        self.now_ms() / 1000
    }

    pub fn advance_clock(&self, secs: i64) -> i64 {
        self.clock_offset_ms.fetch_add(secs * 1000, Ordering::Relaxed) + secs * 1000
    }

    /// A poisoned lock only means a handler panicked mid-update; the data is still usable.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    pub fn count_call(&self, name: &str) {
        *self.store().calls.entry(name.to_string()).or_insert(0) += 1;
    }

    /// Everything but the seeded data set goes back to its state at start.
    pub fn reset(&self) {
        *self.store() = Store::default();
        *self.faults() = Faults::default();
        self.webhook_log.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.set_settings(self.initial_settings.clone());
        self.clock_offset_ms.store(0, Ordering::Relaxed);
    }
}

/// An opaque random token with a TikTok-like prefix.
impl Sandbox {
    /// Records a credential of `kind` the sandbox issued or was shown.
    pub fn remember(&self, kind: &'static str, value: &str) {
        let mut seen = self.credentials.lock().unwrap_or_else(|e| e.into_inner());
        seen.entry(kind).or_default().push(value.to_owned());
    }

    /// Every credential remembered so far, by kind.
    pub fn credentials(&self) -> BTreeMap<&'static str, Vec<String>> {
        self.credentials.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

pub fn random_token(prefix: &str) -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    format!("{prefix}{}", hex::encode(bytes))
}
