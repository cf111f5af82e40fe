//! Test harness: API Gateway v2 events built from the real fixture in
//! `events/`, the handler wired to the local stack, tenants created through
//! the real store.

#![allow(dead_code)]

use std::collections::HashMap;

use api::{config::ApiConfig, handle, Deps};
use secrecy::ExposeSecret;
use shared::{aws::AwsClients, config::EnvReader};
pub use testkit::{Call, Reply};

pub mod media_files;

pub struct Api {
    pub deps: Deps,
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
        let mut call = Call::new(method, path_and_query);
        call.bearer = key;
        call.json = body;
        call.headers = headers.to_vec();
        self.send(call).await
    }

    /// Sends a fully described call.
    pub async fn send(&self, call: Call<'_>) -> Reply {
        Reply::of(handle(call.request(), &self.deps).await.expect("handled"))
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
