//! The oauth function's tests, one binary: connect, callback refusals,
//! disconnect, reconnect, init and log hygiene against the local stack and the sandbox.

mod callback_refusals;
mod common;
mod connect_flow;
mod disconnect;
mod init;
mod log_hygiene;
mod reconnect;
