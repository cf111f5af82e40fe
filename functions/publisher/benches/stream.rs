//! Benchmark (not a test): the publisher's FILE_UPLOAD path streaming a
//! 1 GiB video from S3 (moto) to TikTok's upload URL (the stack's sandbox),
//! through the production code — `upload::send_chunks` reading the planner's
//! byte ranges with ranged GETs and PUTting each chunk. Prints MB/s and this
//! process's peak RSS while streaming (VmHWM, reset just before), next to
//! the chunk size: the claim is "at most one chunk in memory", so the peak
//! should sit near the baseline plus a chunk or two, never near 1 GiB.
//! The sandbox's ledger must hold every byte (its SHA-256 is compared).
//!
//! Run with the stack's environment exported:
//!   set -a; source .local/stack.env; set +a; cargo bench -p publisher --bench stream
//! `STREAM_BENCH_MIB` (1024) resizes it.

// Bench code: a panic is a failed run (the workspace denies them in production code).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use shared::config::FunctionConfig;
use std::time::Instant;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use publisher::config::PublisherConfig;
use publisher::init::{InitPlan, Upload};
use publisher::{upload, Deps};
use sha2::{Digest, Sha256};
use shared::aws::Aws;
use shared::emf::Metrics;
use shared::media::store::MediaStore;
use shared::media::ContentType;
use shared::tenant::TenantId;
use tiktok::{plan_chunks, InboxVideoInitRequest, VideoContentType, VideoSource};

const MIB: u64 = 1024 * 1024;
/// S3's multipart part size for seeding the object (not the upload's chunks).
const PART: u64 = 64 * MIB;

/// A kB figure of /proc/self/status.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("field")
}

/// Bytes that are not all alike, so a shifted or repeated range changes the hash.
fn part_bytes(index: u64, len: u64) -> Vec<u8> {
    (0..len).map(|i| ((index * PART + i) % 251) as u8).collect()
}

#[tokio::main]
async fn main() {
    let size = std::env::var("STREAM_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024u64) * MIB;
    let config = PublisherConfig::from_env().expect("publisher settings: export .local/stack.env");
    let aws = Aws::load(&config.stack).await;
    let bucket = config.stack.media_bucket.clone();
    let deps = Deps::new(config, &aws, Metrics::in_memory("Bench", "publisher").0).expect("deps");

    // The object, written in parts generated one at a time.
    let tenant = TenantId::new();
    let item = MediaStore::new_item(&tenant, ContentType::Mp4, size, None);
    let started = Instant::now();
    let multipart =
        aws.s3().create_multipart_upload().bucket(&bucket).key(&item.key).send().await.expect("multipart");
    let upload_id = multipart.upload_id().expect("upload id").to_owned();
    let mut hash = Sha256::new();
    let mut parts = Vec::new();
    for (n, first) in (0..size).step_by(PART as usize).enumerate() {
        let bytes = part_bytes(n as u64, PART.min(size - first));
        hash.update(&bytes);
        let part = aws
            .s3()
            .upload_part()
            .bucket(&bucket)
            .key(&item.key)
            .upload_id(&upload_id)
            .part_number(n as i32 + 1)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .expect("part");
        parts.push(
            CompletedPart::builder()
                .part_number(n as i32 + 1)
                .e_tag(part.e_tag().unwrap_or_default())
                .build(),
        );
    }
    aws.s3()
        .complete_multipart_upload()
        .bucket(&bucket)
        .key(&item.key)
        .upload_id(&upload_id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .expect("complete");
    let expected = hex::encode(hash.finalize());
    println!("seeded {} MiB in moto in {:.1} s", size / MIB, started.elapsed().as_secs_f64());

    // A creator of the stack's sandbox, and TikTok's init of an inbox video.
    let tokens = testkit::tiktok::stack_tokens("pool_39").await;
    let token = tokens.access_token;
    let plan = plan_chunks(size).expect("plan");
    let chunk_mib = plan.chunk_size() as f64 / MIB as f64;
    let init_plan = InitPlan::InboxVideo {
        request: InboxVideoInitRequest { source_info: VideoSource::file_upload(&plan) },
        upload: Upload { key: item.key.clone(), plan, content_type: VideoContentType::Mp4 },
    };
    let init = publisher::init::call(deps.client(), &token, &init_plan).await.expect("init");
    let url = init.upload_url.expect("upload url");

    // Reset the high-water mark: what follows is the streaming alone.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let baseline = status_kb("VmRSS:");
    let started = Instant::now();
    let progress = upload::Progress { account: "bench-stream", token: &token, publish_id: &init.publish_id };
    upload::send_chunks(&deps, &init_plan, &url, &progress).await.expect("every chunk taken");
    let elapsed = started.elapsed().as_secs_f64();
    let peak = status_kb("VmHWM:");

    // Processing completes shortly after the last chunk; the ledger entry follows.
    let sandbox = std::env::var("TIKTOK_SANDBOX_URL").expect("sandbox");
    let mut received = (None, None);
    for _ in 0..120 {
        let ledger: serde_json::Value = reqwest::get(format!("{sandbox}/_sandbox/ledger"))
            .await
            .expect("ledger")
            .json()
            .await
            .expect("json");
        let entry = ledger["posts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["publish_id"] == init.publish_id.0.as_str())
            .cloned();
        if let Some(e) = entry {
            received = (e["bytes_received"].as_u64(), e["content_sha256"].as_str().map(str::to_owned));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }

    println!(
        "streamed {} MiB in {} chunks of {chunk_mib:.0} MiB in {elapsed:.1} s: {:.1} MB/s",
        size / MIB,
        init_plan.upload().map_or(0, |u| u.plan.total_chunk_count()),
        size as f64 / 1e6 / elapsed
    );
    println!(
        "RSS: {:.1} MiB before streaming, peak {:.1} MiB while streaming (+{:.1} MiB; one chunk is {chunk_mib:.0} MiB)",
        baseline as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(baseline) as f64 / 1024.0
    );
    match received {
        (Some(bytes), Some(sha)) => {
            println!(
                "sandbox ledger: {bytes} bytes, SHA-256 {}",
                if sha == expected { "matches" } else { "DIFFERS" }
            );
            assert!(bytes == size && sha == expected, "TikTok must hold exactly the object's bytes");
        }
        _ => panic!("the sandbox's ledger has no entry for this publish after 60 s"),
    }
    aws.s3().delete_object().bucket(&bucket).key(&item.key).send().await.expect("clean up");
}
