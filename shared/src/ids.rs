//! Typed ids of the entities a request names: media, posts, accounts.
//!
//! Each is exactly a ULID in canonical upper-case Crockford base32, parsed
//! once at the edge. Anything else — dots, slashes, percent-escapes, NUL
//! bytes, unicode look-alikes, long strings — is refused, so no client string
//! can change the shape of a table key or an object key.

use serde::{Deserialize, Serialize};

/// A string that is not an id of the kind named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a {0} (expected a 26-character ULID)")]
pub struct InvalidId(pub &'static str);

/// Accepts only the canonical text form of a ULID.
fn parse_ulid(raw: &str, what: &'static str) -> Result<String, InvalidId> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    // 26 characters hold 130 bits: the first carries the top 3 bits of the
    // 128, so anything above '7' would overflow (and would not print back).
    if raw.len() != 26
        || !raw.bytes().all(|b| ALPHABET.contains(&b))
        || !raw.starts_with(['0', '1', '2', '3', '4', '5', '6', '7'])
    {
        return Err(InvalidId(what));
    }
    ulid::Ulid::from_string(raw).map_err(|_| InvalidId(what))?;
    Ok(raw.to_owned())
}

macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A fresh id.
            pub fn new() -> Self {
                Self(ulid::Ulid::new().to_string())
            }

            pub fn parse(raw: &str) -> Result<Self, InvalidId> {
                parse_ulid(raw, $what).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

ulid_id!(
    /// An uploaded media item.
    MediaId,
    "media id"
);
ulid_id!(
    /// A scheduled post.
    PostId,
    "post id"
);
ulid_id!(
    /// A connected TikTok account (ours, not TikTok's `open_id`).
    AccountId,
    "account id"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings an attacker tries in an id position.
    const HOSTILE_IDS: &[&str] = &[
        "..",
        "../",
        "../x",
        "..%2f",
        "%2e%2e%2f",
        "%2E%2E%2F",
        "..\\",
        "....//",
        "..;/",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        "01ARZ3NDEKTSV4RRFFQ69G5FA/",
        "01ARZ3NDEKTSV4RRFFQ69G5FA\0",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV/../../x",
        "\u{2024}\u{2024}/",
        "\u{FF0E}\u{FF0E}\u{FF0F}",
        "01arz3ndektsv4rrffq69g5fav",
        "01ARZ3NDEKTSV4RRFFQ69G5FAVX",
        "81ARZ3NDEKTSV4RRFFQ69G5FAV",
        "",
    ];

    #[test]
    fn canonical_ulids_parse_and_print_unchanged() {
        let id = PostId::new();
        assert_eq!(PostId::parse(id.as_str()), Ok(id.clone()));
        assert_eq!(
            AccountId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").map(|a| a.to_string()).as_deref(),
            Ok("01ARZ3NDEKTSV4RRFFQ69G5FAV")
        );
    }

    #[test]
    fn the_traversal_corpus_is_refused_for_every_kind() {
        for raw in HOSTILE_IDS {
            assert_eq!(MediaId::parse(raw), Err(InvalidId("media id")), "{raw:?}");
            assert_eq!(PostId::parse(raw), Err(InvalidId("post id")), "{raw:?}");
            assert_eq!(AccountId::parse(raw), Err(InvalidId("account id")), "{raw:?}");
        }
        assert!(MediaId::parse(&"A".repeat(10_000)).is_err());
    }

    #[test]
    fn the_error_names_the_kind() {
        assert_eq!(
            PostId::parse("x").unwrap_err().to_string(),
            "not a post id (expected a 26-character ULID)"
        );
    }

    #[test]
    fn ids_read_from_json_are_parsed() {
        assert!(serde_json::from_str::<AccountId>("\"../x\"").is_err());
        assert!(serde_json::from_str::<AccountId>("\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"").is_ok());
    }
}
