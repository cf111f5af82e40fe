//! The dispatcher's reads and reminder writes on the due index (`by-time`).
//!
//! `PostStore::due_in` answers posts without the time they are filed under
//! and reads one page; the dispatcher needs both the exact time (a bucket
//! holds a whole minute, and a reminder later in it has not come yet) and
//! every page. Moving a reminder is conditional on the entry the tick read,
//! not only on the post's status and `updated_at` as `PostStore::refile`
//! is: a re-file does not change `updated_at`, so two overlapping ticks
//! would otherwise both win and both send.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use foundation::time_format::{minute_bucket, rfc3339};
use shared::dynamo::{from_item, index_query, s};
use shared::error::StoreError;
use shared::post::{pipeline, Filing, Post, PostStatus};
use shared::schema::{self, keys};
use time::{format_description::well_known::Rfc3339, Duration, OffsetDateTime};

/// A post as found in the due index, with the entry it was found under.
#[derive(Debug, Clone)]
pub struct Found {
    pub post: Post,
    pub filed_at: OffsetDateTime,
    pub entry: Entry,
}

/// Where a post is filed in the due index, and the version it was filed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub tenant: String,
    pub post_id: String,
    pub status: PostStatus,
    pub updated_at: String,
    /// `time_sk`: `{rfc3339}#{post_id}`.
    pub time_sk: String,
}

impl Entry {
    pub fn of(post: &Post, time_sk: String) -> Self {
        Self {
            tenant: post.tenant.clone(),
            post_id: post.id.clone(),
            status: post.status,
            updated_at: post.updated_at.clone(),
            time_sk,
        }
    }
}

/// The `time_pk`/`time_sk` of a post filed at `at`: the store's own format.
pub use shared::post::due_index as index_keys;

/// The time a `time_sk` files its post at.
pub fn filed_at(time_sk: &str) -> Option<OffsetDateTime> {
    let (at, _) = time_sk.rsplit_once('#')?;
    OffsetDateTime::parse(at, &Rfc3339).ok()
}

/// One bucket's reading: what was found, what could not be read.
#[derive(Debug, Default)]
pub struct Bucket {
    pub found: Vec<Found>,
    /// Items that are not posts or carry an unreadable `time_sk` (logged).
    pub unreadable: usize,
    pub queries: usize,
}

#[derive(Clone, Debug)]
pub struct DueIndex {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

impl DueIndex {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { dynamodb, table: table.into() }
    }

    /// Every post filed under `minute` and `shard` up to `until` (a bound to
    /// within a second: the caller compares exact times), page by page,
    /// oldest first, while `budget` lasts (shared by a tick's queries).
    pub async fn bucket(
        &self,
        minute: OffsetDateTime,
        shard: u32,
        until: OffsetDateTime,
        budget: &AtomicUsize,
    ) -> Result<Bucket, StoreError> {
        // Whole seconds sort before their own fractions' successors: every
        // time up to `until` sorts below the next whole second.
        let bound = until.replace_nanosecond(0).unwrap_or(until) + Duration::seconds(1);
        let mut bucket = Bucket::default();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let left = budget.load(Ordering::Relaxed);
            if left == 0 {
                return Ok(bucket);
            }
            let out = index_query(&self.dynamodb, &self.table, schema::GSI_BY_TIME)
                .key_condition_expression("#tpk = :tpk AND #tsk < :bound")
                .expression_attribute_names("#tpk", schema::GSI_BY_TIME_PK)
                .expression_attribute_names("#tsk", schema::GSI_BY_TIME_SK)
                .expression_attribute_values(":tpk", s(keys::due(&minute_bucket(minute), shard)))
                .expression_attribute_values(":bound", s(rfc3339(bound)))
                .limit(i32::try_from(left.min(1_000)).unwrap_or(1_000))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
            bucket.queries += 1;
            let items = out.items.unwrap_or_default();
            let taken = items.len();
            let _ =
                budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| Some(b.saturating_sub(taken)));
            for item in items {
                match read_found(item) {
                    Some(found) => bucket.found.push(found),
                    None => bucket.unreadable += 1,
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(bucket);
            }
        }
    }

    /// Re-files the post at `at` without a status move, if it is still as
    /// `entry` says: same status, same `updated_at`, same index entry. The
    /// new entry, or `None` when another writer (or tick) changed it first.
    pub async fn refile(&self, entry: &Entry, at: OffsetDateTime) -> Result<Option<Entry>, StoreError> {
        let filing = Filing {
            tenant: &entry.tenant,
            post_id: &entry.post_id,
            status: entry.status,
            updated_at: &entry.updated_at,
            time_sk: Some(&entry.time_sk),
        };
        let moved = pipeline::refile(&self.dynamodb, &self.table, &filing, at).await?;
        Ok(moved.map(|time_sk| Entry { time_sk, ..entry.clone() }))
    }
}

fn read_found(mut item: HashMap<String, AttributeValue>) -> Option<Found> {
    let time_sk = match item.remove(schema::GSI_BY_TIME_SK) {
        Some(AttributeValue::S(sk)) => sk,
        _ => return None,
    };
    let Some(at) = filed_at(&time_sk) else {
        tracing::error!(time_sk, "due index entry with an unreadable time");
        return None;
    };
    match from_item::<Post>(item) {
        Ok(post) => Some(Found { entry: Entry::of(&post, time_sk), filed_at: at, post }),
        Err(e) => {
            tracing::error!(time_sk, error = %e, "due index entry that is not a post");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn index_keys_are_the_stores_format_and_read_back() {
        let at = datetime!(2026-11-30 18:30:05.25 UTC);
        let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        let (pk, sk) = index_keys(id, at);
        assert_eq!(pk, format!("DUE#2026-11-30T18:30#{}", keys::due_shard(id)));
        assert_eq!(sk, format!("2026-11-30T18:30:05.25Z#{id}"));
        assert_eq!(filed_at(&sk), Some(at));
        assert_eq!(filed_at("garbage"), None);
    }

    #[test]
    fn the_query_bound_admits_every_time_up_to_until() {
        // `until` at x.5 s: the bound is the next whole second, and both a
        // whole-second and a fractional time before it sort below it.
        let until = datetime!(2026-11-30 18:31:05.5 UTC);
        let bound = rfc3339(until.replace_nanosecond(0).expect("ns") + Duration::seconds(1));
        assert_eq!(bound, "2026-11-30T18:31:06Z");
        for at in ["2026-11-30T18:31:05Z#P", "2026-11-30T18:31:05.5Z#P", "2026-11-30T18:30:59.999Z#P"] {
            assert!(at < bound.as_str(), "{at}");
        }
    }
}
