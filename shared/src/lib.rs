//! What the functions share on AWS. Function crates are thin wiring around
//! what lives here, so all of it can be tested without Lambda. The TikTok
//! client (`tiktok`) and the environment/time basics (`foundation`) are
//! their own crates, without the AWS SDK.
//!
//! - [`config`]: the stack's configuration (`StackConfig`), read through `foundation`'s `EnvReader`;
//! - [`aws`]: the SDK clients, built once at init;
//! - [`telemetry`]: JSON logs; [`emf`]: CloudWatch metrics as EMF lines;
//! - [`schema`]: the table, its indexes and every item's key; [`dynamo`]: item helpers;
//! - [`error`]: `StoreError`, classed by whether a retry can help;
//! - [`http_surface`]: the HTTP edge every HTTP function shares (auth, CORS,
//!   security headers, the JSON error shape, request envelope, health);
//! - [`ids`]: typed ids (media, post, account), parsed once at the edge;
//! - [`tenant`]: tenants and their API keys;
//! - [`post`]: posts, their state machine (the only writer of a status) and intake rules;
//! - [`account`]: connected accounts, their tokens and disconnect; [`vault`]:
//!   the app secret and the sealing of tokens;
//! - [`media`]: media keys, upload slots and pre-flight checks.

pub mod account;
pub mod aws;
pub mod config;
pub mod dynamo;
pub mod emf;
pub mod error;
pub mod http_surface;
pub mod ids;
pub mod media;
pub mod post;
pub mod rate;
pub mod schema;
pub mod telemetry;
pub mod tenant;
pub mod vault;
