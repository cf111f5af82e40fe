//! Sending the tick's messages: ten per `SendMessageBatch`, each delay
//! computed at the moment of sending so a post becomes visible on its second
//! however long the tick has run; entries SQS did not take are sent once
//! more, and what still fails is handed back to the caller.

use std::collections::HashSet;

use shared::post::queue::{Outgoing, PublishMessage, PublishQueue};
use time::OffsetDateTime;

use crate::due_index::Entry;
use crate::plan::delay_until;

/// What a sent message counts as in the tick's summary and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Dispatched,
    Requeued,
    StatusCheck,
}

/// A message for a post the tick has already claimed or re-filed.
#[derive(Debug, Clone)]
pub struct Pending {
    pub message: PublishMessage,
    pub visible_at: OffsetDateTime,
    pub counted: Counted,
    /// Where the post is filed now: moved to the next tick if the send fails.
    pub entry: Entry,
}

/// The result of one batch.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub calls: usize,
    pub sent: Vec<Counted>,
    pub failed: Vec<Pending>,
}

/// Sends up to ten messages, retrying once the entries that failed.
pub async fn send_batch(queue: &PublishQueue, batch: Vec<Pending>) -> BatchOutcome {
    let mut outcome = BatchOutcome::default();
    let mut pending = batch;
    for _attempt in 0..2 {
        let now = OffsetDateTime::now_utc();
        let outgoing: Vec<Outgoing> = pending
            .iter()
            .map(|p| Outgoing { message: p.message.clone(), delay: delay_until(p.visible_at, now) })
            .collect();
        outcome.calls += 1;
        let failed: HashSet<usize> = match queue.send_batch(&outgoing).await {
            Ok(failed) => failed.into_iter().collect(),
            Err(e) => {
                tracing::warn!(error = %e, retryable = e.is_retryable(), messages = pending.len(), "SendMessageBatch failed");
                (0..pending.len()).collect()
            }
        };
        let (again, sent): (Vec<_>, Vec<_>) =
            pending.into_iter().enumerate().partition(|(i, _)| failed.contains(i));
        outcome.sent.extend(sent.into_iter().map(|(_, p)| p.counted));
        pending = again.into_iter().map(|(_, p)| p).collect();
        if pending.is_empty() {
            break;
        }
    }
    outcome.failed = pending;
    outcome
}
