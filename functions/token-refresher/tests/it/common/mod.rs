//! Test harness: the refresher wired to the local stack and a private TikTok
//! sandbox app, invoked with the real scheduled-event fixture.

#![allow(dead_code)]

use std::collections::HashMap;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{Context, LambdaEvent};
use shared::{
    account::{Account, Connection},
    aws::AwsClients,
    config::{EnvReader, StackConfig},
    emf::{MetricLines, Metrics},
};
use testkit::tiktok::SandboxApp;
use token_refresher::{config::RefresherConfig, handle, Deps, Summary};

pub struct World {
    pub app: SandboxApp,
    pub deps: Deps,
    pub metrics: MetricLines,
    pub aws: AwsClients,
    pub table: String,
}

/// The scheduled event from `events/`, as Lambda would deliver it.
pub fn scheduled_event() -> LambdaEvent<EventBridgeEvent> {
    let event = serde_json::from_str(include_str!("../../../../../events/token-refresher-schedule.json"))
        .expect("fixture is an EventBridge event");
    LambdaEvent::new(event, Context::default())
}

pub fn tenant() -> String {
    format!("t{}", ulid::Ulid::new())
}

impl World {
    /// The refresher against the local stack and a fresh sandbox app whose
    /// access tokens live `access_ttl` seconds.
    pub async fn start(access_ttl: i64) -> Self {
        let stack = StackConfig::from_env().expect("stack env; source .local/stack.env");
        let aws = AwsClients::load(&stack).await;
        let app = SandboxApp::start(&aws, |s| s.access_token_ttl_secs = access_ttl).await;
        let base = app.sandbox.base_url.clone();
        let overrides: HashMap<String, String> = [
            ("APP_SECRET_ID", app.secret_id.as_str()),
            ("TIKTOK_API_BASE_URL", &base),
            ("TIKTOK_AUTH_BASE_URL", &base),
            ("REFRESH_WINDOW_SECS", "1800"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let env = EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()));
        let config = RefresherConfig::read(env).expect("config");
        let (metrics, lines) = Metrics::in_memory(config.metrics_namespace.clone(), "token-refresher");
        let deps = Deps::new(config, &aws, metrics).expect("deps");
        Self { app, deps, metrics: lines, aws, table: stack.table_name }
    }

    pub async fn run(&self) -> Summary {
        handle(scheduled_event(), &self.deps).await.expect("run")
    }

    /// Connects `username` for `tenant` through the sandbox's real OAuth flow.
    pub async fn connect(&self, tenant: &str, username: &str) -> Account {
        let tokens = self.app.tokens_for(username).await;
        let ring = self.deps.keeper.secrets.get().await.expect("secret").ring.clone();
        let connection = Connection { tenant, display_name: username, avatar_url: "", tokens: &tokens };
        self.deps.keeper.accounts.connect(connection, &ring).await.expect("connect")
    }

    pub async fn account(&self, id: &str) -> Account {
        self.deps.keeper.accounts.get(id).await.expect("get").expect("account exists")
    }

    pub async fn refresh_calls(&self) -> u64 {
        self.app.calls().await["token.refresh_token"].as_u64().unwrap_or(0)
    }

    /// From now on the sandbox issues tokens living `seconds`.
    pub async fn issue_tokens_living(&self, seconds: i64) {
        let mut settings = self.app.admin_get("/_sandbox/settings").await;
        settings["access_token_ttl_secs"] = seconds.into();
        self.app.admin_put("/_sandbox/settings", settings).await;
    }

    /// Whether this refresher holds no lease on the account (other tests'
    /// refreshers share the table and may hold one for a moment).
    pub fn released(&self, account: &Account) -> bool {
        account.refresh_lease_owner.as_deref().is_none_or(|o| !o.starts_with(&self.deps.keeper.owner))
    }

    /// Takes the test's accounts out of the refresh index, so later runs of
    /// any test do not meet them again.
    pub async fn retire(&self, ids: &[String]) {
        for id in ids {
            let status = shared::account::AccountStatus::Disconnected;
            self.deps.keeper.accounts.set_status(id, status, "test finished").await.expect("retire");
        }
    }

    /// Sets one attribute of an account item directly (tampering tests).
    pub async fn edit_account(&self, id: &str, attribute: &str, value: &str) {
        self.aws
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(format!("ACCOUNT#{id}")))
            .key("sk", AttributeValue::S("ACCOUNT".into()))
            .update_expression("SET #a = :v")
            .expression_attribute_names("#a", attribute)
            .expression_attribute_values(":v", AttributeValue::S(value.to_owned()))
            .send()
            .await
            .expect("edit account");
    }

    /// A scheduled post of the account, two hours out; returns its id.
    pub async fn scheduled_post(&self, tenant: &str, account_id: &str) -> String {
        let now = time::OffsetDateTime::now_utc();
        let at = foundation::time_format::rfc3339;
        let id = ulid::Ulid::new().to_string();
        let post: shared::post::Post = serde_json::from_value(serde_json::json!({
            "id": id, "tenant": tenant, "account_id": account_id,
            "settings": {"kind": "video", "post_mode": "DIRECT_POST", "media_ids": [], "caption": "c",
                         "privacy_level": "SELF_ONLY"},
            "scheduled_at": at(now + time::Duration::hours(2)), "status": "SCHEDULED",
            "created_at": at(now), "updated_at": at(now),
        }))
        .expect("post");
        self.deps.keeper.posts.create(&post).await.expect("create post");
        id
    }
}

/// The metric lines of a run, by their `Outcome` dimension.
pub fn outcomes(lines: &[String]) -> HashMap<String, f64> {
    lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("EMF json"))
        .map(|v| {
            (v["Outcome"].as_str().expect("outcome").to_owned(), v["TokenRefreshes"].as_f64().expect("count"))
        })
        .collect()
}
