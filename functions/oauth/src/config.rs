//! The OAuth function's configuration: the stack's and TikTok's, the HTTP
//! surface settings, and the login settings — read once at init, every
//! problem reported in one message.

use shared::{
    config::{ConfigError, EnvReader, StackConfig},
    http_surface::{AuthMode, Cors},
};
use tiktok::{pkce, TikTokConfig};
use url::Url;

use crate::return_to::{parse_web_url, ReturnAllowList};

const KNOWN_SCOPES: [&str; 4] = [
    pkce::SCOPE_USER_INFO_BASIC,
    pkce::SCOPE_VIDEO_PUBLISH,
    pkce::SCOPE_VIDEO_UPLOAD,
    pkce::SCOPE_VIDEO_LIST,
];

#[derive(Debug, Clone)]
pub struct OauthConfig {
    pub stack: StackConfig,
    pub tiktok: TikTokConfig,
    pub cors: Cors,
    pub auth: AuthMode,
    /// `OAUTH_REDIRECT_URI`: the callback URL registered with TikTok.
    pub redirect_uri: Url,
    /// `OAUTH_RETURN_ALLOWLIST` / `OAUTH_DEFAULT_RETURN_URL`.
    pub return_to: ReturnAllowList,
    /// `OAUTH_SCOPES`: the scopes asked for at login.
    pub scopes: Vec<String>,
    /// `OAUTH_CONNECTS_PER_MINUTE` (10, 1..=1000): a tenant's connects and
    /// disconnects per UTC minute (each is a TikTok token call).
    pub connects_per_minute: u64,
}

impl OauthConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::read(EnvReader::from_process())
    }

    pub fn read<F: Fn(&str) -> Option<String>>(mut env: EnvReader<F>) -> Result<Self, ConfigError> {
        let stack = StackConfig::read(&mut env);
        let tiktok = TikTokConfig::read(&mut env);
        let cors = Cors::read(&mut env);
        let auth = AuthMode::read(&mut env);
        let redirect_uri = read_redirect_uri(&mut env);
        let list = env.required("OAUTH_RETURN_ALLOWLIST");
        let default = env.optional("OAUTH_DEFAULT_RETURN_URL", "");
        let return_to = match ReturnAllowList::parse(&list, &default) {
            Ok(allow) => Some(allow),
            Err(reason) if !list.is_empty() => {
                env.invalid("OAUTH_RETURN_ALLOWLIST", reason);
                None
            }
            Err(_) => None,
        };
        let scopes = read_scopes(&mut env);
        let connects_per_minute = env.number("OAUTH_CONNECTS_PER_MINUTE", 10, 1, 1_000);
        let config = redirect_uri.zip(return_to).map(|(redirect_uri, return_to)| Self {
            stack,
            tiktok,
            cors,
            auth,
            redirect_uri,
            return_to,
            scopes,
            connects_per_minute,
        });
        // Both are `None` only when a problem was recorded, so `finish` fails.
        env.finish(config)?.ok_or_else(|| ConfigError { problems: Vec::new() })
    }
}

/// TikTok wants the redirect URI absolute, HTTPS, without query or fragment,
/// exactly as registered; plain http is accepted on localhost (local stack).
fn read_redirect_uri<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Option<Url> {
    let raw = env.required("OAUTH_REDIRECT_URI");
    if raw.is_empty() {
        return None;
    }
    match parse_web_url(&raw) {
        Some(url) if url.query().is_none() && url.fragment().is_none() => Some(url),
        _ => {
            env.invalid(
                "OAUTH_REDIRECT_URI",
                "must be an absolute https URL without query or fragment (http only on localhost)",
            );
            None
        }
    }
}

fn read_scopes<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Vec<String> {
    let raw = env.optional("OAUTH_SCOPES", &KNOWN_SCOPES.join(","));
    let scopes: Vec<String> =
        raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if let Some(unknown) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        env.invalid("OAUTH_SCOPES", format!("has unknown scope {unknown:?}"));
    } else if !scopes.iter().any(|s| s == pkce::SCOPE_USER_INFO_BASIC) {
        env.invalid("OAUTH_SCOPES", "must include user.info.basic (the profile is read at connect)");
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::env_of;

    fn read(vars: &[(&str, &str)]) -> Result<OauthConfig, ConfigError> {
        let mut all = testkit::STACK_VARS.to_vec();
        all.extend_from_slice(&[
            ("OAUTH_REDIRECT_URI", "https://api.example/oauth/tiktok/callback"),
            ("OAUTH_RETURN_ALLOWLIST", "https://app.example/connected"),
        ]);
        all.extend_from_slice(vars);
        OauthConfig::read(env_of(&all))
    }

    #[test]
    fn a_complete_environment_is_accepted_with_defaults() {
        let cfg = read(&[]).expect("valid");
        assert_eq!(cfg.redirect_uri.as_str(), "https://api.example/oauth/tiktok/callback");
        assert_eq!(cfg.return_to.default_url().as_str(), "https://app.example/connected");
        assert_eq!(cfg.scopes, KNOWN_SCOPES);
        assert_eq!(cfg.stack.app_secret_ttl, std::time::Duration::from_secs(300));
    }

    #[test]
    fn local_http_redirect_is_accepted_but_not_elsewhere() {
        assert!(read(&[("OAUTH_REDIRECT_URI", "http://127.0.0.1:9000/oauth/tiktok/callback")]).is_ok());
        for bad in [
            "http://api.example/cb",
            "https://api.example/cb?x=1",
            "https://api.example/cb#f",
            "/oauth/tiktok/callback",
        ] {
            let err = read(&[("OAUTH_REDIRECT_URI", bad)]).expect_err(bad);
            assert_eq!(err.problems[0].variable, "OAUTH_REDIRECT_URI", "{bad}");
        }
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let err = read(&[
            ("OAUTH_REDIRECT_URI", ""),
            ("OAUTH_RETURN_ALLOWLIST", "javascript:alert(1)"),
            ("OAUTH_SCOPES", "user.info.basic,video.delete"),
            ("TIKTOK_PKCE_ENCODING", "plain"),
        ])
        .expect_err("invalid");
        let mut names: Vec<_> = err.problems.iter().map(|p| p.variable).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["OAUTH_REDIRECT_URI", "OAUTH_RETURN_ALLOWLIST", "OAUTH_SCOPES", "TIKTOK_PKCE_ENCODING"]
        );
    }
}
