//! The DynamoDB data model: one table, two sparse global secondary indexes and
//! a TTL attribute. `template.yaml` declares the same names; a test against the
//! local stack proves the two agree (`tests/template_agrees.rs`).
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

/// Key prefixes: the first segment of `pk` names the item's type.
pub mod keys {
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

    /// `TENANT#{tenant}#POST#{post}` / `POST` — a post; the tenant in the key
    /// makes a cross-tenant read a miss, not a leak.
    pub fn post(tenant: &str, post: &str) -> (String, String) {
        (format!("TENANT#{tenant}#POST#{post}"), "POST".to_owned())
    }

    /// `TENANT#{tenant}#MEDIA#{media}` / `MEDIA` — an uploaded media item.
    pub fn media(tenant: &str, media: &str) -> (String, String) {
        (format!("TENANT#{tenant}#MEDIA#{media}"), "MEDIA".to_owned())
    }

    /// Owner index partition of a tenant's accounts.
    pub fn accounts_of(tenant: &str) -> String {
        format!("TENANT#{tenant}#ACCOUNTS")
    }

    /// Owner index partition of a tenant's posts.
    pub fn posts_of(tenant: &str) -> String {
        format!("TENANT#{tenant}#POSTS")
    }

    /// Time index partition of the posts due in one UTC minute (`YYYY-MM-DDTHH:MM`).
    pub fn due_minute(minute: &str) -> String {
        format!("DUE#{minute}")
    }
}
