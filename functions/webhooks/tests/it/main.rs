//! The webhooks function's tests, one binary: signature and envelope checks,
//! publish events settling posts (once, racing status checks), the account
//! path of `authorization.removed`, and log hygiene — driven with the real
//! API Gateway v2 fixtures against the local stack.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

mod authorization;
mod common;
mod log_hygiene;
mod publish;
mod signature;
