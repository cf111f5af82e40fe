//! Wiring only: read the configuration, build the clients once, serve.

use api::{handle, Deps};
use lambda_http::{run, service_fn, Error};
use shared::{aws::AwsClients, config::StackConfig, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = StackConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let clients = AwsClients::load(&config).await;
    let deps = Deps { table: config.table_name, dynamodb: clients.dynamodb };
    run(service_fn(|request| handle(request, &deps))).await
}
