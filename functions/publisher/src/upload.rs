//! FILE_UPLOAD: each planned chunk is read from S3 with a ranged GET and
//! PUT to TikTok's upload URL, in order, holding one chunk in memory at a
//! time. A chunk that meets a 5xx, a 429 or a lost answer is sent again
//! (TikTok takes a re-sent chunk once). A 416 means TikTok's progress is not
//! where this upload thinks: the upload asks TikTok how many bytes it holds
//! (`status/fetch`, `uploaded_bytes`) and goes on from the chunk that starts
//! there. An expired upload URL fails the post — never a second init.

use std::time::Duration;

use tiktok::{
    AccessToken, Chunk, ChunkOutcome, ChunkPlan, ErrorClass, PublishId, TikTokError, UploadRefusal, UploadUrl,
};
use time::OffsetDateTime;

use crate::init::InitPlan;
use crate::limits::Call;
use crate::Deps;

/// Tries per chunk before the upload is given up.
const CHUNK_TRIES: u32 = 5;

/// Times one upload may realign with TikTok's progress after a 416.
const RESUMES: u32 = 3;

/// The longest wait for a status call the rate limit allows.
const STATUS_WAIT_LIMIT: Duration = Duration::from_secs(60);

/// Where an upload goes on after TikTok said its progress is elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Send chunks again from this index.
    At(u64),
    /// TikTok holds every byte: the upload is complete.
    Complete,
}

/// The chunk that starts at `uploaded_bytes`; `None` when TikTok's count
/// does not fall on a chunk boundary of the plan (or passes its end).
pub fn resume_point(plan: &ChunkPlan, uploaded_bytes: u64) -> Option<Resume> {
    if uploaded_bytes == plan.video_size() {
        return Some(Resume::Complete);
    }
    plan.chunks().find(|c| c.first == uploaded_bytes).map(|c| Resume::At(c.index))
}

/// The upload's place at TikTok: the publish id and the token that may ask.
pub struct Progress<'a> {
    pub account: &'a str,
    pub token: &'a AccessToken,
    pub publish_id: &'a PublishId,
}

impl Progress<'_> {
    /// Asks TikTok how many bytes it holds, within the account's status
    /// limit shared by every publisher.
    async fn uploaded_bytes(&self, deps: &Deps) -> Result<u64, String> {
        loop {
            let now = OffsetDateTime::now_utc();
            let next = deps
                .limiter
                .take(self.account, Call::Status, now)
                .await
                .map_err(|e| format!("could not count the status call for the upload's progress: {e}"))?;
            let Some(next) = next else { break };
            let wait = Duration::try_from(next - now).unwrap_or_default();
            if wait > STATUS_WAIT_LIMIT {
                return Err("TikTok's progress could not be asked: the status rate limit is spent".into());
            }
            tokio::time::sleep(wait).await;
        }
        let status = deps
            .client()
            .fetch_status(self.token, self.publish_id)
            .await
            .map_err(|e| format!("asking TikTok for the upload's progress failed: {e}"))?;
        status.uploaded_bytes.ok_or_else(|| "TikTok did not say how many bytes of the upload it holds".into())
    }
}

/// Uploads every chunk; `Err` is the reason the post fails.
pub async fn send_chunks(
    deps: &Deps,
    plan: &InitPlan,
    url: &UploadUrl,
    progress: &Progress<'_>,
) -> Result<(), String> {
    let Some(upload) = plan.upload() else { return Ok(()) };
    let ranges = deps.media.ranges(&upload.key);
    let mut next = 0;
    let mut resumes = 0;
    while let Some(chunk) = upload.plan.chunk(next) {
        match send_chunk(deps, upload, url, &ranges, chunk).await? {
            Sent::Complete => return Ok(()),
            Sent::MoreExpected => next += 1,
            Sent::RangeMismatch => {
                resumes += 1;
                if resumes > RESUMES {
                    return Err(format!(
                        "TikTok kept refusing the upload's ranges (416) after {RESUMES} resumes"
                    ));
                }
                let held = progress.uploaded_bytes(deps).await?;
                tracing::warn!(
                    chunk = chunk.index,
                    held,
                    "TikTok's progress differs (416): resuming from it"
                );
                match resume_point(&upload.plan, held) {
                    Some(Resume::Complete) => return Ok(()),
                    Some(Resume::At(index)) => next = index,
                    None => {
                        return Err(format!(
                            "TikTok holds {held} bytes of the upload, which is no chunk boundary of its plan"
                        ))
                    }
                }
            }
        }
    }
    Err("TikTok did not confirm the upload after the last chunk".into())
}

/// What sending one chunk came to.
enum Sent {
    MoreExpected,
    Complete,
    /// 416: TikTok expects another range.
    RangeMismatch,
}

/// One chunk, tried again on 5xx, 429 and lost answers.
async fn send_chunk(
    deps: &Deps,
    upload: &crate::init::Upload,
    url: &UploadUrl,
    ranges: &shared::media::store::ObjectRanges<'_>,
    chunk: Chunk,
) -> Result<Sent, String> {
    let mut tries = 0;
    loop {
        tries += 1;
        let body = ranges
            .read_exact(chunk.first, chunk.len())
            .await
            .map_err(|e| format!("reading chunk {} of the video failed: {e}", chunk.index))?;
        let answer = deps.client().upload_chunk(url, &upload.plan, chunk, upload.content_type, body).await;
        match answer {
            Ok(ChunkOutcome::Complete) => return Ok(Sent::Complete),
            Ok(ChunkOutcome::MoreExpected) => return Ok(Sent::MoreExpected),
            Err(TikTokError::Upload { refusal: UploadRefusal::RangeMismatch, .. }) => {
                return Ok(Sent::RangeMismatch)
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use tiktok::plan_chunks;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn an_upload_resumes_at_the_chunk_that_starts_where_tiktoks_count_ends() {
        // 35 MiB: chunks at 0, 10 and 20 MiB, the last one 15 MiB long.
        let plan = plan_chunks(35 * MIB).expect("plan");
        assert_eq!(plan.total_chunk_count(), 3);
        assert_eq!(resume_point(&plan, 0), Some(Resume::At(0)));
        assert_eq!(resume_point(&plan, 10 * MIB), Some(Resume::At(1)));
        assert_eq!(resume_point(&plan, 20 * MIB), Some(Resume::At(2)));
        assert_eq!(resume_point(&plan, 35 * MIB), Some(Resume::Complete));
    }

    #[test]
    fn a_count_off_the_plans_boundaries_has_no_resume_point() {
        let plan = plan_chunks(35 * MIB).expect("plan");
        for held in [1, 5 * MIB, 10 * MIB + 1, 30 * MIB, 35 * MIB + 1, u64::MAX] {
            assert_eq!(resume_point(&plan, held), None, "{held} bytes held");
        }
    }

    #[test]
    fn chunk_retries_wait_longer_each_time_and_at_least_tiktoks_hint() {
        let lost = TikTokError::Ambiguous { detail: "lost".into() };
        let waits: Vec<Duration> = (1..=4).map(|t| chunk_backoff(t, &lost)).collect();
        for (tries, wait) in (1u32..).zip(&waits) {
            let base = Duration::from_secs(1 << tries);
            assert!(*wait >= base && *wait < base + Duration::from_millis(500), "try {tries}: {wait:?}");
        }
        assert!(chunk_backoff(10, &lost) < Duration::from_secs(31), "capped at 30 s plus jitter");
    }
}
