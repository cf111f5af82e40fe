//! The publish queue: what a message says and how messages are sent.
//!
//! A message names a post by tenant and id, nothing more. It never carries a
//! media key, a URL or a caption: the publisher reads those from the stored
//! post, so a forged or replayed message can at most ask for work the post's
//! own state already allows. Decoding is strict (unknown fields, wrong types
//! and malformed ids are refused), so a poison message fails the same way on
//! every delivery and reaches the DLQ.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::ids::PostId;
use crate::tenant::TenantId;

/// What the publisher is asked to do with a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum PublishMessage {
    /// Claim the post and publish it (or fail an upload whose publisher died).
    Publish { tenant: TenantId, post_id: PostId },
    /// Ask TikTok how the publish is going; `check` counts the checks so far
    /// (it sets the next delay).
    CheckStatus { tenant: TenantId, post_id: PostId, check: u32 },
}

/// A message body that is not a publish message.
#[derive(Debug, thiserror::Error)]
#[error("not a publish message: {0}")]
pub struct InvalidMessage(String);

impl PublishMessage {
    pub fn decode(body: &str) -> Result<Self, InvalidMessage> {
        // serde's message names the field, never the whole body.
        serde_json::from_str(body)
            .map_err(|e| InvalidMessage(format!("line {} column {}: {e}", e.line(), e.column())))
    }

    pub fn encode(&self) -> String {
        // Serialising two strings and a number cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn post(&self) -> (&TenantId, &PostId) {
        match self {
            PublishMessage::Publish { tenant, post_id }
            | PublishMessage::CheckStatus { tenant, post_id, .. } => (tenant, post_id),
        }
    }
}

/// The longest delay SQS allows on a message.
pub const MAX_DELAY: Duration = Duration::from_secs(900);
/// SQS takes at most ten messages per `SendMessageBatch`.
pub const BATCH: usize = 10;

/// The delay before status check number `check` (0-based): 5 s, doubling,
/// capped at the 900 s SQS allows.
pub fn status_check_delay(check: u32) -> Duration {
    let secs = 5u64.saturating_mul(1u64 << check.min(10));
    Duration::from_secs(secs).min(MAX_DELAY)
}

/// One message to send, with its delay.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message: PublishMessage,
    pub delay: Duration,
}

/// Sends to the publish queue.
#[derive(Clone, Debug)]
pub struct PublishQueue {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

impl PublishQueue {
    pub fn new(sqs: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self { sqs, url: url.into() }
    }

    /// Sends one message.
    pub async fn send(&self, out: &Outgoing) -> Result<(), StoreError> {
        self.sqs
            .send_message()
            .queue_url(&self.url)
            .message_body(out.message.encode())
            .delay_seconds(delay_seconds(out.delay))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("sqs", e))?;
        Ok(())
    }

    /// Sends up to [`BATCH`] messages in one call; answers the indexes of
    /// the messages SQS did not take, so the caller can retry just those.
    pub async fn send_batch(&self, batch: &[Outgoing]) -> Result<Vec<usize>, StoreError> {
        let mut entries = Vec::with_capacity(batch.len());
        for (i, out) in batch.iter().enumerate().take(BATCH) {
            let entry = aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(out.message.encode())
                .delay_seconds(delay_seconds(out.delay))
                .build()
                .map_err(|e| StoreError::Corrupt(format!("batch entry: {e}")))?;
            entries.push(entry);
        }
        let answer = self
            .sqs
            .send_message_batch()
            .queue_url(&self.url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("sqs", e))?;
        Ok(answer.failed().iter().filter_map(|f| f.id().parse().ok()).collect())
    }
}

fn delay_seconds(delay: Duration) -> i32 {
    // At most 900: the cast cannot truncate.
    delay.min(MAX_DELAY).as_secs() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    const POST: &str = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

    #[test]
    fn messages_round_trip() {
        let tenant = TenantId::parse("01TENANT").expect("tenant");
        for message in [
            PublishMessage::Publish { tenant: tenant.clone(), post_id: PostId::parse(POST).expect("id") },
            PublishMessage::CheckStatus { tenant, post_id: PostId::parse(POST).expect("id"), check: 3 },
        ] {
            assert_eq!(PublishMessage::decode(&message.encode()).expect("decode"), message);
        }
    }

    #[test]
    fn hostile_bodies_are_refused() {
        for body in [
            "",
            "null",
            "{}",
            r#"{"type":"Publish"}"#,
            r#"{"type":"Delete","tenant":"t","post_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}"#,
            r#"{"type":"Publish","tenant":"t","post_id":"../../x"}"#,
            r#"{"type":"Publish","tenant":"t","post_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","media_key":"media/other/x.mp4"}"#,
            r#"{"type":"CheckStatus","tenant":"t","post_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","check":-1}"#,
        ] {
            assert!(PublishMessage::decode(body).is_err(), "{body}");
        }
    }

    #[test]
    fn status_checks_back_off_from_five_seconds_to_the_sqs_cap() {
        let delays: Vec<u64> = (0..10).map(|c| status_check_delay(c).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
        assert_eq!(status_check_delay(u32::MAX), MAX_DELAY);
    }
}
