//! Test harness: the refresher wired to the local stack and a private TikTok
//! sandbox app, invoked with the real scheduled-event fixture.

#![allow(dead_code)]

use shared::config::FunctionConfig;
use std::collections::HashMap;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{Context, LambdaEvent};
use shared::{
    account::{Account, Connection},
    aws::Aws,
    config::StackConfig,
    emf::{MetricLines, Metrics},
};
use testkit::tiktok::SandboxApp;
use token_refresher::{config::RefresherConfig, handle, Deps, Summary};

pub struct World {
    pub app: SandboxApp,
    pub deps: Deps,
    pub metrics: MetricLines,
    pub aws: Aws,
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
        let aws = Aws::load(&stack).await;
        let app = SandboxApp::start(&aws, |s| s.access_token_ttl_secs = access_ttl).await;
        let mut vars = app.env();
        vars.push(("REFRESH_WINDOW_SECS", "1800"));
        let config = RefresherConfig::read(testkit::env_with(&vars)).expect("config");
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
