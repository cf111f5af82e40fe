//! The only writer of a post's status. Every move is one conditional
//! `UpdateItem` (`status = :from`, and the lease owner where a lease is held)
//! that appends who, when and why to the post's history; a move the state
//! machine does not allow is refused before anything is written.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use foundation::time_format::{minute_bucket, rfc3339};
use std::collections::HashMap;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

use super::{HistoryEntry, Post, PostStatus};
use crate::dynamo::{condition_failed, get_item, index_query, or_conflict, s, update};
use crate::{error::StoreError, schema};

/// A requested status move with its audit data and the fields it sets.
#[derive(Debug, Clone)]
pub struct Transition {
    pub to: PostStatus,
    /// Who moves the post: `api:{tenant}`, `dispatcher`, `publisher:{owner}`, `webhook`, ...
    pub by: String,
    pub reason: String,
    /// The lease owner that must hold the post for the move to apply.
    pub require_lease_owner: Option<String>,
    /// Extra attributes set with the move (publish_id, lease, attempts, ...).
    pub set: Vec<(&'static str, AttributeValue)>,
    /// The time index entry after the move: `Some(when)` files the post
    /// under the due index at `when` (the time the dispatcher must look at
    /// it again: a retry time, a lease expiry, an overdue status check);
    /// `None` takes it out of the index.
    pub index_at: Option<OffsetDateTime>,
}

impl Transition {
    pub fn new(to: PostStatus, by: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            to,
            by: by.into(),
            reason: reason.into(),
            require_lease_owner: None,
            set: Vec::new(),
            index_at: None,
        }
    }

    /// Applies only while `owner` holds the post's lease.
    pub fn under_lease(mut self, owner: &str) -> Self {
        self.require_lease_owner = Some(owner.to_owned());
        self
    }

    /// Sets one more attribute with the move.
    pub fn with(mut self, name: &'static str, value: AttributeValue) -> Self {
        self.set.push((name, value));
        self
    }

    /// Files the post in the due index at `at`.
    pub fn due_at(mut self, at: OffsetDateTime) -> Self {
        self.index_at = Some(at);
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    /// The state machine has no such move: nothing was written.
    #[error("a post cannot move from {from} to {to}")]
    Refused { from: PostStatus, to: PostStatus },
    /// The post was not in the expected status (or lease): another writer won.
    #[error("the post is no longer {expected}")]
    Conflict { expected: PostStatus },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The due-index keys of a post at `at`: its minute, its shard, its time.
pub fn due_index(post: &str, at: OffsetDateTime) -> (String, String) {
    let pk = schema::keys::due(&minute_bucket(at), schema::keys::due_shard(post));
    (pk, schema::keys::due_sort(&rfc3339(at), post))
}

#[derive(Clone, Debug)]
pub struct PostStore {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

impl PostStore {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { dynamodb, table: table.into() }
    }

    pub(crate) fn table(&self) -> &str {
        &self.table
    }

    pub(crate) fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.dynamodb
    }

    /// The stored item of a new post: keys, owner index by scheduled time,
    /// and the due-minute index while it is `SCHEDULED`.
    pub(crate) fn post_item(&self, post: &Post) -> Result<HashMap<String, AttributeValue>, StoreError> {
        let mut item = crate::dynamo::to_item(post)?;
        let (pk, sk) = schema::keys::post(&post.tenant, &post.id);
        item.insert(schema::PK.into(), s(pk));
        item.insert(schema::SK.into(), s(sk));
        item.insert(schema::GSI_BY_OWNER_PK.into(), s(schema::keys::posts_of(&post.tenant)));
        item.insert(schema::GSI_BY_OWNER_SK.into(), s(format!("{}#{}", post.scheduled_at, post.id)));
        let due = OffsetDateTime::parse(&post.scheduled_at, &Rfc3339)
            .map_err(|e| StoreError::Corrupt(format!("scheduled_at: {e}")))?;
        let (tpk, tsk) = due_index(&post.id, due);
        item.insert(schema::GSI_BY_TIME_PK.into(), s(tpk));
        item.insert(schema::GSI_BY_TIME_SK.into(), s(tsk));
        Ok(item)
    }

    /// Stores a new `SCHEDULED` post, filed under its due minute.
    pub async fn create(&self, post: &Post) -> Result<(), StoreError> {
        let item = self.post_item(post)?;
        let result = self
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .send()
            .await;
        or_conflict(result, "post exists")?;
        Ok(())
    }

    /// The tenant's post, or `None`: another tenant's id is simply a miss.
    pub async fn get(&self, tenant: &str, id: &str) -> Result<Option<Post>, StoreError> {
        get_item(&self.dynamodb, &self.table, schema::keys::post(tenant, id)).await
    }

    /// Moves a post `from` → `t.to` if, and only if, the state machine allows
    /// it and the stored post is still `from` (and leased to the required
    /// owner). Returns the post as written.
    pub async fn transition(
        &self,
        tenant: &str,
        id: &str,
        from: PostStatus,
        t: Transition,
    ) -> Result<Post, TransitionError> {
        if !from.can_move_to(t.to) {
            return Err(TransitionError::Refused { from, to: t.to });
        }
        let now = rfc3339(OffsetDateTime::now_utc());
        let entry = HistoryEntry {
            from: Some(from),
            to: t.to,
            at: now.clone(),
            by: t.by.clone(),
            reason: t.reason.clone(),
        };
        let entry: AttributeValue =
            serde_dynamo::to_attribute_value(&entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;

        let (pk, sk) = schema::keys::post(tenant, id);
        let mut sets = vec![
            "#status = :to".to_owned(),
            "#updated_at = :now".to_owned(),
            "#status_reason = :reason".to_owned(),
            "#history = list_append(if_not_exists(#history, :empty), :entry)".to_owned(),
        ];
        let mut names: HashMap<String, String> = [
            ("#pk", schema::PK),
            ("#status", "status"),
            ("#updated_at", "updated_at"),
            ("#status_reason", "status_reason"),
            ("#history", "history"),
            ("#tpk", schema::GSI_BY_TIME_PK),
            ("#tsk", schema::GSI_BY_TIME_SK),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut values: HashMap<String, AttributeValue> = [
            (":to", s(t.to.as_str())),
            (":from", s(from.as_str())),
            (":now", s(now)),
            (":reason", s(t.reason.clone())),
            (":empty", AttributeValue::L(vec![])),
            (":entry", AttributeValue::L(vec![entry])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (i, (name, value)) in t.set.into_iter().enumerate() {
            sets.push(format!("#x{i} = :x{i}"));
            names.insert(format!("#x{i}"), name.to_owned());
            values.insert(format!(":x{i}"), value);
        }
        let mut expression = match t.index_at {
            Some(at) => {
                let (tpk, tsk) = due_index(id, at);
                sets.push("#tpk = :tpk".to_owned());
                sets.push("#tsk = :tsk".to_owned());
                values.insert(":tpk".into(), s(tpk));
                values.insert(":tsk".into(), s(tsk));
                format!("SET {}", sets.join(", "))
            }
            None => format!("SET {} REMOVE #tpk, #tsk", sets.join(", ")),
        };
        let mut condition = "attribute_exists(#pk) AND #status = :from".to_owned();
        if let Some(owner) = t.require_lease_owner {
            condition.push_str(" AND #lease_owner = :owner");
            names.insert("#lease_owner".into(), "lease_owner".into());
            values.insert(":owner".into(), s(owner));
        }
        expression.shrink_to_fit();

        let out = update(&self.dynamodb, &self.table, (pk, sk))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| {
                if condition_failed(&e) {
                    TransitionError::Conflict { expected: from }
                } else {
                    TransitionError::Store(StoreError::from_sdk("dynamodb", e))
                }
            })?;
        let item = out.attributes.ok_or(StoreError::Corrupt("update returned no item".into()))?;
        crate::dynamo::from_item(item).map_err(TransitionError::Store)
    }
}

/// One page of a tenant's posts.
#[derive(Debug, Default)]
pub struct PostPage {
    pub posts: Vec<Post>,
    /// Opaque continuation: the last key of this page.
    pub next: Option<HashMap<String, AttributeValue>>,
}

/// What to list: scheduled-time range and optional account and status filters.
#[derive(Debug, Default, Clone)]
pub struct PostQuery {
    pub account_id: Option<String>,
    pub statuses: Vec<PostStatus>,
    /// RFC 3339 bounds on `scheduled_at`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: i32,
}

impl PostStore {
    /// A page of the tenant's posts ordered by scheduled time (a Query on the
    /// owner index; account and status are filters within it).
    pub async fn list(
        &self,
        tenant: &str,
        q: &PostQuery,
        start: Option<HashMap<String, AttributeValue>>,
    ) -> Result<PostPage, StoreError> {
        let mut key_condition = "#o = :o".to_owned();
        let mut names: HashMap<String, String> =
            [("#o".to_owned(), schema::GSI_BY_OWNER_PK.to_owned())].into();
        let mut values: HashMap<String, AttributeValue> =
            [(":o".to_owned(), s(schema::keys::posts_of(tenant)))].into();
        // Every RFC 3339 time sorts after "0".
        let lo = q.from.clone().unwrap_or_else(|| "0".to_owned());
        // `~` sorts after every id character, so `to` is inclusive.
        let hi = q.to.clone().map_or_else(|| "~".to_owned(), |t| format!("{t}#~"));
        key_condition.push_str(" AND #os BETWEEN :lo AND :hi");
        names.insert("#os".into(), schema::GSI_BY_OWNER_SK.into());
        values.insert(":lo".into(), s(lo));
        values.insert(":hi".into(), s(hi));
        let mut filters = Vec::new();
        if let Some(account) = &q.account_id {
            filters.push("#acct = :acct".to_owned());
            names.insert("#acct".into(), "account_id".into());
            values.insert(":acct".into(), s(account.clone()));
        }
        if !q.statuses.is_empty() {
            let placeholders: Vec<String> = (0..q.statuses.len()).map(|i| format!(":st{i}")).collect();
            for (p, st) in placeholders.iter().zip(&q.statuses) {
                values.insert(p.clone(), s(st.as_str()));
            }
            filters.push(format!("#status IN ({})", placeholders.join(", ")));
            names.insert("#status".into(), "status".into());
        }
        let out = index_query(&self.dynamodb, &self.table, schema::GSI_BY_OWNER)
            .key_condition_expression(key_condition)
            .set_filter_expression((!filters.is_empty()).then(|| filters.join(" AND ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .set_exclusive_start_key(start)
            .limit(q.limit.clamp(1, 100))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        let posts = out
            .items()
            .iter()
            .map(|i| crate::dynamo::from_item(i.clone()))
            .collect::<Result<Vec<Post>, _>>()?;
        Ok(PostPage { posts, next: out.last_evaluated_key })
    }

    /// Holds every pending post of an account (its tokens are gone or
    /// refused). Posts another writer moved meanwhile are left alone.
    pub async fn hold_account_posts(
        &self,
        tenant: &str,
        account_id: &str,
        by: &str,
        reason: &str,
    ) -> Result<usize, StoreError> {
        let q = PostQuery {
            account_id: Some(account_id.to_owned()),
            statuses: vec![PostStatus::Scheduled, PostStatus::Queued, PostStatus::RetryWait],
            limit: 100,
            ..PostQuery::default()
        };
        let mut held = 0;
        let mut start = None;
        loop {
            let page = self.list(tenant, &q, start).await?;
            for post in page.posts {
                let t = Transition::new(PostStatus::Held, by, reason);
                match self.transition(tenant, &post.id, post.status, t).await {
                    Ok(_) => held += 1,
                    Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => {}
                    Err(TransitionError::Store(e)) => return Err(e),
                }
            }
            start = page.next;
            if start.is_none() {
                return Ok(held);
            }
        }
    }
}

impl PostStore {
    /// Replaces an edited or rescheduled post while it is still `SCHEDULED`
    /// and unchanged since `previous_updated_at` (edits are not status moves:
    /// the status stays `SCHEDULED`).
    pub async fn replace_scheduled(
        &self,
        post: &Post,
        previous_updated_at: &str,
    ) -> Result<(), TransitionError> {
        let item = self.post_item(post)?;
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#status = :scheduled AND #updated = :prev")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#updated", "updated_at")
            .expression_attribute_values(":scheduled", s(PostStatus::Scheduled.as_str()))
            .expression_attribute_values(":prev", s(previous_updated_at))
            .send()
            .await
            .map_err(|e| {
                if condition_failed(&e) {
                    TransitionError::Conflict { expected: PostStatus::Scheduled }
                } else {
                    TransitionError::Store(StoreError::from_sdk("dynamodb", e))
                }
            })?;
        Ok(())
    }
}
