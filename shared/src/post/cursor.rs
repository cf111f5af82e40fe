//! `GET /posts` continuation cursors: the page's last key, sealed like the
//! tokens (AES-256-GCM under the app secret's current key) with the tenant
//! and the query bound in as associated data. A cursor edited by a byte,
//! never issued, or carried to another tenant or another query fails to
//! open, so nothing a client invents reaches DynamoDB as a start key.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use secrecy::{ExposeSecret, SecretString};

use super::store::PostQuery;
use crate::schema;
use crate::vault::KeyRing;

/// The key attributes of a page's last item on the owner index.
const KEYS: [&str; 4] = [schema::PK, schema::SK, schema::GSI_BY_OWNER_PK, schema::GSI_BY_OWNER_SK];

/// Longer than any cursor this module issues; a longer one is not opened.
pub const MAX_CURSOR_LEN: usize = 2048;

/// What a cursor is bound to: the tenant and every filter of the query
/// (the page size may change between pages).
fn context(tenant: &str, q: &PostQuery) -> String {
    let statuses: Vec<&str> = q.statuses.iter().map(|s| s.as_str()).collect();
    format!(
        "posts-cursor\0{tenant}\0{}\0{}\0{}\0{}",
        q.account_id.as_deref().unwrap_or(""),
        statuses.join(","),
        q.from.as_deref().unwrap_or(""),
        q.to.as_deref().unwrap_or(""),
    )
}

/// Seals a page's last key for the next request of the same query, or
/// `None` when the key lacks an attribute (then there is no next page to offer).
pub fn seal(
    ring: &KeyRing,
    tenant: &str,
    q: &PostQuery,
    key: &HashMap<String, AttributeValue>,
) -> Option<String> {
    let map: HashMap<&str, &str> = KEYS
        .iter()
        .map(|k| key.get(*k).and_then(|v| v.as_s().ok()).map(|v| (*k, v.as_str())))
        .collect::<Option<_>>()?;
    let json = serde_json::to_string(&map).ok()?;
    ring.seal(&context(tenant, q), &SecretString::from(json)).ok()
}

/// The start key a cursor carries, only if this API sealed it for this
/// tenant and query.
pub fn open(
    ring: &KeyRing,
    tenant: &str,
    q: &PostQuery,
    raw: &str,
) -> Option<HashMap<String, AttributeValue>> {
    if raw.len() > MAX_CURSOR_LEN {
        return None;
    }
    let json = ring.open(&context(tenant, q), raw).ok()?;
    let map: HashMap<String, String> = serde_json::from_str(json.expose_secret()).ok()?;
    let complete = map.len() == KEYS.len()
        && KEYS.iter().all(|k| map.get(*k).is_some_and(|v| !v.is_empty()))
        && map.get(schema::GSI_BY_OWNER_PK).map(String::as_str) == Some(&schema::keys::posts_of(tenant));
    complete.then(|| map.into_iter().map(|(k, v)| (k, AttributeValue::S(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::PostStatus;
    use base64::Engine;

    fn ring(byte: u8) -> KeyRing {
        let key = base64::engine::general_purpose::STANDARD.encode([byte; 32]);
        KeyRing::new("k1", &[("k1".to_owned(), key)].into()).expect("ring")
    }

    fn last_key(tenant: &str) -> HashMap<String, AttributeValue> {
        let (pk, sk) = schema::keys::post(tenant, "01JD0000000000000000000000");
        [
            (schema::PK, pk),
            (schema::SK, sk),
            (schema::GSI_BY_OWNER_PK, schema::keys::posts_of(tenant)),
            (schema::GSI_BY_OWNER_SK, "2026-12-01T10:00:00Z#01JD0000000000000000000000".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), AttributeValue::S(v)))
        .collect()
    }

    #[test]
    fn a_cursor_opens_only_for_its_tenant_query_and_key() {
        let (r, q) = (ring(1), PostQuery { limit: 10, ..PostQuery::default() });
        let cursor = seal(&r, "t1", &q, &last_key("t1")).expect("sealed");
        assert_eq!(open(&r, "t1", &q, &cursor), Some(last_key("t1")));
        assert_eq!(open(&r, "t2", &q, &cursor), None, "another tenant");
        let filtered = PostQuery { statuses: vec![PostStatus::Held], ..q.clone() };
        assert_eq!(open(&r, "t1", &filtered, &cursor), None, "another query");
        assert_eq!(open(&ring(2), "t1", &q, &cursor), None, "another key");
        let page_size = PostQuery { limit: 50, ..q.clone() };
        assert!(open(&r, "t1", &page_size, &cursor).is_some(), "the page size may change");
    }

    #[test]
    fn an_edited_or_invented_cursor_does_not_open() {
        let (r, q) = (ring(1), PostQuery::default());
        let cursor = seal(&r, "t1", &q, &last_key("t1")).expect("sealed");
        let mut bytes = cursor.clone().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(open(&r, "t1", &q, &String::from_utf8(bytes).expect("ascii")), None);
        assert_eq!(open(&r, "t1", &q, ""), None);
        assert_eq!(open(&r, "t1", &q, &"A".repeat(MAX_CURSOR_LEN + 1)), None);
        let legacy = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"pk":"","sk":""}"#);
        assert_eq!(open(&r, "t1", &q, &legacy), None);
    }
}
