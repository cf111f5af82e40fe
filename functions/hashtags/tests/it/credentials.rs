//! The Research API credentials from the function's one app-secret cache,
//! against Secrets Manager on the local stack (moto): research keys
//! preferred, cached, never printed.

use std::time::Duration;

use hashtags::ResearchCredentials;
use shared::vault::SecretCache;
use shared::{aws::Aws, config::StackConfig};

#[tokio::test]
async fn research_keys_come_from_the_app_secret_and_are_cached() {
    let config = StackConfig::from_env().expect("stack env: run with .local/stack.env exported");
    let aws = Aws::load(&config).await;
    let name = format!("hashtags-test/{}", ulid::Ulid::new());
    let secret = serde_json::json!({
        "client_key": "app-key", "client_secret": "app-secret-value",
        "research_client_key": "research-key", "research_client_secret": "research-secret-value",
        "narrative_api_key": "sk-narrative",
        "current_key_id": "k1", "keys": {"k1": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="},
    });
    let created = aws
        .secrets()
        .create_secret()
        .name(&name)
        .secret_string(secret.to_string())
        .send()
        .await
        .expect("secret");
    let id = created.arn().expect("arn").to_owned();

    let adapter = SecretCache::new(aws.secrets(), &id, Duration::from_secs(300));
    let credentials = adapter.research_credentials().await.expect("read").expect("configured");
    assert_eq!(credentials.client_key.0, "research-key");
    assert_eq!(credentials.client_secret.expose_secret(), "research-secret-value");
    assert!(!format!("{credentials:?}").contains("research-secret-value"), "Debug redacts the secret");
    let key = adapter.get().await.expect("read").narrative_api_key.clone().expect("key");
    assert_eq!(secrecy::ExposeSecret::expose_secret(&key), "sk-narrative");

    // Within the TTL a rotation is not seen yet: the value is cached.
    let rotated = serde_json::json!({
        "client_key": "app-key", "client_secret": "app-secret-value",
        "current_key_id": "k1", "keys": {"k1": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="},
    });
    aws.secrets()
        .put_secret_value()
        .secret_id(&id)
        .secret_string(rotated.to_string())
        .send()
        .await
        .expect("rotate");
    let again = adapter.research_credentials().await.expect("read").expect("configured");
    assert_eq!(again.client_key.0, "research-key");
    let fresh = SecretCache::new(aws.secrets(), &id, Duration::from_secs(300));
    let app = fresh.research_credentials().await.expect("read").expect("configured");
    assert_eq!(app.client_key.0, "app-key", "without research keys the app's own are used");
    aws.secrets()
        .delete_secret()
        .secret_id(&id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("cleanup");
}
