//! PULL_FROM_URL: the sandbox really downloads the media, following no redirect, and checks
//! photos (JPEG/WebP, short side ≤ 1080 px) as TikTok does.

use sha2::{Digest, Sha256};

use crate::posts::{self, Status};
use crate::state::{Sandbox, Shared};

const MAX_VIDEO_BYTES: u64 = 4 * 1024 * 1024 * 1024;
const MAX_PHOTO_BYTES: usize = 20 * 1024 * 1024;
const MAX_SHORT_SIDE: usize = 1080;

pub fn spawn_video(state: &Shared, publish_id: &str, url: String) {
    let state = state.clone();
    let publish_id = publish_id.to_string();
    tokio::spawn(async move {
        match download_video(&state, &publish_id, &url).await {
            Ok(true) => posts::start_processing(&state, &publish_id),
            Ok(false) => {} // cancelled meanwhile
            Err(()) => {
                posts::fail(&state, &publish_id, "video_pull_failed");
            }
        }
    });
}

pub fn spawn_photos(state: &Shared, publish_id: &str, urls: Vec<String>) {
    let state = state.clone();
    let publish_id = publish_id.to_string();
    tokio::spawn(async move {
        for url in &urls {
            if let Err(reason) = download_photo(&state, &publish_id, url).await {
                posts::fail(&state, &publish_id, reason);
                return;
            }
        }
        if still_downloading(&state, &publish_id) {
            posts::start_processing(&state, &publish_id);
        }
    });
}

/// Streams the video, counting bytes. `Ok(false)` when the post was cancelled meanwhile.
async fn download_video(state: &Sandbox, publish_id: &str, url: &str) -> Result<bool, ()> {
    let mut response = state.puller.get(url).send().await.map_err(|_| ())?;
    // A 3xx is a failure too: TikTok follows no redirect.
    if !response.status().is_success() {
        tracing::info!(%publish_id, status = %response.status(), "video pull refused");
        return Err(());
    }
    let mut total: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(|_| ())? {
        total += chunk.len() as u64;
        if total > MAX_VIDEO_BYTES {
            return Err(());
        }
        if !add_downloaded(state, publish_id, &chunk, false) {
            return Ok(false);
        }
    }
    if total == 0 {
        return Err(());
    }
    Ok(true)
}

async fn download_photo(state: &Sandbox, publish_id: &str, url: &str) -> Result<(), &'static str> {
    let response = state.puller.get(url).send().await.map_err(|_| "photo_pull_failed")?;
    if !response.status().is_success() {
        tracing::info!(%publish_id, status = %response.status(), "photo pull refused");
        return Err("photo_pull_failed");
    }
    let bytes = response.bytes().await.map_err(|_| "photo_pull_failed")?;
    add_downloaded(state, publish_id, &bytes, true);
    check_photo(&bytes)
}

/// JPEG or WebP, at most 20 MB, short side at most 1080 px.
pub fn check_photo(bytes: &[u8]) -> Result<(), &'static str> {
    let failed = "picture_size_check_failed";
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(failed);
    }
    match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg | imagesize::ImageType::Webp) => {}
        _ => return Err(failed),
    }
    let size = imagesize::blob_size(bytes).map_err(|_| failed)?;
    if size.width.min(size.height) > MAX_SHORT_SIDE || size.width == 0 || size.height == 0 {
        return Err(failed);
    }
    Ok(())
}

/// Counts and hashes downloaded bytes: a whole photo, or the next piece of a video.
fn add_downloaded(state: &Sandbox, publish_id: &str, bytes: &[u8], photo: bool) -> bool {
    let mut store = state.store();
    match store.posts.get_mut(publish_id) {
        Some(post) if post.status == Status::ProcessingDownload => {
            post.downloaded_bytes += bytes.len() as u64;
            if photo {
                post.images_sha256.push(hex::encode(Sha256::digest(bytes)));
            } else {
                post.content.update(bytes);
            }
            true
        }
        _ => false,
    }
}

fn still_downloading(state: &Sandbox, publish_id: &str) -> bool {
    state.store().posts.get(publish_id).is_some_and(|p| p.status == Status::ProcessingDownload)
}
