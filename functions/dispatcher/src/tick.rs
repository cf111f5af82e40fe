//! One tick: read every shard of the due index from the look-back to the
//! next minute, decide per post (`plan`), make each decision's conditional
//! write, and send the messages of the posts it won, claims and sends
//! overlapping.

use std::collections::HashSet;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant, SystemTime};

use futures::stream::{self, StreamExt};
use shared::ids::PostId;
use shared::post::queue::{PublishMessage, BATCH};
use shared::post::{PostStatus, Transition, TransitionError};
use shared::schema::keys::DUE_SHARDS;
use shared::tenant::TenantId;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::due_index::{index_keys, Entry, Found};
use crate::plan::{lateness, plan, Action, Cause, LOOKAHEAD, NEEDS_ATTENTION_REASON};
use crate::send::{send_batch, BatchOutcome, Counted, Pending};
use crate::{Deps, Summary};

/// Who the dispatcher's moves are recorded as.
pub const BY: &str = "dispatcher";
/// Index entries read per tick, beyond the posts it may act on: room for
/// entries that are not due yet (live leases, reminders later in the minute).
const READ_SLACK: usize = 2;

/// What acting on one post came to.
enum Acted {
    Send(Pending, Option<Duration>),
    NeedsAttention,
    /// Another tick, the publisher or the tenant moved the post first.
    LostRace,
    /// A store error or an unroutable post: left for the next tick.
    Failed,
}

/// Runs one tick at `now`; stops starting work at `cutoff`.
pub async fn run(deps: &Deps, now: OffsetDateTime, cutoff: Option<SystemTime>) -> Summary {
    let started = Instant::now();
    let before_cutoff = move || cutoff.is_none_or(|c| SystemTime::now() < c);
    let mut summary = Summary::default();

    let found = read_index(deps, now, &before_cutoff, &mut summary).await;
    summary.read_ms = millis(started);
    let mut due = Vec::new();
    for f in found {
        match plan(&f.post, f.filed_at, now) {
            Action::NotYet => summary.not_yet += 1,
            Action::Skip => summary.skipped += 1,
            action => due.push((f, action)),
        }
    }
    summary.deferred = due.len().saturating_sub(deps.config.max_posts);
    due.truncate(deps.config.max_posts);
    let acting = due.len();

    // Claims are paced to the shards' write budget and run a bounded number
    // at a time; their messages are batched and sent as they come.
    let pace = Duration::from_secs(1) / deps.config.claims_per_second;
    let begin = tokio::time::Instant::now();
    let mut late = Vec::new();
    let mut tally = |acted: &Acted| match acted {
        Acted::Send(_, Some(l)) => late.push(*l),
        Acted::Send(_, None) => {}
        Acted::NeedsAttention => summary.needs_attention += 1,
        Acted::LostRace => summary.lost_races += 1,
        Acted::Failed => summary.failed += 1,
    };
    let mut begun = 0usize;
    let batches: Vec<BatchOutcome> = stream::iter(due.into_iter().enumerate())
        .take_while(|_| std::future::ready(before_cutoff()))
        .inspect(|_| begun += 1)
        .map(|(i, (found, action))| async move {
            tokio::time::sleep_until(begin + pace * u32::try_from(i).unwrap_or(u32::MAX)).await;
            let p = &found.post;
            let span = tracing::info_span!("post", tenant = %p.tenant, post = %p.id, status = %p.status);
            act(deps, found, action, now).instrument(span).await
        })
        .buffer_unordered(deps.config.claim_concurrency)
        .inspect(|acted| tally(acted))
        .filter_map(|acted| std::future::ready(if let Acted::Send(p, _) = acted { Some(p) } else { None }))
        .chunks(BATCH)
        .map(|batch| send_batch(&deps.queue, batch))
        .buffer_unordered(deps.config.send_concurrency)
        .collect()
        .await;
    summary.deferred += acting - begun;
    summary.late_max_secs = late.iter().map(Duration::as_secs).max().unwrap_or(0);
    for l in &late {
        deps.metrics.emit(&[], &[("Late", l.as_secs_f64(), shared::emf::Unit::Seconds)]);
    }

    let mut failed = Vec::new();
    for batch in batches {
        summary.send_batches += batch.calls;
        for counted in batch.sent {
            match counted {
                Counted::Dispatched => summary.dispatched += 1,
                Counted::Requeued => summary.requeued += 1,
                Counted::StatusCheck => summary.status_checks += 1,
            }
        }
        failed.extend(batch.failed);
    }
    summary.send_failed = failed.len();
    look_again_next_tick(deps, failed).await;
    summary.elapsed_ms = millis(started);
    summary
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Every entry of every shard of the minutes from the look-back to the next
/// one, filed by `now + LOOKAHEAD`, oldest first, each post once.
async fn read_index(
    deps: &Deps,
    now: OffsetDateTime,
    before_cutoff: &(impl Fn() -> bool + Sync),
    summary: &mut Summary,
) -> Vec<Found> {
    let until = now + LOOKAHEAD;
    let budget = AtomicUsize::new(deps.config.max_posts.saturating_mul(READ_SLACK));
    let budget = &budget;
    let buckets = (-deps.config.lookback_minutes..=1)
        .flat_map(|m| (0..DUE_SHARDS).map(move |shard| (now + time::Duration::minutes(m), shard)));
    let total = (deps.config.lookback_minutes as usize + 2) * DUE_SHARDS as usize;
    let results: Vec<_> = stream::iter(buckets)
        .take_while(|_| std::future::ready(before_cutoff()))
        .map(|(minute, shard)| async move { deps.index.bucket(minute, shard, until, budget).await })
        .buffer_unordered(deps.config.query_concurrency)
        .collect()
        .await;
    if budget.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        tracing::warn!("the tick read as many index entries as it may; the rest wait for the next tick");
    }
    summary.unread_buckets = total - results.len();
    if summary.unread_buckets > 0 {
        tracing::warn!(unread = summary.unread_buckets, "the deadline came before the whole index was read");
    }
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for result in results {
        match result {
            Ok(bucket) => {
                summary.queries += bucket.queries;
                summary.failed += bucket.unreadable;
                found.extend(bucket.found);
            }
            Err(e) => {
                summary.queries += 1;
                summary.query_errors += 1;
                tracing::error!(error = %e, "due index query failed");
            }
        }
    }
    // A post re-filed by another writer while this tick read can appear twice.
    found.retain(|f| seen.insert((f.post.tenant.clone(), f.post.id.clone())));
    found.retain(|f| f.filed_at <= until);
    found.sort_by_key(|f| f.filed_at);
    summary.found = found.len();
    found
}

/// Makes the decision's conditional write; the message to send if it won.
async fn act(deps: &Deps, found: Found, action: Action, now: OffsetDateTime) -> Acted {
    let Found { post, filed_at, entry } = found;
    let (Some(tenant), Ok(post_id)) = (TenantId::parse(&post.tenant), PostId::parse(&post.id)) else {
        tracing::error!("a post in the due index has malformed ids");
        return Acted::Failed;
    };
    match action {
        Action::Queue { from, why, visible_at, remind_at } => {
            let mut t = Transition::new(PostStatus::Queued, BY, why.reason()).due_at(remind_at);
            if let (PostStatus::Publishing, Some(owner)) = (from, &post.lease_owner) {
                t = t.under_lease(owner);
            }
            let written = match deps.posts.transition(&post.tenant, &post.id, from, t).await {
                Ok(written) => written,
                Err(e) => return lost_or_failed(e),
            };
            let (counted, late) = match why {
                Cause::Due => (Counted::Dispatched, lateness(filed_at, now)),
                _ => (Counted::Requeued, None),
            };
            let entry = Entry::of(&written, index_keys(&written.id, remind_at).1);
            let message = PublishMessage::Publish { tenant, post_id };
            Acted::Send(Pending { message, visible_at, counted, entry }, late)
        }
        Action::Resend { remind_at, .. } | Action::CheckStatus { remind_at } => {
            let (message, counted) = match action {
                Action::CheckStatus { .. } => {
                    (PublishMessage::CheckStatus { tenant, post_id, check: 0 }, Counted::StatusCheck)
                }
                _ => (PublishMessage::Publish { tenant, post_id }, Counted::Requeued),
            };
            match deps.index.refile(&entry, remind_at).await {
                Ok(Some(entry)) => Acted::Send(Pending { message, visible_at: now, counted, entry }, None),
                Ok(None) => Acted::LostRace,
                Err(e) => {
                    tracing::error!(error = %e, "re-filing failed");
                    Acted::Failed
                }
            }
        }
        Action::NeedsAttention => {
            let mut t = Transition::new(PostStatus::NeedsAttention, BY, NEEDS_ATTENTION_REASON);
            if let Some(owner) = &post.lease_owner {
                t = t.under_lease(owner);
            }
            match deps.posts.transition(&post.tenant, &post.id, PostStatus::Initiating, t).await {
                Ok(_) => {
                    tracing::warn!("post needs attention: init may have reached TikTok");
                    Acted::NeedsAttention
                }
                Err(e) => lost_or_failed(e),
            }
        }
        // Filtered out before acting.
        Action::NotYet | Action::Skip => Acted::LostRace,
    }
}

fn lost_or_failed(e: TransitionError) -> Acted {
    match e {
        TransitionError::Conflict { .. } => Acted::LostRace,
        e => {
            tracing::error!(error = %e, "dispatcher move failed");
            Acted::Failed
        }
    }
}

/// Posts whose message could not be sent are claimed already: file them
/// under now, so the next tick sends again instead of their reminder.
async fn look_again_next_tick(deps: &Deps, failed: Vec<Pending>) {
    let now = OffsetDateTime::now_utc();
    stream::iter(failed)
        .for_each_concurrent(deps.config.claim_concurrency, |p| async move {
            let refiled = deps.index.refile(&p.entry, now).await;
            tracing::error!(
                tenant = %p.entry.tenant,
                post = %p.entry.post_id,
                refiled = ?refiled.as_ref().map(Option::is_some),
                "message not sent after a retry; the next tick sends it"
            );
        })
        .await;
}
