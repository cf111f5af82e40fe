//! The api function's tests, one binary: every route driven with real API
//! Gateway v2 events against the local stack.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

mod common;
mod hardening;
mod health;
mod media;
mod posts;
mod property;
mod resolve;
mod surface;
