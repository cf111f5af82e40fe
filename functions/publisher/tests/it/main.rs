//! The publishing pipeline end to end on the local stack, driven only by its
//! real event sources: the dispatcher's schedule (ticked through the local
//! event runner), the publish queue's SQS mapping invoking the publisher
//! under `cargo lambda watch`, the TikTok sandbox, and moto. Nothing calls a
//! handler by hand; the sandbox's ledger says what TikTok published.

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
mod pipeline;
mod sandbox;
mod world;
