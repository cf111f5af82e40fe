//! Applying a verified event. TikTok's word on a publish goes through
//! `shared::post::settle`, the step status checks take too, so whichever
//! arrives first wins and the other finds nothing left to do.
//! `authorization.removed` takes the shared disconnect path: the account
//! needs re-authorisation, its tokens are deleted, its pending posts held.
//! Every step is a conditional write, so applying an event twice is harmless.

use shared::account::{disconnect, Account, AccountStatus, DisconnectCause, DisconnectError};
use shared::error::StoreError;
use shared::post::settle::{record_public_id, settle, Settled, Verdict};
use shared::post::{Post, PostStatus};
use tiktok::PublishId;
use time::{format_description::well_known::Rfc3339, Duration, OffsetDateTime};

use crate::event::{short_hash, Event, PublishNews};
use crate::Deps;

/// Who moves posts, in their history.
const BY: &str = "webhook";
/// A publish TikTok failed in a retryable way is tried again after this.
const RETRY_AFTER: Duration = Duration::seconds(60);

/// What applying an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The settle step's result (moved, already settled, attempts used up).
    Settled(Settled),
    /// TikTok's public post id added to a published post.
    PostIdRecorded,
    /// No post here for the `publish_id` (another deployment's, or expired).
    UnknownPublish,
    /// The post has moved on to a newer publish attempt.
    EarlierAttempt,
    /// Counted and logged only (`no_longer_publicaly_available`).
    Noted,
    AccountRemoved {
        held_posts: usize,
    },
    /// No account here for the `open_id`.
    UnknownAccount,
    /// The account was connected again after the removal TikTok reports.
    RemovalBeforeReconnect,
    /// An event this function does not act on.
    Ignored,
}

impl Applied {
    /// The outcome's metric dimension and log field.
    pub fn outcome(&self) -> &'static str {
        match self {
            Applied::Settled(Settled::Moved(_)) => "moved",
            Applied::Settled(Settled::Unchanged) => "unchanged",
            Applied::Settled(Settled::AttemptsExhausted) => "attempts_exhausted",
            Applied::PostIdRecorded => "post_id_recorded",
            Applied::UnknownPublish => "unknown_publish",
            Applied::EarlierAttempt => "earlier_attempt",
            Applied::Noted => "noted",
            Applied::AccountRemoved { .. } => "account_removed",
            Applied::UnknownAccount => "unknown_account",
            Applied::RemovalBeforeReconnect => "removal_before_reconnect",
            Applied::Ignored => "ignored",
        }
    }
}

/// An infrastructure failure: nothing is marked, TikTok retries.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Disconnect(#[from] DisconnectError),
}

pub async fn apply(deps: &Deps, event: &Event) -> Result<Applied, ApplyError> {
    match event {
        Event::Publish { publish_id, news } => Ok(publish(deps, publish_id, news).await?),
        Event::AuthorizationRemoved { open_id, created_at } => removed(deps, open_id, *created_at).await,
        Event::Other => Ok(Applied::Ignored),
    }
}

async fn publish(deps: &Deps, publish_id: &PublishId, news: &PublishNews) -> Result<Applied, StoreError> {
    let publish = publish_id.short_hash();
    let Some((_, Some(post))) = deps.keeper.posts.by_publish_id(&publish_id.0).await? else {
        tracing::info!(%publish, "no post for this publish here");
        return Ok(Applied::UnknownPublish);
    };
    if !about_current_attempt(&post, publish_id) {
        tracing::info!(%publish, post = %post.id, "news of an earlier publish attempt");
        return Ok(Applied::EarlierAttempt);
    }
    let verdict = match news {
        PublishNews::Complete => Verdict::Published { post_id: None },
        PublishNews::InboxDelivered => Verdict::InboxDelivered,
        PublishNews::Failed(reason) => Verdict::of_failure(reason.clone()),
        PublishNews::PubliclyAvailable { post_id } => return public(deps, post, post_id).await,
        PublishNews::NoLongerPublic => {
            tracing::warn!(%publish, post = %post.id, "the post is no longer publicly available on TikTok");
            return Ok(Applied::Noted);
        }
    };
    let settled = settle_as_webhook(deps, &post, &verdict).await?;
    tracing::info!(%publish, post = %post.id, from = %post.status, ?settled, "publish news applied");
    Ok(Applied::Settled(settled))
}

/// A late copy about an attempt TikTok already ended must not settle the
/// attempt that followed it. The publisher stores a `publish_id` as the post
/// leaves `INITIATING`, so a post initiating while it carries this id is
/// starting a new attempt after it; one carrying another id has moved on;
/// one carrying none has only this attempt (its own write was lost).
fn about_current_attempt(post: &Post, publish_id: &PublishId) -> bool {
    match &post.publish_id {
        None => true,
        Some(current) => current == &publish_id.0 && post.status != PostStatus::Initiating,
    }
}

async fn settle_as_webhook(deps: &Deps, post: &Post, verdict: &Verdict) -> Result<Settled, StoreError> {
    let retry_at = OffsetDateTime::now_utc() + RETRY_AFTER;
    settle(&deps.keeper.posts, post, verdict, BY, retry_at, deps.config.max_attempts).await
}

/// The public post id: recorded on a published post; a post still in
/// TikTok's hands is settled as published with it.
async fn public(deps: &Deps, mut post: Post, post_id: &str) -> Result<Applied, StoreError> {
    if post.status != PostStatus::Published {
        let verdict = Verdict::Published { post_id: Some(post_id.to_owned()) };
        let settled = settle_as_webhook(deps, &post, &verdict).await?;
        if settled != Settled::Unchanged {
            tracing::info!(post = %post.id, from = %post.status, ?settled, "published with its public id");
            return Ok(Applied::Settled(settled));
        }
        // A status check may have just published it without the id.
        match deps.keeper.posts.get(&post.tenant, &post.id).await? {
            Some(now) => post = now,
            None => return Ok(Applied::UnknownPublish),
        }
    }
    let recorded = record_public_id(&deps.keeper.posts, &post, post_id).await?;
    tracing::info!(post = %post.id, recorded, "public post id");
    Ok(if recorded { Applied::PostIdRecorded } else { Applied::Settled(Settled::Unchanged) })
}

async fn removed(deps: &Deps, open_id: &str, created_at: i64) -> Result<Applied, ApplyError> {
    let creator = short_hash(open_id);
    let Some(account) = deps.keeper.accounts.by_open_id(open_id).await? else {
        tracing::info!(%creator, "no account for this creator here");
        return Ok(Applied::UnknownAccount);
    };
    if reconnected_after(&account, created_at) {
        tracing::info!(%creator, account = %account.id, "removal predates the current connection");
        return Ok(Applied::RemovalBeforeReconnect);
    }
    let done = disconnect(&deps.keeper, &account, DisconnectCause::RemovedAtTikTok).await?;
    tracing::warn!(%creator, account = %account.id, held = done.held_posts, "creator removed the app");
    Ok(Applied::AccountRemoved { held_posts: done.held_posts })
}

/// TikTok retries a delivery for 72 h, so a removal can arrive after the
/// creator connected again. An active account's `updated_at` is its last
/// token write (a connect or a refresh, both proof the grant lived then):
/// a removal from before that second is over.
fn reconnected_after(account: &Account, created_at: i64) -> bool {
    account.status == AccountStatus::Active
        && OffsetDateTime::parse(&account.updated_at, &Rfc3339)
            .is_ok_and(|at| created_at < at.unix_timestamp())
}
