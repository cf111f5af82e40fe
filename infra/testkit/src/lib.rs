//! Test support for HTTP functions: requests are real API Gateway v2 events
//! (the fixture `events/api-get-health.json` with method, path, query,
//! headers and body replaced) parsed by `lambda_http` itself, and replies are
//! read back as status, headers and JSON. `tiktok` runs a private sandbox app.

pub mod media_files;
pub mod tiktok;

use std::collections::HashMap;

use lambda_http::{request::from_str, Body, Request, Response};

/// A request to build into an API Gateway v2 event.
#[derive(Default)]
pub struct Call<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub bearer: Option<&'a str>,
    pub json: Option<serde_json::Value>,
    pub raw_body: Option<(&'a str, &'a str)>,
    pub headers: Vec<(&'a str, &'a str)>,
    /// JWT claims as an API Gateway JWT authorizer would pass them.
    pub jwt_claims: Option<serde_json::Value>,
}

impl<'a> Call<'a> {
    pub fn new(method: &'a str, path_and_query: &'a str) -> Self {
        Self { method, path_and_query, ..Self::default() }
    }

    pub fn bearer(mut self, key: &'a str) -> Self {
        self.bearer = Some(key);
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.json = Some(body);
        self
    }

    /// A body with an explicit content type (for non-JSON bodies).
    pub fn raw(mut self, content_type: &'a str, body: &'a str) -> Self {
        self.raw_body = Some((content_type, body));
        self
    }

    pub fn header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn claims(mut self, claims: serde_json::Value) -> Self {
        self.jwt_claims = Some(claims);
        self
    }

    /// The API Gateway v2 event as `lambda_http` parses it.
    pub fn request(&self) -> Request {
        let mut e: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/api-get-health.json")).expect("fixture");
        let (path, query) = self.path_and_query.split_once('?').unwrap_or((self.path_and_query, ""));
        e["routeKey"] = format!("{} {path}", self.method).into();
        e["rawPath"] = path.into();
        e["rawQueryString"] = query.into();
        e["requestContext"]["http"]["method"] = self.method.into();
        e["requestContext"]["http"]["path"] = path.into();
        e["requestContext"]["requestId"] = format!("req-{}", ulid::Ulid::new()).into();
        if !query.is_empty() {
            let params: serde_json::Map<String, serde_json::Value> = query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
                .collect();
            e["queryStringParameters"] = params.into();
        }
        if let Some(key) = self.bearer {
            e["headers"]["authorization"] = format!("Bearer {key}").into();
        }
        if let Some(body) = &self.json {
            e["headers"]["content-type"] = "application/json".into();
            e["body"] = body.to_string().into();
        }
        if let Some((content_type, body)) = self.raw_body {
            e["headers"]["content-type"] = content_type.into();
            e["body"] = body.into();
        }
        for (name, value) in &self.headers {
            e["headers"][name.to_ascii_lowercase()] = (*value).into();
        }
        if let Some(claims) = &self.jwt_claims {
            e["requestContext"]["authorizer"] =
                serde_json::json!({"jwt": {"claims": claims, "scopes": null}});
        }
        from_str(&e.to_string()).expect("valid API Gateway v2 event")
    }
}

/// A response read back for assertions.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: serde_json::Value,
    pub text: String,
}

impl Reply {
    pub fn of(response: Response<Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Self { status, headers, body, text }
    }

    /// The error code of the JSON error shape, asserting the whole shape.
    pub fn error_code(&self) -> &str {
        assert!(self.body["error"]["request_id"].is_string(), "error shape: {}", self.text);
        assert!(self.body["error"]["message"].is_string(), "error shape: {}", self.text);
        self.body["error"]["code"].as_str().expect("error code")
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Reads `.local/stack.env` style `KEY=value` lines (for tools that need
/// the stack's values without a shell).
pub fn stack_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}
