//! Wiring only: read the configuration, build the clients and providers once, serve.

use shared::config::FunctionConfig;
use std::sync::Arc;

use hashtags::{config::HashtagsConfig, handle, Deps, Ports};
use lambda_http::{run, service_fn, Error};
use shared::{account::TokenKeeper, aws::Aws, telemetry, vault::SecretCache};
use tiktok::TikTokClient;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = HashtagsConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let aws = Aws::load(&config.stack).await;
    let dynamodb = aws.dynamodb();
    // One cache of the app secret serves the token vault, the research
    // credentials and the summary key. Read at init so a bad secret stops here.
    let secrets = Arc::new(SecretCache::for_stack(aws.secrets(), &config.stack));
    let app = secrets.get().await.inspect_err(|e| tracing::error!(error = %e, "app secret"))?;
    let narrative_key = config.analysis.narrative.as_ref().and(app.narrative_api_key.clone());
    let tiktok = TikTokClient::new(config.tiktok.clone())?;
    // The connected creators' tokens come from the token vault, refreshed
    // under each account's lease when they are about to expire.
    let keeper = TokenKeeper::new(
        &dynamodb,
        &config.stack.table_name,
        Arc::clone(&secrets),
        tiktok.clone(),
        "hashtags",
    );
    let ports = Ports { tiktok, creators: Arc::new(keeper), research_credentials: secrets, narrative_key };
    let deps = Deps::new(config, &dynamodb, ports).inspect_err(|e| tracing::error!(error = %e, "init"))?;
    run(service_fn(|request| handle(request, &deps))).await
}
