//! Test support for HTTP functions: requests are real API Gateway v2 events
//! (a fixture from `events/`, by default `api-get-health.json`, with method,
//! path, query, credentials, headers and body replaced) parsed by
//! `lambda_http` itself, and replies are read back as status, headers and
//! JSON. `tiktok` runs a private sandbox app; `posts` and `accounts` write
//! the records the pipeline's tests start from; `isolated` gives a test its
//! own table and queue; `media_files` makes real media; `logs` captures a
//! test's log lines; `rng` is a seeded generator for generated data.

pub mod accounts;
pub mod alloc;
pub mod isolated;
pub mod logs;
pub mod media_files;
pub mod posts;
pub mod rng;
pub mod routes;
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
    /// A body API Gateway passes base64-encoded (bytes that are not text).
    pub binary_body: Option<(&'a str, &'a [u8])>,
    pub headers: Vec<(&'a str, &'a str)>,
    /// JWT claims as an API Gateway JWT authorizer would pass them.
    pub jwt_claims: Option<serde_json::Value>,
    /// The event to start from (the text of an `events/` fixture); by
    /// default `events/api-get-health.json`.
    pub fixture: Option<&'a str>,
}

/// The default fixture: a plain API client's `GET /health`.
const DEFAULT_FIXTURE: &str = include_str!("../../../events/api-get-health.json");

/// The path parameters of `path` under a route template (`/accounts/{id}`),
/// or `None` when the path is not on that route.
fn path_parameters(template: &str, path: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let (names, values): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    if names.len() != values.len() {
        return None;
    }
    let mut params = serde_json::Map::new();
    for (name, value) in names.into_iter().zip(values) {
        match name.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            Some(name) => {
                params.insert(name.to_owned(), value.into());
            }
            None if name == value => {}
            None => return None,
        }
    }
    Some(params)
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

    /// Bytes with a content type, base64-encoded in the event as API Gateway
    /// passes a body that is not text.
    pub fn binary(mut self, content_type: &'a str, body: &'a [u8]) -> Self {
        self.binary_body = Some((content_type, body));
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

    /// Starts from another fixture (e.g. a browser's navigation instead of
    /// an API client's call); its own credentials are dropped.
    pub fn fixture(mut self, event: &'a str) -> Self {
        self.fixture = Some(event);
        self
    }

    /// The API Gateway v2 event as `lambda_http` parses it.
    pub fn request(&self) -> Request {
        let mut e: serde_json::Value =
            serde_json::from_str(self.fixture.unwrap_or(DEFAULT_FIXTURE)).expect("fixture");
        let (path, query) = self.path_and_query.split_once('?').unwrap_or((self.path_and_query, ""));
        // The fixture's route where the call is on it (with its path
        // parameters), else the call's own method and path.
        let fixture_route = e["routeKey"].as_str().and_then(|k| k.split_once(' '));
        let params = fixture_route
            .filter(|(method, _)| *method == self.method)
            .and_then(|(_, template)| path_parameters(template, path));
        let object = e.as_object_mut().expect("event object");
        object.remove("pathParameters");
        match params {
            Some(params) if !params.is_empty() => {
                object.insert("pathParameters".into(), params.into());
            }
            Some(_) => {}
            None => {
                let route = format!("{} {path}", self.method);
                e["routeKey"] = route.clone().into();
                e["requestContext"]["routeKey"] = route.into();
            }
        }
        e["rawPath"] = path.into();
        e["rawQueryString"] = query.into();
        e["requestContext"]["http"]["method"] = self.method.into();
        e["requestContext"]["http"]["path"] = path.into();
        e["requestContext"]["requestId"] = format!("req-{}", ulid::Ulid::new()).into();
        e.as_object_mut().expect("event object").remove("queryStringParameters");
        if !query.is_empty() {
            // Decoded, a repeated name's values joined by commas, as API Gateway passes them.
            let mut params: serde_json::Map<String, serde_json::Value> = serde_json::Map::new();
            for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
                let joined = match params.get(k.as_ref()).and_then(|old| old.as_str()) {
                    Some(old) => format!("{old},{v}"),
                    None => v.into_owned(),
                };
                params.insert(k.into_owned(), joined.into());
            }
            e["queryStringParameters"] = params.into();
        }
        e["headers"].as_object_mut().expect("headers").remove("authorization");
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
        if let Some((content_type, body)) = self.binary_body {
            use base64::Engine;
            e["headers"]["content-type"] = content_type.into();
            e["body"] = base64::engine::general_purpose::STANDARD.encode(body).into();
            e["isBase64Encoded"] = true.into();
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

/// The four variables every function's configuration requires, with
/// placeholder values: a unit test's minimal valid environment.
pub const STACK_VARS: &[(&str, &str)] = &[
    ("TABLE_NAME", "t"),
    ("MEDIA_BUCKET", "b"),
    ("PUBLISH_QUEUE_URL", "http://127.0.0.1:4566/000000000000/q"),
    ("APP_SECRET_ID", "s"),
];

/// The process environment (the local stack's `stack.env`) with
/// `overrides` on top: what a function's configuration reads in a test.
pub fn env_with(overrides: &[(&str, &str)]) -> shared::config::EnvReader<impl Fn(&str) -> Option<String>> {
    let overrides: HashMap<String, String> =
        overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    shared::config::EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()))
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
