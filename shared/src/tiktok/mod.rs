//! The typed TikTok client (see `tiktok-api.md`): OAuth with PKCE and
//! rotating refresh tokens, Content Posting (init, chunk uploads, status,
//! cancel), Display and Research API queries, webhook signatures, the chunk
//! plan, and the one classification of TikTok failures.
//!
//! Secrets (app secret, tokens, codes, verifiers, upload URLs) are
//! `secrecy` newtypes that never print; captions are hidden from `Debug`.

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
