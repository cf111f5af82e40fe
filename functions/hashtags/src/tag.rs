//! `Hashtag`: the one way a hashtag exists past the edge.
//!
//! A hashtag is written with or without its leading `#` and is made of
//! unicode letters, digits and `_` only, at most [`MAX_HASHTAG_CHARS`]
//! characters, and is normalised to lower case. Everything else — path
//! separators, quotes, operators, control characters, bidi overrides,
//! zero-width characters, whitespace — is refused, so a `Hashtag` can go into
//! a DynamoDB key, a TikTok query, an SVG text node or a log line as is.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Most characters in a hashtag (TikTok's own limit is lower in practice).
pub const MAX_HASHTAG_CHARS: usize = 100;
/// Raw input longer than this is refused before it is even scanned.
const MAX_RAW_BYTES: usize = 4 * MAX_HASHTAG_CHARS + 1;

/// Why a string is not a hashtag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashtagError {
    #[error("the hashtag is empty")]
    Empty,
    #[error("the hashtag is longer than {MAX_HASHTAG_CHARS} characters")]
    TooLong,
    #[error("the hashtag may contain only letters, digits and _ (character {position} is not one)")]
    InvalidCharacter { position: usize },
}

/// A parsed, lower-cased hashtag without its `#`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hashtag(String);

/// Letters and digits of any script, and `_`.
fn is_tag_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl Hashtag {
    /// Parses `#Tag` or `Tag`.
    pub fn parse(raw: &str) -> Result<Self, HashtagError> {
        if raw.len() > MAX_RAW_BYTES {
            return Err(HashtagError::TooLong);
        }
        let body = raw.strip_prefix('#').unwrap_or(raw);
        if body.is_empty() {
            return Err(HashtagError::Empty);
        }
        // The rules hold for the tag as stored: lower-casing may change a
        // character into several ('İ' is 'i' and a combining dot, which is
        // not a tag character), so a stored tag always parses to itself.
        let lower = body.to_lowercase();
        let mut count = 0;
        for (position, c) in lower.chars().enumerate() {
            if !is_tag_char(c) {
                return Err(HashtagError::InvalidCharacter { position });
            }
            count += 1;
        }
        if count > MAX_HASHTAG_CHARS {
            return Err(HashtagError::TooLong);
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `#tags` written in a free text (a title or a description), in
    /// order of appearance, each once. A run longer than the limit is not a tag.
    pub fn find_in(text: &str) -> Vec<Hashtag> {
        let mut found: Vec<Hashtag> = Vec::new();
        let mut rest = text;
        while let Some((_, after)) = rest.split_once('#') {
            let end = after.find(|c: char| !is_tag_char(c)).unwrap_or(after.len());
            // `end` is a char boundary (from `find`, or the length).
            let (run, tail) = after.split_at_checked(end).unwrap_or((after, ""));
            if let Ok(tag) = Hashtag::parse(run) {
                if !found.contains(&tag) {
                    found.push(tag);
                }
            }
            rest = tail;
        }
        found
    }
}

impl fmt::Display for Hashtag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Hashtag {
    type Error = HashtagError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Hashtag::parse(&value)
    }
}

impl From<Hashtag> for String {
    fn from(tag: Hashtag) -> Self {
        tag.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_hash_and_case_are_normalised() {
        assert_eq!(Hashtag::parse("#FoodTok").map(|t| t.to_string()), Ok("foodtok".to_owned()));
        assert_eq!(Hashtag::parse("foodtok"), Hashtag::parse("#FOODTOK"));
        assert_eq!(Hashtag::parse("café_2024").map(|t| t.to_string()), Ok("café_2024".to_owned()));
        assert_eq!(Hashtag::parse("ÉTÉ").map(|t| t.to_string()), Ok("été".to_owned()));
        assert!(Hashtag::parse("美食").is_ok());
        assert!(Hashtag::parse("طبخ").is_ok());
    }

    #[test]
    fn hostile_strings_are_refused() {
        let long = "a".repeat(10 * 1024);
        let hostile = [
            "",
            "#",
            "##fyp",
            "../etc/passwd",
            "..",
            "a/b",
            "fyp'; DROP TABLE videos;--",
            "' OR '1'='1",
            "{\"$ne\": null}",
            "$where",
            "fyp\u{0000}",
            "fyp\nx",
            "fyp\u{202E}gnp",
            "fyp\u{200B}",
            "f y p",
            "<script>",
            "%2e%2e",
            long.as_str(),
        ];
        for raw in hostile {
            assert!(Hashtag::parse(raw).is_err(), "{raw:?} must be refused");
        }
        assert_eq!(Hashtag::parse(&"a".repeat(MAX_HASHTAG_CHARS + 1)), Err(HashtagError::TooLong));
        assert!(Hashtag::parse(&"a".repeat(MAX_HASHTAG_CHARS)).is_ok());
    }

    #[test]
    fn tags_are_found_in_text_once_each() {
        let found = Hashtag::find_in("Dinner in 15 minutes #Food #recipe, #food! #  #x_y#z and#tail");
        let names: Vec<&str> = found.iter().map(Hashtag::as_str).collect();
        assert_eq!(names, ["food", "recipe", "x_y", "z", "tail"]);
        assert!(Hashtag::find_in("no tags here").is_empty());
    }

    /// Found by the fuzz target `hashtag`: 'İ' lower-cases to 'i' and a
    /// combining dot, so the stored tag held a character the rules refuse and
    /// failed to parse back (a cached analysis would not have read back).
    #[test]
    fn every_accepted_tag_parses_back_to_itself() {
        for raw in [
            "\u{130}stanbul",
            "Stra\u{df}e",
            "\u{1c5}ungla",
            "CAF\u{c9}",
            "\u{130}".repeat(MAX_HASHTAG_CHARS).as_str(),
        ] {
            if let Ok(tag) = Hashtag::parse(raw) {
                assert_eq!(Hashtag::parse(tag.as_str()).as_ref(), Ok(&tag), "{raw:?}");
            }
        }
        assert!(Hashtag::parse("\u{130}stanbul").is_err(), "the combining dot is not a tag character");
        assert_eq!(Hashtag::parse("CAF\u{c9}").map(|t| t.as_str().to_owned()), Ok("caf\u{e9}".to_owned()));
    }

    #[test]
    fn json_round_trip_reparses() {
        let tag = Hashtag::parse("#Travel").expect("valid");
        let json = serde_json::to_string(&tag).expect("serialise");
        assert_eq!(json, "\"travel\"");
        assert!(serde_json::from_str::<Hashtag>("\"a/b\"").is_err());
    }
}
