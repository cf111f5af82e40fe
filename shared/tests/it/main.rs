//! The shared crate's tests against the local stack (moto): the template
//! and the code agree, the post store, accounts and their tokens.

mod account_tokens;
mod local_stack;
mod post_store;
mod template_agrees;
