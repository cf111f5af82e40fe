//! `demo_api`: walks the intake API as a client would, over HTTP through
//! `cargo lambda watch` (source `.local/stack.env`; `API_URL` points at the
//! api function). A tenant is created with the operator store, then: media
//! upload slots, real uploads through the presigned PUTs, the pre-flight
//! verdicts, the refusals of hostile input (traversal, oversize, no key), a TikTok account connected
//! through the oauth function, and a post scheduled and cancelled. Prints a
//! summary; the API key, codes and tokens are never printed.

use std::process::ExitCode;

use demo::walk::Walk;
use serde_json::json;
use shared::{aws::Aws, config::StackConfig, tenant::TenantStore};
use testkit::media_files;

async fn run() -> Result<(), String> {
    let config = StackConfig::from_env().map_err(|e| e.to_string())?;
    let api =
        std::env::var("API_URL").map_err(|_| "API_URL is missing; source .local/stack.env".to_owned())?;
    let aws = Aws::load(&config).await;
    let (tenant, key) = TenantStore::new(aws.dynamodb(), &config.table_name)
        .create_tenant("demo agency")
        .await
        .map_err(|e| e.to_string())?;
    println!("  tenant {tenant} created with an API key (prefix {})", key.prefix);
    let walk = Walk::new(api, &key.key);

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

    let account = walk.connect(None).await?;
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    demo::exit("demo_api", run().await)
}
