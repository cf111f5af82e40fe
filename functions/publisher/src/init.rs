//! The init request of a post, built only from what the post and its media
//! items hold: the upload plan of a video (FILE_UPLOAD, streamed from S3) or
//! the pull URLs of a photo carousel (PULL_FROM_URL), built from the stored,
//! server-generated media keys — never from a string in a message.

use shared::media::store::MediaItem;
use shared::media::ContentType;
use shared::post::intake::parse_privacy;
use shared::post::{Post, PostKind};
use tiktok::{
    plan_chunks, AccessToken, ChunkPlan, InboxVideoInitRequest, InitResponse, PhotoInitRequest,
    PhotoPostInfo, PhotoSource, PostMode, TikTokClient, TikTokError, VideoContentType, VideoInitRequest,
    VideoPostInfo, VideoSource,
};

use crate::publish::{is_inbox, Stop};
use crate::Deps;

/// One init call, ready to send.
pub enum InitPlan {
    /// A direct-post video, uploaded in chunks after init.
    Video { request: VideoInitRequest, upload: Upload },
    /// A video draft for the creator's inbox, uploaded the same way.
    InboxVideo { request: InboxVideoInitRequest, upload: Upload },
    /// A photo carousel TikTok pulls from our URLs.
    Photo { request: PhotoInitRequest },
}

/// What the chunk PUTs read: the object and its plan.
pub struct Upload {
    pub key: String,
    pub plan: ChunkPlan,
    pub content_type: VideoContentType,
}

impl InitPlan {
    pub fn is_upload(&self) -> bool {
        !matches!(self, InitPlan::Photo { .. })
    }

    pub fn upload(&self) -> Option<&Upload> {
        match self {
            InitPlan::Video { upload, .. } | InitPlan::InboxVideo { upload, .. } => Some(upload),
            InitPlan::Photo { .. } => None,
        }
    }
}

fn video_type(content_type: ContentType) -> Option<VideoContentType> {
    match content_type {
        ContentType::Mp4 => Some(VideoContentType::Mp4),
        ContentType::QuickTime => Some(VideoContentType::QuickTime),
        ContentType::WebM => Some(VideoContentType::WebM),
        ContentType::Jpeg | ContentType::WebP => None,
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// Builds the init of `post` from its stored media.
pub(crate) async fn plan(deps: &Deps, post: &Post, media: &[MediaItem]) -> Result<InitPlan, Stop> {
    let settings = &post.settings;
    let privacy = parse_privacy(&settings.privacy_level).map_err(|e| Stop::Fail(e.to_string()))?;
    match settings.kind {
        PostKind::Video => {
            let [item] = media else { return Err(Stop::Fail("a video post has exactly one video".into())) };
            let content_type =
                video_type(item.content_type).ok_or_else(|| Stop::Fail("the media is not a video".into()))?;
            let size = item.size.unwrap_or(item.declared_size);
            let plan =
                plan_chunks(size).map_err(|e| Stop::Fail(format!("the video cannot be uploaded: {e}")))?;
            let upload = Upload { key: item.key.clone(), plan, content_type };
            let source_info = VideoSource::file_upload(&upload.plan);
            if is_inbox(post) {
                Ok(InitPlan::InboxVideo { request: InboxVideoInitRequest { source_info }, upload })
            } else {
                let post_info = VideoPostInfo {
                    title: non_empty(&settings.caption),
                    privacy_level: privacy,
                    disable_duet: settings.disable_duet,
                    disable_comment: settings.disable_comment,
                    disable_stitch: settings.disable_stitch,
                    video_cover_timestamp_ms: None,
                    brand_content_toggle: settings.brand_content_toggle,
                    brand_organic_toggle: settings.brand_organic_toggle,
                    is_aigc: settings.is_aigc,
                };
                Ok(InitPlan::Video { request: VideoInitRequest { post_info, source_info }, upload })
            }
        }
        PostKind::Photo => {
            let mut urls = Vec::with_capacity(media.len());
            for item in media {
                urls.push(photo_url(deps, item).await?);
            }
            let post_info = PhotoPostInfo {
                title: non_empty(&settings.caption),
                description: settings.description.clone().filter(|d| !d.is_empty()),
                privacy_level: Some(privacy),
                disable_comment: settings.disable_comment,
                auto_add_music: false,
                brand_content_toggle: settings.brand_content_toggle,
                brand_organic_toggle: settings.brand_organic_toggle,
            };
            let mode = if is_inbox(post) { PostMode::MediaUpload } else { PostMode::DirectPost };
            let request = PhotoInitRequest::new(mode, post_info, PhotoSource::pull_from_urls(urls, 0));
            Ok(InitPlan::Photo { request })
        }
    }
}

/// The URL TikTok pulls one photo from: under the verified media domain
/// when one is configured, else a presigned GET valid for the configured
/// time (at least an hour).
async fn photo_url(deps: &Deps, item: &MediaItem) -> Result<String, Stop> {
    match &deps.config.media_base_url {
        Some(base) => {
            let base = base.as_str().trim_end_matches('/');
            Ok(format!("{base}/{}", item.key))
        }
        None => Ok(deps.media.presign_download(item, deps.config.media_url_ttl).await?),
    }
}

/// Sends the init.
pub async fn call(
    client: &TikTokClient,
    token: &AccessToken,
    plan: &InitPlan,
) -> Result<InitResponse, TikTokError> {
    match plan {
        InitPlan::Video { request, .. } => client.init_video(token, request).await,
        InitPlan::InboxVideo { request, .. } => client.init_inbox_video(token, request).await,
        InitPlan::Photo { request } => client.init_photo(token, request).await,
    }
}
