//! The oauth function's tests, one binary: connect, callback refusals,
//! disconnect, reconnect, init and log hygiene against the local stack and the sandbox.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

mod callback_refusals;
mod common;
mod connect_flow;
mod disconnect;
mod init;
mod log_hygiene;
mod property;
mod reconnect;
