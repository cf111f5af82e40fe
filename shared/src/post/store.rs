//! The only writer of a post's status. Every move is one conditional
//! `UpdateItem` (`status = :from`, and the lease owner where a lease is held)
//! that appends who, when and why to the post's history; a move the state
//! machine does not allow is refused before anything is written.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use std::collections::HashMap;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

use super::{HistoryEntry, Post, PostStatus};
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
    /// The time index entry after the move: `(prefix, when)` files the post
    /// under `{prefix}#{minute of when}` (due posts, retry times, lease
    /// expiries); `None` takes it out of the index.
    pub index_at: Option<(&'static str, OffsetDateTime)>,
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

/// Minute bucket of the time index: `YYYY-MM-DDTHH:MM` in UTC.
pub fn minute_bucket(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

pub fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

#[derive(Clone, Debug)]
pub struct PostStore {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

impl PostStore {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { dynamodb, table: table.into() }
    }

    /// Stores a new `SCHEDULED` post, filed under its due minute.
    pub async fn create(&self, post: &Post) -> Result<(), StoreError> {
        let mut item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(post).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (pk, sk) = schema::keys::post(&post.tenant, &post.id);
        item.insert(schema::PK.into(), s(pk));
        item.insert(schema::SK.into(), s(sk));
        item.insert(schema::GSI_BY_OWNER_PK.into(), s(schema::keys::posts_of(&post.tenant)));
        item.insert(schema::GSI_BY_OWNER_SK.into(), s(format!("{}#{}", post.scheduled_at, post.id)));
        let due = OffsetDateTime::parse(&post.scheduled_at, &Rfc3339)
            .map_err(|e| StoreError::Corrupt(format!("scheduled_at: {e}")))?;
        item.insert(schema::GSI_BY_TIME_PK.into(), s(schema::keys::due_minute(&minute_bucket(due))));
        item.insert(schema::GSI_BY_TIME_SK.into(), s(format!("{}#{}", post.scheduled_at, post.id)));
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) {
                    StoreError::ConditionFailed("post exists")
                } else {
                    StoreError::from_sdk("dynamodb", e)
                }
            })?;
        Ok(())
    }

    /// The tenant's post, or `None`: another tenant's id is simply a miss.
    pub async fn get(&self, tenant: &str, id: &str) -> Result<Option<Post>, StoreError> {
        let (pk, sk) = schema::keys::post(tenant, id);
        let out = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?;
        out.item
            .map(|item| serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
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
        let mut update = match t.index_at {
            Some((prefix, at)) => {
                sets.push("#tpk = :tpk".to_owned());
                sets.push("#tsk = :tsk".to_owned());
                values.insert(":tpk".into(), s(format!("{prefix}#{}", minute_bucket(at))));
                values.insert(":tsk".into(), s(format!("{}#{id}", rfc3339(at))));
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
        update.shrink_to_fit();

        let out = self
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) {
                    TransitionError::Conflict { expected: from }
                } else {
                    TransitionError::Store(StoreError::from_sdk("dynamodb", e))
                }
            })?;
        let item = out.attributes.ok_or(StoreError::Corrupt("update returned no item".into()))?;
        serde_dynamo::from_item(item).map_err(|e| TransitionError::Store(StoreError::Corrupt(e.to_string())))
    }
}
