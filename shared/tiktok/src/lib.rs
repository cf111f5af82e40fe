//! The typed TikTok client, following `docs/tiktok-contract.md`. No AWS in
//! it: the sandbox and its contract tests build without the SDK.
//!
//! - [`client`]: the HTTP client, endpoints and the login start (PKCE);
//!   [`config`]: where TikTok is and how long calls may take;
//! - [`oauth`]: code exchange, rotating refresh (persist before use), revoke,
//!   client tokens; [`pkce`]: state, verifier, challenge and scopes;
//! - [`posting`]: creator_info, video/photo/inbox init, status, cancel;
//!   [`upload`]: chunk PUTs; [`chunks`]: the chunk plan;
//! - [`display`], [`research`]: the video queries the hashtag analysis reads;
//! - [`error`]: the one classification of failures, by the caller's decision;
//!   [`fail_reason`]: the status fail reasons, classed the same way;
//! - [`webhook`]: `TikTok-Signature` verification and the event shape;
//! - [`secrets`]: app credentials, tokens, codes, verifiers and upload URLs as
//!   `secrecy` newtypes that never print; captions are hidden from `Debug`.

pub mod chunks;
pub mod client;
pub mod config;
pub mod display;
pub mod error;
pub mod fail_reason;
pub mod oauth;
pub mod pkce;
pub mod posting;
pub mod research;
pub mod secrets;
pub mod upload;
pub mod webhook;

pub use chunks::{plan_chunks, plan_chunks_with, Chunk, ChunkPlan, ChunkPlanError};
pub use client::{Endpoints, LoginStart, TikTokClient};
pub use config::{PkceEncoding, TikTokConfig};
pub use error::{ApiFailure, ErrorClass, Mutation, ReauthReason, RetryCause, TikTokError, UploadRefusal};
pub use fail_reason::{FailReason, FailReasonClass};
pub use oauth::{ClientToken, PersistFailed, RefreshError, RotatedTokens, TokenSet};
pub use posting::{
    CreatorInfo, InboxVideoInitRequest, InitResponse, PhotoInitRequest, PhotoPostInfo, PhotoSource, PostMode,
    PrivacyLevel, PublishId, PublishStatus, PublishStatusKind, VideoInitRequest, VideoPostInfo, VideoSource,
};
pub use secrets::{
    AccessToken, AppCredentials, AuthCode, ClientKey, ClientSecret, OAuthState, PkceVerifier, RefreshToken,
    UploadUrl,
};
pub use upload::{ChunkOutcome, VideoContentType};
pub use webhook::{SignatureError, WebhookEvent};
