//! `demo_api`: walks the intake API as a client would, over HTTP through
//! `cargo lambda watch` (source `.local/stack.env`; `API_URL` points at the
//! api function). A tenant is created with the operator store, then: media
//! upload slots, real uploads through the presigned PUTs, the pre-flight
//! verdicts, the refusals of hostile input (traversal, oversize, no key), a TikTok account connected
//! through the oauth function, and a post scheduled and cancelled. Prints a
//! summary; the API key, codes and tokens are never printed.

use std::process::ExitCode;

use reqwest::{Client, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use shared::{aws::AwsClients, config::StackConfig, tenant::TenantStore};
use testkit::media_files;

struct Walk {
    http: Client,
    api: String,
    key: String,
}

impl Walk {
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), String> {
        let url = format!("{}{path}", self.api);
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self.http.request(method, url).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// Declares a file, uploads it through its slot, asks for the verdict.
    async fn media(&self, kind: &str, content_type: &str, bytes: Vec<u8>) -> Result<Value, String> {
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
}

async fn run() -> Result<(), String> {
    let config = StackConfig::from_env().map_err(|e| e.to_string())?;
    let api =
        std::env::var("API_URL").map_err(|_| "API_URL is missing; source .local/stack.env".to_owned())?;
    let aws = AwsClients::load(&config).await;
    let (tenant, key) = TenantStore::new(aws.dynamodb, &config.table_name)
        .create_tenant("demo agency")
        .await
        .map_err(|e| e.to_string())?;
    println!("  tenant {tenant} created with an API key (prefix {})", key.prefix);
    let walk = Walk { http: Client::new(), api, key: key.key.expose_secret().to_owned() };

    let video = walk.media("video", "video/mp4", media_files::mp4(1080, 1920, 30, 300, true)).await?;
    println!(
        "  video 1080x1920, 30 fps, 10 s: {} (measured {}x{}, {} s, {} fps)",
        video["status"],
        video["facts"]["width"],
        video["facts"]["height"],
        video["facts"]["duration_seconds"],
        video["facts"]["frame_rate"]
    );
    let fast = walk.media("video", "video/mp4", media_files::mp4(720, 1280, 120, 600, false)).await?;
    println!("  video at 120 fps: {} — {}", fast["status"], fast["reason"]);
    let photo = walk.media("photo", "image/jpeg", media_files::jpeg(1920, 1080)).await?;
    println!("  photo 1920x1080 JPEG: {}", photo["status"]);
    let png = walk.media("photo", "image/jpeg", media_files::png(640, 480)).await?;
    println!("  PNG declared as JPEG: {} — {}", png["status"], png["reason"]);

    let (status, body) = walk.call("GET", "/media/..%2f..%2fetc%2fpasswd", None).await?;
    println!("  GET /media/..%2f..%2fetc%2fpasswd: {status} {}", body["error"]["message"]);
    let (status, body) = walk
        .call(
            "POST",
            "/media",
            Some(json!({"kind": "video", "content_type": "video/mp4", "size_bytes": 5_000_000_000u64})),
        )
        .await?;
    println!("  a 5 GB video slot: {status} {}", body["error"]["message"]);
    let anonymous = walk.http.get(format!("{}/posts", walk.api)).send().await.map_err(|e| e.to_string())?;
    println!("  GET /posts without a key: {}", anonymous.status());
    let (status, body) = walk.call("GET", "/openapi.json", None).await?;
    println!("  GET /openapi.json: {status}, {} paths", body["paths"].as_object().map_or(0, |p| p.len()));
    if video["status"] != "READY" || fast["status"] != "REJECTED" || photo["status"] != "READY" {
        return Err("the media verdicts were not the expected ones".into());
    }

    let account = connect(&walk).await?;
    println!("  TikTok account connected through the oauth function: {account}");
    let (status, info) = walk.call("GET", &format!("/accounts/{account}/creator-info"), None).await?;
    println!("  creator-info: {status}, privacy options {}", info["privacy_level_options"]);
    let at = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
    let at = at.format(&time::format_description::well_known::Rfc3339).map_err(|e| e.to_string())?;
    let post = json!({"account_id": account, "kind": "video", "media_ids": [video["media_id"]],
        "caption": "launch day", "privacy_level": "SELF_ONLY", "post_mode": "DIRECT_POST", "scheduled_at": at});
    let (status, created) = walk.call("POST", "/posts", Some(post.clone())).await?;
    println!("  POST /posts: {status}, {} at {}", created["status"], created["scheduled_at"]);
    let mut long = post.clone();
    long["caption"] = json!("x".repeat(2201));
    let (status, body) = walk.call("POST", "/posts", Some(long)).await?;
    println!("  a 2201-unit caption: {status} {}", body["error"]["message"]);
    let id = created["id"].as_str().unwrap_or_default();
    let (status, cancelled) = walk.call("DELETE", &format!("/posts/{id}"), None).await?;
    println!("  DELETE /posts/{id}: {status}, {}", cancelled["status"]);
    if created["status"] != "SCHEDULED" || cancelled["status"] != "CANCELLED" {
        return Err("the post was not scheduled and cancelled".into());
    }
    Ok(())
}

/// The connect flow a browser would make, through the oauth function:
/// connect → TikTok's (the sandbox's) authorize page → the callback.
async fn connect(walk: &Walk) -> Result<String, String> {
    let oauth = std::env::var("OAUTH_URL").map_err(|_| "OAUTH_URL is missing".to_owned())?;
    let no_redirects =
        Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(|e| e.to_string())?;
    let started: Value = no_redirects
        .get(format!("{oauth}/connect/tiktok?return_to=http://localhost:3000/connected"))
        .bearer_auth(&walk.key)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let authorize = started["authorize_url"].as_str().ok_or(format!("connect answered {started}"))?;
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo_api failed: {e}");
            ExitCode::FAILURE
        }
    }
}
