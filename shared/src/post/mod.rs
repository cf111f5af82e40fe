//! Posts: the state machine (`state`), the record (`model`) and the only code
//! that writes a post's status (`store`).

pub mod idempotency;
pub mod intake;
pub mod model;
pub mod state;
pub mod store;

pub use model::{HistoryEntry, Post, PostKind, PostMode, PostSettings};
pub use state::PostStatus;
pub use store::{PostStore, Transition, TransitionError};
