//! Wiring only: read the configuration, serve the embedded console.

use console::{config::ConsoleConfig, handle, Deps};
use foundation::config::FunctionConfig;
use lambda_http::{run, service_fn, Error};
use shared::telemetry;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = ConsoleConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let deps = Deps::new(config)?;
    run(service_fn(|request| handle(request, &deps))).await
}
