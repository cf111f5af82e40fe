//! The run's world: the stack's clients, the tenants (each with an API key),
//! their accounts (sandbox pool creators connected through TikTok's real
//! OAuth), their media (put straight into the bucket as READY, as the api
//! leaves it after its checks) and the posts, filed straight into the table.

use foundation::time_format::rfc3339;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use shared::account::{Account, AccountStore, Connection};
use shared::aws::Aws;
use shared::config::StackConfig;
use shared::media::store::{MediaItem, MediaStore};
use shared::media::ContentType;
use shared::post::{HistoryEntry, Post, PostSettings, PostStatus, PostStore};
use shared::tenant::{TenantId, TenantStore};
use shared::vault::SecretCache;
use time::OffsetDateTime;

use crate::plan::{Plan, Shape};
use crate::Size;

/// Sandbox pool creators no test, demo or bench connects (rate limits, caps
/// and faults are per creator): `grep -rn pool_ --include=*.rs` to check.
pub const CREATORS: [&str; 11] = [
    "pool_27", "pool_28", "pool_29", "pool_30", "pool_31", "pool_32", "pool_33", "pool_34", "pool_35",
    "pool_36", "pool_37",
];

pub struct World {
    pub aws: Aws,
    pub queue: String,
    pub posts: PostStore,
    pub media: MediaStore,
    pub accounts: AccountStore,
    pub tenants: TenantStore,
    pub secrets: SecretCache,
    pub http: reqwest::Client,
    pub sandbox: String,
    pub events: String,
    pub api: String,
    /// The local Lambda gateway serving the functions (`LAMBDA_WATCH_URL`):
    /// it kills a publisher instance in the middle of an invocation on request.
    pub gateway: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name}: run through infra/chaos/run.sh (the stack's env)"))
}

pub struct Tenant {
    pub id: TenantId,
    pub key: SecretString,
}

pub struct Member {
    pub username: &'static str,
    pub tenant: usize,
    pub account: Account,
}

/// Who takes part: tenants and their accounts, and each tenant's media.
pub struct Cast {
    pub tenants: Vec<Tenant>,
    pub accounts: Vec<Member>,
    /// Per tenant: videos (small ones first, one of two chunks last) and photos.
    pub videos: Vec<Vec<MediaItem>>,
    pub photos: Vec<Vec<MediaItem>>,
}

impl World {
    pub async fn start() -> Self {
        let config = StackConfig::from_env().expect("the stack's env (run through infra/chaos/run.sh)");
        let aws = Aws::load(&config).await;
        let table = &config.table_name;
        Self {
            posts: PostStore::new(aws.dynamodb(), table),
            media: MediaStore::new(aws.dynamodb(), aws.s3(), table, &config.media_bucket),
            accounts: AccountStore::new(aws.dynamodb(), table),
            tenants: TenantStore::new(aws.dynamodb(), table),
            secrets: SecretCache::for_stack(aws.secrets(), &config),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(120))
                .build()
                .expect("http"),
            sandbox: var("TIKTOK_SANDBOX_URL"),
            events: var("EVENT_SOURCES_URL"),
            api: var("API_URL"),
            queue: var("PUBLISH_QUEUE_URL"),
            gateway: {
                assert_eq!(
                    std::env::var("LAMBDA_SERVER").as_deref(),
                    Ok("gateway"),
                    "the chaos run needs the stack's Lambda gateway (stack.sh up --gateway): it kills publishers"
                );
                var("LAMBDA_WATCH_URL")
            },
            aws,
        }
    }

    pub async fn sandbox_get(&self, path: &str) -> Value {
        let answer = self.http.get(format!("{}{path}", self.sandbox)).send().await.expect("sandbox");
        answer.json().await.expect("sandbox json")
    }

    pub async fn sandbox_send(&self, method: reqwest::Method, path: &str, body: Value) {
        let answer = self
            .http
            .request(method, format!("{}{path}", self.sandbox))
            .json(&body)
            .send()
            .await
            .expect("sandbox");
        let status = answer.status();
        assert!(status.is_success(), "sandbox {path}: {status} {}", answer.text().await.unwrap_or_default());
    }

    /// TikTok's daily cap raised for the run (on our side too: run.sh sets
    /// LIMIT_POSTS_PER_DAY), every webhook delivered twice.
    pub async fn settle_sandbox(&self) {
        // TikTok waits 29 s for a webhook's answer here, API Gateway's limit
        // and the webhooks function's Timeout. Locally a function has at most
        // ten instances (AWS scales it out), so at 1,000 posts a delivery
        // waits its turn: at 10 s two thirds of them timed out waiting, each
        // was sent 8 times, and the retries were five times the load on moto.
        let settings = json!({"daily_post_cap": 1000, "duplicate_webhooks": true, "processing_delay_ms": 1500,
            "webhook_timeout_ms": 29000});
        self.sandbox_send(reqwest::Method::PATCH, "/_sandbox/settings", settings).await;
        println!(
            "chaos: sandbox daily post cap raised to 1000 (LIMIT_POSTS_PER_DAY=1000 for the publisher), \
             duplicate webhooks on; TikTok's per-token limits stay as TikTok's (6 inits, 20 creator_info, \
             30 status a minute): the run's length follows from them"
        );
    }

    /// Tenants, accounts (round robin over tenants) and media.
    pub async fn cast(&self, size: &Size) -> Cast {
        let mut tenants = Vec::new();
        for n in 0..size.tenants {
            let (id, issued) = self.tenants.create_tenant(&format!("chaos-{n}")).await.expect("tenant");
            tenants.push(Tenant { id, key: issued.key });
        }
        let ring = self.secrets.get().await.expect("app secret").ring.clone();
        let mut accounts = Vec::new();
        for (n, username) in CREATORS.iter().take(size.accounts).enumerate() {
            let mut tenant = n % size.tenants;
            let tokens = testkit::tiktok::stack_tokens(username).await;
            // An open_id belongs to one tenant: on a reused stack the creator
            // stays with its tenant, which gets a key of its own here.
            if let Some(existing) = self.accounts.by_open_id(&tokens.open_id).await.expect("owner") {
                let id = TenantId::parse(&existing.tenant).expect("tenant id");
                let key = self.tenants.issue_key(&id).await.expect("key").key;
                tenants.push(Tenant { id, key });
                tenant = tenants.len() - 1;
            }
            let connection = Connection {
                tenant: tenants[tenant].id.as_str(),
                display_name: username,
                avatar_url: "",
                tokens: &tokens,
            };
            let account = self.accounts.connect(connection, &ring).await.expect("connect");
            accounts.push(Member { username, tenant, account });
        }
        let mut videos = Vec::new();
        let mut photos = Vec::new();
        for (n, tenant) in tenants.iter().enumerate() {
            let seed = size.seed ^ (n as u64) << 32;
            let mut own = Vec::new();
            for (i, bytes) in [300 * 1024, 700 * 1024, 1200 * 1024].into_iter().enumerate() {
                own.push(
                    self.put_media(&tenant.id, ContentType::Mp4, video_bytes(bytes, seed + i as u64)).await,
                );
            }
            // Two chunks (the plan's 10 MiB chunks): a chunk's own faults.
            own.push(self.put_media(&tenant.id, ContentType::Mp4, video_bytes(21 * MIB, seed + 9)).await);
            videos.push(own);
            let mut own = Vec::new();
            for side in [640u16, 720, 800, 1080] {
                own.push(
                    self.put_media(&tenant.id, ContentType::Jpeg, testkit::media_files::jpeg(side, side))
                        .await,
                );
            }
            photos.push(own);
        }
        Cast { tenants, accounts, videos, photos }
    }

    async fn put_media(&self, tenant: &TenantId, content_type: ContentType, bytes: Vec<u8>) -> MediaItem {
        testkit::media_files::put_ready(&self.aws, &self.media, tenant, content_type, bytes).await
    }

    /// Files every planned post (SCHEDULED, due at its time), 16 at a time.
    pub async fn file(&self, cast: &Cast, plan: &Plan) -> Vec<Post> {
        use futures::StreamExt;
        let now = OffsetDateTime::now_utc();
        let posts: Vec<Post> = plan
            .posts
            .iter()
            .map(|p| {
                let member = &cast.accounts[p.account];
                let media: Vec<String> = match p.shape {
                    Shape::Video { media, .. } => vec![cast.videos[member.tenant][media].id.to_string()],
                    Shape::Photo { first, count, .. } => (0..count)
                        .map(|i| {
                            cast.photos[member.tenant][(first + i) % cast.photos[member.tenant].len()]
                                .id
                                .to_string()
                        })
                        .collect(),
                };
                let mut settings = PostSettings::video(p.privacy);
                settings.kind = p.shape.kind();
                settings.post_mode = p.shape.mode();
                settings.media_ids = media;
                settings.caption = p.caption.clone();
                let mut post = Post::scheduled(
                    ulid::Ulid::new().to_string(),
                    cast.tenants[member.tenant].id.to_string(),
                    member.account.id.clone(),
                    settings,
                    rfc3339(p.due),
                    rfc3339(now),
                );
                post.history.push(HistoryEntry {
                    from: None,
                    to: PostStatus::Scheduled,
                    at: rfc3339(now),
                    by: "chaos".into(),
                    reason: "scheduled".into(),
                });
                post
            })
            .collect();
        futures::stream::iter(posts.iter())
            .map(|post| async move { self.posts.create(post).await.expect("file post") })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        posts
    }

    /// An api call with the tenant's key: its status.
    pub async fn api(
        &self,
        tenant: &Tenant,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> u16 {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.api))
            .header("authorization", format!("Bearer {}", tenant.key.expose_secret()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(answer) => answer.status().as_u16(),
            Err(_) => 0,
        }
    }
}

const MIB: usize = 1024 * 1024;

/// `size` bytes that start like an MP4 and go on pseudo-randomly (as the
/// publisher's tests make them): distinct per seed.
fn video_bytes(size: usize, seed: u64) -> Vec<u8> {
    let mut bytes = testkit::media_files::mp4(320, 240, 30, 30, true);
    bytes.truncate(size);
    let mut rng = testkit::rng::Rng::new(seed);
    while bytes.len() < size {
        let word = rng.next_u64().to_le_bytes();
        let take = (size - bytes.len()).min(word.len());
        bytes.extend_from_slice(&word[..take]);
    }
    bytes
}
