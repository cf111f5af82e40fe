//! The hashtags function's tests, one binary: metrics against a reference,
//! both providers, resilience, the cache and the HTTP surface.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

mod cache;
mod common;
mod credentials;
mod metrics;
mod narrative;
mod own;
mod property;
mod research;
mod resilience;
mod surface;
