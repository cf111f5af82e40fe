//! Media: typed ids and keys, the declared upload (kind, type, size), and the
//! pre-flight checks that read only header bytes (`probe`).
//!
//! An object key is only ever built from a [`TenantId`] and a parsed
//! [`MediaId`] (`media/{tenant}/{ulid}.{ext}`): no client string reaches a
//! key, so a path traversal cannot be expressed.

pub mod check;
pub mod probe;
pub mod store;
pub mod webm;

use serde::{Deserialize, Serialize};

use crate::tenant::TenantId;

pub use crate::ids::{InvalidId, MediaId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Video,
    Photo,
}

/// The content types TikTok accepts, each with its file extension. Stored
/// and shown as its MIME type (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum ContentType {
    Mp4,
    QuickTime,
    WebM,
    Jpeg,
    WebP,
}

impl From<ContentType> for &'static str {
    fn from(value: ContentType) -> Self {
        value.as_str()
    }
}

impl TryFrom<String> for ContentType {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| format!("unknown content type {value:?}"))
    }
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
    fn content_types_are_stored_as_their_mime_type() {
        for c in ContentType::ALL {
            let json = serde_json::to_value(c).expect("serialise");
            assert_eq!(json, serde_json::json!(c.as_str()));
            assert_eq!(serde_json::from_value::<ContentType>(json).expect("read back"), c);
        }
        let err = serde_json::from_value::<ContentType>(serde_json::json!("image/gif")).expect_err("unknown");
        assert!(err.to_string().contains("unknown content type"), "{err}");
    }

    #[test]
    fn content_types_map_to_kinds_and_extensions() {
        assert_eq!(ContentType::parse("video/webm").map(ContentType::kind), Some(MediaKind::Video));
        assert_eq!(ContentType::parse("image/webp").map(ContentType::extension), Some("webp"));
        assert_eq!(ContentType::parse("image/png"), None);
        assert_eq!(ContentType::parse("VIDEO/MP4"), None);
    }
}
