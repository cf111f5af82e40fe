//! Pre-flight media checks from header bytes only, so a post is never
//! scheduled with media TikTok will refuse at publish time
//! (`picture_size_check_failed`, `duration_check_failed`,
//! `frame_rate_check_failed`, `file_format_check_failed`).
//!
//! Images: `imagesize` reads the dimensions from the first bytes. MP4/MOV:
//! the top-level boxes are walked with small ranged reads until `moov`, which
//! alone is read and parsed with `mp4parse` (it may sit after `mdat`, so the
//! walk never downloads the media itself). WebM: the EBML header, `Info`
//! (duration) and `Tracks` (size, frame duration) are read from the front.

use std::future::Future;
use std::io::Cursor;

use serde::{Deserialize, Serialize};

use super::ContentType;

/// TikTok's limits for API posts.
pub const MAX_PHOTO_SHORT_SIDE: u32 = 1080;
pub const MAX_VIDEO_SECONDS: f64 = 600.0;
pub const VIDEO_SIDE_RANGE: (u32, u32) = (360, 4096);
pub const VIDEO_FPS_RANGE: (f64, f64) = (23.0, 60.0);

/// Bytes read from the front of a file for image and WebM checks.
pub const HEAD_BYTES: u64 = 256 * 1024;
/// Largest `moov` box read (it holds the sample tables; long videos have big ones).
const MAX_MOOV_BYTES: u64 = 32 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES: usize = 64;

/// What the checks measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MediaFacts {
    pub width: u32,
    pub height: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
}

/// Why a file was rejected: a message with the measured values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

/// Reads byte ranges of one object (S3 ranged GETs in production).
pub trait RangeSource {
    type Error: std::fmt::Display;
    /// Up to `len` bytes from `start` (fewer at the end of the object).
    fn read(&self, start: u64, len: u64) -> impl Future<Output = Result<Vec<u8>, Self::Error>> + Send;
}

/// Outcome of a probe: the facts, a rejection, or a failure to read.
#[derive(Debug)]
pub enum ProbeError<E> {
    Rejected(Rejection),
    Read(E),
}

impl<E> From<Rejection> for ProbeError<E> {
    fn from(r: Rejection) -> Self {
        ProbeError::Rejected(r)
    }
}

fn reject<T>(msg: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection(msg.into()))
}

/// Checks an object of `size` bytes declared as `content_type`.
pub async fn probe<S: RangeSource>(
    source: &S,
    content_type: ContentType,
    size: u64,
) -> Result<MediaFacts, ProbeError<S::Error>> {
    match content_type {
        ContentType::Jpeg | ContentType::WebP => {
            let head = source.read(0, HEAD_BYTES.min(size)).await.map_err(ProbeError::Read)?;
            Ok(check_photo(&head, content_type)?)
        }
        ContentType::Mp4 | ContentType::QuickTime => {
            let moov = find_moov(source, size).await?;
            let facts = mp4_facts(&moov)?;
            Ok(check_video(facts)?)
        }
        ContentType::WebM => {
            let head = source.read(0, (4 * HEAD_BYTES).min(size)).await.map_err(ProbeError::Read)?;
            let facts = super::webm::facts(&head)?;
            Ok(check_video(facts)?)
        }
    }
}

/// Photos: JPEG or WebP as declared, short side ≤ 1080 px.
pub fn check_photo(head: &[u8], declared: ContentType) -> Result<MediaFacts, Rejection> {
    let found = match imagesize::image_type(head) {
        Ok(imagesize::ImageType::Jpeg) => ContentType::Jpeg,
        Ok(imagesize::ImageType::Webp) => ContentType::WebP,
        Ok(other) => return reject(format!("photos must be JPEG or WebP, found {other:?}")),
        Err(_) => return reject("not a readable image"),
    };
    if found != declared {
        return reject(format!("declared {} but the file is {}", declared.as_str(), found.as_str()));
    }
    let size = imagesize::blob_size(head).or_else(|_| reject("image dimensions are not readable"))?;
    let (width, height) = (size.width as u32, size.height as u32);
    let short = width.min(height);
    if short > MAX_PHOTO_SHORT_SIDE {
        return reject(format!(
            "photo is {width}x{height} px: its short side {short} px exceeds {MAX_PHOTO_SHORT_SIDE} px"
        ));
    }
    Ok(MediaFacts { width, height, ..MediaFacts::default() })
}

/// Videos: duration ≤ 10 min, both sides within 360–4096 px, 23–60 fps.
pub fn check_video(facts: MediaFacts) -> Result<MediaFacts, Rejection> {
    let (w, h) = (facts.width, facts.height);
    let Some(duration) = facts.duration_seconds.filter(|d| *d > 0.0) else {
        return reject("video duration is not readable");
    };
    if duration > MAX_VIDEO_SECONDS {
        return reject(format!("video lasts {duration:.1} s, more than {MAX_VIDEO_SECONDS} s"));
    }
    let (lo, hi) = VIDEO_SIDE_RANGE;
    if !(lo..=hi).contains(&w) || !(lo..=hi).contains(&h) {
        return reject(format!("video is {w}x{h} px: each side must be within {lo}-{hi} px"));
    }
    let Some(fps) = facts.frame_rate else { return reject("video frame rate is not readable") };
    let (lo, hi) = VIDEO_FPS_RANGE;
    if !(lo - 0.01..=hi + 0.01).contains(&fps) {
        return reject(format!("video runs at {fps:.2} fps: must be within {lo}-{hi} fps"));
    }
    Ok(facts)
}

/// Walks top-level boxes with 16-byte reads and returns the `moov` box.
async fn find_moov<S: RangeSource>(source: &S, size: u64) -> Result<Vec<u8>, ProbeError<S::Error>> {
    let mut offset = 0u64;
    for _ in 0..MAX_TOP_LEVEL_BOXES {
        if offset + 8 > size {
            break;
        }
        let header = source.read(offset, 16).await.map_err(ProbeError::Read)?;
        let (Some(small), Some(kind)) = (header.get(..4), header.get(4..8)) else { break };
        let small = u64::from(u32::from_be_bytes(small.try_into().map_err(|_| Rejection("bad box".into()))?));
        let box_size = match (small, header.get(8..16)) {
            (0, _) => size - offset,
            (1, Some(large)) => {
                u64::from_be_bytes(large.try_into().map_err(|_| Rejection("bad box".into()))?)
            }
            (1, None) => return Err(Rejection("truncated box header".into()).into()),
            (n, _) => n,
        };
        if box_size < 8 || offset + box_size > size {
            return Err(Rejection(format!(
                "file is truncated or corrupt: a box at byte {offset} claims {box_size} bytes of {size}"
            ))
            .into());
        }
        if kind == b"moov" {
            if box_size > MAX_MOOV_BYTES {
                return Err(Rejection(format!("moov box of {box_size} bytes is too large to check")).into());
            }
            let moov = source.read(offset, box_size).await.map_err(ProbeError::Read)?;
            if moov.len() as u64 != box_size {
                return Err(Rejection("file is truncated inside its moov box".into()).into());
            }
            return Ok(moov);
        }
        offset += box_size;
    }
    Err(Rejection("not a readable MP4/MOV file: no moov box".into()).into())
}

/// Size, duration and frame rate of the first video track of a `moov` box.
pub fn mp4_facts(moov: &[u8]) -> Result<MediaFacts, Rejection> {
    let context = mp4parse::read_mp4(&mut Cursor::new(moov))
        .or_else(|e| reject(format!("not a readable MP4/MOV file ({e:?})")))?;
    let Some(track) = context.tracks.iter().find(|t| t.track_type == mp4parse::TrackType::Video) else {
        return reject("the file has no video track");
    };
    let (width, height) = track.tkhd.as_ref().map(|t| (t.width >> 16, t.height >> 16)).unwrap_or((0, 0));
    let timescale = track.timescale.map(|t| t.0).filter(|t| *t > 0);
    let duration_seconds = match (track.duration, timescale) {
        (Some(d), Some(ts)) => Some(d.0 as f64 / ts as f64),
        _ => None,
    };
    let frames: u64 = track
        .stts
        .as_ref()
        .map(|stts| stts.samples.iter().map(|s| u64::from(s.sample_count)).sum())
        .unwrap_or(0);
    let frame_rate = duration_seconds.filter(|d| *d > 0.0 && frames > 0).map(|d| frames as f64 / d);
    Ok(MediaFacts { width, height, duration_seconds, frame_rate })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_outside_the_limits_are_rejected_with_the_measured_values() {
        let ok =
            MediaFacts { width: 1080, height: 1920, duration_seconds: Some(30.0), frame_rate: Some(30.0) };
        assert_eq!(check_video(ok.clone()), Ok(ok.clone()));
        let fast = MediaFacts { frame_rate: Some(120.0), ..ok.clone() };
        assert_eq!(check_video(fast).unwrap_err().0, "video runs at 120.00 fps: must be within 23-60 fps");
        let long = MediaFacts { duration_seconds: Some(601.0), ..ok.clone() };
        assert!(check_video(long).unwrap_err().0.contains("601.0 s"));
        let small = MediaFacts { width: 320, height: 240, ..ok.clone() };
        assert!(check_video(small).unwrap_err().0.contains("320x240"));
        let unknown = MediaFacts { duration_seconds: None, ..ok };
        assert_eq!(check_video(unknown).unwrap_err().0, "video duration is not readable");
    }

    #[test]
    fn ntsc_rates_just_inside_the_range_pass() {
        let facts =
            MediaFacts { width: 720, height: 1280, duration_seconds: Some(10.0), frame_rate: Some(23.976) };
        assert!(check_video(facts).is_ok());
    }
}
