//! A client of the public API as the demo walks use it: calls with the
//! tenant's key, media through their presigned PUT slots, and the connect
//! flow a browser would make. The key is held, never printed.

use reqwest::{Client, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

/// `GET url` read as JSON.
pub async fn get_json(http: &Client, url: &str) -> Result<Value, String> {
    json_of(http.get(url)).await
}

/// A request's answer read as JSON.
pub async fn json_of(request: reqwest::RequestBuilder) -> Result<Value, String> {
    request.send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())
}

pub struct Walk {
    pub http: Client,
    pub api: String,
    key: SecretString,
}

impl Walk {
    pub fn new(api: String, key: &SecretString) -> Self {
        Self { http: Client::new(), api, key: key.clone() }
    }

    /// One API call; the answer's status and JSON body (`null` if none).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), String> {
        let url = format!("{}{path}", self.api);
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self.http.request(method, url).bearer_auth(self.key.expose_secret());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// Declares a file, uploads it through its slot, asks for the verdict.
    pub async fn media(&self, kind: &str, content_type: &str, bytes: Vec<u8>) -> Result<Value, String> {
        let (status, slot) = self
            .call(
                "POST",
                "/media",
                Some(json!({"kind": kind, "content_type": content_type, "size_bytes": bytes.len()})),
            )
            .await?;
        if status != StatusCode::CREATED {
            return Err(format!("POST /media answered {status}: {slot}"));
        }
        let mut put = self.http.put(slot["upload"]["url"].as_str().unwrap_or_default()).body(bytes);
        for (name, value) in slot["upload"]["headers"].as_object().into_iter().flatten() {
            if name != "content-length" {
                put = put.header(name, value.as_str().unwrap_or_default());
            }
        }
        let uploaded = put.send().await.map_err(|e| format!("upload: {e}"))?.status();
        if !uploaded.is_success() {
            return Err(format!("presigned PUT answered {uploaded}"));
        }
        let id = slot["media_id"].as_str().unwrap_or_default();
        let (_, checked) = self.call("GET", &format!("/media/{id}"), None).await?;
        Ok(checked)
    }

    /// The connect flow a browser would make, through the oauth function:
    /// connect → TikTok's (the sandbox's) authorize page → the callback.
    /// `creator` picks the sandbox creator who consents (as a person picks
    /// their account on TikTok's page); `None` is the sandbox's default.
    /// Answers the connected account's id.
    pub async fn connect(&self, creator: Option<&str>) -> Result<String, String> {
        let oauth = std::env::var("OAUTH_URL").map_err(|_| "OAUTH_URL is missing".to_owned())?;
        let no_redirects = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let started = json_of(
            no_redirects
                .get(format!("{oauth}/connect/tiktok?return_to=http://localhost:3000/connected"))
                .bearer_auth(self.key.expose_secret())
                .header("accept", "application/json"),
        )
        .await?;
        let authorize = started["authorize_url"].as_str().ok_or(format!("connect answered {started}"))?;
        let mut authorize = url::Url::parse(authorize).map_err(|e| e.to_string())?;
        if let Some(creator) = creator {
            authorize.query_pairs_mut().append_pair("sandbox_user", creator);
        }
        let location = |r: &reqwest::Response| {
            r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned).unwrap_or_default()
        };
        let consent = no_redirects.get(authorize).send().await.map_err(|e| e.to_string())?;
        let callback = no_redirects.get(location(&consent)).send().await.map_err(|e| e.to_string())?;
        let back = url::Url::parse(&location(&callback))
            .map_err(|e| format!("callback answered {}: {e}", callback.status()))?;
        back.query_pairs()
            .find(|(k, _)| k == "account_id")
            .map(|(_, v)| v.into_owned())
            .ok_or(format!("the callback returned to {back}"))
    }
}
