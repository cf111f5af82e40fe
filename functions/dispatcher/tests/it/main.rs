//! The dispatcher's tests, one binary. Each test runs the handler in-process
//! with the real scheduled-event fixture against its own table and queue on
//! the local stack (`testkit::isolated`): the dispatcher acts on every due
//! post of its table, so parallel tests must not share one.

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
mod dispatch;
mod recovery;
