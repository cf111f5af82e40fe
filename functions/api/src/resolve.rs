//! `POST /posts/{id}/resolve`: the tenant settles a post that needs
//! attention (TikTok's answer to an init was lost, so only the creator's
//! profile tells whether the post exists). `published` and `failed` record
//! what the tenant found; `retry` schedules the post again at once, due now,
//! and its history records the tenant's acceptance that TikTok may then
//! hold it twice. A webhook or status check may settle the post first: the
//! move is conditional, and the loser is told what the post became.

use std::marker::PhantomData;

use lambda_http::{http::StatusCode, Request};
use serde::de::{value::MapAccessDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use shared::http_surface::{json_body, json_response, ApiError, ApiResult, ErrorCode};
use shared::post::{Post, PostStatus, Transition, TransitionError};
use shared::tenant::TenantId;
use time::OffsetDateTime;

use crate::post_view::PostView;
use crate::Deps;

/// What the tenant found on TikTok, or chose to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The post is on the creator's profile.
    Published,
    /// It is not, and should not be tried again.
    Failed,
    /// Publish again now, accepting a possible duplicate on TikTok.
    Retry,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Published, Outcome::Failed, Outcome::Retry];

    fn status(self) -> PostStatus {
        match self {
            Outcome::Published => PostStatus::Published,
            Outcome::Failed => PostStatus::Failed,
            Outcome::Retry => PostStatus::Scheduled,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Outcome::Published => "resolved by the tenant: published on TikTok",
            Outcome::Failed => "resolved by the tenant: failed",
            Outcome::Retry => "resolved by the tenant: retry accepted, a duplicate on TikTok is possible",
        }
    }
}

/// The longest note a resolution keeps, in characters.
const NOTE_MAX_CHARS: usize = 500;

/// The tenant's own words on a resolution, at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Note(String);

impl TryFrom<String> for Note {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let chars = raw.chars().count();
        if chars > NOTE_MAX_CHARS {
            return Err(format!("note is {chars} characters; the limit is {NOTE_MAX_CHARS}"));
        }
        if let Some((position, c)) = foundation::text::forbidden_char(&raw) {
            return Err(foundation::text::forbidden_char_message("note", position, c));
        }
        Ok(Self(raw.trim().to_owned()))
    }
}

/// `POST /posts/{id}/resolve` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub outcome: Outcome,
    /// Kept in the post's history with the resolution (≤ 500 characters).
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub note: Option<Note>,
}

impl Resolution {
    /// The history reason: the outcome's, with the tenant's note.
    fn reason(&self) -> String {
        match self.note.as_ref().map(|n| n.0.as_str()).filter(|n| !n.is_empty()) {
            Some(note) => format!("{} (note: {note})", self.outcome.reason()),
            None => self.outcome.reason().to_owned(),
        }
    }
}

/// `T` from a JSON object only: a derived `Deserialize` would also take
/// `T`'s fields positionally from an array (`["retry"]`).
struct JsonObject<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(Object(PhantomData)).map(JsonObject)
    }
}

fn conflict(message: String) -> ApiError {
    ApiError::new(ErrorCode::Conflict, message)
}

#[utoipa::path(post, path = "/posts/{id}/resolve", tag = "posts", params(("id" = String, Path)),
    request_body = Resolution,
    responses((status = 429, body = crate::openapi::ErrorBody, description = "too many writes for this tenant this minute; see retry-after"), (status = 200, body = PostView, description = "resolved"),
        (status = 400, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody),
        (status = 409, body = crate::openapi::ErrorBody,
            description = "not NEEDS_ATTENTION, or settled meanwhile")),
    security(("api_key" = [])))]
pub async fn resolve(deps: &Deps, tenant: &TenantId, raw_id: &str, request: &Request) -> ApiResult {
    // The body is checked before anything is read, as for an edit.
    let JsonObject(resolution) = json_body::<JsonObject<Resolution>>(request, deps.config.max_body_bytes)?;
    deps.admit_write(tenant).await?;
    let post = crate::posts::owned(deps, tenant, raw_id).await?;
    apply(deps, tenant, post, &resolution).await
}

/// Applies `resolution` to `post` as read: a post that left
/// `NEEDS_ATTENTION` before the move is a 409 naming its status now.
pub async fn apply(deps: &Deps, tenant: &TenantId, post: Post, resolution: &Resolution) -> ApiResult {
    if post.status != PostStatus::NeedsAttention {
        return Err(conflict(format!(
            "the post is {}; only NEEDS_ATTENTION posts can be resolved",
            post.status
        )));
    }
    let mut t = Transition::new(resolution.outcome.status(), format!("api:{tenant}"), resolution.reason());
    if resolution.outcome == Outcome::Retry {
        // Filed as due now: the dispatcher's next tick queues it.
        t = t.due_at(OffsetDateTime::now_utc());
    }
    match deps.posts.transition(tenant.as_str(), &post.id, PostStatus::NeedsAttention, t).await {
        Ok(resolved) => Ok(json_response(StatusCode::OK, &PostView::from(resolved))),
        Err(TransitionError::Conflict { .. }) => {
            let now = deps
                .posts
                .get(tenant.as_str(), &post.id)
                .await?
                .ok_or_else(|| ApiError::not_found("post"))?;
            Err(conflict(format!("the post was already settled as {} meanwhile", now.status)))
        }
        Err(TransitionError::Refused { from, to }) => {
            tracing::error!(%from, %to, "the state machine refused a resolution");
            Err(ApiError::new(ErrorCode::Internal, "internal error"))
        }
        Err(TransitionError::Store(e)) => Err(e.into()),
    }
}
