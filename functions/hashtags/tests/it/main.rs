//! The hashtags function's tests, one binary: metrics against a reference,
//! both providers, resilience, the cache and the HTTP surface.

mod cache;
mod common;
mod credentials;
mod metrics;
mod narrative;
mod own;
mod research;
mod resilience;
mod surface;
