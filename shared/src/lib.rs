//! Logic shared by every function: configuration, AWS clients, telemetry, the
//! DynamoDB data model and the error types the functions have in common.
//!
//! Function crates are thin wiring around what lives here, so all of it can be
//! tested without Lambda.

pub mod account;
pub mod aws;
pub mod config;
pub mod dynamo;
pub mod error;
pub mod hashtags;
pub mod http_surface;
pub mod media;
pub mod metrics;
pub mod post;
pub mod schema;
pub mod telemetry;
pub mod tenant;
pub mod tiktok;
pub mod vault;
