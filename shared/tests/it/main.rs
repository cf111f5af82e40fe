//! The shared crate's tests against the local stack (moto): the template
//! and the code agree, the post store, accounts and their tokens.

// Test code: a panic is a failed test (the workspace denies them in production code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unreachable
)]

mod account_tokens;
mod constant_time;
mod local_stack;
mod media_head;
mod post_store;
mod security_doc;
mod template_agrees;
mod template_deploy;
