//! The TikTok client's tests, one binary: the wire format of every call
//! against canned answers, the failure classification, the chunk plan,
//! secrets that never print and webhook signatures.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

mod chunk_plan;
mod classification;
mod client;
mod secrets;
mod server;
mod transport;
mod webhook;
