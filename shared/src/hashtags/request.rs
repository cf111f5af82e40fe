//! What an analysis is asked for: typed values parsed at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::tag::Hashtag;
use super::window::Window;
use crate::tenant::TenantId;

/// Where the videos come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// A connected account's id: 1–64 of `[A-Za-z0-9_-]`, so it cannot change
/// the shape of a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = (1..=64).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        AccountId::parse(&value).ok_or_else(|| "an account id is 1-64 of [A-Za-z0-9_-]".to_owned())
    }
}

impl From<AccountId> for String {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

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
        assert!(AccountId::parse("01JABC_def-1").is_some());
        for bad in ["", "a#b", "../x", "a b", &"x".repeat(65)] {
            assert!(AccountId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
