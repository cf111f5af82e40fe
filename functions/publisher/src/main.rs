//! Wiring only: read the configuration, build the clients once, serve.

use lambda_runtime::{run, service_fn, Error};
use publisher::{config::PublisherConfig, handle, Deps};
use shared::config::FunctionConfig;
use shared::{aws::Aws, emf::Metrics, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = PublisherConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let clients = Aws::load(&config.stack).await;
    let metrics = Metrics::stdout(config.metrics_namespace.clone(), "publisher");
    let deps =
        Deps::new(config, &clients, metrics).inspect_err(|e| tracing::error!(error = %e, "TikTok client"))?;
    run(service_fn(|event| handle(event, &deps))).await
}
