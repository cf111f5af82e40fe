//! The token refresher's tests, one binary, against the local stack and the sandbox.

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
mod init;
mod refresh;
