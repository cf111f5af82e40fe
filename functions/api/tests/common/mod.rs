//! Test harness: API Gateway v2 events built from the real fixture in
//! `events/`, the handler wired to the local stack, tenants created through
//! the real store.

#![allow(dead_code)]

use std::collections::HashMap;

use api::{config::ApiConfig, handle, Deps};
use lambda_http::{request::from_str, Body, Response};
use secrecy::ExposeSecret;
use shared::{aws::AwsClients, config::EnvReader};

pub mod media_files;

pub struct Api {
    pub deps: Deps,
}

pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: serde_json::Value,
}

pub struct Tenant {
    pub id: String,
    pub key: String,
}

impl Api {
    /// The API with the local stack's configuration plus `overrides`.
    pub async fn start(overrides: &[(&str, &str)]) -> Self {
        let overrides: HashMap<String, String> =
            overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let env = EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()));
        let config = ApiConfig::read(env).expect("stack env; run through `make test`");
        let aws = AwsClients::load(&config.stack).await;
        Self { deps: Deps::new(config, &aws) }
    }

    pub async fn tenant(&self) -> Tenant {
        let (id, key) = self.deps.tenants.create_tenant("test tenant").await.expect("tenant");
        Tenant { id: id.to_string(), key: key.key.expose_secret().to_owned() }
    }

    /// Sends `method path` with optional bearer key, JSON body and extra headers.
    pub async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        key: Option<&str>,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let response =
            handle(event(method, path_and_query, key, body, headers), &self.deps).await.expect("handled");
        reply(response)
    }
}

pub fn event(
    method: &str,
    path_and_query: &str,
    key: Option<&str>,
    body: Option<serde_json::Value>,
    headers: &[(&str, &str)],
) -> lambda_http::Request {
    let mut e: serde_json::Value =
        serde_json::from_str(include_str!("../../../../events/api-get-health.json")).expect("fixture");
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    e["routeKey"] = format!("{method} {path}").into();
    e["rawPath"] = path.into();
    e["rawQueryString"] = query.into();
    e["requestContext"]["http"]["method"] = method.into();
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
    if let Some(key) = key {
        e["headers"]["authorization"] = format!("Bearer {key}").into();
    }
    if let Some(body) = body {
        e["headers"]["content-type"] = "application/json".into();
        e["body"] = body.to_string().into();
    }
    for (name, value) in headers {
        e["headers"][name.to_ascii_lowercase()] = (*value).into();
    }
    from_str(&e.to_string()).expect("valid API Gateway v2 event")
}

pub fn reply(response: Response<Body>) -> Reply {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = match response.body() {
        Body::Empty => serde_json::Value::Null,
        other => serde_json::from_slice(other.as_ref()).unwrap_or(serde_json::Value::Null),
    };
    Reply { status, headers, body }
}

impl Reply {
    /// The error code of the JSON error shape (asserting the shape).
    pub fn error_code(&self) -> &str {
        assert!(self.body["error"]["request_id"].is_string(), "error shape: {}", self.body);
        assert!(self.body["error"]["message"].is_string(), "error shape: {}", self.body);
        self.body["error"]["code"].as_str().expect("error code")
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

/// Uploads bytes through a presigned slot exactly as a client would.
pub async fn upload(slot: &serde_json::Value, bytes: Vec<u8>) -> u16 {
    let mut request = reqwest::Client::new().put(slot["url"].as_str().expect("url")).body(bytes);
    for (name, value) in slot["headers"].as_object().expect("headers") {
        if name != "content-length" {
            request = request.header(name, value.as_str().expect("header value"));
        }
    }
    request.send().await.expect("upload").status().as_u16()
}
