//! Wiring only: read the configuration, build the clients once, serve.

use dispatcher::{config::DispatcherConfig, handle, Deps};
use lambda_runtime::{run, service_fn, Error};
use shared::config::FunctionConfig;
use shared::{aws::Aws, emf::Metrics, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config =
        DispatcherConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let clients = Aws::load(&config.stack).await;
    let metrics = Metrics::stdout(config.metrics_namespace.clone(), "dispatcher");
    let deps = Deps::new(config, &clients, metrics);
    run(service_fn(|event| handle(event, &deps))).await
}
