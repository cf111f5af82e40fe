//! `demo_publish`: the publishing pipeline as a tenant sees it, over HTTP
//! through `cargo lambda watch` (source `.local/stack.env`). A tenant
//! connects a TikTok creator through the oauth function, uploads a
//! multi-chunk video and a photo carousel through presigned PUTs, and
//! schedules both at the API's earliest allowed time. Then nothing is called
//! by hand: the local event sources fire the dispatcher's schedule and feed
//! the publish queue to the publisher; the sandbox delivers its webhooks to
//! the webhooks function. The walk prints each post's moves as they happen,
//! then checks the sandbox's ledger — exactly one TikTok post each, with the
//! uploaded bytes and images (SHA-256) — and the webhook deliveries.
//! No key, token or caption is printed.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use demo::walk::{get_json, Walk};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::{aws::Aws, config::StackConfig, tenant::TenantStore};
use testkit::media_files;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The sandbox creator the demo connects (a pool creator: no other walk uses it).
const CREATOR: &str = "pool_40";
/// How long the walk waits for both posts to settle.
const PATIENCE: Duration = Duration::from_secs(600);
const FINAL: [&str; 6] = ["PUBLISHED", "INBOX_DELIVERED", "FAILED", "HELD", "CANCELLED", "NEEDS_ATTENTION"];

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

struct Scheduled {
    name: &'static str,
    id: String,
    seen: usize,
    last: Value,
}

async fn run() -> Result<(), String> {
    let config = StackConfig::from_env().map_err(|e| e.to_string())?;
    let api =
        std::env::var("API_URL").map_err(|_| "API_URL is missing; source .local/stack.env".to_owned())?;
    let sandbox =
        std::env::var("TIKTOK_SANDBOX_URL").map_err(|_| "TIKTOK_SANDBOX_URL is missing".to_owned())?;
    let aws = Aws::load(&config).await;
    let (tenant, key) = TenantStore::new(aws.dynamodb(), &config.table_name)
        .create_tenant("demo publishing studio")
        .await
        .map_err(|e| e.to_string())?;
    println!("  tenant {tenant} created (API key prefix {})", key.prefix);
    let walk = Walk::new(api, &key.key);
    let account = walk.connect(Some(CREATOR)).await?;
    println!("  TikTok creator {CREATOR} connected through the oauth function: account {account}");

    // 300 frames of 110 kB: a 33 MB video, three chunks of TikTok's plan.
    let video_bytes = media_files::mp4_with_samples(1080, 1920, 30, 300, 110_000, true);
    let video = walk.media("video", "video/mp4", video_bytes.clone()).await?;
    let chunks = tiktok::plan_chunks(video_bytes.len() as u64).map_err(|e| e.to_string())?;
    println!(
        "  video uploaded by presigned PUT: {} bytes, {} — {} chunks of {} bytes planned",
        video_bytes.len(),
        video["status"],
        chunks.total_chunk_count(),
        chunks.chunk_size()
    );
    let mut photo_ids = Vec::new();
    let mut photo_hashes = Vec::new();
    for (width, height) in [(1080, 1350), (1080, 1080), (1350, 1080), (1080, 1920)] {
        let bytes = media_files::jpeg(width, height);
        photo_hashes.push(sha256(&bytes));
        let photo = walk.media("photo", "image/jpeg", bytes).await?;
        if photo["status"] != "READY" {
            return Err(format!("photo {width}x{height} was not accepted: {photo}"));
        }
        photo_ids.push(photo["media_id"].clone());
    }
    println!("  photo carousel uploaded by presigned PUTs: {} JPEGs, each READY", photo_ids.len());
    if video["status"] != "READY" {
        return Err(format!("the video was not accepted: {video}"));
    }

    // The api's shortest lead on this stack (make demo sets 5 s; 60 s is the default).
    let lead: i64 = std::env::var("SCHEDULE_MIN_LEAD_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let at = OffsetDateTime::now_utc() + time::Duration::seconds(lead + 2);
    let at = at.format(&Rfc3339).map_err(|e| e.to_string())?;
    let common = json!({"account_id": account, "privacy_level": "PUBLIC_TO_EVERYONE", "post_mode": "DIRECT_POST",
        "scheduled_at": at, "caption": "demo day #rust"});
    let mut posts = Vec::new();
    for (name, kind, media) in
        [("video", "video", json!([video["media_id"]])), ("carousel", "photo", Value::Array(photo_ids))]
    {
        let mut body = common.clone();
        body["kind"] = json!(kind);
        body["media_ids"] = media;
        let (status, created) = walk.call("POST", "/posts", Some(body)).await?;
        if status != StatusCode::CREATED {
            return Err(format!("POST /posts ({name}) answered {status}: {created}"));
        }
        let id = created["id"].as_str().unwrap_or_default().to_owned();
        println!(
            "  {name} post {id} scheduled for {at}, {} s ahead (the api's shortest lead here: {lead} s)",
            lead + 2
        );
        posts.push(Scheduled { name, id, seen: 0, last: Value::Null });
    }

    println!("  waiting: the event sources' dispatcher schedule and publish queue do the rest");
    let started = Instant::now();
    loop {
        for post in &mut posts {
            let (_, view) = walk.call("GET", &format!("/posts/{}", post.id), None).await?;
            let history = view["history"].as_array().cloned().unwrap_or_default();
            for entry in history.iter().skip(post.seen) {
                println!(
                    "    [{:>5.1} s] {:<8} → {:<15} by {:<10} {}",
                    started.elapsed().as_secs_f64(),
                    post.name,
                    entry["to"].as_str().unwrap_or("?"),
                    entry["by"].as_str().unwrap_or("?"),
                    entry["reason"].as_str().unwrap_or("")
                );
            }
            post.seen = post.seen.max(history.len());
            post.last = view;
        }
        // Published and its TikTok post id recorded (the id arrives with
        // the publicly_available webhook), or stopped for good.
        let settled = posts.iter().all(|p| match p.last["status"].as_str().unwrap_or_default() {
            "PUBLISHED" => p.last["post_ids"].as_array().is_some_and(|ids| !ids.is_empty()),
            status => FINAL.contains(&status),
        });
        if settled {
            break;
        }
        if started.elapsed() > PATIENCE {
            return Err(format!("the posts did not settle within {} s", PATIENCE.as_secs()));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for post in &posts {
        if post.last["status"] != "PUBLISHED" {
            return Err(format!(
                "the {} post ended {}: {}",
                post.name, post.last["status"], post.last["status_reason"]
            ));
        }
        println!(
            "  {} published: publish_id {}, TikTok post id {}",
            post.name,
            post.last["publish_id"].as_str().unwrap_or("?"),
            post.last["post_ids"][0].as_str().unwrap_or("?")
        );
    }

    let http = reqwest::Client::new();
    let ledger = get_json(&http, &format!("{sandbox}/_sandbox/ledger")).await?;
    let mut per_publish: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for entry in ledger["posts"].as_array().into_iter().flatten() {
        let id = entry["publish_id"].as_str().unwrap_or_default().to_owned();
        per_publish.entry(id).or_default().push(entry.clone());
    }
    let entries = |post: &Scheduled| {
        per_publish.get(post.last["publish_id"].as_str().unwrap_or_default()).cloned().unwrap_or_default()
    };
    let open_id = posts.first().map(entries).unwrap_or_default().first().map(|e| e["open_id"].clone());
    let of_creator = ledger["posts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| Some(&e["open_id"]) == open_id.as_ref())
        .count();
    let [video_post, carousel] = posts.as_slice() else { return Err("two posts expected".into()) };
    let (video_entry, carousel_entry) = (entries(video_post), entries(carousel));
    println!(
        "  sandbox ledger: {of_creator} TikTok posts for {CREATOR}; video {} entry, {} bytes received, SHA-256 {}",
        video_entry.len(),
        video_entry.first().map_or(Value::Null, |e| e["bytes_received"].clone()),
        if video_entry.first().map(|e| &e["content_sha256"]) == Some(&json!(sha256(&video_bytes))) {
            "matches the uploaded file"
        } else {
            "DIFFERS"
        }
    );
    let pulled = carousel_entry.first().map(|e| e["images_sha256"].clone()).unwrap_or_default();
    println!(
        "  carousel {} entry, {} images pulled from presigned URLs, SHA-256 {}",
        carousel_entry.len(),
        pulled.as_array().map_or(0, Vec::len),
        if pulled == json!(photo_hashes) { "match the uploads, in order" } else { "DIFFER" }
    );
    if of_creator != 2
        || video_entry.len() != 1
        || carousel_entry.len() != 1
        || video_entry[0]["content_sha256"] != json!(sha256(&video_bytes))
        || pulled != json!(photo_hashes)
    {
        return Err("the ledger does not hold exactly one post each with the uploaded media".into());
    }

    // TikTok retries a webhook that was not answered 200 (the sandbox too,
    // with backoff): wait until each of ours is answered or given up.
    let mut ours: Vec<Value>;
    loop {
        let webhooks = get_json(&http, &format!("{sandbox}/_sandbox/webhooks")).await?;
        ours = webhooks["deliveries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|w| Some(&w["user_openid"]) == open_id.as_ref())
            .cloned()
            .collect();
        if ours.iter().all(|w| w["delivered"] == true) || started.elapsed() > PATIENCE {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for hook in &ours {
        println!(
            "  webhook {} delivered to the webhooks function: HTTP {} after {} attempt(s)",
            hook["event"].as_str().unwrap_or("?"),
            hook["last_status"],
            hook["attempts"]
        );
    }
    let applied: Vec<String> = posts
        .iter()
        .flat_map(|p| p.last["history"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["by"].as_str().is_some_and(|by| by.starts_with("webhook")))
        .map(|e| format!("{} by webhook", e["to"].as_str().unwrap_or("?")))
        .collect();
    println!(
        "  applied from webhooks: {} (the status checks and the webhooks settle a post once, whichever comes first; \
         post ids recorded from post.publish.publicly_available)",
        if applied.is_empty() { "no status move (the status checks were first)".to_owned() } else { applied.join(", ") }
    );
    if ours.is_empty() || ours.iter().any(|w| w["delivered"] != true || w["last_status"] != 200) {
        return Err("the sandbox's webhooks were not all answered 200".into());
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    demo::exit("demo_publish", run().await)
}
