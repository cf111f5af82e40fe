//! Real media files built in the test: ISO BMFF (MP4) with an H.264 sample
//! description, JPEG and PNG headers. The production probe reads them with
//! independent parsers (`mp4parse`, `imagesize`).

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn full(kind: &[u8; 4], version_flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = version_flags.to_be_bytes().to_vec();
    b.extend_from_slice(body);
    boxed(kind, &b)
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// A video of `frames` frames at `fps` and `width`x`height`; `moov_first`
/// puts the movie box before the media data ("fast start") or after it.
pub fn mp4(width: u16, height: u16, fps: u32, frames: u32, moov_first: bool) -> Vec<u8> {
    mp4_with_samples(width, height, fps, frames, 64, moov_first)
}

/// As [`mp4`], with every frame `sample_size` bytes: a well-formed video of
/// about `frames * sample_size` bytes (multi-chunk uploads, demos, loads).
pub fn mp4_with_samples(
    width: u16,
    height: u16,
    fps: u32,
    frames: u32,
    sample_size: u32,
    moov_first: bool,
) -> Vec<u8> {
    let timescale = fps * 1000;
    let delta = 1000;
    let duration = frames * delta;
    let mdat = boxed(b"mdat", &vec![0u8; (sample_size * frames) as usize]);
    let ftyp = boxed(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41");

    let build_moov = |chunk_offset: u32| {
        let mvhd = full(
            b"mvhd",
            0,
            &cat(&[
                u32s(&[0, 0, timescale, duration, 0x0001_0000]),
                vec![0x01, 0x00],
                vec![0; 10],
                u32s(&MATRIX),
                vec![0; 24],
                u32s(&[2]),
            ]),
        );
        let tkhd = full(
            b"tkhd",
            3,
            &cat(&[
                u32s(&[0, 0, 1, 0, duration]),
                vec![0; 8],
                vec![0; 8],
                u32s(&MATRIX),
                u32s(&[u32::from(width) << 16, u32::from(height) << 16]),
            ]),
        );
        let mdhd = full(b"mdhd", 0, &cat(&[u32s(&[0, 0, timescale, duration]), vec![0x55, 0xc4, 0, 0]]));
        let hdlr =
            full(b"hdlr", 0, &cat(&[u32s(&[0]), b"vide".to_vec(), vec![0; 12], b"VideoHandler\0".to_vec()]));
        let avcc = boxed(b"avcC", &[1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0x00]);
        let avc1 = boxed(
            b"avc1",
            &cat(&[
                vec![0; 6],
                vec![0, 1],
                vec![0; 16],
                width.to_be_bytes().to_vec(),
                height.to_be_bytes().to_vec(),
                u32s(&[0x0048_0000, 0x0048_0000, 0]),
                vec![0, 1],
                vec![0; 32],
                vec![0, 0x18, 0xff, 0xff],
                avcc,
            ]),
        );
        let stsd = full(b"stsd", 0, &cat(&[u32s(&[1]), avc1]));
        let stts = full(b"stts", 0, &u32s(&[1, frames, delta]));
        let stsc = full(b"stsc", 0, &u32s(&[1, 1, frames, 1]));
        let stsz = full(b"stsz", 0, &u32s(&[sample_size, frames]));
        let stco = full(b"stco", 0, &u32s(&[1, chunk_offset]));
        let stbl = boxed(b"stbl", &cat(&[stsd, stts, stsc, stsz, stco]));
        let vmhd = full(b"vmhd", 1, &[0; 8]);
        let dinf = boxed(b"dinf", &full(b"dref", 0, &cat(&[u32s(&[1]), full(b"url ", 1, &[])])));
        let minf = boxed(b"minf", &cat(&[vmhd, dinf, stbl]));
        let mdia = boxed(b"mdia", &cat(&[mdhd, hdlr, minf]));
        let trak = boxed(b"trak", &cat(&[tkhd, mdia]));
        boxed(b"moov", &cat(&[mvhd, trak]))
    };
    if moov_first {
        let moov_len = build_moov(0).len() as u32;
        let moov = build_moov(ftyp.len() as u32 + moov_len + 8);
        cat(&[ftyp, moov, mdat])
    } else {
        let offset = ftyp.len() as u32 + 8;
        let moov = build_moov(offset);
        cat(&[ftyp, mdat, moov])
    }
}

/// A baseline JPEG header (SOI, JFIF APP0, SOF0, EOI) of the given size.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    out.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    out.extend_from_slice(&[0u8; 512]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A PNG signature and IHDR chunk.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(b"IHDR");
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&[0u8; 256]);
    out
}

/// Stores `bytes` in the bucket as a READY media item of `tenant`, as the
/// API leaves one after its pre-flight checks (facts of a 1080-wide, 12 s,
/// 30 fps video or a 1080 × 1080 photo), for tests and tools that need
/// media without going through an upload.
pub async fn put_ready(
    aws: &shared::aws::Aws,
    media: &shared::media::store::MediaStore,
    tenant: &shared::tenant::TenantId,
    content_type: shared::media::ContentType,
    bytes: Vec<u8>,
) -> shared::media::store::MediaItem {
    use shared::media::{probe::MediaFacts, store::MediaStatus, MediaKind};
    let size = bytes.len() as u64;
    let mut item = shared::media::store::MediaStore::new_item(tenant, content_type, size, None);
    aws.s3()
        .put_object()
        .bucket(media.bucket())
        .key(&item.key)
        .content_type(content_type.as_str())
        .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
        .send()
        .await
        .expect("media upload");
    item.status = MediaStatus::Ready;
    item.size = Some(size);
    let (width, height) = if item.kind == MediaKind::Video { (1080, 1920) } else { (1080, 1080) };
    item.facts = Some(MediaFacts { width, height, duration_seconds: Some(12.0), frame_rate: Some(30.0) });
    media.put(&item).await.expect("media item");
    item
}
