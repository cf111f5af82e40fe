//! What the publishing pipeline reads and writes besides status moves: the
//! due index the dispatcher walks, re-filing a post in it without a status
//! change, and the `publish_id` → post reference webhooks and status checks
//! resolve.

use aws_sdk_dynamodb::types::AttributeValue;
use foundation::time_format::minute_bucket;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::store::due_index;
use super::{Post, PostStatus, PostStore};
use crate::dynamo::{applied, get_item, index_query, s, update};
use crate::error::StoreError;
use crate::schema;

/// A post as its re-filer read it: the write applies only while the post is
/// still so.
pub struct Filing<'a> {
    pub tenant: &'a str,
    pub post_id: &'a str,
    pub status: PostStatus,
    pub updated_at: &'a str,
    /// The `time_sk` it was read under, when the re-filer read the index (the
    /// dispatcher): a re-file leaves `updated_at` as it was, so two
    /// overlapping ticks would otherwise both move the same reminder.
    pub time_sk: Option<&'a str>,
}

/// Re-files the post in the due index at `at` without a status move, if it
/// is still as `filing` says. Its new `time_sk`, or `None` when another
/// writer (or tick) changed it first.
pub async fn refile(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    filing: &Filing<'_>,
    at: OffsetDateTime,
) -> Result<Option<String>, StoreError> {
    let (tpk, tsk) = due_index(filing.post_id, at);
    let mut write = update(client, table, schema::keys::post(filing.tenant, filing.post_id))
        .update_expression("SET #tpk = :tpk, #tsk = :tsk")
        .condition_expression("#status = :status AND #updated = :updated")
        .expression_attribute_names("#tpk", schema::GSI_BY_TIME_PK)
        .expression_attribute_names("#tsk", schema::GSI_BY_TIME_SK)
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#updated", "updated_at")
        .expression_attribute_values(":tpk", s(tpk))
        .expression_attribute_values(":tsk", s(tsk.clone()))
        .expression_attribute_values(":status", s(filing.status.as_str()))
        .expression_attribute_values(":updated", s(filing.updated_at));
    if let Some(was) = filing.time_sk {
        write = write
            .condition_expression("#status = :status AND #updated = :updated AND #tsk = :was")
            .expression_attribute_values(":was", s(was));
    }
    Ok(applied(write.send().await)?.then_some(tsk))
}

/// Publish references live past any status check or webhook retry (72 h).
const PUBLISH_REF_SECONDS: i64 = 30 * 24 * 3600;

/// Where a TikTok `publish_id` belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishRef {
    pub publish_id: String,
    pub tenant: String,
    pub post_id: String,
    pub account_id: String,
}

impl PostStore {
    /// The posts filed in the due index under one minute and shard, oldest
    /// first, at most `limit` (a bounded tick).
    pub async fn due_in(
        &self,
        minute: OffsetDateTime,
        shard: u32,
        limit: i32,
    ) -> Result<Vec<Post>, StoreError> {
        let out = index_query(self.client(), self.table(), schema::GSI_BY_TIME)
            .key_condition_expression("#tpk = :tpk")
            .expression_attribute_names("#tpk", schema::GSI_BY_TIME_PK)
            .expression_attribute_values(":tpk", s(schema::keys::due(&minute_bucket(minute), shard)))
            .limit(limit.clamp(1, 1_000))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        out.items().iter().map(|item| crate::dynamo::from_item(item.clone())).collect()
    }

    /// Files a post in the due index at `at` without moving its status:
    /// the dispatcher's reminder to look again (a queue message that may be
    /// lost, a status check that may be overdue). Applies only while the
    /// post is still `status` and unchanged since `updated_at`; `false` when
    /// another writer moved it first.
    pub async fn refile(
        &self,
        post: &Post,
        status: PostStatus,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let filing = Filing {
            tenant: &post.tenant,
            post_id: &post.id,
            status,
            updated_at: &post.updated_at,
            time_sk: None,
        };
        Ok(refile(self.client(), self.table(), &filing, at).await?.is_some())
    }

    /// Records which post a `publish_id` belongs to. Written before the post
    /// stores the id, so even a publisher that dies between the two leaves a
    /// way for the webhook or an operator to find the post.
    pub async fn record_publish_ref(&self, reference: &PublishRef) -> Result<(), StoreError> {
        let mut item = crate::dynamo::to_item(reference)?;
        let (pk, sk) = schema::keys::publish_ref(&reference.publish_id);
        item.insert(schema::PK.into(), s(pk));
        item.insert(schema::SK.into(), s(sk));
        let expires = OffsetDateTime::now_utc().unix_timestamp() + PUBLISH_REF_SECONDS;
        item.insert(schema::TTL_ATTRIBUTE.into(), AttributeValue::N(expires.to_string()));
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        Ok(())
    }

    /// The post a `publish_id` belongs to, if the reference exists.
    pub async fn by_publish_id(
        &self,
        publish_id: &str,
    ) -> Result<Option<(PublishRef, Option<Post>)>, StoreError> {
        let reference: Option<PublishRef> =
            get_item(self.client(), self.table(), schema::keys::publish_ref(publish_id)).await?;
        let Some(reference) = reference else { return Ok(None) };
        let post = self.get(&reference.tenant, &reference.post_id).await?;
        Ok(Some((reference, post)))
    }
}

impl PostStore {
    /// Adds TikTok's public post id to a published post (once).
    pub async fn add_public_post_id(&self, post: &Post, post_id: &str) -> Result<bool, StoreError> {
        let (pk, sk) = schema::keys::post(&post.tenant, &post.id);
        let result = update(self.client(), self.table(), (pk, sk))
            .update_expression("SET #ids = list_append(if_not_exists(#ids, :empty), :id)")
            .condition_expression("#status = :published AND NOT contains(#ids, :raw)")
            .expression_attribute_names("#ids", "post_ids")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":empty", AttributeValue::L(vec![]))
            .expression_attribute_values(":id", AttributeValue::L(vec![s(post_id)]))
            .expression_attribute_values(":raw", s(post_id))
            .expression_attribute_values(":published", s(PostStatus::Published.as_str()))
            .send()
            .await;
        applied(result)
    }
}
