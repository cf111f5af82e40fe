//! Publisher invocations that die at a random point. The gateway's kills
//! (`agents::kills`) are few (a process restart each) and land wherever a
//! publisher happens to be; these are many, 0.2–4.2 s into an invocation, so
//! every step of a publish is hit (between the init request and storing
//! `publish_id` included): this process is one more
//! consumer of the publish queue (two, in fact), running the real
//! publisher handler on what it receives and abandoning the invocation after
//! a random time — a dropped future stops at whatever await it is in (an
//! init whose answer has not come, a chunk half sent, a write not made),
//! as a killed process does. Abandoned messages are not deleted: SQS brings
//! them back after the visibility timeout, as after a crashed Lambda.

use std::sync::Mutex;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use lambda_runtime::{Context, LambdaEvent};
use publisher::config::PublisherConfig;
use publisher::Deps;
use shared::config::FunctionConfig;
use shared::emf::Metrics;
use testkit::rng::Rng;
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::agents::Ledger;
use crate::setup::World;

/// The publisher's own dependencies, from the stack's function environment.
pub fn deps(world: &World) -> Deps {
    let config = PublisherConfig::from_env().expect("publisher configuration from the stack's env");
    let (metrics, _) = Metrics::in_memory("TikTokScheduler", "publisher");
    Deps::new(config, &world.aws, metrics).expect("publisher deps")
}

/// Receives batches and runs them, dying after 0.2–4.2 s each time.
pub async fn crashing_publisher(
    world: &World,
    deps: &Deps,
    ledger: &Mutex<Ledger>,
    mut rng: Rng,
    until: Instant,
) {
    while Instant::now() < until {
        let received = world
            .aws
            .sqs()
            .receive_message()
            .queue_url(&world.queue)
            .max_number_of_messages(5)
            .wait_time_seconds(2)
            .send()
            .await;
        let Ok(received) = received else { continue };
        let messages = received.messages();
        if messages.is_empty() {
            continue;
        }
        let mut event = SqsEvent::default();
        for m in messages {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id().map(str::to_string);
            record.receipt_handle = m.receipt_handle().map(str::to_string);
            record.body = m.body().map(str::to_string);
            event.records.push(record);
        }
        let life = Duration::from_millis(200 + rng.below(4_000) as u64);
        let run = publisher::handle(LambdaEvent::new(event, Context::default()), deps);
        match tokio::time::timeout(life, run).await {
            Err(_) => {
                ledger.lock().unwrap_or_else(|e| e.into_inner()).crashes.push(OffsetDateTime::now_utc())
            }
            Ok(Ok(answer)) => {
                let failed: Vec<String> =
                    answer.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
                for m in messages {
                    if m.message_id().is_some_and(|id| failed.iter().any(|f| f == id)) {
                        continue;
                    }
                    if let Some(handle) = m.receipt_handle() {
                        let _ = world
                            .aws
                            .sqs()
                            .delete_message()
                            .queue_url(&world.queue)
                            .receipt_handle(handle)
                            .send()
                            .await;
                    }
                }
            }
            Ok(Err(_)) => {}
        }
    }
}

/// The in-process publisher's log lines go to a file the log-scrubbing check reads.
pub fn log_to(path: &str) {
    let Ok(file) = std::fs::File::create(path) else { return };
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(Mutex::new(file))
        .try_init();
}
