//! The publishing pipeline end to end on the local stack, driven only by its
//! real event sources: the dispatcher's schedule (ticked through the local
//! event runner), the publish queue's SQS mapping invoking the publisher
//! under `cargo lambda watch`, the TikTok sandbox, and moto. Nothing calls a
//! handler by hand; the sandbox's ledger says what TikTok published. The
//! exception is `memory`, which runs the upload in this process to measure
//! the heap it holds (the allocator below counts per thread).

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

mod crashes;
mod errors;
mod lifecycle;
mod limits;
mod media;
mod memory;
mod pipeline;
mod sandbox;
mod world;

#[global_allocator]
static ALLOCATOR: testkit::alloc::Tracking = testkit::alloc::Tracking;
