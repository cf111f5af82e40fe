//! Benchmark (not a test): one dispatcher tick over 10,000 posts due in the
//! same minute across 50 tenants, against an isolated table and queue on the
//! local stack. Prints the time to enqueue them all, the `SendMessageBatch`
//! calls and posts per second (figures: docs/pipeline-scale.md, "Measured").
//!
//! Run with the stack's environment exported:
//!   set -a; source .local/stack.env; set +a; cargo bench -p dispatcher --bench dispatch
//! `DISPATCH_BENCH_POSTS` (10000) and `DISPATCH_BENCH_TENANTS` (50) resize it.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

use shared::config::FunctionConfig;
use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use dispatcher::due_index::index_keys;
use shared::dynamo::s;
use shared::schema::{self, keys};

use dispatcher::{config::DispatcherConfig, handle, Deps};
use foundation::time_format::rfc3339;
use futures::stream::{self, StreamExt};
use lambda_runtime::{Context, LambdaEvent};
use shared::{
    aws::Aws,
    config::{EnvReader, StackConfig},
    emf::Metrics,
    post::{Post, PostStore},
    schema::keys::{due_shard, DUE_SHARDS},
};
use testkit::isolated::Isolated;
use time::{format_description::well_known::Rfc3339, Duration, OffsetDateTime};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn post(tenant: &str, at: OffsetDateTime) -> Post {
    let now = rfc3339(OffsetDateTime::now_utc());
    serde_json::from_value(serde_json::json!({
        "id": ulid::Ulid::new().to_string(), "tenant": tenant, "account_id": "01BENCHACCOUNT0000000000000",
        "settings": {"kind": "video", "post_mode": "DIRECT_POST", "media_ids": ["01BENCHMEDIA000000000000000"],
                     "caption": "a benchmark caption of a realistic length, with a few #hashtags #fyp #bench",
                     "privacy_level": "PUBLIC_TO_EVERYONE"},
        "scheduled_at": rfc3339(at), "status": "SCHEDULED", "created_at": now, "updated_at": now,
    }))
    .expect("post")
}

/// The item `PostStore::create` writes (checked against it below), so the
/// posts can be seeded 25 at a time.
fn item(post: &Post, due: OffsetDateTime) -> HashMap<String, AttributeValue> {
    let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(post).expect("item");
    let (pk, sk) = keys::post(&post.tenant, &post.id);
    let (tpk, tsk) = index_keys(&post.id, due);
    for (name, value) in [
        (schema::PK, pk),
        (schema::SK, sk),
        (schema::GSI_BY_OWNER_PK, keys::posts_of(&post.tenant)),
        (schema::GSI_BY_OWNER_SK, format!("{}#{}", post.scheduled_at, post.id)),
        (schema::GSI_BY_TIME_PK, tpk),
        (schema::GSI_BY_TIME_SK, tsk),
    ] {
        item.insert(name.to_owned(), s(value));
    }
    item
}

async fn seed(aws: &Aws, table: &str, items: Vec<HashMap<String, AttributeValue>>) {
    let batches: Vec<Vec<WriteRequest>> = items
        .chunks(25)
        .map(|chunk| {
            chunk
                .iter()
                .map(|i| {
                    let put = PutRequest::builder().set_item(Some(i.clone())).build().expect("put");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect()
        })
        .collect();
    stream::iter(batches)
        .for_each_concurrent(4, |mut batch| async move {
            while !batch.is_empty() {
                let out = aws
                    .dynamodb()
                    .batch_write_item()
                    .request_items(table, batch)
                    .send()
                    .await
                    .expect("BatchWriteItem");
                batch = out.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
            }
        })
        .await;
}

#[tokio::main]
async fn main() {
    let Ok(stack) = StackConfig::from_env() else {
        eprintln!(
            "dispatch bench: needs the local stack's environment (set -a; source .local/stack.env; set +a)"
        );
        return;
    };
    let (count, tenants) = (setting("DISPATCH_BENCH_POSTS", 10_000), setting("DISPATCH_BENCH_TENANTS", 50));
    let aws = Aws::load(&stack).await;
    let isolated = Isolated::create(&aws).await;
    let store = PostStore::new(aws.dynamodb(), &isolated.table);

    // The posts are due across the minute after next, so seeding ends before it.
    let seeding = Instant::now();
    let start = OffsetDateTime::now_utc();
    let minute =
        start.replace_second(0).and_then(|t| t.replace_nanosecond(0)).expect("minute") + Duration::minutes(2);
    let tenant_ids: Vec<String> = (0..tenants).map(|_| format!("bench{}", ulid::Ulid::new())).collect();
    let posts: Vec<Post> = (0..count)
        .map(|i| {
            let at = minute + Duration::milliseconds((i as i64 * 60_000) / count as i64);
            post(&tenant_ids[i % tenants], at)
        })
        .collect();
    let mut per_shard = vec![0usize; DUE_SHARDS as usize];
    for p in &posts {
        per_shard[due_shard(&p.id) as usize] += 1;
    }
    // The first through the store, to prove the seeded items are its items.
    store.create(&posts[0]).await.expect("create");
    let (pk, sk) = keys::post(&posts[0].tenant, &posts[0].id);
    let stored =
        aws.dynamodb().get_item().table_name(&isolated.table).key(schema::PK, s(pk)).key(schema::SK, s(sk));
    let stored = stored.send().await.expect("get").item.expect("the created post");
    let due = |p: &Post| OffsetDateTime::parse(&p.scheduled_at, &Rfc3339).expect("scheduled_at");
    assert_eq!(stored, item(&posts[0], due(&posts[0])), "seeded items are what PostStore::create writes");
    seed(&aws, &isolated.table, posts[1..].iter().map(|p| item(p, due(p))).collect()).await;
    println!(
        "seeded {count} posts for {tenants} tenants in {:.1} s; per shard {per_shard:?}",
        seeding.elapsed().as_secs_f64()
    );

    // Tick as the minute begins: all of it is within the one-minute look-ahead.
    let wait = (minute - OffsetDateTime::now_utc() + Duration::milliseconds(100)).max(Duration::ZERO);
    tokio::time::sleep(wait.try_into().unwrap_or_default()).await;

    let overrides = isolated.env();
    let env = EnvReader::new(move |k| overrides.get(k).cloned().or_else(|| std::env::var(k).ok()));
    let config = DispatcherConfig::read(env).expect("dispatcher config");
    let (metrics, _lines) = Metrics::in_memory(config.metrics_namespace.clone(), "dispatcher");
    let deps = Deps::new(config, &aws, metrics);
    let event =
        serde_json::from_str(include_str!("../../../events/dispatcher-schedule.json")).expect("fixture");
    // No deadline: the tick runs to the end, however slow the emulator is.
    let context = Context::default();

    let ticking = Instant::now();
    let summary = handle(LambdaEvent::new(event, context), &deps).await.expect("tick");
    let elapsed = ticking.elapsed().as_secs_f64();

    let (visible, delayed) = isolated.counts().await;
    println!("tick: {summary:?}");
    println!(
        "enqueued {} of {count} posts in {elapsed:.2} s (index read {:.2} s): {} SendMessageBatch calls, {} index queries, {:.0} posts/s; queue holds {} ({visible} visible, {delayed} delayed)",
        summary.dispatched,
        summary.read_ms as f64 / 1000.0,
        summary.send_batches,
        summary.queries,
        summary.dispatched as f64 / elapsed,
        visible + delayed,
    );
    // The emulator serialises DynamoDB requests: per-request cost, as the tick saw it.
    let writes = summary.elapsed_ms.saturating_sub(summary.read_ms) as f64;
    println!(
        "per request (serialised): query {:.1} ms, claim + share of sends {:.1} ms",
        summary.read_ms as f64 / summary.queries.max(1) as f64,
        writes / summary.dispatched.max(1) as f64,
    );
    isolated.remove().await;
}
