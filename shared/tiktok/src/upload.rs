//! Chunk PUTs of a FILE_UPLOAD, in plan order.

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use reqwest::StatusCode;

use super::chunks::{Chunk, ChunkPlan};
use super::client::{read_body, retry_after, TikTokClient};
use super::error::{classify_by_status, ApiFailure, Mutation, TikTokError, UploadRefusal};
use super::secrets::UploadUrl;

/// Container types TikTok accepts; a chunk PUT names one (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoContentType {
    Mp4,
    QuickTime,
    WebM,
}

impl VideoContentType {
    pub fn as_str(self) -> &'static str {
        match self {
            VideoContentType::Mp4 => "video/mp4",
            VideoContentType::QuickTime => "video/quicktime",
            VideoContentType::WebM => "video/webm",
        }
    }
}

/// What TikTok said to an accepted chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// 206: more chunks expected.
    MoreExpected,
    /// 201: the upload is complete.
    Complete,
}

impl TikTokClient {
    /// PUTs one chunk (`body` must be exactly the chunk's bytes) with
    /// `Content-Type`, `Content-Length` and `Content-Range: bytes FIRST-LAST/TOTAL`,
    /// under the upload budget. 5xx/429 retry the chunk; 403/404/416 are
    /// [`TikTokError::Upload`]; a lost answer is ambiguous.
    pub async fn upload_chunk(
        &self,
        upload_url: &UploadUrl,
        plan: &ChunkPlan,
        chunk: Chunk,
        content_type: VideoContentType,
        body: Bytes,
    ) -> Result<ChunkOutcome, TikTokError> {
        if plan.chunk(chunk.index) != Some(chunk) || body.len() as u64 != chunk.len() {
            return Err(TikTokError::Invalid(format!(
                "chunk {} does not match the plan or its body ({} bytes)",
                chunk.index,
                body.len()
            )));
        }
        let request = self
            .http
            .put(upload_url.expose_secret())
            .header(CONTENT_TYPE, content_type.as_str())
            .header(CONTENT_LENGTH, chunk.len())
            .header(CONTENT_RANGE, chunk.content_range(plan.video_size()))
            .body(body);
        let response = self.send(request, self.config.upload_timeout, Mutation::Mutating).await?;
        let status = response.status();
        let after = retry_after(&response);
        // Drain the body so the connection can be reused; its content does not matter.
        let _ = read_body(response, Mutation::Mutating).await;
        tracing::debug!(http_status = status.as_u16(), chunk = chunk.index, "TikTok chunk answered");
        chunk_outcome(status, after)
    }
}

/// Maps a chunk PUT's status to its outcome or error class.
pub fn chunk_outcome(
    status: StatusCode,
    retry_after: Option<std::time::Duration>,
) -> Result<ChunkOutcome, TikTokError> {
    let failure = |code: &str| ApiFailure {
        http_status: Some(status.as_u16()),
        code: code.to_owned(),
        message: String::new(),
        log_id: None,
    };
    let refused = |refusal, code| Err(TikTokError::Upload { refusal, failure: failure(code) });
    match status.as_u16() {
        206 => Ok(ChunkOutcome::MoreExpected),
        201 => Ok(ChunkOutcome::Complete),
        // Any other 2xx: TikTok took the bytes but said something we do not understand.
        200..=299 => {
            Err(TikTokError::Ambiguous { detail: format!("chunk PUT answered {}", status.as_u16()) })
        }
        403 => refused(UploadRefusal::UrlExpired, "upload_url_expired"),
        404 => refused(UploadRefusal::NoSuchUpload, "upload_not_found"),
        416 => refused(UploadRefusal::RangeMismatch, "range_not_satisfiable"),
        code => Err(classify_by_status(failure(&format!("http_{code}")), retry_after)),
    }
}
