//! The publisher: an SQS consumer of the publish queue. `Publish` messages
//! publish a post ([`publish`]); `CheckStatus` messages follow it on
//! TikTok's side ([`status`]). Each message is handled in its own span; the
//! answer names only the messages to redeliver (`ReportBatchItemFailures`):
//! infrastructure failures and undecodable (poison) messages, which reach
//! the DLQ after the queue's `maxReceiveCount`.
//!
//! Modules: [`config`], [`limits`] (TikTok's rate limits, shared through the
//! table), [`publish`], [`init`] (the init request from the stored post),
//! [`upload`] (streamed chunk PUTs), [`status`].

pub mod config;
pub mod init;
pub mod limits;
pub mod publish;
pub mod status;
pub mod upload;

use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;
use lambda_runtime::{Error, LambdaEvent};
use shared::account::TokenKeeper;
use shared::aws::Aws;
use shared::emf::Metrics;
use shared::media::store::MediaStore;
use shared::post::queue::{PublishMessage, PublishQueue};
use shared::post::PostStore;
use shared::vault::SecretCache;
use tiktok::{TikTokClient, TikTokError};
use tracing::Instrument;

use crate::config::PublisherConfig;
use crate::limits::Limiter;

/// What the handler needs, built once at init.
pub struct Deps {
    pub config: PublisherConfig,
    pub posts: PostStore,
    pub media: MediaStore,
    pub keeper: TokenKeeper,
    pub queue: PublishQueue,
    pub limiter: Limiter,
    pub metrics: Metrics,
    /// This instance as a lease owner: `publisher:{ulid}`.
    pub owner: String,
}

impl Deps {
    pub fn new(config: PublisherConfig, aws: &Aws, metrics: Metrics) -> Result<Self, TikTokError> {
        let dynamodb = aws.dynamodb();
        let table = &config.stack.table_name;
        let client = TikTokClient::new(config.tiktok.clone())?;
        let secrets = Arc::new(SecretCache::for_stack(aws.secrets(), &config.stack));
        let keeper = TokenKeeper::new(&dynamodb, table, secrets, client, "publisher");
        Ok(Self {
            posts: PostStore::new(dynamodb.clone(), table),
            media: MediaStore::new(dynamodb.clone(), aws.s3(), table, &config.stack.media_bucket),
            queue: PublishQueue::new(aws.sqs(), &config.stack.publish_queue_url),
            limiter: Limiter::new(dynamodb.clone(), table, config.limits),
            owner: keeper.owner.clone(),
            keeper,
            metrics,
            config,
        })
    }

    pub fn client(&self) -> &TikTokClient {
        &self.keeper.client
    }
}

/// Handles one batch; answers the messages to redeliver.
pub async fn handle(event: LambdaEvent<SqsEvent>, deps: &Deps) -> Result<SqsBatchResponse, Error> {
    let failures: Vec<BatchItemFailure> = futures::stream::iter(event.payload.records)
        .map(|record| async move {
            let id = record.message_id.clone().unwrap_or_default();
            let span = tracing::info_span!("message", message_id = %id);
            let ok = handle_message(&record, &id, deps).instrument(span).await;
            (!ok).then(|| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
        })
        .buffer_unordered(deps.config.concurrency)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    Ok(response)
}

/// `true` when the message is done with (handled, or nothing left to do).
async fn handle_message(record: &SqsMessage, id: &str, deps: &Deps) -> bool {
    let body = record.body.as_deref().unwrap_or_default();
    let message = match PublishMessage::decode(body) {
        Ok(message) => message,
        Err(e) => {
            // The same on every delivery: after maxReceiveCount it is in the DLQ.
            tracing::error!(error = %e, "poison message");
            deps.metrics.count("PoisonMessage", 1, &[]);
            return false;
        }
    };
    let (tenant, post_id) = message.post();
    let post = post_id.to_string();
    let result = match &message {
        PublishMessage::Publish { .. } => {
            publish::publish(deps, tenant, &post, id)
                .instrument(tracing::info_span!("publish", post = %post))
                .await
        }
        PublishMessage::CheckStatus { check, .. } => {
            status::check(deps, tenant, &post, *check)
                .instrument(tracing::info_span!("check_status", post = %post))
                .await
        }
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, retryable = e.is_retryable(), "message will be redelivered");
            false
        }
    }
}
