//! The token refresher's tests, one binary, against the local stack and the sandbox.

mod common;
mod init;
mod refresh;
