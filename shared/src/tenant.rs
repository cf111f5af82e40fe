//! Tenants and their API keys.
//!
//! A key reads `tk_{prefix}_{secret}`: the prefix finds the stored record with
//! one `GetItem`; only the SHA-256 of the whole key is stored (keys carry 256
//! random bits, so a fast hash is enough), and the presented key's digest is
//! compared with the stored one in constant time. An unknown prefix still
//! costs a digest comparison, so timing does not tell prefixes apart.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::dynamo::{applied, insert, or_conflict, s, update};
use crate::{error::StoreError, schema};
use foundation::time_format::rfc3339;

const KEY_TAG: &str = "tk";
const PREFIX_LEN: usize = 12;

/// A tenant's id: ULID text, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TryFrom<String> for TenantId {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or("a tenant id is 1-64 of [A-Za-z0-9_-]")
    }
}

impl From<TenantId> for String {
    fn from(value: TenantId) -> Self {
        value.0
    }
}

impl TenantId {
    pub fn new() -> Self {
        Self(ulid::Ulid::new().to_string())
    }

    /// Accepts a tenant id from a trusted source (JWT claims): 1–64 characters
    /// of `[A-Za-z0-9_-]`, so it can never change the shape of a key.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = (1..=64).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TenantId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A freshly issued key: shown once, never stored.
pub struct IssuedKey {
    pub prefix: String,
    pub key: SecretString,
}

/// Why a presented key was not accepted. The HTTP layer answers 401 for all
/// of them alike; the distinction is for logs and tests.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials")]
    Missing,
    #[error("malformed credentials")]
    Malformed,
    #[error("unknown or wrong key")]
    Wrong,
    #[error("revoked key")]
    Revoked,
}

/// The parts of a presented key, or `Malformed`.
fn split_key(key: &str) -> Result<&str, AuthError> {
    let mut parts = key.splitn(3, '_');
    let (Some(KEY_TAG), Some(prefix), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AuthError::Malformed);
    };
    let well_formed = prefix.len() == PREFIX_LEN
        && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && (40..=64).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(prefix)
    } else {
        Err(AuthError::Malformed)
    }
}

/// The SHA-256 of an API key, as stored. It has no `==`: the only way to
/// compare two is [`digests_match`], in constant time (a test checks both
/// that the type stays without `PartialEq` and, under valgrind, that the
/// comparison runs the same instructions wherever the digests differ).
#[derive(Clone, Copy)]
pub struct KeyDigest(pub [u8; 32]);

impl std::fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyDigest(..)")
    }
}

fn digest(key: &str) -> KeyDigest {
    KeyDigest(Sha256::digest(key.as_bytes()).into())
}

/// Constant-time equality of two digests.
pub fn digests_match(a: &KeyDigest, b: &KeyDigest) -> bool {
    a.0.ct_eq(&b.0).into()
}

/// Extracts the key from an `Authorization: Bearer ...` header value.
pub fn bearer(header: Option<&str>) -> Result<&str, AuthError> {
    let value = header.ok_or(AuthError::Missing)?;
    let (scheme, key) = value.split_once(' ').ok_or(AuthError::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed);
    }
    Ok(key.trim())
}

#[derive(Clone, Debug)]
pub struct TenantStore {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

impl TenantStore {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { dynamodb, table: table.into() }
    }

    /// Creates a tenant and its first key.
    pub async fn create_tenant(&self, name: &str) -> Result<(TenantId, IssuedKey), StoreError> {
        let tenant = TenantId::new();
        let result = insert(&self.dynamodb, &self.table, schema::keys::tenant(tenant.as_str()))
            .item("name", s(name))
            .item("created_at", s(rfc3339(OffsetDateTime::now_utc())))
            .send()
            .await;
        or_conflict(result, "tenant id taken")?;
        let key = self.issue_key(&tenant).await?;
        Ok((tenant, key))
    }

    /// Issues another key for a tenant (rotation: issue, switch, revoke the old).
    pub async fn issue_key(&self, tenant: &TenantId) -> Result<IssuedKey, StoreError> {
        let mut rng = rand::rng();
        let mut prefix_bytes = [0u8; PREFIX_LEN];
        rng.fill_bytes(&mut prefix_bytes);
        const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
        let prefix: String = prefix_bytes
            .iter()
            .filter_map(|b| ALPHABET.get(usize::from(b % 32)).map(|&c| char::from(c)))
            .collect();
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        let key = format!("{KEY_TAG}_{prefix}_{secret}");
        let result = insert(&self.dynamodb, &self.table, schema::keys::api_key(&prefix))
            .item("tenant", s(tenant.as_str()))
            .item("digest", AttributeValue::B(digest(&key).0.to_vec().into()))
            .item("status", s("ACTIVE"))
            .item("created_at", s(rfc3339(OffsetDateTime::now_utc())))
            .send()
            .await;
        or_conflict(result, "API key prefix taken")?;
        Ok(IssuedKey { prefix, key: SecretString::from(key) })
    }

    /// Revokes a key by its prefix; returns whether a key was revoked.
    pub async fn revoke_key(&self, prefix: &str) -> Result<bool, StoreError> {
        let result = update(&self.dynamodb, &self.table, schema::keys::api_key(prefix))
            .update_expression("SET #status = :revoked, revoked_at = :now")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_values(":revoked", s("REVOKED"))
            .expression_attribute_values(":now", s(rfc3339(OffsetDateTime::now_utc())))
            .send()
            .await;
        applied(result)
    }

    /// The tenant a presented key belongs to.
    pub async fn authenticate(&self, key: &SecretString) -> Result<Result<TenantId, AuthError>, StoreError> {
        let key = key.expose_secret();
        let presented = digest(key);
        let prefix = match split_key(key) {
            Ok(prefix) => prefix,
            Err(e) => return Ok(Err(e)),
        };
        let (pk, sk) = schema::keys::api_key(prefix);
        let item = self
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key(schema::PK, s(pk))
            .key(schema::SK, s(sk))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("dynamodb", e))?
            .item;
        let stored: Option<KeyDigest> = item
            .as_ref()
            .and_then(|i| i.get("digest"))
            .and_then(|d| d.as_b().ok())
            .and_then(|b| <[u8; 32]>::try_from(b.as_ref()).ok())
            .map(KeyDigest);
        // Compare against a dummy digest when the prefix is unknown, so both
        // paths do the same work.
        let matches = digests_match(&presented, &stored.unwrap_or(KeyDigest([0u8; 32])));
        let (Some(item), true) = (item, matches && stored.is_some()) else {
            return Ok(Err(AuthError::Wrong));
        };
        if item.get("status").and_then(|v| v.as_s().ok()).map(String::as_str) != Some("ACTIVE") {
            return Ok(Err(AuthError::Revoked));
        }
        let tenant = item
            .get("tenant")
            .and_then(|v| v.as_s().ok())
            .and_then(|t| TenantId::parse(t))
            .ok_or_else(|| StoreError::Corrupt("api key without tenant".into()))?;
        Ok(Ok(tenant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_keys_split_into_their_prefix() {
        let key = format!("tk_abcdefghij23_{}", "A".repeat(43));
        assert_eq!(split_key(&key), Ok("abcdefghij23"));
    }

    #[test]
    fn malformed_keys_are_refused_before_any_lookup() {
        for key in [
            "",
            "tk_",
            "tk_short_secret",
            "xx_abcdefghij23_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "tk_ABCDEFGHIJ23_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "tk_abcdefghij23_AAAA AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "tk_abcdefghij2#_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(split_key(key), Err(AuthError::Malformed), "{key:?}");
        }
    }

    #[test]
    fn bearer_scheme_is_required() {
        assert_eq!(bearer(None), Err(AuthError::Missing));
        assert_eq!(bearer(Some("Basic abc")), Err(AuthError::Malformed));
        assert_eq!(bearer(Some("tk_x")), Err(AuthError::Malformed));
        assert_eq!(bearer(Some("Bearer tk_x")), Ok("tk_x"));
        assert_eq!(bearer(Some("bearer  tk_x ")), Ok("tk_x"));
    }

    #[test]
    fn digest_comparison_is_exact() {
        let a = digest("tk_a");
        let mut b = a;
        assert!(digests_match(&a, &b));
        b.0[31] ^= 1;
        assert!(!digests_match(&a, &b));
    }

    /// Whether a type has `==`, told at run time (method resolution picks the
    /// `PartialEq` impl when there is one, else the fallback on `&T`).
    trait HasEq {
        fn has_eq(&self) -> bool;
    }
    impl<T: PartialEq> HasEq for T {
        fn has_eq(&self) -> bool {
            true
        }
    }
    trait NoEq {
        fn has_eq(&self) -> bool;
    }
    impl<T> NoEq for &T {
        fn has_eq(&self) -> bool {
            false
        }
    }

    #[test]
    fn key_digests_have_no_eq_so_only_the_constant_time_comparison_compiles() {
        let d = digest("tk_a");
        assert!(!(&d).has_eq(), "KeyDigest must not implement PartialEq: compare with digests_match");
        // The probe itself tells a type with `==` apart.
        assert!(d.0.has_eq());
    }

    #[test]
    fn tenant_ids_cannot_carry_key_separators() {
        assert!(TenantId::parse("01JABC_def-1").is_some());
        for bad in ["", "a#b", "../x", "a b", &"x".repeat(65)] {
            assert!(TenantId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
