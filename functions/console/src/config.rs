//! The console's configuration: where the browser finds each function, and
//! the one other origin it may talk to (the media bucket, for uploads).

use foundation::config::{EnvReader, FunctionConfig};
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// `CONSOLE_API_BASE`, `CONSOLE_OAUTH_BASE`, `CONSOLE_HASHTAGS_BASE`
    /// (all `""`): each function's path prefix on the console's own origin.
    /// Deployed, one HTTP API serves every route, so all are empty; under
    /// `cargo lambda watch` each function has its own `/lambda-url/<name>`.
    /// Paths only, never origins: `connect-src 'self'` then covers the API.
    pub bases: Bases,
    /// `CONSOLE_MEDIA_ORIGIN`: the origin of the presigned upload URLs
    /// (`https://<bucket>.s3.<region>.amazonaws.com`), the only origin
    /// besides the console's own that the page may connect to.
    pub media_origin: String,
}

/// The path prefixes the page reads from `config.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Bases {
    pub api_base: String,
    pub oauth_base: String,
    pub hashtags_base: String,
}

/// `""` or `/segment[/segment...]` of URL-safe characters: no origin, no
/// trailing slash, no `..`, nothing a CSP or a URL would read differently.
fn valid_base(value: &str) -> bool {
    value.is_empty()
        || (value.starts_with('/')
            && !value.ends_with('/')
            && value.split('/').skip(1).all(|segment| {
                !segment.is_empty()
                    && segment != "."
                    && segment != ".."
                    && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
            }))
}

/// An origin alone (`scheme://host[:port]`): https, or http on a loopback
/// host (the local stack's moto).
fn origin_of(value: &str) -> Option<String> {
    let url = Url::parse(value).ok()?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    let no_credentials = url.username().is_empty() && url.password().is_none();
    (scheme_ok && bare && no_credentials && !value.ends_with('/')).then(|| url.origin().ascii_serialization())
}

impl FunctionConfig for ConsoleConfig {
    fn read_parts<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        let mut base = |name: &'static str| {
            let value = env.optional(name, "");
            if !valid_base(&value) {
                env.invalid(
                    name,
                    "must be empty or a path prefix such as /lambda-url/api (no trailing slash)",
                );
            }
            value
        };
        let bases = Bases {
            api_base: base("CONSOLE_API_BASE"),
            oauth_base: base("CONSOLE_OAUTH_BASE"),
            hashtags_base: base("CONSOLE_HASHTAGS_BASE"),
        };
        let raw = env.required("CONSOLE_MEDIA_ORIGIN");
        let media_origin = origin_of(&raw).unwrap_or_else(|| {
            if !raw.is_empty() {
                env.invalid(
                    "CONSOLE_MEDIA_ORIGIN",
                    "must be an origin alone: https://host[:port] (http only on a loopback host)",
                );
            }
            String::new()
        });
        Self { bases, media_origin }
    }
}

// Test code only: its `expect`s fail a test, never a Lambda.
#[cfg(test)]
mod tests {
    use super::*;
    use foundation::config::{env_of, ConfigError};

    fn read(vars: &[(&str, &str)]) -> Result<ConsoleConfig, ConfigError> {
        let mut env = env_of(vars);
        let value = ConsoleConfig::read_parts(&mut env);
        env.finish(value)
    }

    #[test]
    fn deployed_bases_are_empty_and_the_bucket_origin_is_kept() {
        let config = read(&[("CONSOLE_MEDIA_ORIGIN", "https://media-bucket.s3.eu-west-1.amazonaws.com")])
            .expect("valid");
        assert_eq!(config.bases.api_base, "");
        assert_eq!(config.media_origin, "https://media-bucket.s3.eu-west-1.amazonaws.com");
    }

    #[test]
    fn local_bases_and_a_loopback_http_origin_are_accepted() {
        let config = read(&[
            ("CONSOLE_API_BASE", "/lambda-url/api"),
            ("CONSOLE_OAUTH_BASE", "/lambda-url/oauth"),
            ("CONSOLE_HASHTAGS_BASE", "/lambda-url/hashtags"),
            ("CONSOLE_MEDIA_ORIGIN", "http://127.0.0.1:4566"),
        ])
        .expect("valid");
        assert_eq!(config.bases.oauth_base, "/lambda-url/oauth");
        assert_eq!(config.media_origin, "http://127.0.0.1:4566");
    }

    #[test]
    fn every_bad_variable_is_named_in_one_error() {
        let err = read(&[
            ("CONSOLE_API_BASE", "https://evil.example"),
            ("CONSOLE_OAUTH_BASE", "/lambda-url/oauth/"),
            ("CONSOLE_HASHTAGS_BASE", "/a/../b"),
            ("CONSOLE_MEDIA_ORIGIN", "http://bucket.example.com"),
        ])
        .expect_err("must fail");
        assert_eq!(
            err.variables(),
            ["CONSOLE_API_BASE", "CONSOLE_OAUTH_BASE", "CONSOLE_HASHTAGS_BASE", "CONSOLE_MEDIA_ORIGIN"]
        );
        let err = read(&[]).expect_err("the media origin is required");
        assert_eq!(err.variables(), ["CONSOLE_MEDIA_ORIGIN"]);
    }

    #[test]
    fn a_media_origin_with_a_path_a_query_or_a_space_is_refused() {
        for bad in [
            "https://b.s3.amazonaws.com/media",
            "https://b.s3.amazonaws.com/",
            "https://b.s3.amazonaws.com?x=1",
            "https://b.s3.amazonaws.com 'unsafe-inline'",
            "https://user@b.s3.amazonaws.com",
            "javascript:alert(1)",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }
}
