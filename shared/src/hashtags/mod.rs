//! Hashtag analysis: which hashtag to post with, and when.
//!
//! - [`tag`], [`request`], [`window`]: the typed values of a request
//!   (`Hashtag`, `Source`, `Region`, `AccountId`, `Window`), parsed at the edge;
//! - [`provider`]: the [`VideoSource`] trait, implemented by [`own`]
//!   (Display API, the tenant's creators) and [`research`] (Research API);
//!   [`resilience`] gives both retries, a circuit breaker and a time budget,
//!   so TikTok failing yields a partial answer, never a timeout;
//! - [`metrics`]: every figure, computed in Rust;
//! - [`chart`]: the SVG picture; [`narrative`]: the optional summary;
//! - [`cache`], [`quota`]: the table items (cached analyses, Research API
//!   quota, per-tenant rate limit); [`credentials`]: the research app keys;
//! - [`analyst`]: one analysis end to end, what the function calls.

pub mod analysis;
pub mod analyst;
pub mod cache;
pub mod chart;
pub mod credentials;
pub mod metrics;
pub mod narrative;
pub mod own;
pub mod provider;
pub mod quota;
pub mod request;
pub mod research;
pub mod resilience;
pub mod settings;
pub mod tag;
pub mod video;
pub mod window;

pub use analysis::{Analysis, Summary};
pub use analyst::{AnalysisError, Analyst, CacheStatus, Outcome};
pub use credentials::{AppSecretCredentials, ResearchCredentials, StaticCredentials};
pub use own::{CreatorAccount, CreatorTokens, CreatorTokensError, OwnProvider, OwnSettings};
pub use provider::{FetchError, Fetched, PartialReason, VideoSource};
pub use request::{AccountId, AnalysisRequest, Region, Source};
pub use research::{ResearchProvider, ResearchSettings};
pub use settings::AnalysisSettings;
pub use tag::{Hashtag, HashtagError};
pub use video::Video;
pub use window::Window;
