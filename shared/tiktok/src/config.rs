//! `TikTokConfig`: where TikTok is and how long calls may take, read once at
//! init through [`EnvReader`] so every problem is reported at once.

use std::time::Duration;

use url::Url;

use foundation::config::{ConfigError, EnvReader};

pub const DEFAULT_API_BASE_URL: &str = "https://open.tiktokapis.com";
pub const DEFAULT_AUTH_BASE_URL: &str = "https://www.tiktok.com";

/// How the PKCE `code_challenge` encodes SHA-256(verifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PkceEncoding {
    /// base64url without padding, per RFC 7636.
    #[default]
    Base64Url,
    /// Lowercase hex, which some integrators report TikTok expecting.
    Hex,
}

impl std::str::FromStr for PkceEncoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "base64url" => Ok(PkceEncoding::Base64Url),
            "hex" => Ok(PkceEncoding::Hex),
            other => Err(format!("is {other:?}, must be base64url or hex")),
        }
    }
}

/// Typed TikTok settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TikTokConfig {
    /// `TIKTOK_API_BASE_URL`: the v2 API and the OAuth token/revoke endpoints.
    pub api_base_url: Url,
    /// `TIKTOK_AUTH_BASE_URL`: where the authorize page lives.
    pub auth_base_url: Url,
    /// `TIKTOK_PKCE_ENCODING`: `base64url` (default) or `hex`.
    pub pkce_encoding: PkceEncoding,
    /// `TIKTOK_API_TIMEOUT_SECS`: whole-call budget of API calls (default 15, at most 30).
    pub api_timeout: Duration,
    /// `TIKTOK_UPLOAD_TIMEOUT_SECS`: budget of one chunk PUT (default 120).
    pub upload_timeout: Duration,
    /// `TIKTOK_CONNECT_TIMEOUT_SECS`: TCP + TLS connect budget (default 5).
    pub connect_timeout: Duration,
}

impl TikTokConfig {
    /// The production defaults.
    pub fn with_base_urls(api_base_url: Url, auth_base_url: Url) -> Self {
        Self {
            api_base_url,
            auth_base_url,
            pkce_encoding: PkceEncoding::default(),
            api_timeout: Duration::from_secs(15),
            upload_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut env = EnvReader::from_process();
        let value = Self::read(&mut env);
        env.finish(value)
    }

    /// Reads through a caller's reader, so a function can combine it with its
    /// own variables: every problem is recorded in `env`, and one
    /// `env.finish(..)` reports them all. An invalid variable leaves its
    /// default in the returned value, which `finish` then discards.
    pub fn read<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        let api_base_url = base_url(env, "TIKTOK_API_BASE_URL", DEFAULT_API_BASE_URL);
        let auth_base_url = base_url(env, "TIKTOK_AUTH_BASE_URL", DEFAULT_AUTH_BASE_URL);
        let pkce_encoding = match env.optional("TIKTOK_PKCE_ENCODING", "base64url").parse() {
            Ok(encoding) => encoding,
            Err(reason) => {
                env.invalid("TIKTOK_PKCE_ENCODING", reason);
                PkceEncoding::default()
            }
        };
        Self {
            api_base_url,
            auth_base_url,
            pkce_encoding,
            api_timeout: Duration::from_secs(env.number("TIKTOK_API_TIMEOUT_SECS", 15, 1, 30)),
            upload_timeout: Duration::from_secs(env.number("TIKTOK_UPLOAD_TIMEOUT_SECS", 120, 10, 900)),
            connect_timeout: Duration::from_secs(env.number("TIKTOK_CONNECT_TIMEOUT_SECS", 5, 1, 10)),
        }
    }
}

/// The variable's URL when set (`optional_url` records an invalid one), else the default.
fn base_url<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>, name: &'static str, default: &str) -> Url {
    env.optional_url(name).unwrap_or_else(|| default_url(default))
}

/// One of the two constant defaults above. Init-time only, and the
/// `defaults_are_valid_urls` test parses both, so this cannot fail at run time.
#[allow(clippy::expect_used)] // init-time, on constants a test parses: cannot fail at run time
fn default_url(default: &str) -> Url {
    Url::parse(default).expect("the default TikTok base URLs are valid constants")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<TikTokConfig, ConfigError> {
        let mut env = foundation::config::env_of(vars);
        let value = TikTokConfig::read(&mut env);
        env.finish(value)
    }

    #[test]
    fn defaults_are_valid_urls() {
        assert!(Url::parse(DEFAULT_API_BASE_URL).is_ok());
        assert!(Url::parse(DEFAULT_AUTH_BASE_URL).is_ok());
    }

    #[test]
    fn empty_environment_gives_production_defaults() {
        let cfg = read(&[]).expect("defaults");
        assert_eq!(cfg.api_base_url.as_str(), "https://open.tiktokapis.com/");
        assert_eq!(cfg.auth_base_url.as_str(), "https://www.tiktok.com/");
        assert_eq!(cfg.pkce_encoding, PkceEncoding::Base64Url);
        assert_eq!(cfg.api_timeout, Duration::from_secs(15));
        assert_eq!(cfg.upload_timeout, Duration::from_secs(120));
    }

    #[test]
    fn sandbox_settings_are_read() {
        let cfg = read(&[
            ("TIKTOK_API_BASE_URL", "http://127.0.0.1:4568"),
            ("TIKTOK_AUTH_BASE_URL", "http://127.0.0.1:4568/web"),
            ("TIKTOK_PKCE_ENCODING", "hex"),
            ("TIKTOK_API_TIMEOUT_SECS", "30"),
        ])
        .expect("valid");
        assert_eq!(cfg.api_base_url.as_str(), "http://127.0.0.1:4568/");
        assert_eq!(cfg.pkce_encoding, PkceEncoding::Hex);
        assert_eq!(cfg.api_timeout, Duration::from_secs(30));
    }

    #[test]
    fn every_bad_variable_is_reported_at_once() {
        let err = read(&[
            ("TIKTOK_API_BASE_URL", "ftp://x"),
            ("TIKTOK_PKCE_ENCODING", "plain"),
            ("TIKTOK_API_TIMEOUT_SECS", "31"),
        ])
        .expect_err("invalid");
        let mut names: Vec<_> = err.problems.iter().map(|p| p.variable).collect();
        names.sort_unstable();
        assert_eq!(names, ["TIKTOK_API_BASE_URL", "TIKTOK_API_TIMEOUT_SECS", "TIKTOK_PKCE_ENCODING"]);
    }
}
