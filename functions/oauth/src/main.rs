//! Wiring only: read the configuration, build the clients once, serve.

use lambda_http::{run, service_fn, Error};
use oauth::{config::OauthConfig, handle, Deps};
use shared::{aws::Aws, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = OauthConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let clients = Aws::load(&config.stack).await;
    let deps = Deps::new(config, &clients).inspect_err(|e| tracing::error!(error = %e, "TikTok client"))?;
    run(service_fn(|request| handle(request, &deps))).await
}
