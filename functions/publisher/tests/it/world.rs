//! The local stack as the pipeline tests see it: one tenant and one sandbox
//! creator per test (an open_id belongs to one tenant), media put straight
//! into the bucket, posts filed straight into the table, and the event
//! runner's tick for the dispatcher.

use std::time::Duration;

use foundation::time_format::rfc3339;
use serde_json::Value;
use shared::account::{Account, AccountStore, Connection};
use shared::aws::Aws;
use shared::config::StackConfig;
use shared::media::store::{MediaItem, MediaStore};
use shared::media::ContentType;
use shared::post::{HistoryEntry, Post, PostKind, PostMode, PostSettings, PostStatus, PostStore};
use shared::tenant::TenantId;
use shared::vault::SecretCache;
use time::OffsetDateTime;

pub struct World {
    pub aws: Aws,
    pub posts: PostStore,
    pub media: MediaStore,
    pub accounts: AccountStore,
    pub secrets: SecretCache,
    pub http: reqwest::Client,
    pub sandbox: String,
    pub events: String,
}

fn var(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name}: run with the local stack's .local/stack.env exported"))
}

impl World {
    pub async fn start() -> Self {
        let config = StackConfig::from_env().expect("stack env");
        let aws = Aws::load(&config).await;
        let table = &config.table_name;
        Self {
            posts: PostStore::new(aws.dynamodb(), table),
            media: MediaStore::new(aws.dynamodb(), aws.s3(), table, &config.media_bucket),
            accounts: AccountStore::new(aws.dynamodb(), table),
            secrets: SecretCache::for_stack(aws.secrets(), &config),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http"),
            sandbox: var("TIKTOK_SANDBOX_URL"),
            events: var("EVENT_SOURCES_URL"),
            aws,
        }
    }

    /// Connects the sandbox creator `username` for a new tenant through
    /// TikTok's real OAuth flow (the stack's sandbox and app secret).
    pub async fn connect(&self, username: &str) -> (TenantId, Account) {
        let tokens = testkit::tiktok::stack_tokens(username).await;
        // An open_id belongs to one tenant: a creator connected by an
        // earlier run on this stack stays with its tenant.
        let tenant = match self.accounts.by_open_id(&tokens.open_id).await.expect("owner") {
            Some(existing) => TenantId::parse(&existing.tenant).expect("tenant"),
            None => TenantId::new(),
        };
        let ring = self.secrets.get().await.expect("app secret").ring.clone();
        let connection =
            Connection { tenant: tenant.as_str(), display_name: username, avatar_url: "", tokens: &tokens };
        let account = self.accounts.connect(connection, &ring).await.expect("connect");
        (tenant, account)
    }

    /// Stores `bytes` as a READY media item of the tenant (as the API does
    /// after its pre-flight checks).
    pub async fn media(&self, tenant: &TenantId, content_type: ContentType, bytes: Vec<u8>) -> MediaItem {
        testkit::media_files::put_ready(&self.aws, &self.media, tenant, content_type, bytes).await
    }

    /// Files a post due `in_secs` from now.
    pub async fn post(
        &self,
        tenant: &TenantId,
        account: &Account,
        kind: PostKind,
        mode: PostMode,
        media: &[MediaItem],
        in_secs: i64,
    ) -> Post {
        let now = OffsetDateTime::now_utc();
        let post = Post {
            id: ulid::Ulid::new().to_string(),
            tenant: tenant.to_string(),
            account_id: account.id.clone(),
            settings: PostSettings {
                kind,
                post_mode: mode,
                media_ids: media.iter().map(|m| m.id.to_string()).collect(),
                caption: "pipeline test #rust".into(),
                ..PostSettings::video("SELF_ONLY")
            },
            scheduled_at: rfc3339(now + time::Duration::seconds(in_secs)),
            status: PostStatus::Scheduled,
            history: vec![HistoryEntry {
                from: None,
                to: PostStatus::Scheduled,
                at: rfc3339(now),
                by: "test".into(),
                reason: "scheduled".into(),
            }],
            publish_id: None,
            post_ids: vec![],
            lease_owner: None,
            lease_expires_at: None,
            attempts: 0,
            status_reason: None,
            created_at: rfc3339(now),
            updated_at: rfc3339(now),
        };
        self.posts.create(&post).await.expect("post");
        post
    }

    /// Fires the dispatcher's schedule now, through the local event runner.
    pub async fn tick(&self) -> Value {
        let answer = self.http.post(format!("{}/tick/dispatcher", self.events)).send().await.expect("tick");
        answer.json().await.unwrap_or(Value::Null)
    }

    /// Ticks the dispatcher until the post reaches one of `statuses`.
    pub async fn until(&self, post: &Post, statuses: &[PostStatus], limit: Duration) -> Post {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let now = self.posts.get(&post.tenant, &post.id).await.expect("read").expect("post");
            if statuses.contains(&now.status) {
                return now;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "post stuck in {} ({:?})",
                now.status,
                now.status_reason
            );
            if matches!(now.status, PostStatus::Scheduled | PostStatus::RetryWait) {
                self.tick().await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Every entry of the sandbox's ledger.
    pub async fn ledger_entries(&self) -> Vec<Value> {
        let ledger: Value = self
            .http
            .get(format!("{}/_sandbox/ledger", self.sandbox))
            .send()
            .await
            .expect("ledger")
            .json()
            .await
            .expect("json");
        ledger["posts"].as_array().cloned().unwrap_or_default()
    }

    /// The sandbox's ledger entries of one publish.
    pub async fn ledger(&self, publish_id: &str) -> Vec<Value> {
        self.ledger_entries().await.into_iter().filter(|p| p["publish_id"] == publish_id).collect()
    }

    /// The sandbox's ledger entries of one creator.
    pub async fn ledger_of(&self, open_id: &str) -> Vec<Value> {
        self.ledger_entries().await.into_iter().filter(|p| p["open_id"] == open_id).collect()
    }
}
