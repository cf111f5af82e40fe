//! What an analysis is asked for: typed values parsed at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::tag::Hashtag;
use crate::window::Window;
use shared::tenant::TenantId;

/// Where the videos come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The tenant's connected creators' own videos (Display API).
    Own,
    /// Every public video (Research API; approved researchers only).
    Research,
}

impl Source {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "own" => Some(Source::Own),
            "research" => Some(Source::Research),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Own => "own",
            Source::Research => "research",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ISO 3166-1 alpha-2 region code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic()))
            .then(|| Self(raw.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Region {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Region::parse(&value).ok_or_else(|| "a region is two letters".to_owned())
    }
}

impl From<Region> for String {
    fn from(region: Region) -> Self {
        region.0
    }
}

/// A connected account's id: the same typed id the rest of the product uses.
pub use shared::ids::AccountId;

/// One analysis request, already parsed. `region` applies to `research`
/// and `account` to `own` only (the HTTP edge refuses the other mixes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisRequest {
    pub tenant: TenantId,
    pub tag: Hashtag,
    pub source: Source,
    pub window: Window,
    pub region: Option<Region>,
    pub account: Option<AccountId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_strictly() {
        assert_eq!(Source::parse("own"), Some(Source::Own));
        assert_eq!(Source::parse("OWN"), None);
        assert_eq!(Region::parse("us").map(|r| r.as_str().to_owned()), Some("US".to_owned()));
        for bad in ["", "U", "USA", "U1", "é"] {
            assert!(Region::parse(bad).is_none(), "{bad:?}");
        }
        assert!(AccountId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").is_ok());
        for bad in ["", "a#b", "../x", "a b", &"x".repeat(65)] {
            assert!(AccountId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
