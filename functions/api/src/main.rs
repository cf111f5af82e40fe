//! Wiring only: read the configuration, build the clients once, serve.

use api::{config::ApiConfig, handle, Deps};
use lambda_http::{run, service_fn, Error};
use shared::config::FunctionConfig;
use shared::{aws::Aws, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = ApiConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let clients = Aws::load(&config.stack).await;
    let deps = Deps::new(config, &clients).await.inspect_err(|e| tracing::error!(error = %e, "init"))?;
    run(service_fn(|request| handle(request, &deps))).await
}
