//! Pending logins: one item per OAuth `state`, single use, bound to the
//! tenant, expiring after ten minutes.
//!
//! The item is keyed by the SHA-256 of the state (`OAUTHSTATE#{hex}`), so
//! the table never holds a usable state and the lookup itself is the
//! comparison — a hash preimage, which timing cannot reveal. The PKCE
//! verifier is a secret: it is sealed with the token vault, with the state
//! hash and the tenant bound in as associated data, so a verifier copied to
//! another state or a record edited to another tenant fails to open.
//! Consuming is one conditional delete returning the old item: of two
//! callbacks racing with one state, exactly one gets it.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use sha2::{Digest, Sha256};
use shared::dynamo::{condition_failed, delete, insert, or_conflict, s};
use shared::{error::StoreError, schema};

/// A pending login lives this long (TTL attribute, and checked in code).
pub const STATE_TTL_SECONDS: i64 = 600;

/// The hex SHA-256 of a state: the item's key.
pub fn state_key(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// The associated data of a sealed verifier: the state it belongs to and
/// the tenant that started the login.
pub fn seal_context(state_key: &str, tenant: &str) -> String {
    format!("oauthstate:{state_key}:{tenant}")
}

/// A stored pending login. The verifier stays sealed until the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub state_key: String,
    pub tenant: String,
    /// `None` when the item lacks one (refused at the callback).
    pub sealed_verifier: Option<String>,
    /// Where to send the browser afterwards (checked again at the callback).
    pub return_to: String,
    /// The redirect URI sent to TikTok; the exchange must repeat it exactly.
    pub redirect_uri: String,
    /// Epoch seconds.
    pub expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct StateStore {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

fn text(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

impl StateStore {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { dynamodb, table: table.into() }
    }

    /// Stores a pending login; a (practically impossible) key collision fails.
    pub async fn save(&self, login: &PendingLogin) -> Result<(), StoreError> {
        let mut put = insert(&self.dynamodb, &self.table, schema::keys::oauth_state(&login.state_key))
            .item("tenant", s(&login.tenant))
            .item("return_to", s(&login.return_to))
            .item("redirect_uri", s(&login.redirect_uri))
            .item(schema::TTL_ATTRIBUTE, AttributeValue::N(login.expires_at.to_string()));
        if let Some(sealed) = &login.sealed_verifier {
            put = put.item("sealed_verifier", s(sealed));
        }
        or_conflict(put.send().await, "oauth state already exists")?;
        Ok(())
    }

    /// Deletes the pending login and returns it, or `None` if there was none
    /// (never issued, already used, or removed by TTL). Expiry is the
    /// caller's check: an expired item is consumed all the same.
    pub async fn consume(&self, state_key: &str) -> Result<Option<PendingLogin>, StoreError> {
        let result = delete(&self.dynamodb, &self.table, schema::keys::oauth_state(state_key))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let item = match result {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(e) if condition_failed(&e) => return Ok(None),
            Err(e) => return Err(StoreError::from_sdk("dynamodb", e)),
        };
        let expires_at = item
            .get(schema::TTL_ATTRIBUTE)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| StoreError::Corrupt("oauth state without expiry".into()))?;
        let tenant =
            text(&item, "tenant").ok_or_else(|| StoreError::Corrupt("oauth state without tenant".into()))?;
        Ok(Some(PendingLogin {
            state_key: state_key.to_owned(),
            tenant,
            sealed_verifier: text(&item, "sealed_verifier"),
            return_to: text(&item, "return_to").unwrap_or_default(),
            redirect_uri: text(&item, "redirect_uri").unwrap_or_default(),
            expires_at,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_a_hash_not_the_state() {
        let key = state_key("some-state");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("some-state"));
        assert_eq!(key, state_key("some-state"));
        assert_ne!(key, state_key("some-statf"));
    }

    #[test]
    fn the_seal_context_binds_state_and_tenant() {
        assert_ne!(seal_context("k", "t1"), seal_context("k", "t2"));
        assert_ne!(seal_context("k1", "t"), seal_context("k2", "t"));
    }
}
