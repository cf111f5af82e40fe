//! What every crate of the workspace may use without pulling in AWS or HTTP:
//! typed configuration read from the environment, and the time formats.
//!
//! - [`config`]: [`config::EnvReader`] collects every bad variable before failing.
//! - [`time_format`]: RFC 3339 instants, due-index minute buckets, ISO dates.
//! - [`text`]: the one rule for free text users write.

pub mod config;
pub mod text;
pub mod time_format;
