//! Posts: the state machine (`state`), the record (`model`), the only code
//! that writes a post's status (`store`), intake rules (`intake`,
//! `idempotency`), the publish queue's messages (`queue`) and the due index
//! and publish references the pipeline reads (`pipeline`), and TikTok's
//! verdict on a publish applied to its post (`settle`).

pub mod cursor;
pub mod idempotency;
pub mod intake;
pub mod model;
pub mod pipeline;
pub mod queue;
pub mod settle;
pub mod state;
pub mod store;

pub use model::{HistoryEntry, Post, PostKind, PostMode, PostSettings};
pub use pipeline::{Filing, PublishRef};
pub use state::PostStatus;
pub use store::due_index;
pub use store::{PostStore, Transition, TransitionError};
