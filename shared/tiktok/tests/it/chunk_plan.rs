//! The chunk plan obeys every FILE_UPLOAD rule for every size 1 B..=4 GiB.

use proptest::prelude::*;
use tiktok::chunks::{
    plan_chunks, plan_chunks_with, ChunkPlan, ChunkPlanError, MAX_CHUNK_COUNT, MAX_CHUNK_SIZE,
    MAX_LAST_CHUNK_SIZE, MAX_VIDEO_SIZE, MIB, MIN_CHUNK_SIZE,
};

/// Asserts every rule; returns the plan for further checks.
fn assert_rules(size: u64, plan: &ChunkPlan) {
    assert_eq!(plan.video_size(), size);
    let count = plan.total_chunk_count();
    assert!((1..=MAX_CHUNK_COUNT).contains(&count), "count {count} for {size}");
    let chunks: Vec<_> = plan.chunks().collect();
    assert_eq!(chunks.len() as u64, count);
    // Every byte exactly once, in order, contiguous.
    let mut next = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.index, i as u64);
        assert_eq!(chunk.first, next, "gap or overlap at chunk {i} of {size}");
        assert!(chunk.last >= chunk.first);
        next = chunk.last + 1;
    }
    assert_eq!(next, size, "bytes not all covered for {size}");
    let last = chunks[chunks.len() - 1];
    assert!(last.len() <= MAX_LAST_CHUNK_SIZE);
    if count == 1 {
        assert_eq!(plan.chunk_size(), size);
        assert!(size <= MAX_CHUNK_SIZE, "a file over 64 MiB must be chunked ({size})");
    } else {
        assert!((MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&plan.chunk_size()));
        assert_eq!(count, size / plan.chunk_size(), "count must be floor(size / chunk_size)");
        for chunk in &chunks[..chunks.len() - 1] {
            assert_eq!(chunk.len(), plan.chunk_size());
        }
        assert!(last.len() >= plan.chunk_size());
    }
    if size < MIN_CHUNK_SIZE {
        assert_eq!(count, 1, "files under 5 MiB go whole");
    }
    assert_eq!(last.content_range(size), format!("bytes {}-{}/{}", last.first, size - 1, size));
}

#[test]
fn edge_sizes_follow_every_rule() {
    for size in [
        1,
        MIN_CHUNK_SIZE - 1,
        MIN_CHUNK_SIZE,
        10 * MIB - 1,
        10 * MIB,
        20 * MIB - 1,
        MAX_CHUNK_SIZE,
        MAX_CHUNK_SIZE + 1,
        MAX_LAST_CHUNK_SIZE,
        MAX_VIDEO_SIZE - 1,
        MAX_VIDEO_SIZE,
    ] {
        let plan = plan_chunks(size).unwrap_or_else(|e| panic!("{size}: {e}"));
        assert_rules(size, &plan);
    }
}

#[test]
fn small_files_go_whole_and_big_ones_in_ten_mib_chunks() {
    let plan = plan_chunks(MIN_CHUNK_SIZE - 1).unwrap();
    assert_eq!((plan.chunk_size(), plan.total_chunk_count()), (MIN_CHUNK_SIZE - 1, 1));
    let plan = plan_chunks(MAX_CHUNK_SIZE + 1).unwrap();
    assert_eq!((plan.chunk_size(), plan.total_chunk_count()), (10 * MIB, 6));
    let plan = plan_chunks(MAX_VIDEO_SIZE).unwrap();
    assert_eq!(plan.total_chunk_count(), 409);
    assert_eq!(plan.chunk(408).unwrap().len(), MAX_VIDEO_SIZE - 408 * 10 * MIB);
}

#[test]
fn impossible_sizes_are_refused() {
    assert_eq!(plan_chunks(0), Err(ChunkPlanError::Empty));
    assert_eq!(plan_chunks(MAX_VIDEO_SIZE + 1), Err(ChunkPlanError::TooLarge { size: MAX_VIDEO_SIZE + 1 }));
    assert_eq!(plan_chunks(u64::MAX), Err(ChunkPlanError::TooLarge { size: u64::MAX }));
    assert!(matches!(
        plan_chunks_with(10 * MIB, MIN_CHUNK_SIZE - 1),
        Err(ChunkPlanError::InvalidChunkSize { .. })
    ));
    assert!(matches!(
        plan_chunks_with(10 * MIB, MAX_CHUNK_SIZE + 1),
        Err(ChunkPlanError::InvalidChunkSize { .. })
    ));
}

#[test]
fn chunks_outside_the_plan_do_not_exist() {
    let plan = plan_chunks(MAX_CHUNK_SIZE + 1).unwrap();
    assert!(plan.chunk(plan.total_chunk_count()).is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_size_up_to_4_gib_follows_every_rule(size in 1..=MAX_VIDEO_SIZE) {
        assert_rules(size, &plan_chunks(size).unwrap());
    }

    #[test]
    fn sizes_near_rule_boundaries_follow_every_rule(
        base in prop::sample::select(vec![MIN_CHUNK_SIZE, 10 * MIB, 20 * MIB, MAX_CHUNK_SIZE, MAX_LAST_CHUNK_SIZE, MAX_VIDEO_SIZE]),
        delta in -4096i64..=4096,
    ) {
        let size = base.saturating_add_signed(delta).clamp(1, MAX_VIDEO_SIZE);
        assert_rules(size, &plan_chunks(size).unwrap());
    }

    #[test]
    fn any_legal_chunk_size_follows_every_rule(size in 1..=MAX_VIDEO_SIZE, chunk in MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE) {
        assert_rules(size, &plan_chunks_with(size, chunk).unwrap());
    }

    #[test]
    fn sizes_over_4_gib_are_refused(size in (MAX_VIDEO_SIZE + 1)..=u64::MAX) {
        prop_assert_eq!(plan_chunks(size), Err(ChunkPlanError::TooLarge { size }));
    }
}
