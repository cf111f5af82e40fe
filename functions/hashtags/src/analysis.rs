//! The analysis as answered and cached: what was asked, how complete it is,
//! the metrics, and the optional summary.

use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::provider::PartialReason;
use crate::quota::QuotaReport;
use crate::request::{AccountId, Region, Source};
use crate::resilience::CallStats;
use crate::tag::Hashtag;
use crate::window::Window;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Analysis {
    /// Lower-case, without `#`.
    #[schema(value_type = String)]
    pub tag: Hashtag,
    pub source: Source,
    #[schema(value_type = crate::window::WindowWire)]
    pub window: Window,
    /// Two upper-case letters (`source=research` only).
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{2}$")]
    pub region: Option<Region>,
    #[schema(value_type = Option<shared::http_surface::openapi::UlidText>)]
    pub account_id: Option<AccountId>,
    /// RFC 3339.
    pub computed_at: String,
    /// Unix seconds of `computed_at` (velocity is measured at this instant).
    pub computed_at_unix: i64,
    /// True when some data could not be fetched; never cached.
    pub partial: bool,
    pub partial_reasons: Vec<PartialReason>,
    /// Connected accounts whose videos are missing until they are re-authorized.
    pub reauth_accounts: Vec<String>,
    /// Research API quota after this analysis.
    pub quota: Option<QuotaReport>,
    pub fetch: CallStats,
    pub metrics: Metrics,
    pub summary: Summary,
}

/// The optional narrative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Summary {
    /// No summary endpoint is configured.
    Disabled,
    Ok {
        text: String,
    },
    /// The endpoint failed or was too slow; the numbers are intact.
    Unavailable {
        message: String,
    },
}

impl Summary {
    pub fn unavailable() -> Self {
        Summary::Unavailable { message: "summary unavailable".into() }
    }
}
