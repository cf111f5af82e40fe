//! A post's life after init: the status machine (upload/download → processing → inbox or
//! published, or failed), the ledger of published posts, and the status/cancel endpoints.

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::auth::{authenticate, Caller};
use crate::chunks::ChunkPlan;
use crate::envelope::{ok, ApiError};
use crate::limits;
use crate::state::{LedgerEntry, Sandbox, Shared};
use crate::webhooks;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    ProcessingUpload,
    ProcessingDownload,
    SendToUserInbox,
    PublishComplete,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProcessingUpload => "PROCESSING_UPLOAD",
            Self::ProcessingDownload => "PROCESSING_DOWNLOAD",
            Self::SendToUserInbox => "SEND_TO_USER_INBOX",
            Self::PublishComplete => "PUBLISH_COMPLETE",
            Self::Failed => "FAILED",
        }
    }

    fn is_final(self) -> bool {
        matches!(self, Self::SendToUserInbox | Self::PublishComplete | Self::Failed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostMode {
    DirectPost,
    /// Inbox draft (`inbox/video/init` or photo `MEDIA_UPLOAD`).
    Inbox,
}

#[derive(Debug, Clone)]
pub enum Source {
    FileUpload(ChunkPlan),
    PullFromUrl,
}

#[derive(Debug, Clone)]
pub struct Post {
    pub publish_id: String,
    pub open_id: String,
    pub photo: bool,
    pub source: Source,
    pub mode: PostMode,
    pub privacy_level: Option<String>,
    pub status: Status,
    pub fail_reason: Option<String>,
    pub uploaded_bytes: u64,
    pub downloaded_bytes: u64,
    pub next_chunk: u64,
    /// Running hash of the video bytes accepted so far (chunks in order, or the pulled body).
    pub content: Sha256,
    /// Hash of each photo pulled so far, in order.
    pub images_sha256: Vec<String>,
    pub upload_expires_at_ms: i64,
    pub caption_sha256: Option<String>,
    pub post_id: Option<String>,
    pub created_at_ms: i64,
}

impl Post {
    fn publish_type(&self) -> &'static str {
        match self.mode {
            PostMode::DirectPost => "DIRECT_PUBLISH",
            PostMode::Inbox => "INBOX_SHARE",
        }
    }

    fn ledger_entry(&self, now_secs: i64) -> LedgerEntry {
        LedgerEntry {
            open_id: self.open_id.clone(),
            publish_id: self.publish_id.clone(),
            media_type: if self.photo { "PHOTO" } else { "VIDEO" },
            source: match self.source {
                Source::FileUpload(_) => "FILE_UPLOAD",
                Source::PullFromUrl => "PULL_FROM_URL",
            },
            post_mode: match self.mode {
                PostMode::DirectPost => "DIRECT_POST",
                PostMode::Inbox => "MEDIA_UPLOAD",
            },
            status: self.status.as_str(),
            bytes_received: self.uploaded_bytes + self.downloaded_bytes,
            content_sha256: (!self.photo).then(|| hex::encode(self.content.clone().finalize())),
            images_sha256: self.images_sha256.clone(),
            caption_sha256: self.caption_sha256.clone(),
            post_id: self.post_id.clone(),
            published_at: now_secs,
        }
    }
}

/// Media is in: after the processing delay the post lands in the inbox or is published.
pub fn start_processing(state: &Shared, publish_id: &str) {
    let delay = Duration::from_millis(state.settings().processing_delay_ms);
    let state = state.clone();
    let publish_id = publish_id.to_string();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        complete(&state, &publish_id);
    });
}

fn complete(state: &Sandbox, publish_id: &str) {
    let now = state.now_secs();
    let mut events = Vec::new();
    {
        let mut store = state.store();
        let Some(post) = store.posts.get_mut(publish_id) else { return };
        if post.status.is_final() {
            return;
        }
        let publish_type = post.publish_type();
        match post.mode {
            PostMode::Inbox => {
                post.status = Status::SendToUserInbox;
                events.push((
                    "post.publish.inbox_delivered",
                    json!({"publish_id": publish_id, "publish_type": publish_type}),
                ));
            }
            PostMode::DirectPost => {
                post.status = Status::PublishComplete;
                let post_id = format!(
                    "{}",
                    rand::rng().random_range(7_400_000_000_000_000_000u64..7_500_000_000_000_000_000)
                );
                post.post_id = Some(post_id.clone());
                events.push((
                    "post.publish.complete",
                    json!({"publish_id": publish_id, "publish_type": publish_type}),
                ));
                if post.privacy_level.as_deref() == Some("PUBLIC_TO_EVERYONE") {
                    events.push((
                        "post.publish.publicly_available",
                        json!({"publish_id": publish_id, "post_id": post_id, "publish_type": publish_type}),
                    ));
                }
            }
        }
        let entry = post.ledger_entry(now);
        let open_id = post.open_id.clone();
        store.ledger.push(entry);
        drop(store);
        tracing::info!(%publish_id, "post completed");
        for (event, content) in events {
            webhooks::emit(state, &open_id, event, content);
        }
    }
}

/// Fails a post that is not final yet; `post.publish.failed` goes out.
pub fn fail(state: &Sandbox, publish_id: &str, reason: &str) -> bool {
    let (open_id, publish_type) = {
        let mut store = state.store();
        let Some(post) = store.posts.get_mut(publish_id) else { return false };
        if post.status.is_final() {
            return false;
        }
        post.status = Status::Failed;
        post.fail_reason = Some(reason.to_string());
        (post.open_id.clone(), post.publish_type())
    };
    tracing::info!(%publish_id, %reason, "post failed");
    let content = json!({"publish_id": publish_id, "reason": reason, "publish_type": publish_type});
    webhooks::emit(state, &open_id, "post.publish.failed", content);
    true
}

#[derive(Deserialize)]
pub struct PublishIdBody {
    publish_id: String,
}

/// The caller, its `open_id` and the `publish_id` it names: what the status
/// and cancel endpoints both start from.
fn publish_call(
    state: &Shared,
    headers: &HeaderMap,
    body: Result<Json<PublishIdBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(Caller, String, String), ApiError> {
    let caller = authenticate(state, headers, None)?;
    let open_id = caller.open_id()?.to_string();
    let Json(body) = body.map_err(|e| ApiError::invalid_params(e.body_text()))?;
    Ok((caller, open_id, body.publish_id))
}

pub async fn status(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<PublishIdBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let (caller, open_id, publish_id) = publish_call(&state, &headers, body)?;
    let mut store = state.store();
    limits::take(&mut store, &caller.token, limits::STATUS, state.now_ms())?;
    let post = store
        .posts
        .get(&publish_id)
        .filter(|p| p.open_id == open_id)
        .ok_or_else(|| ApiError::invalid_params("publish_id not found"))?;
    let mut data = json!({
        "status": post.status.as_str(),
        "uploaded_bytes": post.uploaded_bytes,
        "downloaded_bytes": post.downloaded_bytes,
        "publicaly_available_post_id": Vec::<Value>::new(),
    });
    if let Some(reason) = &post.fail_reason {
        data["fail_reason"] = json!(reason);
    }
    if post.status == Status::PublishComplete && post.privacy_level.as_deref() == Some("PUBLIC_TO_EVERYONE") {
        if let Some(id) = &post.post_id {
            data["publicaly_available_post_id"] = json!([id.parse::<u64>().unwrap_or_default()]);
        }
    }
    Ok(ok(data))
}

pub async fn cancel(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Result<Json<PublishIdBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let (_, open_id, publish_id) = publish_call(&state, &headers, body)?;
    let owned = state.store().posts.get(&publish_id).is_some_and(|p| p.open_id == open_id);
    if !owned {
        return Err(ApiError::invalid_params("publish_id not found"));
    }
    if !fail(&state, &publish_id, "publish_cancelled") {
        return Err(ApiError::invalid_params("the post can no longer be cancelled"));
    }
    Ok(ok(json!({})))
}
