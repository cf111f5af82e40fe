//! The dispatcher: once a minute (EventBridge Scheduler), it walks the due
//! index (`by-time`, `DUE#{minute}#{shard}`: every shard of each minute from
//! the look-back through the next, never a Scan) and keeps the publishing
//! pipeline moving:
//!
//! - a `SCHEDULED` post due within the minute moves to `QUEUED` and its
//!   `Publish` message is sent with a delay that makes it visible on its
//!   second; the post is re-filed for a reminder ten minutes on;
//! - a lost message, an expired lease, a retry time or an overdue status
//!   check is recovered as `plan` says, and a post the publisher left after
//!   init without a `publish_id` becomes `NEEDS_ATTENTION`, never re-queued.
//!
//! Every status write is a conditional `PostStore::transition`, every
//! reminder a conditional re-file, and a message is sent only for a write
//! this tick won: overlapping ticks send each post once. Work per tick is
//! bounded (`DISPATCH_MAX_POSTS`, and nothing new starts in the last 10 s of
//! the invocation); what is left stays filed for the next tick.

pub mod config;
pub mod due_index;
pub mod plan;
pub mod send;
pub mod tick;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{Context, Error, LambdaEvent};
use serde::Serialize;
use shared::{
    aws::Aws,
    emf::{Metrics, Unit},
    post::{queue::PublishQueue, PostStore},
};
use time::OffsetDateTime;
use tracing::Instrument;

use crate::config::DispatcherConfig;
use crate::due_index::DueIndex;

/// Stop starting new work when less than this remains of the invocation.
const DEADLINE_RESERVE: Duration = Duration::from_secs(10);

/// What the dispatcher needs, built once at init.
pub struct Deps {
    pub config: DispatcherConfig,
    pub posts: PostStore,
    pub index: DueIndex,
    pub queue: PublishQueue,
    pub metrics: Metrics,
}

impl Deps {
    pub fn new(config: DispatcherConfig, aws: &Aws, metrics: Metrics) -> Self {
        let dynamodb = aws.dynamodb();
        let table = &config.stack.table_name;
        Self {
            posts: PostStore::new(dynamodb.clone(), table),
            index: DueIndex::new(dynamodb.clone(), table),
            queue: PublishQueue::new(aws.sqs(), &config.stack.publish_queue_url),
            metrics,
            config,
        }
    }
}

/// What one tick did; the invocation's response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Posts found filed up to a minute ahead.
    pub found: usize,
    /// `SCHEDULED → QUEUED`, message sent.
    pub dispatched: usize,
    /// Retry times come, expired leases, lost messages, interrupted uploads: message sent.
    pub requeued: usize,
    /// Overdue status checks sent.
    pub status_checks: usize,
    /// `INITIATING` posts left without a `publish_id`: never re-queued.
    pub needs_attention: usize,
    /// Filed for later in the minute, or under a live lease.
    pub not_yet: usize,
    /// Statuses the dispatcher leaves alone.
    pub skipped: usize,
    /// Another tick, the publisher or the tenant moved the post first.
    pub lost_races: usize,
    /// Left for the next tick: the per-tick cap or the deadline.
    pub deferred: usize,
    /// Claimed, but the message was not sent after a retry: re-filed for the next tick.
    pub send_failed: usize,
    /// Store errors and unreadable index entries: left for the next tick.
    pub failed: usize,
    /// The latest a due post was found after its time, in whole seconds.
    pub late_max_secs: u64,
    pub queries: usize,
    pub query_errors: usize,
    /// Index buckets not read: the deadline came first (their posts wait).
    pub unread_buckets: usize,
    /// `SendMessageBatch` calls, retries included.
    pub send_batches: usize,
    /// Reading the index, then the whole tick.
    pub read_ms: u64,
    pub elapsed_ms: u64,
}

/// One tick. EventBridge Scheduler delivers `detail` as the string `"{}"`,
/// EventBridge rules as an object: neither is read. A failed index query
/// fails the invocation after the rest of the tick's work is done, so the
/// schedule's retry and the next tick cover it.
pub async fn handle(
    event: LambdaEvent<EventBridgeEvent<serde_json::Value>>,
    deps: &Deps,
) -> Result<Summary, Error> {
    let (event, context) = event.into_parts();
    let span = tracing::info_span!("tick", event_id = event.id.as_deref().unwrap_or_default());
    let summary = tick::run(deps, OffsetDateTime::now_utc(), cutoff(&context)).instrument(span).await;
    emit(&deps.metrics, &summary);
    tracing::info!(summary = ?summary, scheduled = ?event.time, "dispatcher tick");
    if summary.query_errors > 0 {
        return Err(
            format!("{} of {} due-index queries failed", summary.query_errors, summary.queries).into()
        );
    }
    Ok(summary)
}

/// When to stop starting work; `None` without a deadline (tests), or with
/// one already past when the tick starts: a runtime that sets none (the
/// local emulator under `cargo lambda watch`) — work unbounded by it rather
/// than not at all.
fn cutoff(context: &Context) -> Option<SystemTime> {
    let deadline = (context.deadline > 0).then(|| UNIX_EPOCH + Duration::from_millis(context.deadline))?;
    deadline.duration_since(SystemTime::now()).ok()?;
    deadline.checked_sub(DEADLINE_RESERVE)
}

/// One line per tick, zeros included, so alarms always have data (`Late`
/// lines are emitted per late post by the tick).
fn emit(metrics: &Metrics, s: &Summary) {
    let count = |n: usize| n as f64;
    metrics.emit(
        &[],
        &[
            ("Dispatched", count(s.dispatched), Unit::Count),
            ("Requeued", count(s.requeued), Unit::Count),
            ("StatusChecks", count(s.status_checks), Unit::Count),
            ("NeedsAttention", count(s.needs_attention), Unit::Count),
            ("SendFailed", count(s.send_failed), Unit::Count),
            ("Deferred", count(s.deferred), Unit::Count),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_of_a_scheduled_events_detail_are_accepted() {
        let fixture = include_str!("../../../events/dispatcher-schedule.json");
        let scheduler: EventBridgeEvent<serde_json::Value> = serde_json::from_str(fixture).expect("fixture");
        assert_eq!(scheduler.detail, serde_json::Value::String("{}".into()));
        let mut rule: serde_json::Value = serde_json::from_str(fixture).expect("json");
        rule["detail"] = serde_json::json!({});
        rule["source"] = "aws.events".into();
        let rule: EventBridgeEvent<serde_json::Value> = serde_json::from_value(rule).expect("rule event");
        assert!(rule.detail.is_object());
    }

    #[test]
    fn work_stops_ten_seconds_before_the_deadline() {
        let mut context = Context::default();
        assert_eq!(cutoff(&context), None);
        context.deadline = 1_800_000_060_000;
        assert_eq!(cutoff(&context), Some(UNIX_EPOCH + Duration::from_millis(1_800_000_050_000)));
    }

    #[test]
    fn a_deadline_already_past_is_a_runtime_that_sets_none() {
        let mut context = Context::default();
        context.deadline = 1_000;
        assert_eq!(cutoff(&context), None, "work unbounded rather than not at all");
    }
}
