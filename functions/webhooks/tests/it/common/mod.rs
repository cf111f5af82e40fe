//! Test harness: the webhooks function wired to the local stack, with a
//! private TikTok sandbox app whose secret signs the deliveries; requests are
//! the real API Gateway v2 fixtures in `events/` with body and signature
//! replaced; metrics kept in memory.

#![allow(dead_code)]

use shared::config::FunctionConfig;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use foundation::time_format::rfc3339;
use lambda_http::request::from_str;
use shared::{
    account::{Account, Connection},
    aws::Aws,
    config::{EnvReader, StackConfig},
    dynamo::s,
    emf::{MetricLines, Metrics},
    post::{Post, PostSettings, PostStatus, PublishRef, Transition},
    schema,
};
use testkit::tiktok::SandboxApp;
pub use testkit::Reply;
use tiktok::ClientSecret;
use time::OffsetDateTime;
use webhooks::{config::WebhooksConfig, deliveries::delivery_hash, handle, Deps};

pub const CAPTION: &str = "Sunday brunch: the secret is the brown butter";

/// A fixture from `events/`.
pub fn fixture(name: &str) -> serde_json::Value {
    let text = match name {
        "complete" => include_str!("../../../../../events/webhooks-post-publish-complete.json"),
        "removed" => include_str!("../../../../../events/webhooks-authorization-removed.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture json")
}

/// The `complete` fixture carrying `body` and `signature` (none: no header).
pub fn delivery(body: &str, signature: Option<&str>) -> lambda_http::Request {
    let mut e = fixture("complete");
    e["body"] = body.into();
    e["requestContext"]["requestId"] = format!("req-{}", ulid::Ulid::new()).into();
    let headers = e["headers"].as_object_mut().expect("headers");
    headers.insert("content-length".into(), body.len().to_string().into());
    headers.remove("tiktok-signature");
    if let Some(signature) = signature {
        headers.insert("tiktok-signature".into(), signature.into());
    }
    from_str(&e.to_string()).expect("valid API Gateway v2 event")
}

pub struct World {
    pub app: SandboxApp,
    pub deps: Deps,
    pub metrics: MetricLines,
    pub aws: Aws,
    pub table: String,
    /// Posts and accounts of this test belong to this tenant.
    pub tenant: String,
}

impl World {
    pub async fn start() -> Self {
        let stack = StackConfig::from_env().expect("stack env; source .local/stack.env");
        let aws = Aws::load(&stack).await;
        let app = SandboxApp::start(&aws, |_| {}).await;
        let overrides: HashMap<String, String> = [
            ("APP_SECRET_ID", app.secret_id.as_str()),
            ("TIKTOK_API_BASE_URL", app.sandbox.base_url.as_str()),
            ("WEBHOOK_TOLERANCE_SECS", "300"),
            ("PUBLISH_MAX_ATTEMPTS", "3"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let env = EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()));
        let config = WebhooksConfig::read(env).expect("config");
        let (metrics, lines) = Metrics::in_memory("Test", "webhooks");
        let deps = Deps::new(config, &aws, metrics).expect("deps");
        let tenant = format!("T{}", ulid::Ulid::new());
        Self { app, deps, metrics: lines, aws, table: stack.table_name, tenant }
    }

    pub async fn send(&self, request: lambda_http::Request) -> Reply {
        Reply::of(handle(request, &self.deps).await.expect("handled"))
    }

    /// A webhook body as TikTok sends it to this app, created now.
    pub fn body(&self, event: &str, open_id: &str, content: serde_json::Value) -> String {
        self.body_at(event, open_id, content, OffsetDateTime::now_utc().unix_timestamp())
    }

    pub fn body_at(
        &self,
        event: &str,
        open_id: &str,
        content: serde_json::Value,
        create_time: i64,
    ) -> String {
        serde_json::json!({
            "client_key": self.app.client_key,
            "event": event,
            "create_time": create_time,
            "user_openid": open_id,
            "content": content.to_string(),
        })
        .to_string()
    }

    /// The `TikTok-Signature` header for `body` at `time`, with the app's secret.
    pub fn signature_at(&self, body: &str, time: SystemTime) -> String {
        tiktok::webhook::sign(body.as_bytes(), &ClientSecret::new(self.app.client_secret.clone()), time)
    }

    /// Delivers `body` signed now, as TikTok does (every attempt re-signed).
    pub async fn deliver(&self, body: &str) -> Reply {
        let signature = self.signature_at(body, SystemTime::now());
        self.send(delivery(body, Some(&signature))).await
    }

    /// A post of this tenant, walked to `status` through the state machine
    /// (`Processing` and beyond carry `publish_id`, referenced for webhooks).
    pub async fn post_in(&self, status: PostStatus, publish_id: &str, attempts: u32) -> Post {
        let post =
            new_post(&self.tenant, "acct-webhooks", OffsetDateTime::now_utc() + time::Duration::hours(1));
        let store = &self.deps.keeper.posts;
        store.create(&post).await.expect("create post");
        let path = [
            PostStatus::Queued,
            PostStatus::Publishing,
            PostStatus::Initiating,
            PostStatus::Processing,
            PostStatus::Published,
        ];
        let mut at = PostStatus::Scheduled;
        let mut current = post;
        for to in path {
            if at == status {
                break;
            }
            let mut t = Transition::new(to, "test", "walk");
            if to == PostStatus::Initiating {
                let reference = PublishRef {
                    publish_id: publish_id.to_owned(),
                    tenant: self.tenant.clone(),
                    post_id: current.id.clone(),
                    account_id: current.account_id.clone(),
                };
                store.record_publish_ref(&reference).await.expect("publish ref");
                t = t.with("attempts", AttributeValue::N(attempts.to_string()));
            }
            if to == PostStatus::Processing {
                t = t.with("publish_id", s(publish_id));
            }
            current = store.transition(&self.tenant, &current.id, at, t).await.expect("walk");
            at = to;
        }
        assert_eq!(current.status, status, "walked to {status}");
        current
    }

    pub async fn post(&self, post: &Post) -> Post {
        self.post_of(&post.tenant, &post.id).await
    }

    pub async fn post_of(&self, tenant: &str, id: &str) -> Post {
        self.deps.keeper.posts.get(tenant, id).await.expect("get post").expect("post exists")
    }

    /// Connects the sandbox creator `username` to this tenant.
    pub async fn connect(&self, username: &str) -> Account {
        let tokens = self.app.tokens_for(username).await;
        let ring = self.deps.keeper.secrets.get().await.expect("secret").ring.clone();
        let connection =
            Connection { tenant: &self.tenant, display_name: username, avatar_url: "", tokens: &tokens };
        self.deps.keeper.accounts.connect(connection, &ring).await.expect("connect")
    }

    pub async fn account(&self, id: &str) -> Account {
        self.deps.keeper.accounts.get(id).await.expect("get account").expect("account exists")
    }

    /// A `SCHEDULED` post of `account` at `at`.
    pub async fn scheduled_post(&self, account: &str, at: OffsetDateTime) -> Post {
        let post = new_post(&self.tenant, account, at);
        self.deps.keeper.posts.create(&post).await.expect("create post");
        post
    }

    /// The de-duplication mark of a body, if written.
    pub async fn mark(&self, body: &str) -> Option<HashMap<String, AttributeValue>> {
        let key = schema::keys::webhook_delivery(&delivery_hash(body.as_bytes()));
        shared::dynamo::read_item(&self.aws.dynamodb(), &self.table, key).await.expect("get mark")
    }

    /// How many EMF lines carry `metric` with every one of `dimensions`.
    pub fn metric(&self, metric: &str, dimensions: &[(&str, &str)]) -> usize {
        self.metrics
            .lines()
            .iter()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("EMF json"))
            .filter(|v| v.get(metric).is_some())
            .filter(|v| dimensions.iter().all(|(k, want)| v[*k] == *want))
            .count()
    }
}

pub fn new_post(tenant: &str, account: &str, at: OffsetDateTime) -> Post {
    let now = OffsetDateTime::now_utc();
    Post {
        id: ulid::Ulid::new().to_string(),
        tenant: tenant.to_owned(),
        account_id: account.to_owned(),
        settings: PostSettings {
            media_ids: vec!["01JMEDIA".into()],
            caption: CAPTION.into(),
            ..PostSettings::video("PUBLIC_TO_EVERYONE")
        },
        scheduled_at: rfc3339(at),
        status: PostStatus::Scheduled,
        history: vec![],
        publish_id: None,
        post_ids: vec![],
        lease_owner: None,
        lease_expires_at: None,
        attempts: 0,
        status_reason: None,
        created_at: rfc3339(now),
        updated_at: rfc3339(now),
    }
}

/// A fresh TikTok-looking publish id.
pub fn publish_id() -> String {
    format!("v_pub_file~v2-1.{}", ulid::Ulid::new())
}

pub const TOLERANCE: Duration = Duration::from_secs(300);
