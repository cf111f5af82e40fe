//! FILE_UPLOAD: each planned chunk is read from S3 with a ranged GET and
//! PUT to TikTok's upload URL, in order, holding one chunk in memory at a
//! time. A chunk that meets a 5xx, a 429 or a lost answer is sent again
//! (TikTok takes a re-sent chunk once); an expired upload URL fails the
//! post — never a second init.

use std::time::Duration;

use tiktok::{ChunkOutcome, ErrorClass, TikTokError, UploadRefusal, UploadUrl};

use crate::init::InitPlan;
use crate::Deps;

/// Tries per chunk before the upload is given up.
const CHUNK_TRIES: u32 = 5;

/// Uploads every chunk; `Err` is the reason the post fails.
pub async fn send_chunks(deps: &Deps, plan: &InitPlan, url: &UploadUrl) -> Result<(), String> {
    let Some(upload) = plan.upload() else { return Ok(()) };
    let ranges = deps.media.ranges(&upload.key);
    for chunk in upload.plan.chunks() {
        let mut tries = 0;
        loop {
            tries += 1;
            let body = ranges
                .read_exact(chunk.first, chunk.len())
                .await
                .map_err(|e| format!("reading chunk {} of the video failed: {e}", chunk.index))?;
            let answer =
                deps.client().upload_chunk(url, &upload.plan, chunk, upload.content_type, body).await;
            match answer {
                Ok(ChunkOutcome::Complete) => return Ok(()),
                Ok(ChunkOutcome::MoreExpected) => break,
                // Already taken: an earlier try's answer was lost.
                Err(TikTokError::Upload { refusal: UploadRefusal::RangeMismatch, .. }) if tries > 1 => break,
                Err(TikTokError::Upload { refusal: UploadRefusal::UrlExpired, .. }) => {
                    return Err("TikTok's upload URL expired before the upload finished (403)".into());
                }
                Err(e) if tries < CHUNK_TRIES && retryable(&e) => {
                    let wait = chunk_backoff(tries, &e);
                    tracing::warn!(chunk = chunk.index, tries, error = %e, "chunk upload will be retried");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(format!("TikTok refused chunk {} of the upload: {e}", chunk.index)),
            }
        }
    }
    Err("TikTok did not confirm the upload after the last chunk".into())
}

fn retryable(e: &TikTokError) -> bool {
    matches!(e.class(), ErrorClass::Retry { .. } | ErrorClass::Ambiguous)
}

/// 1 s, 2 s, 4 s ... capped at 30 s, at least TikTok's hint, with jitter.
fn chunk_backoff(tries: u32, e: &TikTokError) -> Duration {
    let hint = match e.class() {
        ErrorClass::Retry { after } => after,
        _ => Duration::ZERO,
    };
    let exp = Duration::from_secs(1u64 << tries.min(5)).min(Duration::from_secs(30));
    exp.max(hint.min(Duration::from_secs(30))) + Duration::from_millis(rand::random_range(0..500))
}
