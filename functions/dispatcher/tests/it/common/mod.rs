//! Test harness: a dispatcher wired to an isolated table and queue, posts
//! written and moved through the real store, messages read back from SQS.

#![allow(dead_code)]

use shared::config::FunctionConfig;
use std::collections::HashMap;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_sdk_dynamodb::types::AttributeValue;
use dispatcher::{config::DispatcherConfig, handle, Deps, Summary};
use foundation::time_format::rfc3339;
use lambda_runtime::{Context, LambdaEvent};
use shared::{
    aws::Aws,
    config::{EnvReader, StackConfig},
    emf::{MetricLines, Metrics},
    post::{queue::PublishMessage, Post, PostStatus, PostStore, Transition},
};
use testkit::isolated::Isolated;
use time::{Duration, OffsetDateTime};

pub struct World {
    pub isolated: Isolated,
    pub deps: Deps,
    pub metrics: MetricLines,
    pub posts: PostStore,
}

/// The EventBridge Scheduler event from `events/`, as Lambda delivers it.
pub fn scheduled_event(context: Context) -> LambdaEvent<EventBridgeEvent<serde_json::Value>> {
    let event = serde_json::from_str(include_str!("../../../../../events/dispatcher-schedule.json"))
        .expect("fixture is an EventBridge event");
    LambdaEvent::new(event, context)
}

pub fn tenant() -> String {
    format!("t{}", ulid::Ulid::new())
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl World {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// With dispatcher variables overridden (`DISPATCH_MAX_POSTS`, ...).
    pub async fn start_with(vars: &[(&str, &str)]) -> Self {
        let stack = StackConfig::from_env().expect("stack env; source the stack's stack.env");
        let aws = Aws::load(&stack).await;
        let isolated = Isolated::create(&aws).await;
        let mut overrides = isolated.env();
        overrides.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let env = EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()));
        let config = DispatcherConfig::read(env).expect("config");
        let (metrics, lines) = Metrics::in_memory(config.metrics_namespace.clone(), "dispatcher");
        let posts = PostStore::new(aws.dynamodb(), &isolated.table);
        let deps = Deps::new(config, &aws, metrics);
        Self { isolated, deps, metrics: lines, posts }
    }

    pub async fn tick(&self) -> Summary {
        self.tick_with(Context::default()).await
    }

    pub async fn tick_with(&self, context: Context) -> Summary {
        handle(scheduled_event(context), &self.deps).await.expect("tick")
    }

    /// A `SCHEDULED` post of `tenant` due at `at`, written through the store.
    pub async fn post_due(&self, tenant: &str, at: OffsetDateTime) -> Post {
        let created = now();
        let post: Post = serde_json::from_value(serde_json::json!({
            "id": ulid::Ulid::new().to_string(), "tenant": tenant, "account_id": "acct-1",
            "settings": {"kind": "video", "post_mode": "DIRECT_POST", "media_ids": [], "caption": "c",
                         "privacy_level": "SELF_ONLY"},
            "scheduled_at": rfc3339(at), "status": "SCHEDULED",
            "created_at": rfc3339(created), "updated_at": rfc3339(created),
        }))
        .expect("post");
        self.posts.create(&post).await.expect("create post");
        post
    }

    /// One conditional move of the store, as the publisher or the API makes it.
    pub async fn step(&self, post: &Post, t: Transition) -> Post {
        self.posts.transition(&post.tenant, &post.id, post.status, t).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// SCHEDULED → QUEUED → PUBLISHING under `owner`'s lease expiring at
    /// `expires`, filed in the due index at that expiry (as the publisher does).
    pub async fn claimed(&self, post: &Post, owner: &str, expires: OffsetDateTime) -> Post {
        let queued = self.step(post, Transition::new(PostStatus::Queued, "test", "queued")).await;
        self.step(&queued, leased(PostStatus::Publishing, owner, expires)).await
    }

    pub async fn get(&self, post: &Post) -> Post {
        self.posts.get(&post.tenant, &post.id).await.expect("get").expect("the post exists")
    }

    /// The messages visible now, received and deleted.
    pub async fn messages(&self) -> Vec<PublishMessage> {
        self.messages_within(0).await
    }

    /// The messages that become visible within `wait_secs` (a long poll),
    /// and none after them within the same wait.
    pub async fn messages_within(&self, wait_secs: i32) -> Vec<PublishMessage> {
        self.isolated
            .drain(wait_secs)
            .await
            .iter()
            .map(|b| PublishMessage::decode(b).expect("a publish message"))
            .collect()
    }

    /// The values of one EMF metric across the lines emitted so far.
    pub fn metric(&self, name: &str) -> Vec<f64> {
        self.metrics
            .lines()
            .iter()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("EMF json"))
            .filter_map(|v| v[name].as_f64())
            .collect()
    }

    pub async fn finish(self) {
        self.isolated.remove().await;
    }
}

/// A move under `owner`'s lease, filed at the lease's expiry.
pub fn leased(to: PostStatus, owner: &str, expires: OffsetDateTime) -> Transition {
    Transition::new(to, format!("publisher:{owner}"), "test lease")
        .with("lease_owner", AttributeValue::S(owner.to_owned()))
        .with("lease_expires_at", AttributeValue::N(expires.unix_timestamp().to_string()))
        .due_at(expires)
}

pub fn publish(post: &Post) -> PublishMessage {
    PublishMessage::decode(&format!(
        r#"{{"type":"Publish","tenant":"{}","post_id":"{}"}}"#,
        post.tenant, post.id
    ))
    .expect("message")
}

/// How many messages name each post.
pub fn per_post(messages: &[PublishMessage]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for m in messages {
        *counts.entry(m.post().1.to_string()).or_default() += 1;
    }
    counts
}

pub const SECOND: Duration = Duration::SECOND;
