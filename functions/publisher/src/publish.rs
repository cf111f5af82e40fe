//! `Publish`: claim the post under a lease, get a valid token, respect the
//! shared rate limits, re-check creator_info, and call TikTok's init exactly
//! once — storing the `publish_id` before anything else — then upload the
//! video or let TikTok pull the photos, and hand over to status checks.
//!
//! Never twice: once `INITIATING` is written, this post is never initiated
//! again unless TikTok itself reported the attempt failed. A lost init
//! answer, or a crash before the `publish_id` is stored, ends in
//! `NEEDS_ATTENTION`.

use std::time::Duration as StdDuration;

use aws_sdk_dynamodb::types::AttributeValue;
use shared::account::TokenError;
use shared::dynamo::s;
use shared::error::StoreError;
use shared::media::store::{MediaItem, MediaStatus};
use shared::media::{MediaId, MediaKind};
use shared::post::intake::{CreatorChoice, CreatorRules};
use shared::post::queue::{status_check_delay, Outgoing, PublishMessage};
use shared::post::{Post, PostKind, PostStatus, PublishRef, Transition, TransitionError};
use shared::tenant::TenantId;
use tiktok::{AccessToken, ErrorClass, InitResponse, PostMode, TikTokError};
use time::{Duration, OffsetDateTime};

use crate::limits::Call;
use crate::{init, upload, Deps};

/// Handles one `Publish` message. `Err` is an infrastructure failure: the
/// message is redelivered.
pub async fn publish(deps: &Deps, tenant: &TenantId, post_id: &str, message: &str) -> Result<(), StoreError> {
    let Some(post) = deps.posts.get(tenant.as_str(), post_id).await? else {
        tracing::warn!("publish message for a post that does not exist; dropped");
        return Ok(());
    };
    let now = OffsetDateTime::now_utc();
    let lease_expired = post.lease_expires_at.is_none_or(|t| t < now.unix_timestamp());
    match post.status {
        PostStatus::Queued => {}
        PostStatus::Uploading if lease_expired => return interrupted_upload(deps, &post).await,
        PostStatus::Initiating if lease_expired && post.publish_id.is_none() => {
            return needs_attention(deps, &post, post.lease_owner.as_deref()).await;
        }
        status => {
            // A duplicate delivery, or a post another publisher holds or
            // already finished: nothing to do.
            tracing::info!(%status, "publish message for a post not queued; dropped");
            return Ok(());
        }
    }
    let owner = format!("{}:{message}", deps.owner);
    let lease_until = now + Duration::seconds(deps.config.lease.as_secs() as i64);
    let claim = Transition::new(PostStatus::Publishing, "publisher", "claimed for publishing")
        .with("lease_owner", s(owner.clone()))
        .with("lease_expires_at", AttributeValue::N(lease_until.unix_timestamp().to_string()))
        .due_at(lease_until);
    let post = match deps.posts.transition(tenant.as_str(), post_id, PostStatus::Queued, claim).await {
        Ok(post) => post,
        Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => {
            tracing::info!("another publisher claimed the post first");
            return Ok(());
        }
        Err(TransitionError::Store(e)) => return Err(e),
    };
    let lateness = (now - due_time(&post)).as_seconds_f64().max(0.0);
    Claimed { deps, post, owner }.run(lateness).await
}

fn due_time(post: &Post) -> OffsetDateTime {
    OffsetDateTime::parse(&post.scheduled_at, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

/// A post this invocation holds the lease on.
struct Claimed<'a> {
    deps: &'a Deps,
    post: Post,
    owner: String,
}

/// Why a claimed post stops before init, and where it goes.
pub(crate) enum Stop {
    /// Wait and try again at this time (rate limit, daily cap, TikTok busy).
    Wait { until: OffsetDateTime, reason: String, metric: &'static str },
    /// The account needs to be connected again.
    Hold(String),
    /// This post cannot succeed as it is.
    Fail(String),
    /// Our infrastructure failed: leave the post claimed, the lease expires
    /// and the dispatcher re-queues it.
    Infra(StoreError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Infra(e)
    }
}

impl Claimed<'_> {
    async fn run(self, lateness_secs: f64) -> Result<(), StoreError> {
        let prepared = match self.prepare().await {
            Ok(prepared) => prepared,
            Err(stop) => return self.stop(PostStatus::Publishing, stop).await,
        };
        self.deps.metrics.emit(&[], &[("PublishLateness", lateness_secs, shared::emf::Unit::Seconds)]);
        self.initiate(prepared).await
    }

    /// Everything before init: token, media, limits, creator_info.
    async fn prepare(&self) -> Result<Prepared, Stop> {
        let post = &self.post;
        let token = match self.deps.keeper.access_token(&post.account_id).await {
            Ok(token) => token,
            Err(e) => return Err(token_stop(e)),
        };
        let media = self.media().await?;
        let now = OffsetDateTime::now_utc();
        self.take(Call::CreatorInfo, now, "creator_info rate limit").await?;
        let (token, info) = match self.deps.client().creator_info(&token).await {
            Ok(info) => (token, info),
            Err(e) if refresh_may_help(&e) => {
                // Expired or revoked at TikTok before our recorded expiry:
                // refresh once and ask again.
                let token = self.refreshed(&token).await?;
                self.take(Call::CreatorInfo, now, "creator_info rate limit").await?;
                match self.deps.client().creator_info(&token).await {
                    Ok(info) => (token, info),
                    Err(e) => return Err(self.after_refresh(&e, "creator_info").await),
                }
            }
            Err(e) => return Err(tiktok_stop(&e, "creator_info")),
        };
        let settings = &post.settings;
        let video_seconds = media.first().and_then(|m| m.facts.as_ref()).and_then(|f| f.duration_seconds);
        let choice = CreatorChoice {
            privacy_level: &settings.privacy_level,
            disable_comment: settings.disable_comment,
            disable_duet: settings.disable_duet,
            disable_stitch: settings.disable_stitch,
            brand_content_toggle: settings.brand_content_toggle,
            video_seconds: if settings.kind == PostKind::Video { video_seconds } else { None },
            kind: settings.kind,
            post_mode: settings.post_mode,
        };
        CreatorRules { info: &info }
            .check(&choice)
            .map_err(|e| Stop::Fail(format!("the creator's current TikTok settings refuse the post: {e}")))?;
        self.take(Call::DailyPost, now, "the creator's daily post cap").await?;
        // The init slot as late as possible: TikTok's minute starts when the
        // init arrives.
        let init_at = OffsetDateTime::now_utc();
        if let Err(stop) = self.take(Call::Init, init_at, "init rate limit").await {
            // No post is started this time: the day's slot is not used up.
            self.give_back_daily(now).await;
            return Err(stop);
        }
        Ok(Prepared { token, media, counted_at: now, init_at })
    }

    /// A fresh token after TikTok rejected `rejected`; a refused refresh
    /// holds the post (the keeper marked the account `REAUTH_REQUIRED`).
    async fn refreshed(&self, rejected: &AccessToken) -> Result<AccessToken, Stop> {
        tracing::info!("TikTok rejected the access token; refreshing once");
        self.deps.keeper.refresh_rejected(&self.post.account_id, rejected).await.map_err(token_stop)
    }

    /// Where a failure of the call made again with a refreshed token sends
    /// the post: a fresh token refused too means the account needs to be
    /// connected again (refresh once, then re-auth).
    async fn after_refresh(&self, e: &TikTokError, call: &str) -> Stop {
        if !matches!(e.class(), ErrorClass::Reauth { .. }) {
            return tiktok_stop(e, call);
        }
        let reason = format!("TikTok refused a freshly refreshed token ({call}): {e}");
        match self.deps.keeper.accounts.get(&self.post.account_id).await {
            Ok(Some(account)) => {
                if let Err(e) = self.deps.keeper.require_reauth(&account, &reason).await {
                    return Stop::Infra(e);
                }
            }
            Ok(None) => {}
            Err(e) => return Stop::Infra(e),
        }
        Stop::Hold(format!("the account needs to be connected again: {reason}"))
    }

    /// Returns the day's post slot taken at `at` when no post was started.
    async fn give_back_daily(&self, at: OffsetDateTime) {
        if let Err(e) = self.deps.limiter.give_back_daily(&self.post.account_id, at).await {
            // The count stays one too high for the day: stricter, never laxer.
            tracing::warn!(error = %e, "the daily post slot could not be given back");
        }
    }

    async fn take(&self, call: Call, now: OffsetDateTime, what: &str) -> Result<(), Stop> {
        match self.deps.limiter.take(&self.post.account_id, call, now).await? {
            None => Ok(()),
            Some(next) => Err(Stop::Wait {
                until: next + jitter(),
                reason: format!("{what} reached; next attempt when the window opens"),
                metric: "RateLimited",
            }),
        }
    }

    /// The post's media as stored: every item READY, keys from the items.
    async fn media(&self) -> Result<Vec<MediaItem>, Stop> {
        let tenant =
            TenantId::parse(&self.post.tenant).ok_or_else(|| Stop::Fail("corrupt tenant id".into()))?;
        let mut items = Vec::with_capacity(self.post.settings.media_ids.len());
        for raw in &self.post.settings.media_ids {
            let id = MediaId::parse(raw).map_err(|e| Stop::Fail(e.to_string()))?;
            let item = self.deps.media.get(&tenant, &id).await?;
            match item {
                Some(item) if item.status == MediaStatus::Ready => items.push(item),
                _ => return Err(Stop::Fail(format!("media {raw} is no longer available or not ready"))),
            }
        }
        if items.is_empty() {
            return Err(Stop::Fail("the post has no media".into()));
        }
        Ok(items)
    }

    /// INITIATING, init, the publish reference, then UPLOADING/PROCESSING.
    async fn initiate(mut self, prepared: Prepared) -> Result<(), StoreError> {
        let post = &self.post;
        let attempts = post.attempts + 1;
        let t = Transition::new(
            PostStatus::Initiating,
            "publisher",
            format!("calling TikTok's init (attempt {attempts})"),
        )
        .under_lease(&self.owner)
        .with("attempts", AttributeValue::N(attempts.to_string()))
        .due_at(lease_end(post));
        let post = match self.deps.posts.transition(&post.tenant, &post.id, PostStatus::Publishing, t).await {
            Ok(post) => post,
            Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => {
                tracing::warn!("lost the lease before init; nothing sent to TikTok");
                return Ok(());
            }
            Err(TransitionError::Store(e)) => return Err(e),
        };
        // This init counts from here: a refusal that leaves the post waiting
        // compares the attempts made, this one included, with the limit.
        self.post.attempts = post.attempts;
        let plan = match init::plan(self.deps, &post, &prepared.media).await {
            Ok(plan) => plan,
            Err(stop) => return self.stop(PostStatus::Initiating, stop).await,
        };
        let mut token = prepared.token.clone();
        let mut answer = init::call(self.deps.client(), &token, &plan).await;
        if answer.as_ref().is_err_and(refresh_may_help) {
            // TikTok answered 401 and created nothing: refresh once, init again.
            token = match self.refreshed(&prepared.token).await {
                Ok(token) => token,
                Err(stop) => {
                    self.give_back_daily(prepared.counted_at).await;
                    return self.stop(PostStatus::Initiating, stop).await;
                }
            };
            answer = match init::call(self.deps.client(), &token, &plan).await {
                Err(e) if matches!(e.class(), ErrorClass::Reauth { .. }) => {
                    self.give_back_daily(prepared.counted_at).await;
                    let stop = self.after_refresh(&e, "init").await;
                    return self.stop(PostStatus::Initiating, stop).await;
                }
                other => other,
            };
        }
        // The init slot counts from TikTok's answer: TikTok's minute started
        // when the init arrived, which may be well after the slot was taken.
        let answered = OffsetDateTime::now_utc();
        if let Err(e) =
            self.deps.limiter.settle(&post.account_id, Call::Init, prepared.init_at, answered).await
        {
            tracing::warn!(error = %e, "the init slot keeps the time it was taken");
        }
        let init: InitResponse = match answer {
            Ok(init) => init,
            Err(e) if e.class() == ErrorClass::Ambiguous => {
                return needs_attention(self.deps, &post, Some(&self.owner)).await;
            }
            Err(e) => {
                // TikTok answered: nothing was created, the day's slot is free.
                self.give_back_daily(prepared.counted_at).await;
                return self.stop(PostStatus::Initiating, tiktok_stop(&e, "init")).await;
            }
        };
        // The reference first: if we die before the post records the id, a
        // webhook or an operator can still find the post.
        let publish_id = init.publish_id.0.clone();
        self.deps
            .posts
            .record_publish_ref(&PublishRef {
                publish_id: publish_id.clone(),
                tenant: post.tenant.clone(),
                post_id: post.id.clone(),
                account_id: post.account_id.clone(),
            })
            .await?;
        let uploading = plan.is_upload();
        let to = if uploading { PostStatus::Uploading } else { PostStatus::Processing };
        let now = OffsetDateTime::now_utc();
        let t = Transition::new(to, "publisher", "TikTok accepted the init")
            .under_lease(&self.owner)
            .with("publish_id", s(publish_id))
            .due_at(if uploading { lease_end(&post) } else { now + Duration::minutes(15) });
        let post = match self.deps.posts.transition(&post.tenant, &post.id, PostStatus::Initiating, t).await {
            Ok(post) => post,
            Err(TransitionError::Store(e)) => return Err(e),
            Err(e) => {
                // Our lease was taken (it expired): the dispatcher marked the
                // post NEEDS_ATTENTION; the reference lets a webhook settle it.
                tracing::error!(error = %e, "could not record the publish id under the lease");
                return Ok(());
            }
        };
        if let (true, Some(url)) = (uploading, init.upload_url.as_ref()) {
            let progress =
                upload::Progress { account: &post.account_id, token: &token, publish_id: &init.publish_id };
            match upload::send_chunks(self.deps, &plan, url, &progress).await {
                Ok(()) => {
                    let t = Transition::new(PostStatus::Processing, "publisher", "upload complete")
                        .under_lease(&self.owner)
                        .due_at(OffsetDateTime::now_utc() + Duration::minutes(15));
                    match self.deps.posts.transition(&post.tenant, &post.id, PostStatus::Uploading, t).await {
                        Ok(_) | Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => {}
                        Err(TransitionError::Store(e)) => return Err(e),
                    }
                }
                Err(reason) => {
                    self.deps.metrics.count("Failed", 1, &[("Reason", "upload")]);
                    let t = Transition::new(PostStatus::Failed, "publisher", reason).under_lease(&self.owner);
                    return ignore_conflict(
                        self.deps.posts.transition(&post.tenant, &post.id, PostStatus::Uploading, t).await,
                    );
                }
            }
        }
        let check = PublishMessage::CheckStatus {
            tenant: TenantId::parse(&post.tenant).unwrap_or_default(),
            post_id: shared::ids::PostId::parse(&post.id).unwrap_or_default(),
            check: 0,
        };
        // If this send fails the dispatcher sends the check when the
        // post's due-index reminder comes.
        if let Err(e) = self.deps.queue.send(&Outgoing { message: check, delay: status_check_delay(0) }).await
        {
            tracing::warn!(error = %e, "status check not queued; the dispatcher will send it");
        }
        Ok(())
    }

    /// Moves the claimed post (in `from`) where `stop` says.
    async fn stop(&self, from: PostStatus, stop: Stop) -> Result<(), StoreError> {
        let post = &self.post;
        let (to, reason, until, metric) = match stop {
            Stop::Infra(e) => return Err(e),
            Stop::Wait { until, reason, metric }
                if post.attempts < self.deps.config.max_attempts || metric == "RateLimited" =>
            {
                let until = if metric == "Retried" { exponential(until, post.attempts) } else { until };
                (PostStatus::RetryWait, reason, Some(until), metric)
            }
            Stop::Wait { reason, .. } => {
                (PostStatus::Failed, format!("{reason}; no attempts left"), None, "Failed")
            }
            Stop::Hold(reason) => (PostStatus::Held, reason, None, "Held"),
            Stop::Fail(reason) => (PostStatus::Failed, reason, None, "Failed"),
        };
        self.deps.metrics.count(metric, 1, &[]);
        let mut t = Transition::new(to, "publisher", reason).under_lease(&self.owner);
        if let Some(until) = until {
            t = t.due_at(until);
        }
        ignore_conflict(self.deps.posts.transition(&post.tenant, &post.id, from, t).await)
    }
}

struct Prepared {
    token: AccessToken,
    media: Vec<MediaItem>,
    /// When the day's post slot was taken.
    counted_at: OffsetDateTime,
    /// When the init slot was taken.
    init_at: OffsetDateTime,
}

/// TikTok's `access_token_invalid`: one refresh may fix the call.
fn refresh_may_help(e: &TikTokError) -> bool {
    matches!(e.class(), ErrorClass::Reauth { refresh_may_help: true })
}

fn lease_end(post: &Post) -> OffsetDateTime {
    post.lease_expires_at
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .unwrap_or_else(|| OffsetDateTime::now_utc() + Duration::minutes(16))
}

/// Spreads retries of many posts so they do not arrive in one burst.
pub fn jitter() -> Duration {
    Duration::milliseconds(rand::random_range(0..5_000))
}

/// Where a token failure sends the post.
fn token_stop(e: TokenError) -> Stop {
    match e {
        TokenError::ReauthRequired(reason) => {
            Stop::Hold(format!("the account needs to be connected again: {reason}"))
        }
        TokenError::NotFound => Stop::Fail("the account no longer exists".into()),
        TokenError::Vault(v) => {
            Stop::Hold(format!("the stored token cannot be opened ({v}); connect the account again"))
        }
        e if e.is_retryable() => Stop::Wait {
            until: OffsetDateTime::now_utc() + Duration::seconds(30) + jitter(),
            reason: format!("token not available yet: {e}"),
            metric: "Retried",
        },
        e => Stop::Hold(format!("no valid token: {e}")),
    }
}

/// Where a TikTok failure before or at init sends the post. Nothing reached
/// TikTok's side in any of these (Ambiguous is handled by the caller).
fn tiktok_stop(e: &TikTokError, call: &str) -> Stop {
    match e.class() {
        ErrorClass::Retry { after } => Stop::Wait {
            until: OffsetDateTime::now_utc()
                + Duration::try_from(backoff(after)).unwrap_or(Duration::minutes(1)),
            reason: format!("TikTok {call} failed, will retry: {e}"),
            // TikTok's own rate limit is a wait like ours, never a failure.
            metric: if e.failure().is_some_and(|f| f.code == "rate_limit_exceeded") {
                "RateLimited"
            } else {
                "Retried"
            },
        },
        ErrorClass::Wait => Stop::Wait {
            until: OffsetDateTime::now_utc() + Duration::hours(1) + jitter(),
            reason: format!("TikTok asks to wait ({call}): {e}"),
            metric: "RateLimited",
        },
        ErrorClass::Reauth { .. } => {
            Stop::Hold(format!("TikTok refused the account's authorization ({call}): {e}"))
        }
        ErrorClass::Permanent | ErrorClass::Ambiguous => {
            Stop::Fail(format!("TikTok refused the {call}: {e}"))
        }
    }
}

/// Stretches the wait until `until` (TikTok's hint with jitter) for the
/// attempts already made: doubled for each after the first, capped at 15
/// minutes — capped exponential backoff across attempts.
fn exponential(until: OffsetDateTime, attempts: u32) -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    let wait = (until - now).max(Duration::ZERO);
    let factor = 1i32 << attempts.saturating_sub(1).min(10);
    now + (wait * factor).min(Duration::minutes(15)).max(wait.min(Duration::minutes(15)))
}

/// Backoff with jitter around TikTok's hint, at least 2 s, at most 15 min.
fn backoff(hint: StdDuration) -> StdDuration {
    let base = hint.max(StdDuration::from_secs(2)).min(StdDuration::from_secs(900));
    base + StdDuration::from_millis(rand::random_range(0..base.as_millis().min(10_000) as u64 + 1))
}

fn ignore_conflict(result: Result<Post, TransitionError>) -> Result<(), StoreError> {
    match result {
        Ok(_) | Err(TransitionError::Conflict { .. } | TransitionError::Refused { .. }) => Ok(()),
        Err(TransitionError::Store(e)) => Err(e),
    }
}

/// INITIATING without a `publish_id` and no live lease: TikTok may or may not
/// have created the post. Never initiated again; the tenant or TikTok's
/// own word settles it.
async fn needs_attention(deps: &Deps, post: &Post, lease: Option<&str>) -> Result<(), StoreError> {
    deps.metrics.count("NeedsAttention", 1, &[]);
    let mut t = Transition::new(
        PostStatus::NeedsAttention,
        "publisher",
        "TikTok's answer to init was lost: TikTok may have created the post. Check the creator's profile \
         and resolve with POST /posts/{id}/resolve",
    );
    if let Some(owner) = lease {
        t = t.under_lease(owner);
    }
    ignore_conflict(deps.posts.transition(&post.tenant, &post.id, PostStatus::Initiating, t).await)
}

/// An upload whose publisher stopped: TikTok discards an unfinished upload,
/// and a second init is never sent for a post that has a `publish_id`.
async fn interrupted_upload(deps: &Deps, post: &Post) -> Result<(), StoreError> {
    deps.metrics.count("Failed", 1, &[("Reason", "upload_interrupted")]);
    let mut t = Transition::new(
        PostStatus::Failed,
        "publisher",
        "the upload was interrupted; TikTok discards unfinished uploads and the post is not initiated twice",
    );
    if let Some(owner) = post.lease_owner.as_deref() {
        t = t.under_lease(owner);
    }
    ignore_conflict(deps.posts.transition(&post.tenant, &post.id, PostStatus::Uploading, t).await)
}

/// Inbox drafts and direct posts share the pipeline; only the endpoint differs.
pub fn is_inbox(post: &Post) -> bool {
    post.settings.post_mode == PostMode::MediaUpload
}

/// Whether a media item is a video.
pub fn is_video(item: &MediaItem) -> bool {
    item.kind == MediaKind::Video
}
