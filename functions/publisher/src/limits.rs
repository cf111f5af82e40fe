//! TikTok's rate limits, shared by every concurrent publisher: one atomic
//! counter per account, call kind and window in the table. A full window is
//! not a failure: the caller waits for the next one (the post goes to
//! RETRY_WAIT, a status check is sent again later).

use aws_sdk_dynamodb::types::AttributeValue;
use shared::dynamo::{condition_failed, s};
use shared::error::StoreError;
use shared::schema;
use time::{Duration, OffsetDateTime, Time};

use crate::config::Limits;

/// What a counted call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A video, photo or inbox init (per token, per minute).
    Init,
    /// `creator_info/query` (per token, per minute).
    CreatorInfo,
    /// `status/fetch` (per token, per minute).
    Status,
    /// A post started that UTC day (per creator).
    DailyPost,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Init => "init",
            Call::CreatorInfo => "creator_info",
            Call::Status => "status",
            Call::DailyPost => "posts",
        }
    }
}

/// The window `at` falls in: its name in the key and when the next one starts.
pub fn window(call: Call, at: OffsetDateTime) -> (String, OffsetDateTime) {
    let minute_start = at.replace_time(Time::from_hms(at.hour(), at.minute(), 0).unwrap_or(Time::MIDNIGHT));
    match call {
        Call::DailyPost => {
            let day = at.replace_time(Time::MIDNIGHT);
            (foundation::time_format::iso_date(at.date()), day + Duration::days(1))
        }
        _ => (foundation::time_format::minute_bucket(at), minute_start + Duration::minutes(1)),
    }
}

/// The counters.
#[derive(Clone, Debug)]
pub struct Limiter {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
    limits: Limits,
}

impl Limiter {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>, limits: Limits) -> Self {
        Self { dynamodb, table: table.into(), limits }
    }

    fn limit(&self, call: Call) -> u64 {
        match call {
            Call::Init => self.limits.init_per_minute,
            Call::CreatorInfo => self.limits.creator_info_per_minute,
            Call::Status => self.limits.status_per_minute,
            Call::DailyPost => self.limits.posts_per_day,
        }
    }

    /// Takes one call of `call` for `account` at `now`: `Ok(None)` when
    /// granted, `Ok(Some(next window))` when the window is full. One
    /// conditional `UpdateItem`: concurrent publishers never overshoot.
    pub async fn take(
        &self,
        account: &str,
        call: Call,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let (name, next) = window(call, now);
        let (pk, sk) = schema::keys::account_calls(account, call.name(), &name);
        let expires = (now + Duration::days(2)).unix_timestamp();
        let result = self
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .update_expression("ADD #count :one SET #exp = if_not_exists(#exp, :exp)")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#exp", schema::TTL_ATTRIBUTE)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()))
            .expression_attribute_values(":limit", AttributeValue::N(self.limit(call).to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(e) if condition_failed(&e) => Ok(Some(next)),
            Err(e) => Err(StoreError::from_sdk("dynamodb", e)),
        }
    }

    /// Gives back one call of `call` taken at `at` that was not made after
    /// all (a later gate refused, or TikTok answered that nothing was
    /// created), so the window counts only what really happened. Never
    /// below zero.
    pub async fn give_back(&self, account: &str, call: Call, at: OffsetDateTime) -> Result<(), StoreError> {
        let (name, _) = window(call, at);
        let (pk, sk) = schema::keys::account_calls(account, call.name(), &name);
        let result = self
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .update_expression("ADD #count :minus_one")
            .condition_expression("#count > :zero")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":minus_one", AttributeValue::N("-1".into()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Ok(()),
            Err(e) => Err(StoreError::from_sdk("dynamodb", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_are_utc_minutes_and_days() {
        let at = datetime!(2026-11-30 18:30:42 UTC);
        assert_eq!(window(Call::Init, at), ("2026-11-30T18:30".into(), datetime!(2026-11-30 18:31 UTC)));
        assert_eq!(window(Call::DailyPost, at), ("2026-11-30".into(), datetime!(2026-12-01 0:00 UTC)));
    }
}
