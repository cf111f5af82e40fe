//! The TikTok client's tests, one binary: the wire format of every call
//! against canned answers, the failure classification, the chunk plan,
//! secrets that never print and webhook signatures.

mod chunk_plan;
mod classification;
mod client;
mod secrets;
mod server;
mod transport;
mod webhook;
