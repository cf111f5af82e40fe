//! Wiring only: read the configuration, build the clients once, serve.

use lambda_http::{run, service_fn, Error};
use shared::config::FunctionConfig;
use shared::{aws::Aws, emf::Metrics, telemetry};
use webhooks::{config::WebhooksConfig, handle, Deps};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = WebhooksConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let clients = Aws::load(&config.stack).await;
    let metrics = Metrics::stdout(&config.metrics_namespace, "webhooks");
    let deps = Deps::new(config, &clients, metrics).inspect_err(|e| tracing::error!(error = %e, "init"))?;
    // A missing or malformed app secret stops the function here, not at every delivery.
    deps.keeper.secrets.get().await.inspect_err(|e| tracing::error!(error = %e, "app secret"))?;
    run(service_fn(|request| handle(request, &deps))).await
}
