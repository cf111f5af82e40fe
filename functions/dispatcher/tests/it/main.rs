//! The dispatcher's tests, one binary. Each test runs the handler in-process
//! with the real scheduled-event fixture against its own table and queue on
//! the local stack (`testkit::isolated`): the dispatcher acts on every due
//! post of its table, so parallel tests must not share one.

mod common;
mod dispatch;
mod recovery;
