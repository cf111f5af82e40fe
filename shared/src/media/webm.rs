//! The little of Matroska/WebM the pre-flight check needs: walk EBML elements
//! from the front of the file to `Info` (timecode scale, duration) and
//! `Tracks` (the video track's pixel size and default frame duration),
//! stopping at the first `Cluster` (media data).

use super::probe::{MediaFacts, Rejection};

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const DEFAULT_DURATION: u32 = 0x23_E383;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const CLUSTER: u32 = 0x1F43_B675;

struct Element<'a> {
    id: u32,
    /// `None`: unknown size (a live-streamed segment); the data runs to the end.
    body: &'a [u8],
    next: usize,
}

fn vint(data: &[u8], at: usize, keep_marker: bool) -> Option<(u64, usize, bool)> {
    let first = *data.get(at)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || at + len > data.len() {
        return None;
    }
    let mut value = if keep_marker { u64::from(first) } else { u64::from(first) & ((1u64 << (8 - len)) - 1) };
    let mut all_ones = value == (1u64 << (8 - len)) - 1;
    for b in data.get(at + 1..at + len)? {
        value = (value << 8) | u64::from(*b);
        all_ones &= *b == 0xFF;
    }
    Some((value, len, all_ones && !keep_marker))
}

fn element(data: &[u8], at: usize) -> Option<Element<'_>> {
    let (id, id_len, _) = vint(data, at, true)?;
    let (size, size_len, unknown) = vint(data, at + id_len, false)?;
    let start = at + id_len + size_len;
    let end =
        if unknown { data.len() } else { start.checked_add(usize::try_from(size).ok()?)?.min(data.len()) };
    Some(Element { id: u32::try_from(id).ok()?, body: data.get(start..end)?, next: end })
}

fn children(data: &[u8]) -> impl Iterator<Item = Element<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let e = element(data, at)?;
        at = e.next;
        Some(e)
    })
}

fn uint(body: &[u8]) -> u64 {
    body.iter().take(8).fold(0, |acc, b| (acc << 8) | u64::from(*b))
}

fn float(body: &[u8]) -> Option<f64> {
    match body.len() {
        4 => Some(f64::from(f32::from_be_bytes(body.try_into().ok()?))),
        8 => Some(f64::from_be_bytes(body.try_into().ok()?)),
        _ => None,
    }
}

/// Facts from the first bytes of a WebM file.
pub fn facts(head: &[u8]) -> Result<MediaFacts, Rejection> {
    let header =
        element(head, 0).filter(|e| e.id == EBML).ok_or_else(|| Rejection("not a WebM file".into()))?;
    let doc_type = children(header.body).find(|e| e.id == DOC_TYPE).map(|e| e.body);
    if doc_type != Some(b"webm".as_slice()) {
        return Err(Rejection("not a WebM file (EBML doc type is not webm)".into()));
    }
    let segment = element(head, header.next)
        .filter(|e| e.id == SEGMENT)
        .ok_or_else(|| Rejection("WebM file has no segment".into()))?;

    let mut scale_ns = 1_000_000u64;
    let mut duration_ticks = None;
    let mut size = None;
    let mut frame_ns = None;
    for e in children(segment.body) {
        match e.id {
            INFO => {
                for f in children(e.body) {
                    match f.id {
                        TIMECODE_SCALE => scale_ns = uint(f.body).max(1),
                        DURATION => duration_ticks = float(f.body),
                        _ => {}
                    }
                }
            }
            TRACKS => {
                for entry in children(e.body).filter(|t| t.id == TRACK_ENTRY) {
                    let fields: Vec<_> = children(entry.body).collect();
                    if fields.iter().find(|f| f.id == TRACK_TYPE).map(|f| uint(f.body)) != Some(1) {
                        continue;
                    }
                    frame_ns = fields.iter().find(|f| f.id == DEFAULT_DURATION).map(|f| uint(f.body));
                    if let Some(video) = fields.iter().find(|f| f.id == VIDEO) {
                        let dims: Vec<_> = children(video.body).collect();
                        let dim = |id| dims.iter().find(|d| d.id == id).map(|d| uint(d.body) as u32);
                        size = dim(PIXEL_WIDTH).zip(dim(PIXEL_HEIGHT));
                    }
                    break;
                }
            }
            CLUSTER => break,
            _ => {}
        }
    }
    let (width, height) = size.ok_or_else(|| Rejection("WebM file has no readable video track".into()))?;
    Ok(MediaFacts {
        width,
        height,
        duration_seconds: duration_ticks.map(|t| t * scale_ns as f64 / 1e9),
        frame_rate: frame_ns.filter(|n| *n > 0).map(|n| 1e9 / n as f64),
    })
}
