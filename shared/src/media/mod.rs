//! Media: typed ids and keys, the declared upload (kind, type, size), and the
//! pre-flight checks that read only header bytes (`probe`).
//!
//! An object key is only ever built from a [`TenantId`] and a parsed
//! [`MediaId`] (`media/{tenant}/{ulid}.{ext}`): no client string reaches a
//! key, so the path-traversal finding (C1) cannot be reproduced.

pub mod check;
pub mod probe;
pub mod store;
pub mod webm;

use serde::{Deserialize, Serialize};

use crate::tenant::TenantId;

/// A media id: exactly a ULID in canonical upper-case Crockford base32.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MediaId(ulid::Ulid);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a media id (expected a 26-character ULID)")]
pub struct InvalidMediaId;

impl MediaId {
    pub fn new() -> Self {
        Self(ulid::Ulid::new())
    }

    /// Accepts only the canonical text form: 26 characters of Crockford
    /// base32 in upper case. Anything else — dots, slashes, percent-escapes,
    /// NUL bytes, unicode look-alikes, long strings — is refused.
    pub fn parse(raw: &str) -> Result<Self, InvalidMediaId> {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        if raw.len() != 26 || !raw.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(InvalidMediaId);
        }
        let id = ulid::Ulid::from_string(raw).map_err(|_| InvalidMediaId)?;
        Ok(Self(id))
    }
}

impl Default for MediaId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for MediaId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<String> for MediaId {
    type Error = InvalidMediaId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MediaId> for String {
    fn from(value: MediaId) -> Self {
        value.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Video,
    Photo,
}

/// The content types TikTok accepts, each with its file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContentType {
    #[serde(rename = "video/mp4")]
    Mp4,
    #[serde(rename = "video/quicktime")]
    QuickTime,
    #[serde(rename = "video/webm")]
    WebM,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/webp")]
    WebP,
}

impl ContentType {
    pub const ALL: [ContentType; 5] =
        [ContentType::Mp4, ContentType::QuickTime, ContentType::WebM, ContentType::Jpeg, ContentType::WebP];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Mp4 => "video/mp4",
            ContentType::QuickTime => "video/quicktime",
            ContentType::WebM => "video/webm",
            ContentType::Jpeg => "image/jpeg",
            ContentType::WebP => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ContentType::Mp4 => "mp4",
            ContentType::QuickTime => "mov",
            ContentType::WebM => "webm",
            ContentType::Jpeg => "jpg",
            ContentType::WebP => "webp",
        }
    }

    pub fn kind(self) -> MediaKind {
        match self {
            ContentType::Mp4 | ContentType::QuickTime | ContentType::WebM => MediaKind::Video,
            ContentType::Jpeg | ContentType::WebP => MediaKind::Photo,
        }
    }
}

/// TikTok's size limits: videos up to 4 GB, photos up to 20 MB.
pub const MAX_VIDEO_BYTES: u64 = 4 * 1024 * 1024 * 1024;
pub const MAX_PHOTO_BYTES: u64 = 20 * 1024 * 1024;

impl MediaKind {
    pub fn max_bytes(self) -> u64 {
        match self {
            MediaKind::Video => MAX_VIDEO_BYTES,
            MediaKind::Photo => MAX_PHOTO_BYTES,
        }
    }
}

/// The S3 key of a media object, built only from typed parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaKey(String);

impl MediaKey {
    pub fn new(tenant: &TenantId, id: &MediaId, content_type: ContentType) -> Self {
        Self(format!("media/{tenant}/{id}.{}", content_type.extension()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path-traversal corpus: none of it may become a media id.
    pub const HOSTILE_IDS: &[&str] = &[
        "../",
        "..%2f",
        "%2e%2e%2f",
        "%2E%2E%2F",
        "..\\",
        "....//",
        "..;/",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        "01ARZ3NDEKTSV4RRFFQ69G5FA\0",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV/../../x",
        "\u{2024}\u{2024}/",
        "\u{FF0E}\u{FF0E}\u{FF0F}",
        "01arz3ndektsv4rrffq69g5fav",
        "01ARZ3NDEKTSV4RRFFQ69G5FAVX",
        "",
    ];

    #[test]
    fn canonical_ulids_parse() {
        let id = MediaId::new();
        assert_eq!(MediaId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn the_traversal_corpus_is_refused() {
        for raw in HOSTILE_IDS {
            assert_eq!(MediaId::parse(raw), Err(InvalidMediaId), "{raw:?}");
        }
        assert_eq!(MediaId::parse(&"A".repeat(10_000)), Err(InvalidMediaId));
    }

    #[test]
    fn keys_are_built_from_typed_parts_only() {
        let tenant = TenantId::parse("01TENANT").expect("tenant");
        let id = MediaId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").expect("id");
        assert_eq!(
            MediaKey::new(&tenant, &id, ContentType::QuickTime).as_str(),
            "media/01TENANT/01ARZ3NDEKTSV4RRFFQ69G5FAV.mov"
        );
    }

    #[test]
    fn content_types_map_to_kinds_and_extensions() {
        assert_eq!(ContentType::parse("video/webm").map(ContentType::kind), Some(MediaKind::Video));
        assert_eq!(ContentType::parse("image/webp").map(ContentType::extension), Some("webp"));
        assert_eq!(ContentType::parse("image/png"), None);
        assert_eq!(ContentType::parse("VIDEO/MP4"), None);
    }
}
