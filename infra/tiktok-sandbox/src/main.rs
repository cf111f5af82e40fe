//! `tiktok-sandbox`: configuration from the environment (see README), then serve until killed.

use tiktok_sandbox::{start, Config};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("tiktok-sandbox: {e}");
            std::process::exit(2);
        }
    };
    let sandbox = match start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("tiktok-sandbox: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!(url = %sandbox.base_url, "tiktok sandbox listening");
    tokio::select! {
        _ = sandbox.task => {}
        _ = tokio::signal::ctrl_c() => tracing::info!("stopping"),
    }
}
