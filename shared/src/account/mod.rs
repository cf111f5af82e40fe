//! Connected TikTok accounts: the record (profile, scopes, status, sealed
//! tokens and their expiries), the store, and `tokens` — a valid access token
//! for an account, refreshed under a per-account lease because refresh tokens
//! rotate; `disconnect` — revoke, forget the tokens, hold the posts;
//! `reconnect` — connected again, the held posts still ahead resume.

pub mod disconnect;
pub mod reconnect;
pub mod store;
pub mod tokens;

use serde::{Deserialize, Serialize};

pub use disconnect::{disconnect, DisconnectCause, DisconnectError, Disconnected};
pub use reconnect::resume_held_posts;
pub use store::{AccountStore, ConnectError, Connection};
pub use tokens::{RefreshOutcome, TokenError, TokenKeeper};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountStatus {
    Active,
    /// TikTok refused a refresh or the user removed the app: reconnect.
    ReauthRequired,
    /// The tenant disconnected it; tokens revoked and deleted.
    Disconnected,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "ACTIVE",
            AccountStatus::ReauthRequired => "REAUTH_REQUIRED",
            AccountStatus::Disconnected => "DISCONNECTED",
        }
    }
}

/// A connected account as stored. Tokens are sealed (see `vault`) and the
/// `Debug` output leaves them out anyway.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub tenant: String,
    pub open_id: String,
    pub display_name: String,
    #[serde(default)]
    pub avatar_url: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub status: AccountStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_refresh_token: Option<String>,
    /// Epoch seconds.
    #[serde(default)]
    pub access_expires_at: i64,
    #[serde(default)]
    pub refresh_expires_at: i64,
    /// Bumped by every token write; guards against lost updates.
    #[serde(default)]
    pub token_version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_lease_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_lease_until: Option<i64>,
    pub connected_at: String,
    pub updated_at: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("status", &self.status)
            .field("scopes", &self.scopes)
            .field("access_expires_at", &self.access_expires_at)
            .field("token_version", &self.token_version)
            .finish_non_exhaustive()
    }
}

impl Account {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}
