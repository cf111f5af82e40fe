//! Test harness: an in-process TikTok sandbox per test (its own app key, so
//! quota counters never collide), the handler wired to it and to the local
//! stack's table, tenants created through the real store, and creators
//! connected through the sandbox's real OAuth flow.

#![allow(dead_code)]

pub mod reference;

use shared::config::FunctionConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use hashtags::{config::HashtagsConfig, handle, Deps, Ports};
use hashtags::{AccountId, CreatorAccount, CreatorTokens, CreatorTokensError, StaticCredentials};
use secrecy::ExposeSecret;
use serde_json::Value;
use shared::{aws::Aws, config::EnvReader, tenant::TenantId};
pub use testkit::{Call, Reply};
use tiktok::{AppCredentials, AuthCode, ClientKey, ClientSecret, TikTokClient, TikTokConfig};
use tiktok_sandbox::RunningSandbox;

pub const SECRET: &str = "sbx-hashtags-secret-0123456789abcdef";
pub const REDIRECT: &str = "https://app.example.test/oauth/tiktok/callback";
pub const ORIGIN: &str = "https://app.example.test";

/// The connected creators of each tenant, with tokens from real OAuth.
#[derive(Default)]
pub struct SandboxCreators(Mutex<HashMap<String, Vec<CreatorAccount>>>);

impl CreatorTokens for SandboxCreators {
    fn creators_of<'a>(
        &'a self,
        tenant: &'a TenantId,
    ) -> BoxFuture<'a, Result<Vec<CreatorAccount>, CreatorTokensError>> {
        let accounts = self.0.lock().expect("lock").get(tenant.as_str()).cloned().unwrap_or_default();
        Box::pin(async move { Ok(accounts) })
    }
}

/// What a test changes from the defaults.
pub struct Setup {
    pub dataset_size: usize,
    pub research_quota: Option<u32>,
    pub env: Vec<(&'static str, String)>,
    pub narrative_key: Option<&'static str>,
}

impl Default for Setup {
    fn default() -> Self {
        Self { dataset_size: 5000, research_quota: None, env: Vec::new(), narrative_key: None }
    }
}

pub struct World {
    pub deps: Deps,
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub creators: Arc<SandboxCreators>,
    pub client_key: String,
}

pub struct Tenant {
    pub id: String,
    pub key: String,
}

impl World {
    pub async fn start(setup: Setup) -> Self {
        let client_key = format!("sbx-ht-{}", ulid::Ulid::new().to_string().to_lowercase());
        let mut config = tiktok_sandbox::Config::for_tests(&client_key, SECRET);
        config.dataset_size = setup.dataset_size;
        if let Some(quota) = setup.research_quota {
            config.settings.research_daily_quota = quota;
        }
        let sandbox = tiktok_sandbox::start(config).await.expect("sandbox starts");
        let mut vars: HashMap<String, String> = [
            ("TIKTOK_API_BASE_URL", sandbox.base_url.clone()),
            ("TIKTOK_AUTH_BASE_URL", sandbox.base_url.clone()),
            // The deployed budget: on a loaded two-core runner (six tests, a
            // browser and the linters at once) whole analyses took over 8 s
            // and came back partial. Tests of the budget set their own.
            ("HASHTAG_TIME_BUDGET_MS", "20000".to_owned()),
            ("HASHTAG_RETRY_BASE_MS", "20".to_owned()),
            ("HASHTAG_RETRY_CAP_MS", "100".to_owned()),
            ("HASHTAG_ANALYSES_PER_MINUTE", "1000".to_owned()),
            ("CORS_ALLOWED_ORIGINS", ORIGIN.to_owned()),
            // Each sandbox has its own data: its analyses must not meet another's.
            ("HASHTAG_CACHE_VERSION", format!("t{}", ulid::Ulid::new())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        vars.extend(setup.env.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let env = EnvReader::new(move |k| vars.get(k).cloned().or_else(|| std::env::var(k).ok()));
        let config = HashtagsConfig::read(env).expect("stack env: run with .local/stack.env exported");
        let aws = Aws::load(&config.stack).await;
        let creators = Arc::new(SandboxCreators::default());
        let credentials = AppCredentials {
            client_key: ClientKey(client_key.clone()),
            client_secret: ClientSecret::new(SECRET),
        };
        let tiktok = TikTokClient::new(config.tiktok.clone()).expect("client");
        let ports = Ports {
            tiktok,
            creators: creators.clone(),
            research_credentials: Arc::new(StaticCredentials(Some(credentials))),
            narrative_key: setup.narrative_key.map(|k| k.to_owned().into()),
        };
        let deps = Deps::new(config, &aws.dynamodb(), ports).expect("deps");
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
        Self { deps, sandbox, http, creators, client_key }
    }

    pub async fn tenant(&self) -> Tenant {
        let (id, key) = self.deps.tenants.create_tenant("hashtag test tenant").await.expect("tenant");
        Tenant { id: id.to_string(), key: key.key.expose_secret().to_owned() }
    }

    /// Connects `username` for `tenant` through authorize → code → exchange;
    /// returns the account id.
    pub async fn connect(&self, tenant: &Tenant, username: &str) -> String {
        let base = url::Url::parse(&self.sandbox.base_url).expect("base url");
        let credentials = AppCredentials {
            client_key: ClientKey(self.client_key.clone()),
            client_secret: ClientSecret::new(SECRET),
        };
        let client = TikTokClient::new(TikTokConfig::with_base_urls(base.clone(), base)).expect("client");
        let redirect = url::Url::parse(REDIRECT).expect("redirect");
        let login = client
            .start_login(&credentials.client_key, &redirect, &["user.info.basic", "video.list"])
            .expect("login");
        let mut authorize = login.authorize_url.clone();
        authorize.query_pairs_mut().append_pair("sandbox_user", username);
        let answer = self.http.get(authorize).send().await.expect("authorize");
        let location = answer.headers()["location"].to_str().expect("location").to_owned();
        let code = url::Url::parse(&location)
            .expect("callback url")
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("code in the callback");
        let tokens = client
            .exchange_code(&credentials, &AuthCode::new(code), &redirect, &login.verifier)
            .await
            .expect("exchange");
        let account_id = ulid::Ulid::new().to_string();
        let account = CreatorAccount {
            account_id: AccountId::parse(&account_id).expect("account id"),
            label: username.to_owned(),
            token: Some(tokens.access_token),
        };
        self.creators.0.lock().expect("lock").entry(tenant.id.clone()).or_default().push(account);
        account_id
    }

    pub async fn get(&self, path_and_query: &str, key: &str) -> Reply {
        self.send(Call::new("GET", path_and_query).bearer(key)).await
    }

    pub async fn send(&self, call: Call<'_>) -> Reply {
        Reply::of(handle(call.request(), &self.deps).await.expect("handled"))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    pub async fn dataset(&self) -> Value {
        self.http
            .get(self.url("/_sandbox/dataset"))
            .send()
            .await
            .expect("dataset")
            .json()
            .await
            .expect("json")
    }

    /// Calls per sandbox endpoint so far.
    pub async fn calls(&self, endpoint: &str) -> u64 {
        let calls: Value = self
            .http
            .get(self.url("/_sandbox/calls"))
            .send()
            .await
            .expect("calls")
            .json()
            .await
            .expect("json");
        calls[endpoint].as_u64().unwrap_or(0)
    }

    pub async fn fault(&self, rule: Value) {
        let answer = self.http.post(self.url("/_sandbox/faults")).json(&rule).send().await.expect("fault");
        assert!(answer.status().is_success(), "fault rule accepted");
    }

    pub async fn clear_faults(&self) {
        self.http.delete(self.url("/_sandbox/faults")).send().await.expect("clear faults");
    }

    pub async fn revoke(&self, username: &str) {
        let path = format!("/_sandbox/accounts/{username}/revoke");
        let answer =
            self.http.post(self.url(&path)).json(&serde_json::json!({})).send().await.expect("revoke");
        assert!(answer.status().is_success());
    }
}

/// A tag unlikely to be in the data set, so a test's cache key is its own.
pub fn unique_tag(prefix: &str) -> String {
    format!("{prefix}{}", ulid::Ulid::new().to_string().to_lowercase())
}
