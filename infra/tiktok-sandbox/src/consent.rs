//! The consent step of TikTok's authorize page, for a person at a browser:
//! the creator signs in (here: picks a sandbox creator), sees the scopes the
//! app asks for, and authorizes or cancels. The form sends the same request
//! back with `sandbox_user` (or `sandbox_deny=1`), which `authorize` answers
//! with the usual redirect to the app. Every value shown is escaped.

use std::collections::HashMap;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::creators::Creator;

/// The request's own parameters, carried through the form unchanged.
const CARRIED: [&str; 7] = [
    "client_key",
    "scope",
    "redirect_uri",
    "state",
    "response_type",
    "code_challenge",
    "code_challenge_method",
];

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn page(params: &HashMap<String, String>, scopes: &[String], creators: &[Creator]) -> Response {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|name| params.get(*name).map(|value| (name, value)))
        .map(|(name, value)| format!(r#"<input type="hidden" name="{name}" value="{}">"#, escape(value)))
        .collect();
    let options: String = creators
        .iter()
        .map(|c| {
            format!(
                r#"<option value="{}">{} (@{})</option>"#,
                escape(&c.username),
                escape(&c.display_name),
                escape(&c.username)
            )
        })
        .collect();
    let scope_items: String = scopes.iter().map(|s| format!("<li>{}</li>", escape(s))).collect();
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize with TikTok (sandbox)</title></head>
<body>
<main>
<h1>Authorize with TikTok</h1>
<p>This is the TikTok sandbox's consent page. An app asks to act for the creator you sign in as.</p>
<form method="get" action="/v2/auth/authorize/">
{hidden}
<p><label for="sandbox_user">Sign in as</label>
<select id="sandbox_user" name="sandbox_user" data-testid="consent-creator">{options}</select></p>
<p>The app asks for:</p>
<ul data-testid="consent-scopes">{scope_items}</ul>
<p><button type="submit" data-testid="consent-authorize">Authorize</button>
<button type="submit" name="sandbox_deny" value="1" data-testid="consent-cancel">Cancel</button></p>
</form>
</main>
</body>
</html>
"#
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            // No form-action: the form's answer redirects to the app's origin.
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
        ],
        body,
    )
        .into_response()
}
