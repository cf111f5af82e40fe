//! TikTok's rate limits, shared by every concurrent publisher through the
//! table. A full window is not a failure: the caller waits until a call is
//! allowed again (the post goes to RETRY_WAIT, a status check is sent again
//! later).
//!
//! Per-minute limits are sliding windows, as TikTok (and the sandbox) count
//! them: fixed calendar minutes would let 6 inits at the end of one minute and
//! 6 more at the start of the next through, and TikTok would refuse the
//! second six with 429. One item per account and call kind holds `limit`
//! slots, each the time of the call it granted; a slot is free once that call
//! is [`WINDOW`] old, so no window ever holds more than `limit` calls. The
//! daily cap counts posts per UTC day, one atomic counter per day.

use shared::dynamo::{applied, count_within, n, read_item, update};
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

/// A per-minute slot is free again this long after the call it granted: a
/// minute, plus a margin for the time between taking the slot and TikTok
/// receiving the call (its clock starts when the call arrives).
pub const WINDOW: Duration = Duration::seconds(62);
/// The key's window name of the sliding per-minute limits.
pub const SLIDING: &str = "sliding";
/// Conflicting claims (another publisher took the slot read) tried again.
const CLAIM_TRIES: u32 = 25;

/// The UTC day `at` falls in: its name in the key and when the next starts.
pub fn day_window(at: OffsetDateTime) -> (String, OffsetDateTime) {
    let day = at.replace_time(Time::MIDNIGHT);
    (foundation::time_format::iso_date(at.date()), day + Duration::days(1))
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
    /// granted, `Ok(Some(time))` when the limit is reached until `time`.
    /// Conditional writes: concurrent publishers never overshoot.
    pub async fn take(
        &self,
        account: &str,
        call: Call,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        match call {
            Call::DailyPost => self.take_daily(account, now).await,
            _ => self.take_sliding(account, call, now).await,
        }
    }

    /// The slots of one sliding window: the time each holds, if any.
    async fn slots(&self, key: (String, String), limit: usize) -> Result<Vec<Option<i64>>, StoreError> {
        let item = read_item(&self.dynamodb, &self.table, key).await?.unwrap_or_default();
        Ok((0..limit)
            .map(|i| item.get(&slot(i)).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
            .collect())
    }

    /// Moves the slot granted at `granted` to `answered`, when the call's
    /// answer came back. TikTok counted the call somewhere between the two,
    /// so the window reopens a minute after the later: however long the call
    /// took to leave (a busy publisher) or to be answered, this side never
    /// thinks a slot free while TikTok's minute still counts it. A slot no
    /// longer holding `granted` is left alone.
    pub async fn settle(
        &self,
        account: &str,
        call: Call,
        granted: OffsetDateTime,
        answered: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if call == Call::DailyPost {
            return Ok(());
        }
        let key = schema::keys::account_calls(account, call.name(), SLIDING);
        let limit = usize::try_from(self.limit(call)).unwrap_or(usize::MAX);
        let granted_ms = millis(granted);
        let slots = self.slots(key.clone(), limit).await?;
        let Some(held) = slots.iter().position(|t| *t == Some(granted_ms)) else { return Ok(()) };
        let result = update(&self.dynamodb, &self.table, key)
            .update_expression("SET #slot = :answered")
            .condition_expression("#slot = :granted")
            .expression_attribute_names("#slot", slot(held))
            .expression_attribute_values(":answered", n(millis(answered).max(granted_ms)))
            .expression_attribute_values(":granted", n(granted_ms))
            .send()
            .await;
        applied(result).map(|_| ())
    }

    /// One slot of the sliding window: read the slots, claim a free one on
    /// condition that it still holds what was read; another publisher that
    /// claimed it first makes this one read again.
    async fn take_sliding(
        &self,
        account: &str,
        call: Call,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let (pk, sk) = schema::keys::account_calls(account, call.name(), SLIDING);
        let limit = usize::try_from(self.limit(call)).unwrap_or(usize::MAX);
        let now_ms = millis(now);
        let free_before = now_ms - WINDOW.whole_milliseconds() as i64;
        for _ in 0..CLAIM_TRIES {
            let slots = self.slots((pk.clone(), sk.clone()), limit).await?;
            let free: Vec<usize> = (0..limit)
                .filter(|&i| slots.get(i).copied().flatten().is_none_or(|t| t <= free_before))
                .collect();
            if free.is_empty() {
                let oldest = slots.iter().flatten().min().copied().unwrap_or(now_ms);
                return Ok(Some(from_millis(oldest) + WINDOW));
            }
            // A random free slot: concurrent publishers rarely pick the same.
            let pick = free.get(rand::random_range(0..free.len())).copied().unwrap_or(0);
            let mut write = update(&self.dynamodb, &self.table, (pk.clone(), sk.clone()))
                .update_expression("SET #slot = :now, #exp = :exp")
                .expression_attribute_names("#slot", slot(pick))
                .expression_attribute_names("#exp", schema::TTL_ATTRIBUTE)
                .expression_attribute_values(":now", n(now_ms))
                .expression_attribute_values(":exp", n((now + Duration::days(2)).unix_timestamp()));
            write = match slots.get(pick).copied().flatten() {
                Some(held) => {
                    write.condition_expression("#slot = :held").expression_attribute_values(":held", n(held))
                }
                None => write.condition_expression("attribute_not_exists(#slot)"),
            };
            if applied(write.send().await)? {
                return Ok(None);
            }
            tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(5..50))).await;
        }
        // Many publishers at once on one account: let this one wait a moment.
        Ok(Some(now + Duration::seconds(1)))
    }

    /// The day's counter: one conditional `UpdateItem`.
    async fn take_daily(
        &self,
        account: &str,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let call = Call::DailyPost;
        let (name, next) = day_window(now);
        let key = schema::keys::account_calls(account, call.name(), &name);
        let expires = (now + Duration::days(2)).unix_timestamp();
        let counted =
            count_within(&self.dynamodb, &self.table, key, "count", self.limit(call), expires).await?;
        Ok((!counted).then_some(next))
    }

    /// Gives back the day's post slot taken at `at` for a post that did not
    /// start after all (a later gate refused, or TikTok answered that nothing
    /// was created), so the day counts only posts made. Never below zero.
    pub async fn give_back_daily(&self, account: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        let (name, _) = day_window(at);
        let result = update(
            &self.dynamodb,
            &self.table,
            schema::keys::account_calls(account, Call::DailyPost.name(), &name),
        )
        .update_expression("ADD #count :minus_one")
        .condition_expression("#count > :zero")
        .expression_attribute_names("#count", "count")
        .expression_attribute_values(":minus_one", n(-1))
        .expression_attribute_values(":zero", n(0))
        .send()
        .await;
        // Not applied: the count is already zero, nothing to give back.
        applied(result).map(|_| ())
    }
}

/// The attribute of slot `i`.
fn slot(i: usize) -> String {
    format!("slot{i}")
}

fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn days_are_utc_days() {
        let at = datetime!(2026-11-30 18:30:42 UTC);
        assert_eq!(day_window(at), ("2026-11-30".into(), datetime!(2026-12-01 0:00 UTC)));
    }

    #[test]
    fn slot_times_round_trip_in_milliseconds() {
        let at = datetime!(2026-11-30 18:30:42.123 UTC);
        assert_eq!(from_millis(millis(at)), at);
        assert_eq!(from_millis(millis(at)) + WINDOW, datetime!(2026-11-30 18:31:44.123 UTC));
    }
}
