//! Black-box tests, one binary: the sandbox runs in-process on an ephemeral loopback port and
//! is driven over real HTTP — by raw requests (`oauth`, `posting`, ...) and by the project's
//! own TikTok client (`client_*`: the client-vs-sandbox contract).

mod client_errors;
mod client_oauth;
mod client_posting;
mod client_pull;
mod client_reads;
mod client_support;
mod client_webhooks;
mod common;
mod data;
mod faults;
mod oauth;
mod posting;
mod pull;
mod webhooks;
