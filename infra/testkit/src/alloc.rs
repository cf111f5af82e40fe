//! A global allocator that measures the heap one thread holds, for tests
//! that bound a code path's memory (the publisher's streaming upload): a
//! test binary installs [`Tracking`] as its `#[global_allocator]`, and
//! [`measure`] runs a future on the test's current-thread runtime with
//! counting switched on for that thread alone, so tests in other threads
//! (`cargo test`) or processes (nextest) do not blur the figure.
//!
//! What is counted: bytes allocated on this thread while measuring, minus
//! bytes freed on it. A block allocated here and freed on another thread
//! stays counted (the figure can only be too high, never too low); a block
//! allocated before measuring and freed during it lowers the running figure,
//! so the caller drops its own large buffers before it measures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The allocator: `System`, plus per-thread counting while switched on.
pub struct Tracking;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static HELD: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn note(delta: i64) {
    // `try_with`: during thread teardown the slots may be gone; nothing to count then.
    let on = ON.try_with(Cell::get).unwrap_or(false);
    if !on {
        return;
    }
    let _ = HELD.try_with(|held| {
        let now = held.get().saturating_add(delta);
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn size(layout: Layout) -> i64 {
    i64::try_from(layout.size()).unwrap_or(i64::MAX)
}

// SAFETY: every call is forwarded unchanged to `System`; the counting only
// touches const-initialised thread-local cells, which never allocate.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            note(size(layout));
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            note(size(layout));
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: `block` came from this allocator (that is, `System`) with `layout`.
        unsafe { System.dealloc(block, layout) };
        note(-size(layout));
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and `new_size` is the caller's valid size.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            note(i64::try_from(new_size).unwrap_or(i64::MAX) - size(layout));
        }
        moved
    }
}

/// Runs `work` to completion on the calling thread's runtime with counting
/// on, and returns its output with the most bytes this thread held at once
/// meanwhile. Only meaningful where [`Tracking`] is the global allocator and
/// the runtime is current-thread (`#[tokio::test]`'s default).
pub async fn measure<T>(work: impl std::future::Future<Output = T>) -> (T, u64) {
    HELD.with(|held| held.set(0));
    PEAK.with(|peak| peak.set(0));
    ON.with(|on| on.set(true));
    let output = work.await;
    ON.with(|on| on.set(false));
    let peak = PEAK.with(Cell::get);
    (output, u64::try_from(peak).unwrap_or(0))
}
