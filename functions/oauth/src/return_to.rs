//! Where the browser may be sent after a login: only to URLs under an
//! allow-listed origin and path prefix, so the callback is never an open
//! redirect.
//!
//! A candidate must parse on its own as an absolute `https` URL (plain
//! `http` only on localhost) without credentials; scheme-relative
//! (`//evil.example`), relative and non-web (`javascript:`) values never do.
//! Characters the URL parser would silently drop or reinterpret (controls,
//! whitespace, backslashes) are refused before parsing, and the comparison
//! runs on the parsed, normalised URL — the one the browser is sent to — so
//! `/app/../admin` is checked as `/admin`.

use url::Url;

const MAX_LEN: usize = 2048;

/// A validated allow-list entry: an origin, optionally with a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    origin: url::Origin,
    path: String,
}

/// The allow-list and the page used when no acceptable URL was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnAllowList {
    entries: Vec<Entry>,
    default: Url,
}

fn local(url: &Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// An absolute web URL a browser may be sent to: https, or http on
/// localhost; no credentials; nothing the parser would rewrite.
pub(crate) fn parse_web_url(raw: &str) -> Option<Url> {
    if raw.is_empty()
        || raw.len() > MAX_LEN
        || raw.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let url = Url::parse(raw).ok()?;
    let secure = url.scheme() == "https" || (url.scheme() == "http" && local(&url));
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    let no_credentials = url.username().is_empty() && url.password().is_none();
    (secure && has_host && no_credentials).then_some(url)
}

impl ReturnAllowList {
    /// Parses a comma-separated list of `https://host[:port][/path-prefix]`
    /// entries and the default page (the first entry when `default` is empty).
    pub fn parse(list: &str, default: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let url = parse_web_url(raw).ok_or_else(|| {
                format!("has {raw:?}, which is not an absolute https URL (http only on localhost)")
            })?;
            if url.query().is_some() || url.fragment().is_some() {
                return Err(format!(
                    "has {raw:?}: entries are origins or path prefixes, without query or fragment"
                ));
            }
            entries.push(Entry { origin: url.origin(), path: url.path().to_owned() });
        }
        if entries.is_empty() {
            return Err("must list at least one return URL".into());
        }
        let default = if default.is_empty() {
            list.split(',').map(str::trim).find(|s| !s.is_empty())
        } else {
            Some(default)
        };
        let default = default
            .and_then(|d| allowed(&entries, d))
            .ok_or_else(|| "the default return URL must itself be allowed by the list".to_owned())?;
        Ok(Self { entries, default })
    }

    /// The candidate as a URL the browser may be sent to, if allowed.
    pub fn check(&self, candidate: &str) -> Option<Url> {
        allowed(&self.entries, candidate)
    }

    /// The page used when the caller gave none, or one no longer allowed.
    pub fn default_url(&self) -> &Url {
        &self.default
    }
}

fn allowed(entries: &[Entry], candidate: &str) -> Option<Url> {
    let url = parse_web_url(candidate)?;
    let origin = url.origin();
    entries.iter().any(|e| e.origin == origin && within(url.path(), &e.path)).then_some(url)
}

/// Whether `path` lies under `prefix` on a segment boundary (`/app` allows
/// `/app` and `/app/x`, not `/apple`).
fn within(path: &str, prefix: &str) -> bool {
    if prefix == "/" || prefix.is_empty() {
        return true;
    }
    if prefix.ends_with('/') {
        return path.starts_with(prefix);
    }
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> ReturnAllowList {
        ReturnAllowList::parse(
            "https://app.example/connected, https://admin.example, http://localhost:3000",
            "",
        )
        .expect("valid")
    }

    #[test]
    fn allowed_urls_pass_and_the_default_is_the_first_entry() {
        let l = list();
        assert_eq!(l.default_url().as_str(), "https://app.example/connected");
        for ok in [
            "https://app.example/connected",
            "https://app.example/connected/done?x=1",
            "https://admin.example/",
            "https://admin.example/anything",
            "https://APP.example/connected",
            "http://localhost:3000/cb",
        ] {
            assert!(l.check(ok).is_some(), "{ok} should be allowed");
        }
    }

    #[test]
    fn open_redirect_attempts_are_refused() {
        let l = list();
        for bad in [
            "https://evil.example",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\nscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://app.example@evil.example/connected",
            "https://app.example:x@app.example/connected",
            "https://app.example.evil.example/connected",
            "https://app.example:8443/connected",
            "http://app.example/connected",
            "https://app.example/connectedness",
            "https://app.example/connected/../admin",
            "https://app.example/connected/%2e%2e/admin",
            "https:\\\\evil.example",
            " https://app.example/connected",
            "https://app.example/connected\t",
            "/connected",
            "connected",
            "",
            "http://localhost:3001/cb",
        ] {
            assert!(l.check(bad).is_none(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn bad_lists_are_refused_at_init() {
        assert!(ReturnAllowList::parse("", "").is_err());
        assert!(ReturnAllowList::parse("http://app.example", "").is_err());
        assert!(ReturnAllowList::parse("*", "").is_err());
        assert!(ReturnAllowList::parse("https://app.example/?q=1", "").is_err());
        assert!(ReturnAllowList::parse("https://app.example", "https://evil.example").is_err());
        let ok = ReturnAllowList::parse("https://app.example", "https://app.example/home").expect("valid");
        assert_eq!(ok.default_url().as_str(), "https://app.example/home");
    }
}
