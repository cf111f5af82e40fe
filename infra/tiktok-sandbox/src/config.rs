//! Start-up configuration (environment variables, validated once) and the settings that the
//! admin API may change at run time.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

/// Everything fixed for the life of the process.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub client_key: String,
    pub client_secret: String,
    /// Base for `upload_url`; `http://<bound addr>` when absent.
    pub public_url: Option<String>,
    pub seed: u64,
    pub dataset_size: usize,
    pub settings: Settings,
}

/// Behaviour the admin API can change at run time (`/_sandbox/settings`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub processing_delay_ms: u64,
    pub daily_post_cap: u32,
    pub duplicate_webhooks: bool,
    pub webhook_url: Option<String>,
    pub webhook_max_attempts: u32,
    pub webhook_retry_base_ms: u64,
    /// How long a delivery waits for the receiver's answer before it counts
    /// as failed (and is retried).
    pub webhook_timeout_ms: u64,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub upload_url_ttl_secs: i64,
    pub research_daily_quota: u32,
    /// URL prefixes PULL_FROM_URL may download from; empty = every URL is "verified".
    pub verified_url_prefixes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            processing_delay_ms: 1000,
            daily_post_cap: 15,
            duplicate_webhooks: false,
            webhook_url: None,
            webhook_max_attempts: 4,
            webhook_retry_base_ms: 250,
            webhook_timeout_ms: 10_000,
            access_token_ttl_secs: 86_400,
            refresh_token_ttl_secs: 31_536_000,
            upload_url_ttl_secs: 3600,
            research_daily_quota: 1000,
            verified_url_prefixes: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is required (the sandbox app's credentials; any non-empty local value)")]
    Missing(&'static str),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    /// A configuration for in-process tests: ephemeral loopback port, fast processing.
    pub fn for_tests(client_key: &str, client_secret: &str) -> Self {
        Self {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            client_key: client_key.to_string(),
            client_secret: client_secret.to_string(),
            public_url: None,
            seed: 42,
            dataset_size: 5000,
            settings: Settings { processing_delay_ms: 100, webhook_retry_base_ms: 50, ..Settings::default() },
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| get(name).filter(|v| !v.trim().is_empty());
        let addr = match (var("SANDBOX_ADDR"), var("SANDBOX_PORT")) {
            (Some(addr), _) => parse_loopback(&addr)?,
            (None, Some(port)) => parse_loopback(&format!("127.0.0.1:{port}"))?,
            (None, None) => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 4568),
        };
        let defaults = Settings::default();
        let settings = Settings {
            processing_delay_ms: number(&var, "SANDBOX_PROCESSING_DELAY_MS", defaults.processing_delay_ms)?,
            daily_post_cap: number(&var, "SANDBOX_DAILY_POST_CAP", defaults.daily_post_cap)?,
            duplicate_webhooks: number::<u8>(&var, "SANDBOX_DUPLICATE_WEBHOOKS", 0)? == 1,
            webhook_url: var("SANDBOX_WEBHOOK_URL"),
            access_token_ttl_secs: number(
                &var,
                "SANDBOX_ACCESS_TOKEN_TTL_SECS",
                defaults.access_token_ttl_secs,
            )?,
            refresh_token_ttl_secs: number(
                &var,
                "SANDBOX_REFRESH_TOKEN_TTL_SECS",
                defaults.refresh_token_ttl_secs,
            )?,
            research_daily_quota: number(
                &var,
                "SANDBOX_RESEARCH_DAILY_QUOTA",
                defaults.research_daily_quota,
            )?,
            ..defaults
        };
        if let Some(url) = &settings.webhook_url {
            url::Url::parse(url)
                .map_err(|e| ConfigError::Invalid { name: "SANDBOX_WEBHOOK_URL", reason: e.to_string() })?;
        }
        Ok(Self {
            addr,
            client_key: var("SANDBOX_CLIENT_KEY").ok_or(ConfigError::Missing("SANDBOX_CLIENT_KEY"))?,
            client_secret: var("SANDBOX_CLIENT_SECRET")
                .ok_or(ConfigError::Missing("SANDBOX_CLIENT_SECRET"))?,
            public_url: var("SANDBOX_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
            seed: number(&var, "SANDBOX_SEED", 42)?,
            dataset_size: number(&var, "SANDBOX_DATASET_SIZE", 5000)?,
            settings,
        })
    }
}

fn number<T: std::str::FromStr>(
    var: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => {
            raw.trim().parse().map_err(|e: T::Err| ConfigError::Invalid { name, reason: e.to_string() })
        }
    }
}

/// The sandbox holds tokens and fault switches: it must never listen beyond loopback.
fn parse_loopback(raw: &str) -> Result<SocketAddr, ConfigError> {
    let raw = raw.trim();
    let addr: SocketAddr = match raw.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{port}").parse(),
        None => raw.parse(),
    }
    .map_err(|e: std::net::AddrParseError| ConfigError::Invalid {
        name: "SANDBOX_ADDR",
        reason: e.to_string(),
    })?;
    if !addr.ip().is_loopback() {
        return Err(ConfigError::Invalid {
            name: "SANDBOX_ADDR",
            reason: format!("{} is not a loopback address; the sandbox only binds loopback", addr.ip()),
        });
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn missing_secret_is_a_clear_error() {
        let err = Config::from_lookup(env(&[("SANDBOX_CLIENT_KEY", "k")])).unwrap_err();
        assert!(err.to_string().contains("SANDBOX_CLIENT_SECRET"));
    }

    #[test]
    fn non_loopback_address_is_refused() {
        let vars =
            &[("SANDBOX_CLIENT_KEY", "k"), ("SANDBOX_CLIENT_SECRET", "s"), ("SANDBOX_ADDR", "0.0.0.0:4568")];
        assert!(Config::from_lookup(env(vars)).is_err());
    }

    #[test]
    fn defaults_bind_loopback_4568() {
        let config = Config::from_lookup(env(&[("SANDBOX_CLIENT_KEY", "k"), ("SANDBOX_CLIENT_SECRET", "s")]));
        let config = config.unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:4568");
        assert_eq!(config.settings.access_token_ttl_secs, 86_400);
    }
}
