//! The api function's tests, one binary: every route driven with real API
//! Gateway v2 events against the local stack.

mod common;
mod health;
mod media;
mod posts;
mod resolve;
mod surface;
