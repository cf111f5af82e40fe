//! What the operator's binaries share: the demo walks' API client.

pub mod walk;
