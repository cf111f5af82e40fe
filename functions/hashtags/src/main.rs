//! Wiring only: read the configuration, build the clients and providers once, serve.

use std::sync::Arc;

use hashtags::{config::HashtagsConfig, handle, Deps, Ports};
use lambda_http::{run, service_fn, Error};
use shared::{
    account::{AccountStore, TokenKeeper},
    aws::AwsClients,
    hashtags::AppSecretCredentials,
    post::PostStore,
    telemetry,
    tiktok::TikTokClient,
    vault::SecretCache,
};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let config = HashtagsConfig::from_env().inspect_err(|e| tracing::error!(error = %e, "configuration"))?;
    let aws = AwsClients::load(&config.stack).await;
    let secret = Arc::new(AppSecretCredentials::new(
        aws.secrets.clone(),
        &config.stack.app_secret_id,
        config.analysis.secret_ttl,
    ));
    let narrative_key = match &config.analysis.narrative {
        Some(_) => {
            secret.narrative_api_key().await.inspect_err(|e| tracing::error!(error = %e, "app secret"))?
        }
        None => None,
    };
    // The connected creators' tokens come from the token vault, refreshed
    // under each account's lease when they are about to expire.
    let secrets = Arc::new(SecretCache::new(
        aws.secrets.clone(),
        &config.stack.app_secret_id,
        config.analysis.secret_ttl,
    ));
    let app = secrets.get().await.inspect_err(|e| tracing::error!(error = %e, "app secret"))?;
    let keeper = TokenKeeper {
        accounts: AccountStore::new(aws.dynamodb.clone(), &config.stack.table_name),
        posts: PostStore::new(aws.dynamodb.clone(), &config.stack.table_name),
        secrets,
        client: TikTokClient::new(config.tiktok.clone(), app.credentials.clone())?,
        owner: format!("hashtags-{}", ulid::Ulid::new()),
    };
    let ports = Ports { creators: Arc::new(keeper), research_credentials: secret, narrative_key };
    let deps = Deps::new(config, &aws, ports).inspect_err(|e| tracing::error!(error = %e, "init"))?;
    run(service_fn(|request| handle(request, &deps))).await
}
