//! Accounts in DynamoDB. An account is `ACCOUNT#{id}`; `OPENID#{open_id}`
//! makes one TikTok account belong to one tenant (both written in one
//! transaction); active accounts are filed in the time index by the hour
//! their access token expires, so the refresher queries instead of scanning.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use secrecy::SecretString;
use time::OffsetDateTime;

use super::{Account, AccountStatus};
use crate::dynamo::{
    applied, condition_failed, delete, get_item, index_query, n, or_conflict, query_all, s, update,
};
use crate::{error::StoreError, schema, vault::KeyRing};
use foundation::time_format::rfc3339;
use tiktok::TokenSet;

/// What a completed OAuth flow hands the store.
pub struct Connection<'a> {
    pub tenant: &'a str,
    pub display_name: &'a str,
    pub avatar_url: &'a str,
    pub tokens: &'a TokenSet,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The TikTok account is connected by another tenant.
    #[error("this TikTok account is connected to another workspace")]
    OwnedByAnotherTenant,
    #[error(transparent)]
    Vault(#[from] crate::vault::VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug)]
pub struct AccountStore {
    dynamodb: aws_sdk_dynamodb::Client,
    table: String,
}

impl AccountStore {
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { dynamodb, table: table.into() }
    }

    fn item(&self, account: &Account) -> Result<HashMap<String, AttributeValue>, StoreError> {
        let mut item = crate::dynamo::to_item(account)?;
        let (pk, sk) = schema::keys::account(&account.id);
        item.insert(schema::PK.into(), s(pk));
        item.insert(schema::SK.into(), s(sk));
        item.insert(schema::GSI_BY_OWNER_PK.into(), s(schema::keys::accounts_of(&account.tenant)));
        item.insert(schema::GSI_BY_OWNER_SK.into(), s(schema::keys::account_in_owner(&account.id)));
        if account.status == AccountStatus::Active {
            item.insert(
                schema::GSI_BY_TIME_PK.into(),
                s(schema::keys::token_expiry(account.access_expires_at)),
            );
            item.insert(
                schema::GSI_BY_TIME_SK.into(),
                s(schema::keys::token_expiry_sort(account.access_expires_at, &account.id)),
            );
        }
        Ok(item)
    }

    /// Any account by id (for the refresher, webhooks and the publisher).
    pub async fn get(&self, id: &str) -> Result<Option<Account>, StoreError> {
        get_item(&self.dynamodb, &self.table, schema::keys::account(id)).await
    }

    /// The tenant's account; another tenant's is a miss.
    pub async fn get_for_tenant(&self, tenant: &str, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.get(id).await?.filter(|a| a.tenant == tenant))
    }

    /// The account connected for a TikTok `open_id`, if any.
    pub async fn by_open_id(&self, open_id: &str) -> Result<Option<Account>, StoreError> {
        let item =
            crate::dynamo::read_item(&self.dynamodb, &self.table, schema::keys::open_id(open_id)).await?;
        match item.as_ref().and_then(|i| i.get("account_id")).and_then(|v| v.as_s().ok()) {
            Some(id) => self.get(id).await,
            None => Ok(None),
        }
    }

    /// The tenant's accounts, by the owner index.
    pub async fn list(&self, tenant: &str) -> Result<Vec<Account>, StoreError> {
        let query = index_query(&self.dynamodb, &self.table, schema::GSI_BY_OWNER)
            .key_condition_expression("#o = :o")
            .expression_attribute_names("#o", schema::GSI_BY_OWNER_PK)
            .expression_attribute_values(":o", s(schema::keys::accounts_of(tenant)));
        query_all(query).await
    }

    /// Active accounts whose access token expires before `until`, by querying
    /// the expiry index hour by hour from `from`, every page of each hour.
    pub async fn expiring(&self, from: i64, until: i64) -> Result<Vec<Account>, StoreError> {
        let mut accounts = Vec::new();
        let mut hour = from - from.rem_euclid(3600);
        while hour <= until {
            let query = index_query(&self.dynamodb, &self.table, schema::GSI_BY_TIME)
                .key_condition_expression("#t = :t AND #s <= :until")
                .expression_attribute_names("#t", schema::GSI_BY_TIME_PK)
                .expression_attribute_names("#s", schema::GSI_BY_TIME_SK)
                .expression_attribute_values(":t", s(schema::keys::token_expiry(hour)))
                .expression_attribute_values(":until", s(schema::keys::token_expiry_sort(until, "~")));
            accounts.extend(query_all::<Account>(query).await?);
            hour += 3600;
        }
        Ok(accounts)
    }

    /// Releases the TikTok account's owner record, if `account` still holds
    /// it, so the TikTok account can be connected to another workspace. The
    /// account record stays (`DISCONNECTED`, with its history); a record a
    /// newer connection wrote is left alone.
    pub async fn release_owner(&self, account: &Account) -> Result<(), StoreError> {
        let result = delete(&self.dynamodb, &self.table, schema::keys::open_id(&account.open_id))
            .condition_expression("account_id = :id")
            .expression_attribute_values(":id", s(&account.id))
            .send()
            .await;
        // Not applied: released already, or another connection owns it now.
        applied(result).map(drop)
    }

    /// The account a connection of `open_id` by `tenant` continues: the
    /// owner record's, or the tenant's own account it released on
    /// disconnect (so connecting again resumes it instead of starting over).
    async fn existing_for(&self, tenant: &str, open_id: &str) -> Result<Option<Account>, StoreError> {
        match self.by_open_id(open_id).await? {
            Some(owned) => Ok(Some(owned)),
            None => Ok(self.list(tenant).await?.into_iter().find(|a| a.open_id == open_id)),
        }
    }

    /// Stores a completed connection: a new account, or the same tenant's
    /// existing one updated (profile, scopes, fresh tokens, `ACTIVE`).
    pub async fn connect(&self, c: Connection<'_>, ring: &KeyRing) -> Result<Account, ConnectError> {
        let now = OffsetDateTime::now_utc();
        let existing = self.existing_for(c.tenant, &c.tokens.open_id).await?;
        if let Some(existing) = &existing {
            if existing.tenant != c.tenant {
                return Err(ConnectError::OwnedByAnotherTenant);
            }
        }
        let id = existing.as_ref().map_or_else(|| ulid::Ulid::new().to_string(), |a| a.id.clone());
        let previous_version = existing.as_ref().map(|a| a.token_version);
        let access = SecretString::from(c.tokens.access_token.expose_secret().to_owned());
        let refresh = SecretString::from(c.tokens.refresh_token.expose_secret().to_owned());
        let account = Account {
            id: id.clone(),
            tenant: c.tenant.to_owned(),
            open_id: c.tokens.open_id.clone(),
            display_name: c.display_name.to_owned(),
            avatar_url: c.avatar_url.to_owned(),
            scopes: c.tokens.scopes().map(str::to_owned).collect(),
            status: AccountStatus::Active,
            status_reason: None,
            sealed_access_token: Some(ring.seal(&id, &access)?),
            sealed_refresh_token: Some(ring.seal(&id, &refresh)?),
            access_expires_at: now.unix_timestamp() + c.tokens.expires_in as i64,
            refresh_expires_at: now.unix_timestamp() + c.tokens.refresh_expires_in as i64,
            token_version: previous_version.map_or(1, |v| v + 1),
            refresh_lease_owner: None,
            refresh_lease_until: None,
            connected_at: existing.as_ref().map_or_else(|| rfc3339(now), |a| a.connected_at.clone()),
            updated_at: rfc3339(now),
        };
        let mut account_put = Put::builder().table_name(&self.table).set_item(Some(self.item(&account)?));
        account_put = match previous_version {
            None => account_put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", schema::PK),
            Some(v) => account_put
                .condition_expression("#v = :v")
                .expression_attribute_names("#v", "token_version")
                .expression_attribute_values(":v", n(v as i64)),
        };
        let (owner_pk, owner_sk) = schema::keys::open_id(&account.open_id);
        let owner_put = Put::builder()
            .table_name(&self.table)
            .item(schema::PK, s(owner_pk))
            .item(schema::SK, s(owner_sk))
            .item("account_id", s(&id))
            .item("tenant", s(c.tenant))
            .condition_expression("attribute_not_exists(#pk) OR #tenant = :tenant")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#tenant", "tenant")
            .expression_attribute_values(":tenant", s(c.tenant));
        let build = |p: aws_sdk_dynamodb::types::builders::PutBuilder| {
            p.build().map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        let result = self
            .dynamodb
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(build(account_put)?).build())
            .transact_items(TransactWriteItem::builder().put(build(owner_put)?).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(account),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_transaction_canceled_exception()) => {
                // A concurrent connect won: if it was another tenant, say so.
                match self.by_open_id(&account.open_id).await? {
                    Some(a) if a.tenant != c.tenant => Err(ConnectError::OwnedByAnotherTenant),
                    _ => Err(StoreError::ConditionFailed("concurrent connect of the same account").into()),
                }
            }
            Err(e) => Err(StoreError::from_sdk("dynamodb", e).into()),
        }
    }

    /// Writes rotated tokens, only while `lease_owner` holds the refresh lease,
    /// and releases the lease in the same write.
    pub async fn store_refreshed(
        &self,
        account_id: &str,
        tokens: &TokenSet,
        ring: &KeyRing,
        lease_owner: &str,
    ) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let access = SecretString::from(tokens.access_token.expose_secret().to_owned());
        let refresh = SecretString::from(tokens.refresh_token.expose_secret().to_owned());
        let seal =
            |t: &SecretString| ring.seal(account_id, t).map_err(|e| StoreError::Corrupt(e.to_string()));
        let access_expires_at = now + tokens.expires_in as i64;
        let result = update(&self.dynamodb, &self.table, schema::keys::account(account_id))
            .update_expression(
                "SET sealed_access_token = :a, sealed_refresh_token = :r, access_expires_at = :ae, \
                 refresh_expires_at = :re, token_version = token_version + :one, updated_at = :now, \
                 #tpk = :tpk, #tsk = :tsk REMOVE refresh_lease_owner, refresh_lease_until",
            )
            .condition_expression("refresh_lease_owner = :owner AND #status = :active")
            .expression_attribute_names("#tpk", schema::GSI_BY_TIME_PK)
            .expression_attribute_names("#tsk", schema::GSI_BY_TIME_SK)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":a", s(seal(&access)?))
            .expression_attribute_values(":r", s(seal(&refresh)?))
            .expression_attribute_values(":ae", n(access_expires_at))
            .expression_attribute_values(":re", n(now + tokens.refresh_expires_in as i64))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", s(rfc3339(OffsetDateTime::now_utc())))
            .expression_attribute_values(":tpk", s(schema::keys::token_expiry(access_expires_at)))
            .expression_attribute_values(
                ":tsk",
                s(schema::keys::token_expiry_sort(access_expires_at, account_id)),
            )
            .expression_attribute_values(":owner", s(lease_owner))
            .expression_attribute_values(":active", s("ACTIVE"))
            .send()
            .await;
        or_conflict(result, "refresh lease lost")?;
        Ok(())
    }

    /// Takes the account's refresh lease if it is free or expired.
    pub async fn acquire_refresh_lease(
        &self,
        id: &str,
        owner: &str,
        seconds: i64,
    ) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let result = update(&self.dynamodb, &self.table, schema::keys::account(id))
            .update_expression("SET refresh_lease_owner = :owner, refresh_lease_until = :until")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(refresh_lease_until) OR refresh_lease_until < :now)",
            )
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_values(":owner", s(owner))
            .expression_attribute_values(":until", n(now + seconds))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        applied(result)
    }

    /// Gives the lease back without writing tokens (nothing to refresh, or a failure).
    pub async fn release_refresh_lease(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        let result = update(&self.dynamodb, &self.table, schema::keys::account(id))
            .update_expression("REMOVE refresh_lease_owner, refresh_lease_until")
            .condition_expression("refresh_lease_owner = :owner")
            .expression_attribute_values(":owner", s(owner))
            .send()
            .await;
        // Not applied: the lease was lost already, nothing to give back.
        applied(result).map(drop)
    }

    /// Sets the status with a reason; leaving `ACTIVE` drops the account from
    /// the expiry index, and `DISCONNECTED` deletes its sealed tokens.
    pub async fn set_status(&self, id: &str, status: AccountStatus, reason: &str) -> Result<(), StoreError> {
        let forget_tokens = status == AccountStatus::Disconnected;
        self.write_status(id, status, reason, forget_tokens, false).await.map(|_| ())
    }

    /// TikTok reports that the creator removed the app: `REAUTH_REQUIRED`
    /// with the sealed tokens deleted in the same write (the grant is dead at
    /// TikTok, so nothing is left to refresh or revoke). An account its
    /// tenant disconnected stays `DISCONNECTED` — TikTok announces the
    /// tenant's own revocation this way too — and `false` says so.
    pub async fn mark_removed_at_tiktok(&self, id: &str, reason: &str) -> Result<bool, StoreError> {
        self.write_status(id, AccountStatus::ReauthRequired, reason, true, true).await
    }

    /// One status write; `false` when `spare_disconnected` kept a
    /// `DISCONNECTED` account as it was.
    async fn write_status(
        &self,
        id: &str,
        status: AccountStatus,
        reason: &str,
        forget_tokens: bool,
        spare_disconnected: bool,
    ) -> Result<bool, StoreError> {
        let (pk, sk) = schema::keys::account(id);
        let mut expression = "SET #status = :status, status_reason = :reason, updated_at = :now \
                          REMOVE #tpk, #tsk, refresh_lease_owner, refresh_lease_until"
            .to_owned();
        if forget_tokens {
            expression.push_str(", sealed_access_token, sealed_refresh_token");
        }
        let mut write = update(&self.dynamodb, &self.table, (pk, sk))
            .update_expression(expression)
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", schema::PK)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#tpk", schema::GSI_BY_TIME_PK)
            .expression_attribute_names("#tsk", schema::GSI_BY_TIME_SK)
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":now", s(rfc3339(OffsetDateTime::now_utc())));
        if spare_disconnected {
            write = write
                .condition_expression("attribute_exists(#pk) AND #status <> :disconnected")
                .expression_attribute_values(":disconnected", s(AccountStatus::Disconnected.as_str()));
        }
        match write.send().await {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e) => match self.get(id).await? {
                Some(_) if spare_disconnected => Ok(false),
                _ => Err(StoreError::NotFound),
            },
            Err(e) => Err(StoreError::from_sdk("dynamodb", e)),
        }
    }
}
