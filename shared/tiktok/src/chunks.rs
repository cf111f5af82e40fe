//! The chunk plan for FILE_UPLOAD: one place that decides chunk size, count
//! and byte ranges under TikTok's rules.
//!
//! Units: TikTok's "MB" means MiB (1024 × 1024 bytes), and "4 GB" means
//! 4 × 1024³ bytes; all constants here are in bytes.
//!
//! Rules: chunks are 5–64 MiB; the last chunk absorbs the remainder and may be
//! up to 128 MiB; a file under 5 MiB goes whole as one chunk; a file over
//! 64 MiB must be chunked; `total_chunk_count = floor(video_size / chunk_size)`
//! is within 1..=1000; the file is at most 4 GiB.

use serde::{Deserialize, Serialize};

pub const MIB: u64 = 1024 * 1024;
/// Smallest chunk (except a whole file under this size).
pub const MIN_CHUNK_SIZE: u64 = 5 * MIB;
/// Largest chunk except the last.
pub const MAX_CHUNK_SIZE: u64 = 64 * MIB;
/// Largest last chunk.
pub const MAX_LAST_CHUNK_SIZE: u64 = 128 * MIB;
/// Largest video.
pub const MAX_VIDEO_SIZE: u64 = 4 * 1024 * MIB;
/// Most chunks.
pub const MAX_CHUNK_COUNT: u64 = 1000;
/// The chunk size we use: small enough that a Lambda holds one chunk
/// comfortably and a retried chunk costs little; large enough that even a
/// 4 GiB file needs only 409 chunks (< 1000), and the last chunk stays
/// under 2 × 10 MiB (< 128 MiB).
pub const DEFAULT_CHUNK_SIZE: u64 = 10 * MIB;

/// Why a size cannot be uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChunkPlanError {
    #[error("the video is empty")]
    Empty,
    #[error("the video is {size} bytes, more than TikTok's 4 GiB ({MAX_VIDEO_SIZE} bytes)")]
    TooLarge { size: u64 },
    #[error("chunk size {chunk_size} is outside 5..=64 MiB")]
    InvalidChunkSize { chunk_size: u64 },
}

/// How a video of `video_size` bytes is sent: the three numbers of the init
/// call's `source_info`, and the byte range of each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkPlan {
    video_size: u64,
    chunk_size: u64,
    total_chunk_count: u64,
}

/// One chunk: `first..=last` (inclusive, as in `Content-Range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// 0-based position.
    pub index: u64,
    pub first: u64,
    pub last: u64,
}

impl Chunk {
    /// Bytes in this chunk (its `Content-Length`).
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a chunk holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The `Content-Range` header value: `bytes FIRST-LAST/TOTAL`.
    pub fn content_range(&self, video_size: u64) -> String {
        format!("bytes {}-{}/{}", self.first, self.last, video_size)
    }
}

/// Plans the upload of a video of `size` bytes with [`DEFAULT_CHUNK_SIZE`].
pub fn plan_chunks(size: u64) -> Result<ChunkPlan, ChunkPlanError> {
    plan_chunks_with(size, DEFAULT_CHUNK_SIZE)
}

/// Plans with a preferred chunk size within 5..=64 MiB. A file of at most
/// 64 MiB that the chunk size divides less than twice goes whole as one chunk
/// (under 5 MiB that is the rule; up to 64 MiB a whole file is a legal chunk).
pub fn plan_chunks_with(size: u64, chunk_size: u64) -> Result<ChunkPlan, ChunkPlanError> {
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        return Err(ChunkPlanError::InvalidChunkSize { chunk_size });
    }
    if size == 0 {
        return Err(ChunkPlanError::Empty);
    }
    if size > MAX_VIDEO_SIZE {
        return Err(ChunkPlanError::TooLarge { size });
    }
    // Raise the chunk size if the count would pass 1000 (only reachable with
    // small preferred sizes): ceil(size / 1000), still ≤ 64 MiB for 4 GiB.
    let chunk_size = chunk_size.max(size.div_ceil(MAX_CHUNK_COUNT));
    let whole = ChunkPlan { video_size: size, chunk_size: size, total_chunk_count: 1 };
    match size / chunk_size {
        // Under the chunk size, or one chunk absorbing a remainder: a single
        // chunk, declared with chunk_size = video_size.
        0 | 1 if size <= MAX_CHUNK_SIZE => Ok(whole),
        // Over 64 MiB must be chunked: two halves (each 32..64 MiB).
        0 | 1 => Ok(ChunkPlan { video_size: size, chunk_size: size / 2, total_chunk_count: 2 }),
        count => Ok(ChunkPlan { video_size: size, chunk_size, total_chunk_count: count }),
    }
}

impl ChunkPlan {
    pub fn video_size(&self) -> u64 {
        self.video_size
    }

    /// The `chunk_size` sent at init (every chunk but the last has this size).
    pub fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    pub fn total_chunk_count(&self) -> u64 {
        self.total_chunk_count
    }

    /// The chunk at `index`, if the plan has one.
    pub fn chunk(&self, index: u64) -> Option<Chunk> {
        if index >= self.total_chunk_count {
            return None;
        }
        let first = index * self.chunk_size;
        let last = if index + 1 == self.total_chunk_count {
            self.video_size - 1
        } else {
            first + self.chunk_size - 1
        };
        Some(Chunk { index, first, last })
    }

    /// Every chunk, in upload order.
    pub fn chunks(&self) -> impl Iterator<Item = Chunk> + '_ {
        (0..self.total_chunk_count).filter_map(|i| self.chunk(i))
    }
}
