//! Black-box tests: the sandbox runs in-process on an ephemeral loopback port and is driven
//! over real HTTP.

mod common;
mod data;
mod faults;
mod oauth;
mod posting;
mod pull;
mod webhooks;
