//! The FILE_UPLOAD chunk plan as TikTok validates it at init, and the byte range each chunk
//! must carry. "MB" is MiB.

const MIB: u64 = 1024 * 1024;
const MIN_CHUNK: u64 = 5 * MIB;
const MAX_CHUNK: u64 = 64 * MIB;
const MAX_LAST_CHUNK: u64 = 128 * MIB;
const MAX_VIDEO: u64 = 4 * 1024 * MIB;
const MAX_CHUNKS: u64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    pub video_size: u64,
    pub chunk_size: u64,
    pub total_chunk_count: u64,
}

impl ChunkPlan {
    pub fn parse(video_size: u64, chunk_size: u64, total_chunk_count: u64) -> Result<Self, String> {
        if video_size == 0 || video_size > MAX_VIDEO {
            return Err(format!("video_size must be 1..={MAX_VIDEO} bytes"));
        }
        if video_size < MIN_CHUNK {
            if chunk_size != video_size || total_chunk_count != 1 {
                return Err("a video under 5 MB must be uploaded whole as one chunk".into());
            }
        } else {
            if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) || chunk_size > video_size {
                return Err("chunk_size must be 5 MB to 64 MB and at most video_size".into());
            }
            let expected = video_size / chunk_size;
            if total_chunk_count != expected || !(1..=MAX_CHUNKS).contains(&expected) {
                return Err(format!(
                    "total_chunk_count must be floor(video_size / chunk_size) = {expected}, 1..=1000"
                ));
            }
            if video_size - (expected - 1) * chunk_size > MAX_LAST_CHUNK {
                return Err("the last chunk would exceed 128 MB".into());
            }
        }
        Ok(Self { video_size, chunk_size, total_chunk_count })
    }

    /// Inclusive byte range of chunk `index` (0-based); the last chunk absorbs the remainder.
    pub fn range(&self, index: u64) -> (u64, u64) {
        let first = index * self.chunk_size;
        let last = if index + 1 >= self.total_chunk_count {
            self.video_size - 1
        } else {
            first + self.chunk_size - 1
        };
        (first, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_file_goes_whole() {
        assert!(ChunkPlan::parse(1000, 1000, 1).is_ok());
        assert!(ChunkPlan::parse(1000, 500, 2).is_err());
    }

    #[test]
    fn last_chunk_absorbs_remainder() {
        let plan = ChunkPlan::parse(23 * MIB, 10 * MIB, 2).unwrap();
        assert_eq!(plan.range(0), (0, 10 * MIB - 1));
        assert_eq!(plan.range(1), (10 * MIB, 23 * MIB - 1));
        assert!(ChunkPlan::parse(23 * MIB, 10 * MIB, 3).is_err());
    }

    #[test]
    fn chunk_bounds_are_enforced() {
        assert!(ChunkPlan::parse(200 * MIB, 4 * MIB, 50).is_err());
        assert!(ChunkPlan::parse(200 * MIB, 65 * MIB, 3).is_err());
        assert!(ChunkPlan::parse(5 * 1024 * MIB, 64 * MIB, 80).is_err());
    }
}
