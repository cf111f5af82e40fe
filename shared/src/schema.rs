//! The DynamoDB data model: one table, two sparse global secondary indexes and
//! a TTL attribute. `template.yaml` declares the same names; a test against the
//! local stack proves the two agree (`tests/it/template_agrees.rs`).
//!
//! Every read is a `GetItem` on `pk`/`sk` or a `Query` on a key or index —
//! never a `Scan`. The access-pattern table is in `docs/data-model.md`.

/// Partition key attribute of the table.
pub const PK: &str = "pk";
/// Sort key attribute of the table.
pub const SK: &str = "sk";

/// Items listed per owner: a tenant's accounts, an account's posts.
pub const GSI_BY_OWNER: &str = "by-owner";
pub const GSI_BY_OWNER_PK: &str = "owner_pk";
pub const GSI_BY_OWNER_SK: &str = "owner_sk";

/// Items found by time bucket: posts due in a minute, tokens expiring in an
/// hour, publishing leases expiring in a minute. Sparse: an item leaves the
/// index when the attribute is removed (a post that is no longer `SCHEDULED`).
pub const GSI_BY_TIME: &str = "by-time";
pub const GSI_BY_TIME_PK: &str = "time_pk";
pub const GSI_BY_TIME_SK: &str = "time_sk";

/// TTL attribute (epoch seconds): OAuth states, idempotency records, webhook
/// de-duplication marks, cached analyses. Expiry is also checked in code,
/// because DynamoDB deletes expired items only eventually.
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// Every index of the table with its key attributes, as the template declares them.
pub const INDEXES: [(&str, &str, &str); 2] =
    [(GSI_BY_OWNER, GSI_BY_OWNER_PK, GSI_BY_OWNER_SK), (GSI_BY_TIME, GSI_BY_TIME_PK, GSI_BY_TIME_SK)];

/// Every key format of the table. An item's type is named by the first
/// segment of its `pk` ([`ITEM_PREFIXES`](keys::ITEM_PREFIXES)), or, for the
/// items a tenant owns (`TENANT#{tenant}#{segment}#…`), by the third
/// ([`TENANT_ITEM_SEGMENTS`](keys::TENANT_ITEM_SEGMENTS)); every item is alone
/// in its partition, and `sk` repeats the type. `docs/data-model.md` lists
/// the same formats; `tests/it/template_agrees.rs` proves the two agree.
pub mod keys {
    use time::OffsetDateTime;

    /// The first `pk` segment of every item type. `TENANT` alone
    /// (`TENANT#{tenant}`) is the tenant; longer `TENANT#{tenant}#…` keys are
    /// the tenant's items, told apart by [`TENANT_ITEM_SEGMENTS`].
    pub const ITEM_PREFIXES: [&str; 10] = [
        "TENANT",
        "APIKEY",
        "ACCOUNT",
        "OPENID",
        "OAUTHSTATE",
        "HASHTAG",
        "HASHTAGQUOTA",
        "PUBLISH",
        "WEBHOOK",
        "CALLS",
    ];

    /// The third `pk` segment of the items a tenant owns:
    /// `TENANT#{tenant}#{segment}#…`.
    pub const TENANT_ITEM_SEGMENTS: [&str; 4] = ["POST", "MEDIA", "IDEM", "RATE"];

    /// `TENANT#{tenant}` / `TENANT` — a tenant.
    pub fn tenant(tenant: &str) -> (String, String) {
        (format!("TENANT#{tenant}"), "TENANT".to_owned())
    }

    /// `APIKEY#{prefix}` / `APIKEY` — an API key's hash, found by its public prefix.
    pub fn api_key(prefix: &str) -> (String, String) {
        (format!("APIKEY#{prefix}"), "APIKEY".to_owned())
    }

    /// `ACCOUNT#{account}` / `ACCOUNT` — a connected TikTok account and its sealed tokens.
    pub fn account(account: &str) -> (String, String) {
        (format!("ACCOUNT#{account}"), "ACCOUNT".to_owned())
    }

    /// `OPENID#{open_id}` / `OPENID` — the account a TikTok `open_id` is
    /// connected as, so one TikTok account belongs to one tenant.
    pub fn open_id(open_id: &str) -> (String, String) {
        (format!("OPENID#{open_id}"), "OPENID".to_owned())
    }

    /// `TENANT#{tenant}#POST#{post}` / `POST` — a post; the tenant in the key
    /// makes a cross-tenant read a miss, not a leak.
    pub fn post(tenant: &str, post: &str) -> (String, String) {
        (format!("{}{post}", posts_prefix(tenant)), "POST".to_owned())
    }

    /// `TENANT#{tenant}#POST#` — the start of every `pk` of the tenant's posts.
    pub fn posts_prefix(tenant: &str) -> String {
        format!("TENANT#{tenant}#POST#")
    }

    /// `TENANT#{tenant}#MEDIA#{media}` / `MEDIA` — an uploaded media item.
    pub fn media(tenant: &str, media: &str) -> (String, String) {
        (format!("TENANT#{tenant}#MEDIA#{media}"), "MEDIA".to_owned())
    }

    /// `TENANT#{tenant}#IDEM#{key}` / `IDEM` — an `Idempotency-Key` record.
    pub fn idempotency(tenant: &str, key: &str) -> (String, String) {
        (format!("TENANT#{tenant}#IDEM#{key}"), "IDEM".to_owned())
    }

    /// `OAUTHSTATE#{hash}` / `STATE` — a pending login, by the hex SHA-256 of its state.
    pub fn oauth_state(hash: &str) -> (String, String) {
        (format!("OAUTHSTATE#{hash}"), "STATE".to_owned())
    }

    /// `HASHTAG#{version}#{source}#{scope}#{region}#{start}#{end}#{tag}` /
    /// `ANALYSIS` — a cached hashtag analysis; no part may contain `#`.
    pub fn hashtag_analysis(
        version: &str,
        source: &str,
        scope: &str,
        region: &str,
        start: &str,
        end: &str,
        tag: &str,
    ) -> (String, String) {
        (format!("HASHTAG#{version}#{source}#{scope}#{region}#{start}#{end}#{tag}"), "ANALYSIS".to_owned())
    }

    /// `HASHTAGQUOTA#{app hash}#{YYYY-MM-DD}` / `QUOTA` — the Research API
    /// quota used by an app (a hash of its client key) on a UTC day.
    pub fn hashtag_quota(app_hash: &str, day: &str) -> (String, String) {
        (format!("HASHTAGQUOTA#{app_hash}#{day}"), "QUOTA".to_owned())
    }

    /// `TENANT#{tenant}#RATE#{scope}#{unix minute}` / `RATE` — what a
    /// tenant did in a minute under one rate limit (`shared::rate`):
    /// `HASHTAG` uncached analyses, `API` api writes, `OAUTH` connects.
    pub fn tenant_rate(tenant: &str, scope: &str, unix_minute: i64) -> (String, String) {
        (format!("TENANT#{tenant}#RATE#{scope}#{unix_minute}"), "RATE".to_owned())
    }

    /// Owner index partition of a tenant's accounts.
    pub fn accounts_of(tenant: &str) -> String {
        format!("TENANT#{tenant}#ACCOUNTS")
    }

    /// `ACCOUNT#{account}` — owner index sort key of an account in [`accounts_of`].
    pub fn account_in_owner(account: &str) -> String {
        format!("ACCOUNT#{account}")
    }

    /// Owner index partition of a tenant's posts.
    pub fn posts_of(tenant: &str) -> String {
        format!("TENANT#{tenant}#POSTS")
    }

    /// How many partitions one minute of the due index is spread over, so
    /// 10,000 posts due in one minute are ~625 per partition, not one hot
    /// key (see `docs/pipeline-scale.md`).
    pub const DUE_SHARDS: u32 = 16;

    /// The due-index shard of a post: FNV-1a of its id, stable across
    /// processes and releases (the dispatcher queries every shard).
    pub fn due_shard(post: &str) -> u32 {
        let hash = post.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
        hash % DUE_SHARDS
    }

    /// `DUE#{YYYY-MM-DDTHH:MM}#{shard}` — time index partition of the posts
    /// that need the dispatcher in one UTC minute: due `SCHEDULED` posts,
    /// `RETRY_WAIT` posts whose retry time came, leases that expire, and
    /// posts whose queue message or status check is overdue.
    pub fn due(minute: &str, shard: u32) -> String {
        format!("DUE#{minute}#{shard}")
    }

    /// `{at}#{post}` — time index sort key of a post in [`due`] (`at` RFC 3339 UTC).
    pub fn due_sort(at: &str, post: &str) -> String {
        format!("{at}#{post}")
    }

    /// `PUBLISH#{publish_id}` / `PUBLISH` — which post a TikTok `publish_id`
    /// belongs to; written before the post records it, so a webhook can
    /// settle even a post whose own write was lost.
    pub fn publish_ref(publish_id: &str) -> (String, String) {
        (format!("PUBLISH#{publish_id}"), "PUBLISH".to_owned())
    }

    /// `WEBHOOK#{hash}` / `WEBHOOK` — a webhook delivery already applied,
    /// by the hex SHA-256 of its body (TikTok delivers at least once).
    pub fn webhook_delivery(hash: &str) -> (String, String) {
        (format!("WEBHOOK#{hash}"), "WEBHOOK".to_owned())
    }

    /// `CALLS#{account}#{kind}#{window}` / `CALLS` — the TikTok calls of one
    /// kind (`init`, `creator_info`, `status`, `posts`) an account made,
    /// shared by every concurrent publisher: for the per-minute kinds the
    /// window is `sliding` (one slot per allowed call holding its time), for
    /// `posts` a UTC day `YYYY-MM-DD` (an atomic counter).
    pub fn account_calls(account: &str, kind: &str, window: &str) -> (String, String) {
        (format!("CALLS#{account}#{kind}#{window}"), "CALLS".to_owned())
    }

    /// `TOKENEXP#YYYY-MM-DDTHH` — time index partition of the active accounts
    /// whose access token expires in the UTC hour of `epoch` (seconds).
    pub fn token_expiry(epoch: i64) -> String {
        let at = OffsetDateTime::from_unix_timestamp(epoch).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        format!("TOKENEXP#{:04}-{:02}-{:02}T{:02}", at.year(), u8::from(at.month()), at.day(), at.hour())
    }

    /// `{expires_at:012}#{account}` — time index sort key of an account in
    /// [`token_expiry`]; `"~"` as the account bounds a range from above.
    pub fn token_expiry_sort(expires_at: i64, account: &str) -> String {
        format!("{expires_at:012}#{account}")
    }
}

#[cfg(test)]
mod tests {
    use super::keys;

    #[test]
    fn key_formats_are_byte_for_byte_the_stored_ones() {
        let pair = |pk: &str, sk: &str| (pk.to_owned(), sk.to_owned());
        assert_eq!(keys::idempotency("t1", "k-1"), pair("TENANT#t1#IDEM#k-1", "IDEM"));
        assert_eq!(keys::open_id("oid"), pair("OPENID#oid", "OPENID"));
        assert_eq!(keys::oauth_state("ab12"), pair("OAUTHSTATE#ab12", "STATE"));
        assert_eq!(keys::post("t1", "p1"), pair("TENANT#t1#POST#p1", "POST"));
        assert!(keys::post("t1", "p1").0.starts_with(&keys::posts_prefix("t1")));
        assert_eq!(
            keys::hashtag_analysis("1", "research", "ALL", "ALL", "2025-03-24", "2025-03-30", "food"),
            pair("HASHTAG#1#research#ALL#ALL#2025-03-24#2025-03-30#food", "ANALYSIS")
        );
        assert_eq!(keys::hashtag_quota("0a1b", "2025-03-30"), pair("HASHTAGQUOTA#0a1b#2025-03-30", "QUOTA"));
        assert_eq!(keys::tenant_rate("t1", "API", 29_000_000), pair("TENANT#t1#RATE#API#29000000", "RATE"));
        assert_eq!(keys::account_in_owner("A1"), "ACCOUNT#A1");
        assert_eq!(keys::token_expiry(1_743_300_000), "TOKENEXP#2025-03-30T02");
        assert_eq!(keys::token_expiry(-1), "TOKENEXP#1969-12-31T23");
        assert_eq!(keys::token_expiry_sort(1_743_300_000, "A1"), "001743300000#A1");
        assert_eq!(keys::token_expiry_sort(5, "~"), "000000000005#~");
        assert_eq!(keys::due("2026-11-30T18:30", 7), "DUE#2026-11-30T18:30#7");
        assert_eq!(keys::publish_ref("v_pub_1"), pair("PUBLISH#v_pub_1", "PUBLISH"));
        assert_eq!(
            keys::account_calls("A1", "init", "2026-11-30T18:30"),
            pair("CALLS#A1#init#2026-11-30T18:30", "CALLS")
        );
    }

    #[test]
    fn due_shards_are_stable_and_spread() {
        // Stable: the shard is part of stored keys.
        assert_eq!(
            keys::due_shard("01ARZ3NDEKTSV4RRFFQ69G5FAV"),
            keys::due_shard("01ARZ3NDEKTSV4RRFFQ69G5FAV")
        );
        let mut counts = [0u32; keys::DUE_SHARDS as usize];
        for _ in 0..16_000 {
            let shard = keys::due_shard(&ulid::Ulid::new().to_string());
            counts[shard as usize] += 1;
        }
        // ~1,000 each; no shard takes twice its share.
        assert!(counts.iter().all(|c| (500..2_000).contains(c)), "{counts:?}");
    }
}
